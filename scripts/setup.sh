#!/usr/bin/env bash
# Installs Debian's Chromium (when missing) and the package into .venv/ with the given extras.
# Usage: scripts/setup.sh [extras], e.g. scripts/setup.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"

# Playwright's driver (Node) needs libatomic, which a minimal Debian lacks.
if ! [ -x /usr/lib/chromium/chromium-headless-shell ] || ! command -v chromium >/dev/null \
  || ! /sbin/ldconfig -p | grep -q 'libatomic\.so\.1'; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q chromium-headless-shell chromium libatomic1
fi

if ! [ -x .venv/bin/python ]; then
  if ! python3 -m venv .venv 2>/dev/null; then
    # Debian's own python3 ships venv separately.
    rm -rf .venv
    SUDO=""
    if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
    $SUDO apt-get install -y -q python3-venv
    python3 -m venv .venv
  fi
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ -n "$extras" ]; then
  .venv/bin/python -m pip install -q -e ".[$extras]"
else
  .venv/bin/python -m pip install -q -e .
fi
