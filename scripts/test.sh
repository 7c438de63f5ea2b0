#!/usr/bin/env bash
# Set up a virtual environment with Keel and its test tools, then run the tests.
#   bash scripts/test.sh          the whole suite (what CI runs)
#   bash scripts/test.sh --fast   the fast lane: unit tests, fakes only at the Slack and LLM edge (docs/testing.md)
# Every other argument goes to pytest. The install runs again only when pyproject.toml changes (or on a
# fresh clone): a stamp inside .venv holds the hash of the pyproject.toml it was installed from.
set -euo pipefail
cd "$(dirname "$0")/.."

# Folders of the fast lane; tests/conftest.py marks what is slow inside them (and all of the others).
FAST_FOLDERS=(tests/store tests/guards tests/graphs tests/knowledge tests/bot)

stamp=.venv/.installed-pyproject
wanted=$(python3 -c 'import hashlib; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest())')
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  echo "$wanted" >"$stamp"
fi

fast=false
args=()
for arg in "$@"; do
  if [ "$arg" = "--fast" ]; then fast=true; else args+=("$arg"); fi
done
if $fast; then
  exec .venv/bin/python -m pytest -m "not slow" "${FAST_FOLDERS[@]}" ${args[@]+"${args[@]}"}
fi
exec .venv/bin/python -m pytest ${args[@]+"${args[@]}"}
