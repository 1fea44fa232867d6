#!/usr/bin/env bash
# `make down`: stop exactly the processes that `make up` (or a hook, through `spawn`) started, as recorded in
# .run/pids/*.pid, after checking each pid is still that process. Services first, then the data tier in
# reverse start order. Data stays in .run/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

lock_stack
for file in "$PIDS"/*.pid; do
    [[ -e $file ]] || continue
    name=$(basename "$file" .pid)
    [[ " ${COMPONENTS[*]} " == *" $name "* ]] || stop_name "$name" TERM 30
done
for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    stop_component "${COMPONENTS[$i]}"
done
# the next `make up` chooses its topology again (down, status and ctl.sh read it while the stack runs)
rm -f "$RUN/topology"
