//! The ssh communicator's provisioning: files uploaded, shell steps uploaded and run in order
//! with their output streamed as it comes; the first failing step ends the build.

use super::shell::{quote, step_command, step_script};
use super::spec::{ImageSpec, Provisioner, ShellCode};
use super::ssh::Session;

/// Runs every provisioner of `spec` over `session`. `say` hears progress and output lines.
pub async fn run_all(
    session: &Session,
    spec: &ImageSpec,
    bake_id: &str,
    say: &(dyn Fn(&str) + Send + Sync),
) -> Result<(), String> {
    for (i, p) in spec.provisioners.iter().enumerate() {
        let n = i + 1;
        match p {
            Provisioner::File {
                source,
                content,
                destination,
            } => {
                say(&format!(
                    "provisioner {n}: uploading {source} to {destination}"
                ));
                session
                    .upload(content, destination, None)
                    .await
                    .map_err(|e| format!("provisioner {n} (file {source}): {e}"))?;
            }
            Provisioner::Shell {
                code,
                environment_vars,
            } => {
                let what = match code {
                    ShellCode::Inline(_) => "inline".to_string(),
                    ShellCode::Script { path, .. } => path.clone(),
                };
                say(&format!("provisioner {n}: running shell ({what})"));
                // Packer's remote_folder and name: a file in /tmp the step runs from.
                let path = format!(
                    "/tmp/infra-bake-{}-{n}.sh",
                    &bake_id[..8.min(bake_id.len())]
                );
                session
                    .upload(&step_script(code), &path, Some("0700"))
                    .await
                    .map_err(|e| format!("provisioner {n} (shell {what}): {e}"))?;
                let command = format!(
                    "{}; status=$?; rm -f {}; exit $status",
                    step_command(&path, environment_vars),
                    quote(&path)
                );
                let done = session
                    .run(&command, None, &mut |line| say(&format!("  {line}")))
                    .await
                    .map_err(|e| format!("provisioner {n} (shell {what}): {e}"))?;
                if done.status != 0 {
                    return Err(format!(
                        "provisioner {n} (shell {what}) exited with status {}; its last lines:\n{}",
                        done.status,
                        done.tail
                            .iter()
                            .map(|l| format!("  {l}"))
                            .collect::<Vec<_>>()
                            .join("\n")
                    ));
                }
            }
        }
    }
    Ok(())
}
