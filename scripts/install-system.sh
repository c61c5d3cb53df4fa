#!/usr/bin/env bash
# System packages the tests need: Debian's headless Chromium for the report and leaderboard pages.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "warning: chromium is not installed (browser tests will fail); install Debian's 'chromium'" >&2
  fi
fi
