#!/usr/bin/env bash
# `make status`: each component and every other process with a pid file in .run/pids: running or not, pid,
# resident memory (the process and its children), and whether it answers; then the health summary from
# Prometheus (stack/health.py).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
load_settings

total=0
row() { printf '%-12s %-10s %-8s %8s  %s\n' "$@"; }
row NAME STATE PID RSS ADDRESS
names=("${COMPONENTS[@]}")
for file in "$PIDS"/*.pid; do
    [[ -e $file ]] || continue
    name=$(basename "$file" .pid)
    [[ " ${COMPONENTS[*]} " == *" $name "* ]] || names+=("$name")
done
for name in "${names[@]}"; do
    address=""
    if [[ " ${COMPONENTS[*]} " == *" $name "* ]]; then var=$(address_var "$name") && address=${!var}; fi
    if [[ " ${COMPONENTS[*]} " == *" $name "* ]] && is_external "$name"; then
        row "$name" external - - "$address"
    elif pid=$(our_pid "$name"); then
        rss=$(tree_rss "$pid")
        total=$((total + rss))
        row "$name" running "$pid" "$((rss / 1024))M" "$address"
    else
        row "$name" stopped - - "$address"
    fi
done
echo "total resident memory of the processes above: $((total / 1024)) MiB"
running=()
for c in "${COMPONENTS[@]}"; do our_pid "$c" >/dev/null && running+=("$c"); done
answers=0
((${#running[@]} == 0)) || "$PY" -m stack.readiness check "${running[@]}" || answers=$?
"$PY" -m stack.health
exit "$answers"
