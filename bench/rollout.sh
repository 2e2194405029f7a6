#!/usr/bin/env bash
# Times a rollout of a 3 x 3 cluster (three roles, three instances each) from one image to
# another against a local moto, and counts the API calls a rollout costs per instance replaced:
# the same change applied to an identical cluster without `instance_refresh` is the baseline.
# Usage: bench/rollout.sh [WARMUP_SECONDS]   (default 0: moto's instances are healthy at once)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/infra-target}"
warmup="${1:-0}"
cargo build --quiet
infra="$CARGO_TARGET_DIR/debug/infra"
coproc MOTO { exec python3 tests/support/moto_server.py; }
read -r _ port <&"${MOTO[0]}"
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench
export NO_COLOR=1 AWS_REGION=eu-west-1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cluster() { # DIR REFRESH(yes|no) GROUP_PREFIX
  mkdir -p "$1"
  local refresh=""
  [ "$2" = yes ] && refresh="instance_refresh {
    strategy = \"Rolling\"
    preferences {
      instance_warmup = \"$warmup\"
    }
  }"
  cat > "$1/main.tf" <<TF
variable "image" {
  type = string
}
resource "aws_vpc" "main" {
  cidr_block = "10.60.0.0/16"
}
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.60.1.0/24"
}
resource "aws_launch_template" "role" {
  for_each               = toset(["master", "public-agent", "private-agent"])
  name_prefix            = "\${each.key}-"
  image_id               = var.image
  instance_type          = "t3.micro"
  update_default_version = true
}
resource "aws_autoscaling_group" "role" {
  for_each            = toset(["master", "public-agent", "private-agent"])
  name                = "$3-\${each.key}"
  min_size            = 3
  max_size            = 3
  desired_capacity    = 3
  vpc_zone_identifier = [aws_subnet.a.id]
  launch_template {
    id      = aws_launch_template.role[each.key].id
    version = aws_launch_template.role[each.key].latest_version
  }
  $refresh
}
TF
}

images=$(python3 - <<'PY'
import os, boto3
ec2 = boto3.client("ec2", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="eu-west-1")
ids = sorted(i["ImageId"] for i in ec2.describe_images(Owners=["amazon"])["Images"] if i.get("RootDeviceName"))
print(ids[0], ids[1])
PY
)
read -r old new <<< "$images"
cluster "$work/roll" yes rolling
cluster "$work/plain" no plain
run() { # DIR IMAGE -> seconds; --stats into DIR/stats
  local s e
  s=$(date +%s.%N)
  "$infra" apply -auto-approve --stats -var "image=$2" "$1" > "$1/out" 2> "$1/stats" || { cat "$1/out" "$1/stats"; exit 1; }
  e=$(date +%s.%N)
  echo "$s $e" | awk '{printf "%.2f", $2-$1}'
}
run "$work/roll" "$old" > /dev/null
run "$work/plain" "$old" > /dev/null
roll=$(run "$work/roll" "$new")
plain=$(run "$work/plain" "$new")
calls() { awk '/^API calls:/ {print $3}' "$1/stats"; }
ops() { awk '/^API calls:/ {on=1; next} on && NF >= 2 {n=$NF; $NF=""; sub(/ +$/, ""); sub(/^ +/, ""); print $0 "\t" n}' "$1/stats" | sort; }
echo "# 3 roles x 3 instances against moto, instance_warmup ${warmup}s, $(basename "$infra") debug build"
echo "rollout apply:          ${roll} s, $(calls "$work/roll") API calls"
echo "same change, no rollout: ${plain} s, $(calls "$work/plain") API calls"
awk -v r="$(calls "$work/roll")" -v p="$(calls "$work/plain")" 'BEGIN {printf "per instance replaced:  %.1f API calls ((%d - %d) / 9)\n", (r - p) / 9, r, p}'
echo "calls the rollout added, by operation:"
join -t $'\t' -a 1 -e 0 -o 0,1.2,2.2 <(ops "$work/roll") <(ops "$work/plain") \
  | awk -F'\t' '$2 != $3 {printf "  %-50s %d\n", $1, $2 - $3}'
python3 - "$old" "$new" <<'PY'
import os, sys, boto3
old, new = sys.argv[1:]
asg = boto3.client("autoscaling", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="eu-west-1")
ec2 = boto3.client("ec2", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="eu-west-1")
ids = [i["InstanceId"] for g in asg.describe_auto_scaling_groups()["AutoScalingGroups"] if g["AutoScalingGroupName"].startswith("rolling-") for i in g["Instances"]]
imgs = [i["ImageId"] for r in ec2.describe_instances(InstanceIds=ids)["Reservations"] for i in r["Instances"]]
print(f"instances after the rollout: {len(imgs)}, on the new image: {imgs.count(new)}")
PY
