#!/usr/bin/env bash
# Waits (up to 60 s) until the kiosk server answers /healthz, so the screen never shows an error page.
for _ in $(seq 60); do
  curl -fsS -o /dev/null "${MADOGUCHI_URL:-http://127.0.0.1:8080/}healthz" && exit 0
  curl -s -o /dev/null -w '%{http_code}' "${MADOGUCHI_URL:-http://127.0.0.1:8080/}healthz" | grep -q 503 && exit 0
  sleep 1
done
exit 0
