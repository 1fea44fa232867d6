#!/usr/bin/env bash
# Starts every feedmesh service that exists (services/<svc>/__main__.py), one process each, on the address of
# FEEDMESH_<SVC>_TARGET and the metrics port FEEDMESH_<SVC>_METRICS_PORT, plus the extra processes listed in
# WORKERS, then waits until each reports SERVING on the standard gRPC health service. A process already running is
# left alone: `make down && make up` restarts. With FEEDMESH_SERVICE_REPLICAS=N (the cluster topology), each process
# runs N times, replica n as svc-<process>-n on the ports + (n-1) * FEEDMESH_REPLICA_PORT_OFFSET, and the services
# dial every replica of their peers (export_replica_targets, stack/lib.sh).
set -euo pipefail
source "$FEEDMESH_STACK_LIB"

SERVICES=(auth graph media post engagement ranking notification timeline lake training)

# Environment given to one service's main process only.
declare -A MAIN_ENV=(
    # The timeline's main process serves reads only; its consumers run in the two workers below. A consumer's
    # Kafka client threads wake about 100 times a second each and take the GIL, which the reads then wait for.
    [timeline]="FEEDMESH_CONSUMER_ROLES=none"
)
# Extra processes: "<process> <service> <VAR=value>...", on FEEDMESH_<PROCESS>_TARGET / _METRICS_PORT.
# timeline-ingest: the post and graph events and the hot fanout (Redis), away from the reads' GIL.
# timeline-store: the durable fanout (Cassandra), at the lowest CPU priority (FEEDMESH_SVC_TIMELINE_STORE_NICE): on
# a 2-core machine its writes otherwise take CPU from the hot push and from reads; it catches up when they leave
# some (its backlog waits in Kafka).
WORKERS=(
    "timeline-ingest timeline FEEDMESH_CONSUMER_ROLES=posts,graph,fanout"
    "timeline-store timeline FEEDMESH_CONSUMER_ROLES=fanout-store"
)

targets=()
replicas=${FEEDMESH_SERVICE_REPLICAS:-1}
# every process's first address and metrics port, before export_replica_targets makes the targets lists
declare -A FIRST_ADDRESS=() FIRST_METRICS=()
for var in $(compgen -v FEEDMESH_ | grep -E '_(TARGET|METRICS_PORT)$'); do
    [[ $var == *_TARGET ]] && FIRST_ADDRESS[$var]=${!var} || FIRST_METRICS[$var]=${!var}
done
export_replica_targets

# start NAME SERVICE [VAR=value...]: its replicas 1..$replicas
start() {
    local name=$1 svc=$2 address_var metrics_var nice_var
    shift 2
    address_var=$(setting_var "$name" TARGET)
    metrics_var=$(setting_var "$name" METRICS_PORT)
    nice_var=$(setting_var "svc-$name" NICE)
    [[ -n ${FIRST_ADDRESS[$address_var]:-} ]] || die "$address_var is not set in stack/defaults.env"
    [[ -n ${FIRST_METRICS[$metrics_var]:-} ]] || die "$metrics_var is not set in stack/defaults.env"
    local n pname address metrics
    for ((n = 1; n <= replicas; n++)); do
        pname=$name
        ((n == 1)) || pname=$name-$n
        address=$(replica_address "${FIRST_ADDRESS[$address_var]}" "$n")
        metrics=$(replica_address "127.0.0.1:${FIRST_METRICS[$metrics_var]}" "$n")
        # a replica runs at the first one's CPU priority
        ((n == 1)) || export "$(setting_var "svc-$pname" NICE)=${!nice_var:-}"
        start_process "$pname" "$svc" "$address" "${metrics##*:}" "$@"
    done
}

# start_process PROCESS SERVICE ADDRESS METRICS_PORT [VAR=value...]
start_process() {
    local name=$1 svc=$2 address=$3 metrics=$4 port pid
    shift 4
    if pid=$(our_pid "svc-$name"); then
        printf '  %-15s running (pid %s) on %s\n' "$name" "$pid" "$address"
    else
        port=${address##*:}
        port_in_use "$port" && die "port $port is taken by another process: move $name (stack/defaults.env)"
        # PYTHONSAFEPATH: `python -m` would put the working directory first on sys.path, and a service started
        # from another directory than $ROOT (a worktree's code swapped into the stack) would import that
        # directory's services/ instead of $ROOT's.
        spawn "svc-$name" env PYTHONSAFEPATH=1 PYTHONPATH="$ROOT/gen:$ROOT" FEEDMESH_SERVICE_NAME="$svc" FEEDMESH_LISTEN_ADDRESS="$address" \
            FEEDMESH_METRICS_PORT="$metrics" "$@" "$PY" -m "services.$svc"
        printf '  %-15s started on %s (log .run/logs/svc-%s.log)\n' "$name" "$address" "$name"
    fi
    targets+=("$name=$address")
}

for svc in "${SERVICES[@]}"; do
    [[ -f $ROOT/services/$svc/__main__.py ]] || continue
    # shellcheck disable=SC2086  # the entries are VAR=value words
    start "$svc" "$svc" ${MAIN_ENV[$svc]:-}
done
for worker in "${WORKERS[@]}"; do
    read -r -a spec <<<"$worker"
    [[ -f $ROOT/services/${spec[1]}/__main__.py ]] || continue
    start "${spec[@]}"
done
((${#targets[@]})) || exit 0
# (twice the processes start on the same cores with each replica more: the wait grows with them)
"$PY" -m stack.grpc_ready "${targets[@]}" --timeout $((60 * replicas))
