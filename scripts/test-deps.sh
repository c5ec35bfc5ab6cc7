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

# The fast engine's threads come from OpenMP (numba's omp layer loads GNU's
# libgomp); tests check that the results are the same as on the built-in layer.
if ! ldconfig -p | grep -q 'libgomp\.so\.1 '; then
  echo "test-deps: installing libgomp1 (GNU OpenMP runtime) for the fast engine's threads"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libgomp1
fi
