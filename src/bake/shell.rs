//! How a shell provisioner becomes something to run, the same for every communicator:
//! Packer's defaults, so scripts written for Packer behave the same here.

use super::spec::ShellCode;

/// Single-quoted for `sh`.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The file a shell provisioner runs: inline commands under `/bin/sh -e` (a failing line
/// fails the step), a script as written (its own shebang decides).
pub fn step_script(code: &ShellCode) -> Vec<u8> {
    match code {
        ShellCode::Inline(lines) => format!("#!/bin/sh -e\n{}\n", lines.join("\n")).into_bytes(),
        ShellCode::Script { content, .. } => content.clone(),
    }
}

/// The command that runs the step file at `path` with the provisioner's environment.
pub fn step_command(path: &str, environment_vars: &[String]) -> String {
    let vars: String = environment_vars
        .iter()
        .map(|v| format!("{} ", quote(v)))
        .collect();
    format!("env {vars}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_lines_run_under_sh_e_and_variables_are_quoted() {
        let code = ShellCode::Inline(vec!["echo one".into(), "echo two".into()]);
        assert_eq!(step_script(&code), b"#!/bin/sh -e\necho one\necho two\n");
        assert_eq!(
            step_command("/tmp/s", &["A=it's".into(), "B=2".into()]),
            r"env 'A=it'\''s' 'B=2' /tmp/s"
        );
        assert_eq!(quote("it's"), r"'it'\''s'");
    }
}
