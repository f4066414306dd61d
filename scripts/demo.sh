#!/usr/bin/env bash
# Installs what the kiosk needs, then runs it in demo mode (virtual cards, SQLite, no reader)
# on http://127.0.0.1:8080 (demo panel: /demo/). Extra arguments go to `kiosk demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
exec .venv/bin/kiosk demo "$@"
