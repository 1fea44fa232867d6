#!/usr/bin/env bash
# Starts every feedmesh service that exists (services/<svc>/__main__.py), one process each, on the address of
# FEEDMESH_<SVC>_TARGET and the metrics port FEEDMESH_<SVC>_METRICS_PORT, then waits until each reports SERVING
# on the standard gRPC health service. A service already running is left alone: `make down && make up` restarts.
set -euo pipefail
source "$FEEDMESH_STACK_LIB"

SERVICES=(auth graph media post engagement ranking notification timeline)
targets=()
for svc in "${SERVICES[@]}"; do
    [[ -f $ROOT/services/$svc/__main__.py ]] || continue
    upper=${svc^^}
    address_var="FEEDMESH_${upper}_TARGET"
    metrics_var="FEEDMESH_${upper}_METRICS_PORT"
    address=${!address_var:?$address_var is not set in stack/defaults.env}
    if pid=$(our_pid "svc-$svc"); then
        printf '  %-12s running (pid %s) on %s\n' "$svc" "$pid" "$address"
    else
        port=${address##*:}
        port_in_use "$port" && die "port $port is taken by another process: set $address_var to move $svc"
        spawn "svc-$svc" env PYTHONPATH="$ROOT/gen:$ROOT" FEEDMESH_SERVICE_NAME="$svc" FEEDMESH_LISTEN_ADDRESS="$address" \
            FEEDMESH_METRICS_PORT="${!metrics_var}" "$PY" -m "services.$svc"
        printf '  %-12s started on %s (log .run/logs/svc-%s.log)\n' "$svc" "$address" "$svc"
    fi
    targets+=("$svc=$address")
done
((${#targets[@]})) || exit 0
"$PY" -m stack.grpc_ready "${targets[@]}"
