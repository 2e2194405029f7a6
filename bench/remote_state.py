#!/usr/bin/env python3
"""Remote state benchmark: the 10,000-resource configuration of bench/gen_layers.py (--ref id),
planned, applied and re-planned with its state in a local file and in S3 (moto, on loopback,
with use_lockfile), wall time per step; then the issue target (remote at most 1.5x local) as
PASS/FAIL lines. Usage: remote_state.py --infra PATH [--size N] [--runs K]"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)


def moto():
    p = subprocess.Popen(
        [sys.executable, os.path.join(root, "tests/support/moto_server.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    port = p.stdout.readline().split()[1]
    return p, f"http://127.0.0.1:{port}"


def run(infra, args, cwd, env):
    start = time.monotonic()
    r = subprocess.run([infra] + args, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.monotonic() - start
    if r.returncode not in (0, 2):
        sys.exit(f"infra {' '.join(args)} failed in {cwd}:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return took


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--infra", required=True)
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=1)
    a = ap.parse_args()
    server, endpoint = moto()
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="bench",
               AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1", NO_COLOR="1")
    env.pop("TF_WORKSPACE", None)
    import boto3

    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
                 aws_secret_access_key="bench").create_bucket(Bucket="bench-state")
    work = tempfile.mkdtemp(prefix="infra-remote-bench-")
    results = {}
    try:
        for backend in ("local", "s3"):
            times = {"plan": [], "apply": [], "no-change plan": []}
            for run_no in range(a.runs):
                d = os.path.join(work, f"{backend}-{run_no}")
                subprocess.run([sys.executable, os.path.join(here, "gen_layers.py"), str(a.size), d, "--ref", "id"], check=True)
                if backend == "s3":
                    with open(os.path.join(d, "backend.tf"), "w") as f:
                        f.write('terraform {\n  backend "s3" {\n    bucket = "bench-state"\n'
                                f'    key = "run-{run_no}/terraform.tfstate"\n    region = "us-east-1"\n'
                                '    use_lockfile = true\n    use_path_style = true\n  }\n}\n')
                    run(a.infra, ["init"], d, env)
                times["plan"].append(run(a.infra, ["plan"], d, env))
                times["apply"].append(run(a.infra, ["apply", "-auto-approve"], d, env))
                times["no-change plan"].append(run(a.infra, ["plan", "-detailed-exitcode"], d, env))
            results[backend] = {k: min(v) for k, v in times.items()}
    finally:
        server.stdin.close()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{a.size} terraform_data resources, best of {a.runs}, wall seconds")
    print(f"{'step':<16} {'local':>8} {'s3':>8} {'ratio':>7}")
    ok = True
    for step in ("plan", "apply", "no-change plan"):
        l, s = results["local"][step], results["s3"][step]
        print(f"{step:<16} {l:>8.2f} {s:>8.2f} {s / l:>6.2f}x")
    for step in ("plan", "apply", "no-change plan"):
        l, s = results["local"][step], results["s3"][step]
        verdict = "PASS" if s <= 1.5 * l else "FAIL"
        ok &= verdict == "PASS"
        print(f"{verdict} {step}: s3 {s:.2f} s vs local {l:.2f} s = {s / l:.2f}x (target <= 1.5x)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
