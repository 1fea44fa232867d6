#!/usr/bin/env bash
# `make wipe` (after `make down`): delete all local state, .run/ (data, logs, pid files, generated secrets).
# Downloads in the cache (FEEDMESH_CACHE) stay.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bash "$STACK_DIR/down.sh" # no-op after `make down`; makes `bash stack/wipe.sh` alone safe too
rm -rf "$RUN"
say "wiped $RUN"
