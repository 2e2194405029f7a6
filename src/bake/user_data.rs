//! The user-data communicator: the provisioners rendered into a `#cloud-config` that writes
//! every file and step script (cloud-init `write_files`), then runs the steps in their order,
//! reports the result on the console and powers the instance off.

use super::shell::{quote, step_command, step_script};
use super::spec::{ImageSpec, Provisioner};
use base64::Engine;

/// EC2 refuses user data over 16 KiB (before base64).
pub const USER_DATA_LIMIT: usize = 16 * 1024;

/// What the run script prints to the console when every step succeeded.
pub const SUCCESS_MARK: &str = "infra-bake: success";
/// The prefix of the failure line, followed by the failing step's number.
pub const FAILURE_MARK: &str = "infra-bake: failed at provisioner ";

const DIR: &str = "/var/lib/infra-bake";

/// The rendered user data, or an error when it is over EC2's limit.
pub fn render(spec: &ImageSpec) -> Result<String, String> {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let mut files = Vec::new();
    let mut run = format!(
        "#!/bin/sh\n# infra bake {:?}: provisioners in order, the result on the console, then power off.\n\
         report() {{ echo \"$1\" >/dev/console 2>/dev/null; echo \"$1\"; }}\n",
        spec.name
    );
    for (i, p) in spec.provisioners.iter().enumerate() {
        let n = i + 1;
        let step = format!("{DIR}/step-{n}");
        let (content, mode, command) = match p {
            Provisioner::File {
                content,
                destination,
                ..
            } => (
                content.clone(),
                "0600",
                format!(
                    "mkdir -p \"$(dirname {d})\" && cp {step} {d}",
                    d = quote(destination)
                ),
            ),
            Provisioner::Shell {
                code,
                environment_vars,
            } => (
                step_script(code),
                "0700",
                step_command(&step, environment_vars),
            ),
        };
        files.push(format!(
            "  - path: {step}\n    encoding: b64\n    permissions: '{mode}'\n    content: {}\n",
            b64(&content)
        ));
        run.push_str(&format!(
            "if ! {command}; then report '{FAILURE_MARK}{n}'; poweroff; exit 1; fi\n"
        ));
    }
    run.push_str(&format!("report '{SUCCESS_MARK}'\npoweroff\n"));
    files.push(format!(
        "  - path: {DIR}/run.sh\n    encoding: b64\n    permissions: '0700'\n    content: {}\n",
        b64(run.as_bytes())
    ));
    let out = format!(
        "#cloud-config\nwrite_files:\n{}runcmd:\n  - [{DIR}/run.sh]\n",
        files.concat()
    );
    if out.len() > USER_DATA_LIMIT {
        return Err(format!(
            "image {:?}: the provisioners render to {} bytes of user data, over EC2's limit of {USER_DATA_LIMIT}; use the ssh communicator for large files",
            spec.name,
            out.len()
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bake::spec::{Communicator, ShellCode, SourceAmi};

    fn spec(provisioners: Vec<Provisioner>) -> ImageSpec {
        ImageSpec {
            name: "base".into(),
            address: "image.base".into(),
            source: SourceAmi::Id("ami-1".into()),
            instance_type: "t3.small".into(),
            subnet_id: None,
            subnet_pending: false,
            ssh_username: None,
            communicator: Communicator::UserData,
            ssh: crate::bake::spec::SshSettings::default(),
            provisioners,
            ami_name: "base".into(),
            ami_regions: vec![],
            ami_users: vec![],
            tags: Default::default(),
        }
    }

    #[test]
    fn steps_run_in_order_with_their_environment() {
        let ud = render(&spec(vec![
            Provisioner::File {
                source: "a".into(),
                content: b"x".to_vec(),
                destination: "/etc/it's.conf".into(),
            },
            Provisioner::Shell {
                code: ShellCode::Inline(vec!["echo one".into()]),
                environment_vars: vec!["ROLE=base".into()],
            },
        ]))
        .unwrap();
        let yaml: serde_json::Value = serde_saphyr::from_str(&ud).unwrap();
        let files = yaml["write_files"].as_array().unwrap();
        assert_eq!(files.len(), 3);
        let decode = |f: &serde_json::Value| {
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(f["content"].as_str().unwrap())
                    .unwrap(),
            )
            .unwrap()
        };
        assert_eq!(decode(&files[1]), "#!/bin/sh -e\necho one\n");
        let run = decode(&files[2]);
        let copy = run
            .find(r"cp /var/lib/infra-bake/step-1 '/etc/it'\''s.conf'")
            .unwrap();
        let shell = run
            .find("env 'ROLE=base' /var/lib/infra-bake/step-2")
            .unwrap();
        assert!(copy < shell && shell < run.find(SUCCESS_MARK).unwrap());
    }

    #[test]
    fn too_much_user_data_is_refused_naming_the_image() {
        let e = render(&spec(vec![Provisioner::File {
            source: "big".into(),
            content: vec![0; USER_DATA_LIMIT],
            destination: "/big".into(),
        }]))
        .unwrap_err();
        assert!(e.contains("image \"base\"") && e.contains("16384"), "{e}");
    }
}
