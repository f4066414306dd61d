#!/usr/bin/env bash
# Installs what Madoguchi Kiosk needs on Debian 12, as root, into ./.venv:
#   scripts/install.sh        what the kiosk needs (pcscd, fonts, the Python package)
#   scripts/install.sh test   and what the test suite needs (vpcd, Chromium, OpenSC, pytest)
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

# pyscard has no Linux wheel on PyPI: pip builds it against pcsc-lite's headers with swig.
# cups-client: `lp` hands the slip to the counter's printer (a CUPS server, local or shared).
# (The TLS front for staff tablets on the LAN, nginx, is installed with the deploy/ files at the
# counter, not here: Debian's package starts a default site on port 80 as it installs.)
packages=(pcscd pcsc-tools fonts-noto-cjk python3-venv python3-pip python3-dev
          libpcsclite-dev swig pkg-config gcc cups-client)
if [ "${1:-}" = "test" ]; then
  # open-jtalk, its dictionary, espeak-ng (the five other languages' voices) and opus-tools:
  # `kiosk voice build` after a catalog change.
  # postgresql: the statistics tests run on SQLite and on a throwaway PostgreSQL server.
  # cups-daemon, cups-filters(-core-drivers), poppler-utils: the slip tests print to a private cupsd
  # with a PDF-writing queue and read the PDF back with pdftotext. espeak-ng: the voice build.
  # nginx-light: the tests start a private nginx as the TLS front (its own prefix and config).
  packages+=(nginx-light vsmartcard-vpcd chromium opensc open-jtalk open-jtalk-mecab-naist-jdic espeak-ng opus-tools postgresql
             cups-daemon cups-filters cups-filters-core-drivers poppler-utils)
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
