#!/usr/bin/env bash
# Regenerates the README's screenshots of each resident step (docs/screenshots/*.png) by
# running the browser happy path in Chromium, which photographs every step.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
.venv/bin/python -m pytest -q tests/browser/test_browser.py::test_happy_path tests/browser/test_browser.py::test_wrong_pin_shows_tries_left \
  "tests/browser/test_accessibility.py::test_whole_visit_in_each_language_passes_axe_on_every_screen[en]" \
  "tests/browser/test_accessibility.py::test_display_options_keep_every_rule[large]" \
  "tests/browser/test_accessibility.py::test_display_options_keep_every_rule[furigana]" \
  "tests/browser/test_accessibility.py::test_display_options_keep_every_rule[easy-large]" \
  tests/browser/test_slip_screen.py "tests/servers/test_slip.py::test_a_slip_after_registering_in_vietnamese_with_japanese_beside_it" \
  "tests/servers/test_slip.py::test_a_service_that_cannot_be_reached_offers_the_slip_instead_of_the_pin"
mkdir -p docs/screenshots
for name in happy-1-idle happy-2-consent happy-3-pin happy-4-registering happy-5-done wrong-pin \
            lang-en-1-idle display-large display-furigana display-large-ja-easy slip-1-done-card-taken \
            slip-2-printed slip-3-service-down; do
  cp "test-artifacts/$name.png" "docs/screenshots/$name.png"
done
echo "screenshots written to docs/screenshots/"
