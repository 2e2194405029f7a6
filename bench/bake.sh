#!/usr/bin/env bash
# Times a bake against moto, then the no-op bake of the same unchanged image (the issue's target:
# at most 2 API calls, under a second; resolving a source_ami_filter is one of them) and a plan that finds the image in the deploy graph.
# Usage: bench/bake.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/infra-target}"
cargo build --quiet
infra="$CARGO_TARGET_DIR/debug/infra"
coproc MOTO { exec python3 tests/support/moto_server.py; }
read -r _ port <&"${MOTO[0]}"
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench
export AWS_REGION=eu-west-1 NO_COLOR=1
# moto runs no user data: infra stops the builder where a real one powers itself off.
export INFRA_BAKE_EMULATED_BUILDER=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo 'level=info' > "$work/agent.conf"
printf '#!/bin/sh\necho install\n' > "$work/install.sh"
cat > "$work/main.tf" <<'TF'
image "base" {
  source_ami_filter {
    owners      = ["amazon"]
    name        = "amzn2-ami-hvm-*-x86_64-gp2"
    most_recent = true
  }
  instance_type = "t3.small"
  communicator  = "user-data"
  provisioner "file" {
    source      = "agent.conf"
    destination = "/etc/agent.conf"
  }
  provisioner "shell" { script = "install.sh" }
  ami_name = "base-{{fingerprint}}"
}
output "image" { value = image.base.id }
TF
t() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2> "$work/err" || { cat "$work/err"; exit 1; }; e=$(date +%s.%N); echo "$s $e" | awk '{printf "%.3f", $2-$1}'; }
calls() { grep -o 'API calls: [0-9]*' "$work/err" | grep -o '[0-9]*$'; }
echo "# infra bake against moto, $(basename "$infra") debug build"
echo "first bake (builds):        $(t "$infra" bake --dir "$work" --stats) s, $(calls) API calls"
worst=0
max_calls=0
for i in $(seq "$rounds"); do
  s=$(t "$infra" bake --dir "$work" --stats)
  c=$(calls)
  echo "no-op bake $i:               $s s, $c API calls"
  worst=$(echo "$worst $s" | awk '{print ($2 > $1) ? $2 : $1}')
  [ "$c" -gt "$max_calls" ] && max_calls=$c
done
echo "plan finding the image:     $(t "$infra" plan --stats "$work") s, $(calls) API calls"
verdict() { if awk "BEGIN{exit !($1)}"; then echo PASS; else echo FAIL; fi; }
echo "$(verdict "$max_calls <= 2") no-op bake: at most $max_calls API calls (target <= 2)"
echo "$(verdict "$worst < 1.0") no-op bake: slowest ${worst} s (target < 1 s)"
