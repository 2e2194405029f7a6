#!/usr/bin/env python3
"""Refresh-by-type benchmark against moto: applies N objects of four types (one VPC, and
subnets, route tables and route table associations in equal shares), then times a no-change
`infra plan --stats` and prints the API calls it made per operation, next to the target
K*ceil(N/1000) + K (K = number of types). Also times the apply and the destroy.

Usage: bench/refresh.py --infra PATH [--objects 1000]
"""

import argparse
import math
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def config(n: int) -> str:
    share = (n - 1) // 3
    return f"""
resource "aws_vpc" "bench" {{
  cidr_block = "10.0.0.0/16"
}}

resource "aws_subnet" "s" {{
  count      = {share}
  vpc_id     = aws_vpc.bench.id
  cidr_block = cidrsubnet(aws_vpc.bench.cidr_block, 10, count.index)
}}

resource "aws_route_table" "rt" {{
  count  = {share}
  vpc_id = aws_vpc.bench.id
}}

resource "aws_route_table_association" "a" {{
  count          = {share}
  subnet_id      = aws_subnet.s[count.index].id
  route_table_id = aws_route_table.rt[count.index].id
}}
""", 1 + 3 * share


def run(infra, args, cwd, env):
    t = time.monotonic()
    p = subprocess.run([infra, *args], cwd=cwd, env=env, capture_output=True, text=True)
    dt = time.monotonic() - t
    if p.returncode not in (0, 2):
        sys.exit(f"infra {' '.join(args)} failed:\n{p.stdout}\n{p.stderr}")
    return dt, p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--infra", required=True)
    ap.add_argument("--objects", type=int, default=1000)
    a = ap.parse_args()
    moto = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "..", "tests", "support", "moto_server.py")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    port = moto.stdout.readline().split()[1]
    env = dict(os.environ, AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-2", NO_COLOR="1")
    try:
        with tempfile.TemporaryDirectory() as d:
            text, n = config(a.objects)
            open(os.path.join(d, "main.tf"), "w").write(text)
            apply_s, _ = run(a.infra, ["apply", "-auto-approve", "--parallelism", "20"], d, env)
            plan_s, p = run(a.infra, ["plan", "-detailed-exitcode", "--stats"], d, env)
            calls = {}
            for line in p.stderr.splitlines():
                m = re.match(r"\s+(\S+:\S+)\s+(\d+)$", line)
                if m:
                    calls[m.group(1)] = int(m.group(2))
            destroy_s, _ = run(a.infra, ["destroy", "-auto-approve", "--parallelism", "20"], d, env)
    finally:
        moto.stdin.close()
        moto.wait(timeout=30)
    k = 4
    target = k * math.ceil(n / 1000) + k
    total = sum(calls.values())
    print(f"# refresh benchmark: {n} objects of {k} types against moto ({os.path.basename(a.infra)} build at {a.infra})")
    print(f"apply {n} objects:            {apply_s:7.2f} s")
    print(f"no-change plan (refresh):     {plan_s:7.2f} s, exit {p.returncode}")
    print(f"destroy:                      {destroy_s:7.2f} s")
    print(f"API calls of the plan:        {total}  (target K*ceil(N/1000)+K = {target})")
    for op, c in sorted(calls.items()):
        print(f"  {op:<40} {c}")
    print(("PASS" if total <= target and p.returncode == 0 else "FAIL") + f" refresh of {n} objects: {total} calls <= {target}")


if __name__ == "__main__":
    main()
