#!/usr/bin/env bash
# Fails when gen/ or the clients (clients/go, clients/ts) are out of step with proto/: regenerates both and looks for
# any change, new file or deletion.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s gen
make -s clients
if [ -n "$(git status --porcelain -- gen clients)" ]; then
  echo "gen/ or clients/ is out of step with proto/: run 'make gen clients' and commit the result:" >&2
  git status --porcelain -- gen clients >&2
  exit 1
fi
echo "gen/ and clients/ are in step with proto/"
