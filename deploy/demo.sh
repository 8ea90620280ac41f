#!/usr/bin/env bash
# The one-command demo: installs what it needs, then runs `edge demo` (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash deploy/bootstrap.sh
exec .venv/bin/edge demo "$@"
