#!/usr/bin/env bash
# Kill campaign: SIGKILL at random moments of creates, create-before-destroy replacements and
# destroys of a cluster whose names infra generates, against moto; prints how many kills landed
# mid-operation, and the orphans and blocked next runs (both must be 0).
# Usage: bench/kill_campaign.sh [KILLS [SEED]]   (default 60 kills)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/infra-target}"
INFRA_KILLS="${1:-60}" INFRA_KILL_SEED="${2:-}" cargo test --quiet --test kill_campaign -- --nocapture 2>&1 \
  | grep -E '^kill campaign|^trial|panicked|test result'
