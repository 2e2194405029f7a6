#!/usr/bin/env bash
# Times apply, a no-change plan (with its API calls) and destroy of examples/aws-cluster (37
# objects: network, security groups, three roles, load balancer) against a local moto.
# Usage: bench/cluster.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/infra-target}"
cargo build --quiet
infra="$CARGO_TARGET_DIR/debug/infra"
coproc MOTO { exec python3 tests/support/moto_server.py; }
read -r _ port <&"${MOTO[0]}"
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench
export AWS_REGION=eu-west-1 NO_COLOR=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/examples" "$work/modules"
cp -r examples/aws-cluster "$work/examples/" && rm -f "$work"/examples/aws-cluster/infra.tfstate*
cp -r modules/network "$work/modules/"
dir="$work/examples/aws-cluster"
# Warm moto (its first EC2 call loads the AMI catalogue) so it is not counted against apply.
"$infra" plan "$dir" > /dev/null
t() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2> "$work/err" || { cat "$work/err"; exit 1; }; e=$(date +%s.%N); echo "$s $e" | awk '{printf "%.2f", $2-$1}'; }
echo "# examples/aws-cluster against moto, $(basename "$infra") debug build"
echo "apply:          $(t "$infra" apply -auto-approve "$dir") s"
echo "no-change plan: $(t "$infra" plan -detailed-exitcode --stats "$dir") s, $(grep 'API calls' "$work/err")"
echo "destroy:        $(t "$infra" destroy -auto-approve "$dir") s"
