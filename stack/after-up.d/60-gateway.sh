#!/usr/bin/env bash
# Starts the Envoy gateway (see gateway/README.md), with the operators' dashboard on a loopback port of its own
# (docs/observability.md): sets the media bucket's public-read policy, renders envoy/envoy.yaml.tmpl into
# .run/gateway/envoy.yaml from the settings of this run (ports, endpoints, rate limits: read here, at start),
# validates it, starts Envoy with a pid file, and waits until its admin reports /ready with the JWKS loaded. A
# gateway already running is left alone: `make down && make up` applies new settings.
set -euo pipefail
source "${FEEDMESH_STACK_LIB:-$(dirname "$0")/../lib.sh}"
load_settings # (up.sh has exported them already; this lets the hook run on its own too)
export PYTHONPATH="$ROOT/gen:$ROOT"
: "${FEEDMESH_GATEWAY_JWKS_PORT:=9902}"

if pid=$(our_pid gateway); then
    printf '  %-12s running (pid %s) on 127.0.0.1:%s\n' gateway "$pid" "$FEEDMESH_GATEWAY_PORT"
    exit 0
fi
for var in FEEDMESH_GATEWAY_PORT FEEDMESH_ENVOY_ADMIN_PORT FEEDMESH_GATEWAY_JWKS_PORT FEEDMESH_DASHBOARD_PORT; do
    port_in_use "${!var}" && die "gateway: port ${!var} is taken by another process: set $var to move it"
done
started=${EPOCHREALTIME/./}
"$PY" -m gateway.media_policy | sed 's/^/  gateway      /'
config=$("$PY" -m gateway.render) || die "gateway: rendering the Envoy config failed (see above)"
"$PY" -m gateway.process validate "$config" || die "gateway: $config does not validate (see above)"
spawn gateway "$("$PY" -m gateway.process binary)" -c "$config" --disable-hot-restart --log-level warn
"$PY" -m gateway.process wait-ready --admin-port "$FEEDMESH_ENVOY_ADMIN_PORT" --timeout 30 >/dev/null ||
    die_with_log gateway "did not become ready"
printf '  %-12s ready on 127.0.0.1:%s (admin %s) after %d ms, log .run/logs/gateway.log\n' gateway \
    "$FEEDMESH_GATEWAY_PORT" "$FEEDMESH_ENVOY_ADMIN_PORT" $(((${EPOCHREALTIME/./} - started) / 1000))
printf '  %-12s http://127.0.0.1:%s/dashboard/\n' dashboard "$FEEDMESH_DASHBOARD_PORT"
