#!/usr/bin/env bash
# Regenerates the clients under clients/ (Go and TypeScript) from the public API, proto/feedmesh/<svc>/v1, with
# buf.gen.clients.yaml; the internal packages (proto/feedmesh/<svc>/internal/v1) are never part of a client. The
# TypeScript client also gets google/rpc (ErrorInfo, the reason every error carries); Go has it from genproto.
# Output is deterministic so CI can fail on any diff (tools/check_gen_clean.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BUF=${BUF:-buf}
cache=${FEEDMESH_CACHE:-$HOME/.cache/feedmesh}
# the plugins `make clients` installs: Go's into the cache's Go bin directory, protoc-gen-es into its npm prefix
export PATH="$cache/go/bin:$cache/npm/node_modules/.bin:$PATH"
for plugin in protoc-gen-go protoc-gen-go-grpc protoc-gen-es; do
    command -v "$plugin" >/dev/null || { echo "$plugin is missing: run make clients" >&2; exit 1; }
done
paths=()
for dir in proto/feedmesh/*/v1; do paths+=(--path "$dir"); done
paths+=(--path third_party/google/rpc)
rm -rf clients/go/feedmesh clients/ts/src/gen
"$BUF" generate --template buf.gen.clients.yaml "${paths[@]}"
