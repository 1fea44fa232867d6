#!/usr/bin/env bash
# Control one component of the data tier: start (and wait until it answers), stop, restart, status.
#   bash stack/ctl.sh start|stop|restart|status redis|postgres|kafka|cassandra|s3|prometheus|zipkin
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() { die "usage: bash stack/ctl.sh start|stop|restart|status ${COMPONENTS[*]// /|}"; }
[[ $# -eq 2 ]] || usage
action=$1 comp=$2
[[ " ${COMPONENTS[*]} " == *" $comp "* ]] || usage
load_settings

start() {
    lock_stack
    start_component "$comp"
    exec 9>&- # started: others may go on while this waits
    "$PY" -m stack.readiness wait "$TARGET"
}
stop() {
    lock_stack
    is_external "$comp" && die "$comp is external ($(address_var "$comp")): not ours to stop"
    stop_component "$comp"
}
case $action in
    start) start ;;
    stop) stop ;;
    restart) stop && exec 9>&- && start ;;
    status)
        if pid=$(our_pid "$comp"); then echo "$comp running (pid $pid)"; elif is_external "$comp"; then
            echo "$comp external"; else echo "$comp not running"; fi
        "$PY" -m stack.readiness check "$comp"
        ;;
    *) usage ;;
esac
