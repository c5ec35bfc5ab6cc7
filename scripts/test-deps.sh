#!/usr/bin/env bash
# System packages the test suite needs, installed when missing.
set -euo pipefail
exit 0
