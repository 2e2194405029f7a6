#!/usr/bin/env bash
# Refresh-by-type benchmark against moto (see bench/refresh.py). Usage: bench/refresh.sh [--objects N]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/infra-target}"
cargo build --quiet
exec python3 bench/refresh.py --infra "$CARGO_TARGET_DIR/debug/infra" "$@"
