#!/usr/bin/env bash
# Regenerates everything derived from proto/: Python stubs, the descriptor set the gateway transcodes with, and
# the OpenAPI 3.1 document of the REST API (gen/openapi/feedmesh.openapi.json, served by the gateway at /openapi.json).
# Output is deterministic so CI can fail on any diff (tools/check_gen_clean.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BUF=${BUF:-buf}
# protoc-gen-openapiv3 is installed by `make setup` into the Go bin directory of the cache
export PATH="${FEEDMESH_CACHE:-$HOME/.cache/feedmesh}/go/bin:$PATH"
command -v protoc-gen-openapiv3 >/dev/null || {
    echo "protoc-gen-openapiv3 is missing: run make setup" >&2
    exit 1
}
rm -rf gen/feedmesh gen/openapi
"$BUF" format --exit-code --diff >/dev/null || { echo "proto/ is not buf-formatted: run make fmt" >&2; exit 1; }
"$BUF" generate
# One OpenAPI document per proto file into a scratch directory; gateway/openapi.py merges and finishes them.
parts=$(mktemp -d)
trap 'rm -rf "$parts"' EXIT
"$BUF" generate --template buf.gen.openapi.yaml -o "$parts"
python -m gateway.openapi "$parts" gen/openapi/feedmesh.openapi.json
# The gateway's descriptor set: the public API (proto/feedmesh/<svc>/v1 and what it imports, google.api and
# google.rpc included), with source info stripped for a stable, small artifact. The internal packages
# (proto/feedmesh/<svc>/internal/v1) are left out, so the gateway cannot transcode or route them even by mistake.
internal=()
for dir in proto/feedmesh/*/internal; do internal+=(--exclude-path "$dir"); done
"$BUF" build --exclude-source-info "${internal[@]}" -o gen/feedmesh.binpb
