#!/usr/bin/env python3
"""Crash benchmark: kills `infra apply` of examples/aws-cluster with SIGKILL at a random point,
N times (default 20), against moto. After each kill the next `infra apply` must succeed, the
state must be valid, and the account must hold no object infra does not track: every live EC2
object tagged `infra:address`, every autoscaling group, load balancer, target group and IAM role
must be in state, exactly once. Then it destroys, and the next round starts from nothing.

Usage: bench/kill.py --infra PATH [--rounds 20] [--seed 1]
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")


def live_objects(session):
    """Every object of the account that infra could have created: (kind, id)."""
    ec2 = session.client("ec2")
    tagged = [{"Name": "tag-key", "Values": ["infra:address"]}]
    out = set()
    for v in ec2.describe_vpcs(Filters=tagged)["Vpcs"]:
        out.add(v["VpcId"])
    for s in ec2.describe_subnets(Filters=tagged)["Subnets"]:
        out.add(s["SubnetId"])
    for g in ec2.describe_internet_gateways(Filters=tagged)["InternetGateways"]:
        out.add(g["InternetGatewayId"])
    for t in ec2.describe_route_tables(Filters=tagged)["RouteTables"]:
        out.add(t["RouteTableId"])
    for g in ec2.describe_security_groups(Filters=tagged)["SecurityGroups"]:
        out.add(g["GroupId"])
    for n in ec2.describe_nat_gateways(Filter=tagged)["NatGateways"]:
        if n["State"] != "deleted":
            out.add(n["NatGatewayId"])
    for a in ec2.describe_addresses(Filters=tagged)["Addresses"]:
        out.add(a["AllocationId"])
    for t in ec2.describe_launch_templates(Filters=tagged)["LaunchTemplates"]:
        out.add(t["LaunchTemplateId"])
    for g in session.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]:
        out.add(g["AutoScalingGroupName"])
    elb = session.client("elbv2")
    for lb in elb.describe_load_balancers()["LoadBalancers"]:
        out.add(lb["LoadBalancerArn"])
    for tg in elb.describe_target_groups()["TargetGroups"]:
        out.add(tg["TargetGroupArn"])
    for r in session.client("iam").list_roles()["Roles"]:
        out.add(r["RoleName"])
    for p in session.client("iam").list_instance_profiles()["InstanceProfiles"]:
        out.add(p["InstanceProfileName"])
    return out


def state_ids(path):
    st = json.load(open(path))
    ids = []
    for r in st["resources"]:
        if r["mode"] != "managed":
            continue
        for i in r["instances"]:
            a = i["attributes"]
            ids.append(a.get("id"))
            # Roles and profiles are known by name, groups by name, NAT/EIP by allocation.
            for k in ("name", "allocation_id"):
                if a.get(k):
                    ids.append(a[k])
    return ids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--infra", required=True)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    moto = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests/support/moto_server.py")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = moto.stdout.readline().split()[1]
    endpoint = f"http://127.0.0.1:{port}"
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="eu-west-1", NO_COLOR="1")
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1")
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    failures = 0
    adopted_total = 0
    try:
        with tempfile.TemporaryDirectory() as d:
            shutil.copytree(os.path.join(ROOT, "examples/aws-cluster"), os.path.join(d, "examples/aws-cluster"),
                            ignore=shutil.ignore_patterns("infra.tfstate*"))
            shutil.copytree(os.path.join(ROOT, "modules/network"), os.path.join(d, "modules/network"))
            work = os.path.join(d, "examples/aws-cluster")
            for n in range(1, a.rounds + 1):
                k = rng.randint(1, 36)
                p = subprocess.Popen([a.infra, "apply", "-auto-approve"], cwd=work, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                done = 0
                for line in p.stderr:
                    if "complete after" in line:
                        done += 1
                        if done == k:
                            p.send_signal(signal.SIGKILL)
                            break
                p.wait()
                r = subprocess.run([a.infra, "apply", "-auto-approve"], cwd=work, env=env, capture_output=True, text=True)
                adopted = r.stderr.count("Adopted an untracked object")
                adopted_total += adopted
                ok = r.returncode == 0
                live = live_objects(session)
                tracked = state_ids(os.path.join(work, "infra.tfstate"))
                untracked = sorted(live - set(tracked))
                twins = len(tracked) != len(set(tracked))
                plan = subprocess.run([a.infra, "plan", "-detailed-exitcode"], cwd=work, env=env, capture_output=True, text=True)
                verdict = ok and not untracked and plan.returncode == 0
                failures += 0 if verdict else 1
                print(f"round {n:2}: killed after {done:2} finished objects; next apply exit {r.returncode}, "
                      f"adopted {adopted}, untracked {len(untracked)}, re-plan exit {plan.returncode} "
                      f"-> {'OK' if verdict else 'FAIL'}", flush=True)
                if not verdict:
                    print(r.stderr[-2000:], untracked, plan.stdout[-2000:], file=sys.stderr)
                subprocess.run([a.infra, "destroy", "-auto-approve"], cwd=work, env=env, capture_output=True, check=True)
                left = live_objects(session)
                if left:
                    failures += 1
                    print(f"round {n:2}: destroy left {sorted(left)}")
    finally:
        moto.stdin.close()
        moto.wait(timeout=30)
    print(f"{a.rounds - failures}/{a.rounds} rounds converged with nothing untracked; {adopted_total} objects adopted by their tags")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
