#!/usr/bin/env bash
# Restart one service process of the running stack, optionally with another checkout's code:
#   bash stack/restart-service.sh PROCESS [CHECKOUT]
# PROCESS: a pid file's name without `svc-` (timeline, timeline-ingest, engagement, ...) or `gateway`. The process is
# stopped (TERM, then KILL after 30 s), then CHECKOUT's stack/up.sh (this checkout's by default) starts it again,
# with the caller's FEEDMESH_* environment (e.g. FEEDMESH_HEAP_TRACE=1). CHECKOUT must share this stack's state,
# its .run a link to this checkout's, so that its up.sh sees the same pid files and settings.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[[ $# -ge 1 && $# -le 2 ]] || die "usage: bash stack/restart-service.sh PROCESS [CHECKOUT]"
process=$1
checkout=$(cd "${2:-$ROOT}" && pwd -P)
[[ $process == gateway ]] || process=svc-${process#svc-}
[[ -f $PIDS/$process.pid ]] || die "$process: no pid file in $PIDS (not one of this stack's processes?)"
[[ -f $checkout/stack/up.sh ]] || die "$checkout: not a checkout of this project"
[[ $(cd "$checkout/.run" 2>/dev/null && pwd -P) == $(cd "$RUN" && pwd -P) ]] ||
    die "$checkout/.run is not this stack's state ($RUN): link it first (ln -s $RUN $checkout/.run)"
load_settings
stop_name "$process" TERM 30
exec bash "$checkout/stack/up.sh"
