#!/usr/bin/env bash
# Regenerates everything derived from proto/: Python stubs, the descriptor set the gateway transcodes with.
# Output is deterministic so CI can fail on any diff (tools/check_gen_clean.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BUF=${BUF:-buf}
rm -rf gen/feedmesh
"$BUF" format --exit-code --diff >/dev/null || { echo "proto/ is not buf-formatted: run make fmt" >&2; exit 1; }
"$BUF" generate
# The transcoder needs every file (ours and google.api) with source info stripped for a stable, small artifact.
"$BUF" build --exclude-source-info -o gen/feedmesh.binpb
