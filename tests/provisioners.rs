//! Create-time `local-exec` provisioners, as Terraform runs them: once, after the object is
//! made, with `self` bound to it and other references ordered by the graph; `environment` and
//! `interpreter` honoured; a failure taints the object and fails the apply, unless
//! `on_failure = continue`; other provisioners are refused at plan time.

mod support;

use support::{infra_in, ok_in, text};

const CONFIG: &str = r#"
resource "terraform_data" "source" {
  input = "hello"
}

resource "terraform_data" "made" {
  input = terraform_data.source.output
  provisioner "local-exec" {
    command     = "echo \"$GREETING ${self.output} from ${terraform_data.source.id}\" > made.txt"
    environment = { GREETING = "made" }
  }
  provisioner "local-exec" {
    command     = "import sys; open('python.txt', 'w').write(sys.argv[0])"
    interpreter = ["python3", "-c"]
  }
  provisioner "local-exec" {
    command    = "exit 3"
    on_failure = continue
  }
}
"#;

#[test]
fn local_exec_runs_once_after_create_with_self() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("main.tf"), CONFIG).unwrap();
    let run = infra_in(d, &["apply", "-auto-approve"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    // Progress goes where the apply's progress goes.
    let out = text(&run.stdout) + &text(&run.stderr);
    assert!(out.contains("Provisioning with 'local-exec'..."), "{out}");
    assert!(out.contains("(on_failure = continue)"), "{out}");
    let source = ok_in(d, &["state", "show", "terraform_data.source"]);
    let id = source
        .lines()
        .find_map(|l| l.trim().strip_prefix("id"))
        .map(|rest| {
            rest.trim()
                .trim_start_matches('=')
                .trim()
                .trim_matches('"')
                .to_string()
        })
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(d.join("made.txt")).unwrap().trim(),
        format!("made hello from {id}")
    );
    assert_eq!(std::fs::read_to_string(d.join("python.txt")).unwrap(), "-c");
    // Not again: provisioners run when the object is created, not at every apply.
    std::fs::remove_file(d.join("made.txt")).unwrap();
    ok_in(d, &["apply", "-auto-approve"]);
    assert!(!d.join("made.txt").exists());
}

#[test]
fn a_failed_provisioner_taints_and_other_kinds_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("main.tf"),
        r#"
resource "terraform_data" "flaky" {
  provisioner "local-exec" {
    command = "echo broken; exit 4"
  }
}
"#,
    )
    .unwrap();
    let out = infra_in(d, &["apply", "-auto-approve"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("exit status 4"), "{err}");
    assert!(err.contains("broken"), "the output is in the error: {err}");
    let plan = ok_in(d, &["plan"]);
    assert!(
        plan.contains("terraform_data.flaky is tainted, so it must be replaced"),
        "{plan}"
    );

    std::fs::write(
        d.join("main.tf"),
        r#"
resource "terraform_data" "remote" {
  provisioner "remote-exec" {
    inline = ["true"]
  }
}
"#,
    )
    .unwrap();
    let out = infra_in(d, &["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("Unsupported provisioner"), "{err}");
    assert!(
        err.contains("main.tf:3"),
        "the block is named by its place: {err}"
    );
}
