#!/usr/bin/env bash
# Starts the Envoy gateway (see gateway/README.md), with the operators' dashboard on a loopback port of its own
# (docs/observability.md): sets the media bucket's public-read policy, renders envoy/envoy.yaml.tmpl into
# .run/gateway/envoy.yaml from the settings of this run (ports, endpoints, rate limits: read here, at start),
# validates it, starts Envoy with a pid file, and waits until its admin reports /ready with the JWKS loaded. A
# gateway already running is left alone: `make down && make up` applies new settings. With FEEDMESH_GATEWAY_REPLICAS=N
# (the cluster topology, docs/cluster.md), replica n runs as gateway-n from .run/gateway-n, on every port + (n-1) *
# FEEDMESH_REPLICA_PORT_OFFSET.
set -euo pipefail
source "${FEEDMESH_STACK_LIB:-$(dirname "$0")/../lib.sh}"
load_settings # (up.sh has exported them already; this lets the hook run on its own too)
export_replica_targets # the services' replicas as the gateway's endpoints (FEEDMESH_SERVICE_REPLICAS)
export PYTHONPATH="$ROOT/gen:$ROOT"
: "${FEEDMESH_GATEWAY_JWKS_PORT:=9902}"
PORT_VARS=(FEEDMESH_GATEWAY_PORT FEEDMESH_ENVOY_ADMIN_PORT FEEDMESH_GATEWAY_JWKS_PORT FEEDMESH_DASHBOARD_PORT)
declare -A FIRST=()
for var in "${PORT_VARS[@]}"; do FIRST[$var]=${!var}; done

# start_gateway NAME N: replica N with the pid file NAME
start_gateway() {
    local name=$1 n=$2 var pid started config
    for var in "${PORT_VARS[@]}"; do
        export "$var=$(replica_address "127.0.0.1:${FIRST[$var]}" "$n" | cut -d: -f2)"
    done
    if pid=$(our_pid "$name"); then
        printf '  %-12s running (pid %s) on 127.0.0.1:%s\n' "$name" "$pid" "$FEEDMESH_GATEWAY_PORT"
        return 0
    fi
    for var in "${PORT_VARS[@]}"; do
        port_in_use "${!var}" && die "$name: port ${!var} is taken by another process: set $var to move it"
    done
    started=${EPOCHREALTIME/./}
    config=$("$PY" -m gateway.render --out "$RUN/${name/#gateway-1/gateway}") ||
        die "$name: rendering the Envoy config failed (see above)"
    "$PY" -m gateway.process validate "$config" || die "$name: $config does not validate (see above)"
    spawn "$name" "$("$PY" -m gateway.process binary)" -c "$config" --disable-hot-restart --log-level warn
    "$PY" -m gateway.process wait-ready --admin-port "$FEEDMESH_ENVOY_ADMIN_PORT" --timeout 30 >/dev/null ||
        die_with_log "$name" "did not become ready"
    printf '  %-12s ready on 127.0.0.1:%s (admin %s) after %d ms, log .run/logs/%s.log\n' "$name" \
        "$FEEDMESH_GATEWAY_PORT" "$FEEDMESH_ENVOY_ADMIN_PORT" $(((${EPOCHREALTIME/./} - started) / 1000)) "$name"
    printf '  %-12s http://127.0.0.1:%s/dashboard/\n' dashboard "$FEEDMESH_DASHBOARD_PORT"
}

"$PY" -m gateway.media_policy | sed 's/^/  gateway      /'
start_gateway gateway 1
for ((n = 2; n <= ${FEEDMESH_GATEWAY_REPLICAS:-1}; n++)); do start_gateway "gateway-$n" "$n"; done
