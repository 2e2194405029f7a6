//! `tls_private_key` checked by the tools that will read its keys: OpenSSL parses every PEM
//! encoding back to the exported public key, ssh-keygen derives the OpenSSH public key and both
//! fingerprints from the OpenSSH private key, and the plan never prints a private key.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use support::{infra_in as infra, text};

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = infra(dir, args);
    assert!(
        out.status.success(),
        "infra {args:?} failed:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Runs a tool with `input` on stdin and returns its stdout, failing the test on an error.
fn tool(program: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        text(&out.stderr)
    );
    out.stdout
}

fn config(rsa_bits: u32) -> String {
    format!(
        r#"
resource "tls_private_key" "rsa" {{
  algorithm       = "RSA"
  rsa_bits        = {rsa_bits}
  openssh_comment = "ops@example"
}}

resource "tls_private_key" "p256" {{
  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}}

resource "tls_private_key" "p224" {{
  algorithm = "ECDSA"
}}

resource "tls_private_key" "ed25519" {{
  algorithm = "ED25519"
}}

output "keys" {{
  value     = {{ for k in [tls_private_key.rsa, tls_private_key.p256, tls_private_key.p224, tls_private_key.ed25519] : k.algorithm == "ECDSA" ? k.ecdsa_curve : k.algorithm => k }}
  sensitive = true
}}
"#
    )
}

#[test]
fn keys_of_every_algorithm_read_back_in_openssl_and_ssh_keygen() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("main.tf"), config(2048)).unwrap();
    let plan = ok(d.path(), &["plan"]);
    assert!(plan.contains("private_key_pem"), "{plan}");
    ok(d.path(), &["apply", "-auto-approve"]);
    let out: serde_json::Value =
        serde_json::from_str(&ok(d.path(), &["output", "--json"])).unwrap();
    let keys = out["keys"]["value"].as_object().unwrap();
    assert_eq!(keys.len(), 4, "{keys:?}");
    for (name, k) in keys {
        let s = |a: &str| k[a].as_str().unwrap_or_default().to_string();
        let public_pem = s("public_key_pem");
        for private in ["private_key_pem", "private_key_pem_pkcs8"] {
            let derived = tool("openssl", &["pkey", "-pubout"], s(private).as_bytes());
            assert_eq!(text(&derived), public_pem, "{name} {private}");
        }
        // The id is the SHA-1 of the public key's DER, as the TLS provider's is.
        let der = tool(
            "openssl",
            &["pkey", "-pubin", "-outform", "DER"],
            public_pem.as_bytes(),
        );
        let sha1 = tool("openssl", &["dgst", "-sha1", "-r"], &der);
        assert!(text(&sha1).starts_with(&s("id")), "{name}");
        if name == "P224" {
            // OpenSSH has no P-224 keys: Terraform leaves these empty too.
            assert_eq!(s("public_key_openssh"), "");
            assert_eq!(s("private_key_openssh"), "");
            continue;
        }
        let file = d.path().join(format!("{name}.key"));
        std::fs::write(&file, s("private_key_openssh")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let derived = text(&tool(
            "ssh-keygen",
            &["-y", "-f", file.to_str().unwrap()],
            b"",
        ));
        let public = s("public_key_openssh");
        let key_part = |t: &str| t.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        assert_eq!(key_part(&derived), key_part(&public), "{name}");
        let pubfile = d.path().join(format!("{name}.pub"));
        std::fs::write(&pubfile, &public).unwrap();
        for (hash, attr) in [
            ("sha256", "public_key_fingerprint_sha256"),
            ("md5", "public_key_fingerprint_md5"),
        ] {
            let listed = text(&tool(
                "ssh-keygen",
                &["-l", "-E", hash, "-f", pubfile.to_str().unwrap()],
                b"",
            ));
            let fingerprint = s(attr);
            assert!(!fingerprint.is_empty(), "{name} {attr}");
            assert!(
                listed.contains(&fingerprint),
                "{name} {attr}: {listed} vs {fingerprint}"
            );
        }
    }
    let rsa = keys["RSA"].as_object().unwrap();
    assert!(
        rsa["public_key_openssh"]
            .as_str()
            .unwrap()
            .ends_with(" ops@example\n")
    );

    // Keys are chosen once; a changed argument replaces only its key.
    let out = infra(d.path(), &["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    std::fs::write(d.path().join("main.tf"), config(3072)).unwrap();
    let plan = ok(d.path(), &["plan"]);
    assert!(
        plan.contains("tls_private_key.rsa must be replaced"),
        "{plan}"
    );
    assert!(
        !plan.contains("PRIVATE KEY"),
        "a private key was printed:\n{plan}"
    );
    assert!(
        plan.contains("1 to add, 0 to change, 1 to destroy"),
        "{plan}"
    );
    ok(d.path(), &["apply", "-auto-approve"]);
    let after: serde_json::Value =
        serde_json::from_str(&ok(d.path(), &["output", "--json"])).unwrap();
    assert_ne!(after["keys"]["value"]["RSA"]["id"], keys["RSA"]["id"]);
    assert_eq!(
        after["keys"]["value"]["ED25519"]["id"],
        keys["ED25519"]["id"]
    );
    let pem = after["keys"]["value"]["RSA"]["private_key_pem"]
        .as_str()
        .unwrap();
    let modulus = text(&tool(
        "openssl",
        &["rsa", "-noout", "-text"],
        pem.as_bytes(),
    ));
    assert!(modulus.contains("3072 bit"), "{modulus}");
}
