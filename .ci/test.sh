#!/usr/bin/env bash
# The whole test suite: installs what a fresh machine lacks, then lint, types, contracts, tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash deploy/system-packages.sh
bash deploy/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"; ruff check . && ruff format --check .
echo "== mypy"; mypy edge cloud_sync handheld_ui
echo "== import-linter"; lint-imports
echo "== pytest"; pytest -q "$@"
