#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what it needs, lints, then pytest.
# Screenshots from the browser tests are kept in test-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test
.venv/bin/ruff check .
# Playwright drives Debian's /usr/bin/chromium; it must never try to download a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# The PC/SC tests start their own pcscd. They get a private /run/pcscd (a mount namespace), so a
# pcscd of the machine's own, such as systemd's pcscd.socket on a real server, neither races
# them nor answers their clients. Without the right to unshare, the tests refuse to run beside
# a pcscd that answers.
if unshare --mount --propagation private true 2>/dev/null; then
  exec unshare --mount --propagation private sh -c \
    'mkdir -p /run/pcscd && mount -t tmpfs -o mode=0755 tmpfs /run/pcscd && exec "$@"' \
    sh .venv/bin/python -m pytest "$@"
fi
exec .venv/bin/python -m pytest "$@"
