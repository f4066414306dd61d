#!/usr/bin/env bash
# Debian's Chromium as the resident screen: full screen, no address bar, no pinch zoom, no
# swipe-back, no translate bar or error dialogs, autoplay for the voice guidance, and nothing
# outside the kiosk's own address (deploy/chromium-policy.json blocks every other URL).
set -euo pipefail
# The resident listener (resident_port): on 127.0.0.1 only, it has no staff pages.
URL="${MADOGUCHI_URL:-http://127.0.0.1:8080/}"
PROFILE="${XDG_RUNTIME_DIR:-/tmp}/madoguchi-chromium"
rm -rf "$PROFILE"  # a fresh profile each start: nothing of yesterday's residents remains
exec /usr/bin/chromium \
  --kiosk "$URL" \
  --user-data-dir="$PROFILE" \
  --incognito \
  --noerrdialogs --disable-infobars --no-first-run \
  --disable-pinch --overscroll-history-navigation=0 \
  --disable-features=Translate,TouchpadOverscrollHistoryNavigation \
  --autoplay-policy=no-user-gesture-required \
  --disable-background-networking --disable-component-update --disable-sync \
  --check-for-update-interval=31536000
