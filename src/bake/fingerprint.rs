//! The content address of an image: SHA-256 over everything that decides what the image
//! holds. Every field is written with its name and length, so no two different inputs
//! can encode to the same bytes, and provisioners are hashed in their order, which matters.
//!
//! Where the builder runs (`subnet_id`) and where the image is distributed and who may use it
//! (`ami_name`, `ami_regions`, `ami_users`, `tags`) do not change its contents and are left
//! out, so changing them does not rebuild it.

use super::spec::{ImageSpec, Provisioner, ShellCode};
use sha2::{Digest, Sha256};

/// Format version: bump when the encoding changes, so old images are not mistaken for new.
const VERSION: &str = "infra-bake-v1";

struct Canonical(Sha256);

impl Canonical {
    fn field(&mut self, name: &str, bytes: &[u8]) {
        for part in [name.as_bytes(), bytes] {
            self.0.update((part.len() as u64).to_be_bytes());
            self.0.update(part);
        }
    }

    fn list(&mut self, name: &str, items: &[String]) {
        self.field(name, &(items.len() as u64).to_be_bytes());
        for i in items {
            self.field("item", i.as_bytes());
        }
    }
}

/// The fingerprint of `spec` built from `source_ami_id`: 64 lowercase hex digits.
pub fn fingerprint(spec: &ImageSpec, source_ami_id: &str) -> String {
    let mut h = Canonical(Sha256::new());
    h.field("version", VERSION.as_bytes());
    h.field("source_ami", source_ami_id.as_bytes());
    h.field("instance_type", spec.instance_type.as_bytes());
    h.field(
        "ssh_username",
        spec.ssh_username.as_deref().unwrap_or("").as_bytes(),
    );
    h.field("communicator", spec.communicator.as_str().as_bytes());
    h.field(
        "provisioners",
        &(spec.provisioners.len() as u64).to_be_bytes(),
    );
    for p in &spec.provisioners {
        match p {
            Provisioner::File {
                content,
                destination,
                ..
            } => {
                h.field("file", b"");
                h.field("content", content);
                h.field("destination", destination.as_bytes());
            }
            Provisioner::Shell {
                code,
                environment_vars,
            } => {
                h.field("shell", b"");
                match code {
                    ShellCode::Inline(lines) => h.list("inline", lines),
                    ShellCode::Script { content, .. } => h.field("script", content),
                }
                h.list("environment_vars", environment_vars);
            }
        }
    }
    hex::encode(h.0.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bake::spec::{Communicator, SourceAmi};

    fn spec(script: &[u8]) -> ImageSpec {
        ImageSpec {
            name: "base".into(),
            address: "image.base".into(),
            source: SourceAmi::Id("ami-1".into()),
            instance_type: "t3.small".into(),
            subnet_id: None,
            subnet_pending: false,
            ssh_username: Some("ec2-user".into()),
            communicator: Communicator::UserData,
            ssh: crate::bake::spec::SshSettings::default(),
            provisioners: vec![
                Provisioner::File {
                    source: "a.conf".into(),
                    content: b"a=1".to_vec(),
                    destination: "/tmp/a.conf".into(),
                },
                Provisioner::Shell {
                    code: ShellCode::Script {
                        path: "s.sh".into(),
                        content: script.to_vec(),
                    },
                    environment_vars: vec!["ROLE=base".into()],
                },
            ],
            ami_name: "base-{{fingerprint}}".into(),
            ami_regions: vec![],
            ami_users: vec![],
            tags: Default::default(),
        }
    }

    #[test]
    fn same_inputs_same_fingerprint() {
        let a = fingerprint(&spec(b"echo hi\n"), "ami-1");
        assert_eq!(a, fingerprint(&spec(b"echo hi\n"), "ami-1"));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn one_byte_of_a_script_changes_it() {
        assert_ne!(
            fingerprint(&spec(b"echo hi\n"), "ami-1"),
            fingerprint(&spec(b"echo hI\n"), "ami-1")
        );
    }

    #[test]
    fn source_ami_and_order_count_but_distribution_does_not() {
        let base = spec(b"x");
        let fp = fingerprint(&base, "ami-1");
        assert_ne!(fp, fingerprint(&base, "ami-2"));
        let mut swapped = base.clone();
        swapped.provisioners.reverse();
        assert_ne!(fp, fingerprint(&swapped, "ami-1"));
        let mut shared = base.clone();
        shared.ami_users = vec!["123456789012".into()];
        shared.ami_regions = vec!["eu-west-1".into()];
        assert_eq!(fp, fingerprint(&shared, "ami-1"));
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let mut a = spec(b"x");
        a.provisioners = vec![Provisioner::Shell {
            code: ShellCode::Inline(vec!["ab".into(), "c".into()]),
            environment_vars: vec![],
        }];
        let mut b = a.clone();
        b.provisioners = vec![Provisioner::Shell {
            code: ShellCode::Inline(vec!["a".into(), "bc".into()]),
            environment_vars: vec![],
        }];
        assert_ne!(fingerprint(&a, "ami-1"), fingerprint(&b, "ami-1"));
    }
}
