#!/usr/bin/env bash
# Quick start: install what the demo needs (Debian's Chromium, a virtual environment with the
# package) and run `foundry-relay demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/foundry-relay demo "$@"
