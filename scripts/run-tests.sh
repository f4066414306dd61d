#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what it needs, lints, then pytest.
# Screenshots from the browser tests are kept in test-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test
.venv/bin/ruff check .
# Playwright drives Debian's /usr/bin/chromium; it must never try to download a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
exec .venv/bin/python -m pytest "$@"
