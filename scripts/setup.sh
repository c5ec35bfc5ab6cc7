#!/usr/bin/env bash
# Create .venv with a Python >= 3.12 found on this machine (PATH or pyenv) and
# install cxsim with the pinned versions of requirements.lock. Idempotent: does
# nothing when the lock and pyproject.toml have not changed since the last run.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.installed"
want=$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$VENV/bin/python" ]; then
  exit 0
fi

is_ok() {  # is $1 a Python >= 3.12?
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
  if [ -n "${CXSIM_PYTHON:-}" ] && is_ok "$CXSIM_PYTHON"; then echo "$CXSIM_PYTHON"; return; fi
  for name in python3.14 python3.13 python3.12 python3 python; do
    if command -v "$name" >/dev/null 2>&1 && is_ok "$(command -v "$name")"; then command -v "$name"; return; fi
  done
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  if [ -d "$root/versions" ]; then
    for dir in $(ls -1 "$root/versions" | grep -E '^3\.[0-9]+\.[0-9]+$' | sort -t. -k1,1n -k2,2n -k3,3n -r); do
      if is_ok "$root/versions/$dir/bin/python"; then echo "$root/versions/$dir/bin/python"; return; fi
    done
  fi
  return 1
}

if [ ! -x "$VENV/bin/python" ] || ! is_ok "$VENV/bin/python"; then
  if ! py=$(find_python); then
    echo "error: cxsim needs Python 3.12 or newer; none was found on PATH or under pyenv." >&2
    echo "       Install one (e.g. 'pyenv install 3.12') or set CXSIM_PYTHON=/path/to/python3.12." >&2
    exit 1
  fi
  echo "setup: creating $VENV with $py ($("$py" --version))"
  rm -rf "$VENV"
  "$py" -m venv "$VENV"
fi

echo "setup: installing pinned dependencies (requirements.lock)"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -c requirements.lock -r requirements.lock
"$VENV/bin/python" -m pip install --quiet --no-deps --no-build-isolation -e .
# Compile the fast engine's kernels now (numba caches them beside the code), so the first run, and the
# planner's first visitor, load them instead of compiling them.
echo "setup: compiling the fast engine's kernels"
"$VENV/bin/python" -c "import cxsim; cxsim.simulate(cxsim.load_scenario('scenarios/people_vs_ads.toml').with_overrides({'market.population': 500, 'market.weeks': 3}), 1, keep_customers=False)" >/dev/null
echo "$want" > "$STAMP"
