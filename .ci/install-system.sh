#!/usr/bin/env bash
# System packages the tests need (headless Chromium for the report and leaderboard page tests).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is not installed and this user cannot apt-get it; browser tests will fail" >&2
  fi
fi
