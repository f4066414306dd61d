#!/usr/bin/env bash
# Installs what Madoguchi Kiosk needs on Debian 12, as root, into ./.venv:
#   scripts/install.sh        what the kiosk needs (pcscd, fonts, the Python package)
#   scripts/install.sh test   and what the test suite needs (vpcd, Chromium, OpenSC, pytest)
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

# pyscard has no Linux wheel on PyPI: pip builds it against pcsc-lite's headers with swig.
# nginx-light: the TLS front for staff tablets on the LAN (deploy/nginx-madoguchi.conf).
packages=(pcscd pcsc-tools fonts-noto-cjk python3-venv python3-pip python3-dev
          libpcsclite-dev swig pkg-config gcc nginx-light)
if [ "${1:-}" = "test" ]; then
  # open-jtalk, its dictionary and opus-tools: `kiosk voice build` after a catalog change.
  # postgresql: the statistics tests run on SQLite and on a throwaway PostgreSQL server.
  packages+=(vsmartcard-vpcd chromium opensc open-jtalk open-jtalk-mecab-naist-jdic opus-tools postgresql)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A virtual environment: Debian 12's own Python refuses system-wide pip installs (PEP 668).
[ -x .venv/bin/python ] || python3 -m venv .venv
# Every Python dependency comes pinned, with its hashes, from a lock file (scripts/lock.sh refreshes
# them); then the kiosk itself, editable, without resolving anything more.
lock=requirements/runtime.txt
[ "${1:-}" = "test" ] && lock=requirements/test.txt
.venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r "$lock"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
