//! Create-time `local-exec` provisioners, run as Terraform runs them: once, right after the
//! object is created, through `/bin/sh -c` (or the given `interpreter`), in `working_dir`
//! (default: the directory infra runs in) with `environment` added, the output shown line by
//! line under the resource's address. A failure taints the object (it is replaced at the next
//! apply) and fails the apply, unless `on_failure = continue`.

use super::report::Progress;
use crate::lang::value::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// One `local-exec` block's arguments.
pub struct LocalExec {
    command: String,
    working_dir: Option<String>,
    interpreter: Vec<String>,
    environment: BTreeMap<String, String>,
    quiet: bool,
    /// A sensitive value went into it: neither the command nor its output is shown.
    sensitive: bool,
}

impl LocalExec {
    /// Reads the block's evaluated arguments.
    pub fn from_config(config: &Value) -> Result<LocalExec, String> {
        let (v, marked) = config.unmark_deep();
        let attrs = v.attributes().cloned().unwrap_or_default();
        let string = |k: &str| attrs.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let command = string("command").ok_or("local-exec: \"command\" is required")?;
        let interpreter = attrs
            .get("interpreter")
            .and_then(Value::elements)
            .map(|xs| {
                xs.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let environment = attrs
            .get("environment")
            .and_then(Value::attributes)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, x)| Some((k.clone(), x.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Ok(LocalExec {
            command,
            working_dir: string("working_dir"),
            interpreter,
            environment,
            quiet: attrs.get("quiet").and_then(Value::as_bool).unwrap_or(false),
            sensitive: marked,
        })
    }

    /// The program and its arguments: the interpreter (default `/bin/sh -c`), then the command.
    fn argv(&self) -> Vec<String> {
        let mut argv = if self.interpreter.is_empty() {
            vec!["/bin/sh".to_string(), "-c".to_string()]
        } else {
            self.interpreter.clone()
        };
        argv.push(self.command.clone());
        argv
    }

    /// Runs it, showing what it prints; an error says how it ended and what it printed last.
    pub fn run(&self, address: &str, progress: &Progress) -> Result<(), String> {
        let argv = self.argv();
        progress.event(address, "Provisioning with 'local-exec'...");
        let show = !self.quiet && !self.sensitive;
        if show {
            let quoted: Vec<String> = argv.iter().map(|a| format!("{a:?}")).collect();
            progress.event(
                address,
                &format!("(local-exec): Executing: [{}]", quoted.join(" ")),
            );
        } else if self.sensitive {
            progress.event(
                address,
                "(local-exec): (output suppressed due to sensitive value in config)",
            );
        }
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .envs(&self.environment)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            // Both streams in order, as Terraform shows them: stderr joins stdout.
            .stderr(Stdio::piped());
        if let Some(dir) = &self.working_dir {
            cmd.current_dir(dir);
        }
        let mut child = cmd.spawn().map_err(|e| {
            format!(
                "local-exec provisioner error: cannot run {:?}: {e}",
                argv[0]
            )
        })?;
        let stderr = child.stderr.take();
        let errors = std::thread::spawn(move || {
            stderr
                .map(|s| {
                    BufReader::new(s)
                        .lines()
                        .map_while(Result::ok)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        });
        let mut tail: Vec<String> = Vec::new();
        if let Some(out) = child.stdout.take() {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if show {
                    progress.event(address, &format!("(local-exec): {line}"));
                }
                tail.push(line);
            }
        }
        let errors = errors.join().unwrap_or_default();
        for line in &errors {
            if show {
                progress.event(address, &format!("(local-exec): {line}"));
            }
        }
        tail.extend(errors);
        let status = child
            .wait()
            .map_err(|e| format!("local-exec provisioner error: {e}"))?;
        if status.success() {
            return Ok(());
        }
        let shown = if self.sensitive {
            "(output suppressed due to sensitive value in config)".to_string()
        } else {
            tail[tail.len().saturating_sub(20)..].join("\n")
        };
        Err(format!(
            "local-exec provisioner error: Error running command: exit status {}. Output: {shown}",
            status.code().unwrap_or(-1)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Value)]) -> Value {
        Value::object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn the_interpreter_defaults_to_sh_and_takes_the_command_last() {
        let plain =
            LocalExec::from_config(&config(&[("command", Value::string("echo hi"))])).unwrap();
        assert_eq!(plain.argv(), ["/bin/sh", "-c", "echo hi"]);
        let python = LocalExec::from_config(&config(&[
            ("command", Value::string("print(1)")),
            (
                "interpreter",
                Value::tuple(vec![Value::string("python3"), Value::string("-c")]),
            ),
        ]))
        .unwrap();
        assert_eq!(python.argv(), ["python3", "-c", "print(1)"]);
        assert!(LocalExec::from_config(&config(&[])).is_err());
    }

    #[test]
    fn a_sensitive_command_is_marked_so() {
        let e = LocalExec::from_config(&config(&[(
            "command",
            Value::string("echo secret").sensitive(),
        )]))
        .unwrap();
        assert!(e.sensitive);
    }
}
