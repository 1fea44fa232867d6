#!/usr/bin/env bash
# Fails when gen/ is out of step with proto/: regenerates and looks for any change, new file or deletion.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s gen
if [ -n "$(git status --porcelain -- gen)" ]; then
  echo "gen/ is out of step with proto/: run 'make gen' and commit the result:" >&2
  git status --porcelain -- gen >&2
  exit 1
fi
echo "gen/ is in step with proto/"
