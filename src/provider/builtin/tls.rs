//! `tls_private_key` (hashicorp/tls): a key pair generated at create and kept in state, in the
//! encodings the TLS provider exports, byte for byte in the same formats: PEM (PKCS#1 for RSA,
//! SEC1 for ECDSA, PKCS#8 for ED25519), PKCS#8 PEM, OpenSSH, the PKIX public key, OpenSSH
//! authorized-keys text and its MD5 and SHA256 fingerprints. Every argument replaces the key.
//! Like Terraform's, the private key lives only in state, where it is sensitive.

use crate::lang::types::Type;
use crate::lang::value::{Attrs, Value};
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult, Schema,
};
use base64::Engine;
use russh::keys::ssh_key::{
    self, HashAlg, LineEnding,
    private::{EcdsaKeypair, Ed25519Keypair, KeypairData, RsaKeypair},
};
use sha1::Digest;

const PROVIDER: &str = "provider[\"registry.terraform.io/hashicorp/tls\"]";
const ALGORITHMS: [&str; 3] = ["RSA", "ECDSA", "ED25519"];
const CURVES: [&str; 4] = ["P224", "P256", "P384", "P521"];

super::schema_type!(PrivateKey, {
    let computed = || AttrSchema::computed(Type::String);
    Schema::new([
        ("id", computed()),
        ("algorithm", AttrSchema::required(Type::String).force_new()),
        (
            "rsa_bits",
            AttrSchema::optional_computed(Type::Number)
                .default(Value::int(2048))
                .force_new(),
        ),
        (
            "ecdsa_curve",
            AttrSchema::optional_computed(Type::String)
                .default(Value::string("P224"))
                .force_new(),
        ),
        (
            "openssh_comment",
            AttrSchema::optional(Type::String).force_new(),
        ),
        ("private_key_pem", computed().sensitive()),
        ("private_key_pem_pkcs8", computed().sensitive()),
        ("private_key_openssh", computed().sensitive()),
        ("public_key_pem", computed()),
        ("public_key_openssh", computed()),
        ("public_key_fingerprint_md5", computed()),
        ("public_key_fingerprint_sha256", computed()),
    ])
});

fn text(o: &Attrs, k: &str) -> Option<String> {
    o.get(k)
        .and_then(|v| v.unmark().0.as_str().map(str::to_string))
}

/// A PEM block as Go's `pem.EncodeToMemory` writes it: 64 characters a line, a final newline.
fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A generated key in every encoding; `openssh` is `None` where OpenSSH has no format for the
/// key (ECDSA on P-224), and the OpenSSH attributes are then empty strings, as Terraform's are.
struct Encoded {
    private_pem: String,
    private_pkcs8_der: Vec<u8>,
    public_der: Vec<u8>,
    openssh: Option<KeypairData>,
}

fn crypto(what: &str, e: impl std::fmt::Display) -> ProviderError {
    ProviderError::new("tls_private_key", format!("{what}: {e}"))
}

fn rsa_key(bits: usize) -> ProviderResult<Encoded> {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey};
    let key = rsa::RsaPrivateKey::new(&mut rand::rng(), bits)
        .map_err(|e| crypto("generating the RSA key", e))?;
    let pkcs1 = key
        .to_pkcs1_der()
        .map_err(|e| crypto("encoding PKCS#1", e))?;
    Ok(Encoded {
        private_pem: pem("RSA PRIVATE KEY", pkcs1.as_bytes()),
        private_pkcs8_der: key
            .to_pkcs8_der()
            .map_err(|e| crypto("encoding PKCS#8", e))?
            .as_bytes()
            .to_vec(),
        public_der: key
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| crypto("encoding the public key", e))?
            .into_vec(),
        openssh: Some(KeypairData::from(
            RsaKeypair::try_from(&key).map_err(|e| crypto("encoding OpenSSH", e))?,
        )),
    })
}

fn ed25519_key() -> ProviderResult<Encoded> {
    use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey};
    let mut seed = [0u8; 32];
    rand::fill(&mut seed);
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    // PKCS#8 version 1, the seed alone, as Go writes it (OpenSSL reads it; it refuses the
    // version 2 form with the public key that ed25519-dalek writes by default).
    let pkcs8 = ed25519_dalek::ed25519::pkcs8::KeypairBytes {
        secret_key: seed,
        public_key: None,
    }
    .to_pkcs8_der()
    .map_err(|e| crypto("encoding PKCS#8", e))?;
    Ok(Encoded {
        private_pem: pem("PRIVATE KEY", pkcs8.as_bytes()),
        private_pkcs8_der: pkcs8.as_bytes().to_vec(),
        public_der: key
            .verifying_key()
            .to_public_key_der()
            .map_err(|e| crypto("encoding the public key", e))?
            .into_vec(),
        openssh: Some(KeypairData::from(Ed25519Keypair::from(&key))),
    })
}

/// An ECDSA key on one of the NIST curves, each its own crate with the same interface; the
/// curve's `EcdsaKeypair` variant where OpenSSH has one.
macro_rules! ecdsa_key {
    ($krate:ident $(, $variant:ident)?) => {{
        use $krate::elliptic_curve::Generate;
        use $krate::pkcs8::{EncodePrivateKey, EncodePublicKey};
        let key = $krate::SecretKey::generate_from_rng(&mut rand::rng());
        let sec1 = key.to_sec1_der().map_err(|e| crypto("encoding SEC1", e))?;
        #[allow(unused_mut, unused_assignments)]
        let mut openssh = None;
        $(
            use $krate::elliptic_curve::sec1::ToSec1Point;
            openssh = Some(KeypairData::from(EcdsaKeypair::$variant {
                public: key.public_key().to_sec1_point(false),
                private: key.clone().into(),
            }));
        )?
        Ok(Encoded {
            private_pem: pem("EC PRIVATE KEY", &sec1),
            private_pkcs8_der: key
                .to_pkcs8_der()
                .map_err(|e| crypto("encoding PKCS#8", e))?
                .as_bytes()
                .to_vec(),
            public_der: key
                .public_key()
                .to_public_key_der()
                .map_err(|e| crypto("encoding the public key", e))?
                .into_vec(),
            openssh,
        })
    }};
}

fn ecdsa_key(curve: &str) -> ProviderResult<Encoded> {
    match curve {
        "P224" => ecdsa_key!(p224),
        "P256" => ecdsa_key!(p256, NistP256),
        "P384" => ecdsa_key!(p384, NistP384),
        "P521" => ecdsa_key!(p521, NistP521),
        other => Err(crypto(
            "ecdsa_curve",
            format!("unsupported curve {other:?}"),
        )),
    }
}

fn generate(o: &Attrs) -> ProviderResult<Encoded> {
    match text(o, "algorithm").as_deref() {
        Some("RSA") => {
            let bits = o
                .get("rsa_bits")
                .and_then(|v| v.unmark().0.as_number().and_then(|n| n.to_i64()))
                .unwrap_or(2048);
            rsa_key(usize::try_from(bits).map_err(|_| crypto("rsa_bits", bits))?)
        }
        Some("ECDSA") => ecdsa_key(text(o, "ecdsa_curve").as_deref().unwrap_or("P224")),
        Some("ED25519") => ed25519_key(),
        other => Err(crypto("algorithm", format!("unsupported {other:?}"))),
    }
}

/// Sets every computed attribute from a generated key.
fn encode(o: &mut Attrs, key: Encoded) -> ProviderResult<()> {
    let comment = text(o, "openssh_comment").unwrap_or_default();
    let s = |x: &str| Value::string(x);
    o.insert("private_key_pem".into(), s(&key.private_pem));
    o.insert(
        "private_key_pem_pkcs8".into(),
        s(&pem("PRIVATE KEY", &key.private_pkcs8_der)),
    );
    o.insert(
        "public_key_pem".into(),
        s(&pem("PUBLIC KEY", &key.public_der)),
    );
    o.insert(
        "id".into(),
        s(&hex::encode(sha1::Sha1::digest(&key.public_der))),
    );
    let (mut private, mut public, mut md5, mut sha256) = Default::default();
    if let Some(data) = key.openssh {
        let k = ssh_key::PrivateKey::new(data, comment.as_str())
            .map_err(|e| crypto("encoding OpenSSH", e))?;
        private = k
            .to_openssh(LineEnding::LF)
            .map_err(|e| crypto("encoding OpenSSH", e))?
            .to_string();
        let p = k.public_key();
        // Go's MarshalAuthorizedKey: the key, then a newline (and the comment, when set).
        public = format!(
            "{}\n",
            p.to_openssh().map_err(|e| crypto("encoding OpenSSH", e))?
        );
        let wire = p.to_bytes().map_err(|e| crypto("encoding OpenSSH", e))?;
        md5 = md5_fingerprint(&wire);
        sha256 = p.fingerprint(HashAlg::Sha256).to_string();
    }
    o.insert("private_key_openssh".into(), s(&private));
    o.insert("public_key_openssh".into(), s(&public));
    o.insert("public_key_fingerprint_md5".into(), s(&md5));
    o.insert("public_key_fingerprint_sha256".into(), s(&sha256));
    Ok(())
}

/// OpenSSH's legacy fingerprint: the MD5 of the wire-format key, in colon-separated hex.
fn md5_fingerprint(wire: &[u8]) -> String {
    let digest = md5::Md5::digest(wire);
    digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

impl AsyncResourceType for PrivateKey {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        PROVIDER
    }

    fn validate(&self, planned: &Value) -> Result<(), String> {
        let Some(o) = planned.attributes() else {
            return Ok(());
        };
        let one_of = |name: &str, allowed: &[&str]| match o.get(name).map(|v| v.unmark().0) {
            Some(Value::String(s)) if !allowed.contains(&&**s) => {
                Err(format!("{name} {s:?} is not one of {}", allowed.join(", ")))
            }
            _ => Ok(()),
        };
        one_of("algorithm", &ALGORITHMS)?;
        one_of("ecdsa_curve", &CURVES)
    }

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let schema = self.schema.clone();
        let mut o = planned.attributes().cloned().unwrap_or_default();
        // RSA generation takes long enough (seconds at 4096 bits) to keep off the runtime.
        let config = o.clone();
        let key = tokio::task::spawn_blocking(move || generate(&config))
            .await
            .map_err(|e| crypto("generating the key", e))??;
        encode(&mut o, key)?;
        Ok(schema.complete(o))
    }

    super::replaced_only!();

    async fn import(&self, _id: &str) -> ProviderResult<Value> {
        Err(ProviderError::new(
            "tls_private_key",
            "tls_private_key cannot be imported: the key exists only in state (as in Terraform)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configured(pairs: &[(&str, Value)]) -> Attrs {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn key(pairs: &[(&str, Value)]) -> Attrs {
        let mut o = configured(pairs);
        let generated = generate(&o).unwrap();
        encode(&mut o, generated).unwrap();
        o
    }

    fn get(o: &Attrs, k: &str) -> String {
        text(o, k).unwrap_or_default()
    }

    #[test]
    fn pem_lines_are_64_characters_with_a_final_newline() {
        let p = pem("X", &[7u8; 100]);
        let lines: Vec<&str> = p.lines().collect();
        assert_eq!(lines[0], "-----BEGIN X-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines.last(), Some(&"-----END X-----"));
        assert!(p.ends_with("-----\n"));
    }

    #[test]
    fn each_algorithm_has_its_pem_label_and_openssh_type() {
        let ed = key(&[("algorithm", Value::string("ED25519"))]);
        assert!(get(&ed, "private_key_pem").starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(get(&ed, "public_key_openssh").starts_with("ssh-ed25519 AAAA"));
        assert!(get(&ed, "public_key_fingerprint_sha256").starts_with("SHA256:"));
        assert_eq!(
            get(&ed, "public_key_fingerprint_md5").split(':').count(),
            16
        );
        assert!(
            get(&ed, "private_key_openssh").starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n")
        );

        let ec = key(&[
            ("algorithm", Value::string("ECDSA")),
            ("ecdsa_curve", Value::string("P384")),
        ]);
        assert!(get(&ec, "private_key_pem").starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
        assert!(get(&ec, "public_key_openssh").starts_with("ecdsa-sha2-nistp384 AAAA"));

        let rsa = key(&[
            ("algorithm", Value::string("RSA")),
            ("rsa_bits", Value::int(1024)),
            ("openssh_comment", Value::string("ops@example")),
        ]);
        assert!(get(&rsa, "private_key_pem").starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
        assert!(get(&rsa, "private_key_pem_pkcs8").starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(get(&rsa, "public_key_pem").starts_with("-----BEGIN PUBLIC KEY-----\n"));
        let public = get(&rsa, "public_key_openssh");
        assert!(public.starts_with("ssh-rsa AAAA"), "{public}");
        assert!(public.ends_with(" ops@example\n"), "{public}");
        assert_eq!(get(&rsa, "id").len(), 40);
    }

    #[test]
    fn p224_has_no_openssh_form() {
        let k = key(&[
            ("algorithm", Value::string("ECDSA")),
            ("ecdsa_curve", Value::string("P224")),
        ]);
        assert!(get(&k, "private_key_pem").starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
        assert_eq!(get(&k, "public_key_openssh"), "");
        assert_eq!(get(&k, "private_key_openssh"), "");
        assert_eq!(get(&k, "public_key_fingerprint_sha256"), "");
    }

    #[test]
    fn unknown_algorithms_and_curves_are_refused_at_plan() {
        let t = PrivateKey::new();
        let v = |pairs: &[(&str, Value)]| Value::object(configured(pairs));
        let err = t
            .validate(&v(&[("algorithm", Value::string("DSA"))]))
            .unwrap_err();
        assert!(err.contains("algorithm \"DSA\""), "{err}");
        assert!(
            t.validate(&v(&[
                ("algorithm", Value::string("ECDSA")),
                ("ecdsa_curve", Value::string("P999"))
            ]))
            .is_err()
        );
        assert!(
            t.validate(&v(&[("algorithm", Value::string("RSA"))]))
                .is_ok()
        );
    }
}
