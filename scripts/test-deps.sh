#!/usr/bin/env bash
# System packages the test suite needs, installed when missing.
set -euo pipefail

# The planner's browser test drives Debian's Chromium through Playwright
# (Playwright's own browser download is never used).
if [ ! -x /usr/bin/chromium ]; then
  echo "test-deps: installing chromium (Debian package) for the browser test"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi
