#!/usr/bin/env bash
# Refreshes the lock files from setup.cfg with pip-tools (part of the `test` extra):
#   requirements/runtime.txt   what the kiosk needs at run time
#   requirements/test.txt      that, plus the `test` extra (same versions for what both have)
# Every entry carries the sha256 of every file the registry has for that version (wheels and
# sdist; pyscard installs from its sdist). Needs `scripts/install.sh test` once (or any Python
# 3.11 with pip-tools). Add --upgrade to move every pin to the newest release:
#   scripts/lock.sh            keep the current pins where setup.cfg still allows them
#   scripts/lock.sh --upgrade  newest allowed versions
set -euo pipefail
cd "$(dirname "$0")/.."
compile=".venv/bin/pip-compile"
[ -x "$compile" ] || compile="pip-compile"
export CUSTOM_COMPILE_COMMAND="scripts/lock.sh"
common=(--quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
        --no-emit-trusted-host "$@")
"$compile" "${common[@]}" -o requirements/runtime.txt setup.cfg
"$compile" "${common[@]}" --extra test -c requirements/runtime.txt -o requirements/test.txt setup.cfg
