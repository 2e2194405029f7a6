#!/usr/bin/env bash
# Remote state benchmark: plan, apply and no-change plan of the 10,000-resource configuration
# with the state in a local file and in S3 (moto on loopback), and the 1.5x target as PASS/FAIL.
# Usage: bench/remote_state.sh [--release] [--size N] [--runs K]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/infra-target}"
profile=debug
args=()
for a in "$@"; do
  case "$a" in
    --release) profile=release ;;
    *) args+=("$a") ;;
  esac
done
if [ "$profile" = release ]; then cargo build --quiet --release; else cargo build --quiet; fi
exec python3 bench/remote_state.py --infra "$CARGO_TARGET_DIR/$profile/infra" ${args[@]+"${args[@]}"}
