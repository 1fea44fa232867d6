#!/usr/bin/env bash
# `make up`: provision on first use, start every data-tier component that is not running (or use the external
# server its variable points at), wait until each answers a real request, apply the schemas, then run the
# executable hooks stack/after-up.d/*.sh in order (services, gateway; FEEDMESH_UP_HOOKS=0 skips them).
# Running it again is harmless.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

started=$SECONDS
bash "$STACK_DIR/provision.sh"
load_settings
lock_stack
echo "$TOPOLOGY" >"$RUN/topology"
say "starting the data tier (state in .run/, logs in .run/logs/)"
targets=()
for comp in "${COMPONENTS[@]}"; do
    start_component "$comp"
    targets+=("$TARGET")
done
"$PY" -m stack.readiness wait "${targets[@]}" || die "the data tier did not come up (see above)"
load_settings # the S3 credentials exist now
reserve_ports
"$PY" -m stack.schema apply || die "applying the schemas failed (see above)"

# FEEDMESH_UP_HOOKS=0 starts the data tier alone
[[ ${FEEDMESH_UP_HOOKS:-1} == 0 ]] && set -- || set -- "$STACK_DIR"/after-up.d/*.sh
for hook in "$@"; do
    [[ -x $hook ]] || continue
    say "hook $(basename "$hook")"
    FEEDMESH_STACK_LIB="$STACK_DIR/lib.sh" bash "$hook" 9>&- || die "hook $hook failed"
done
say "up in $((SECONDS - started))s"
