//! User data as Terraform keeps it: a hash in state for `user_data`, base64 for
//! `user_data_base64`, and the checks cloud-init needs.

use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, opt_s};
use base64::Engine;

/// The SHA-1 Terraform stores for `user_data`: of the decoded bytes when the text is base64,
/// so the configured text and what the API hands back (always base64) hash alike.
pub(crate) fn user_data_hash(text: &str) -> String {
    use sha1::Digest;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap_or_else(|_| text.as_bytes().to_vec());
    hex::encode(sha1::Sha1::digest(&bytes))
}

/// Whether a `user_data` value is the SHA-1 state keeps instead of the text.
pub(crate) fn is_user_data_hash(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// User data as the APIs take it: base64, encoding text that is not already.
pub(crate) fn user_data_base64(text: &str) -> String {
    if base64::engine::general_purpose::STANDARD
        .decode(text)
        .is_ok()
    {
        text.to_string()
    } else {
        base64::engine::general_purpose::STANDARD.encode(text)
    }
}

/// Checks planned `user_data` (text or base64) as the instance will receive it: EC2's size
/// limit, and the shape of a `#cloud-config` document. A stored hash (unchanged user data) and
/// unknown user data are not checked.
pub(crate) fn validate_user_data(planned: &Value, base64_only: bool) -> Result<(), String> {
    let o = Obj::of(planned);
    let Some(text) = o.str("user_data") else {
        return Ok(());
    };
    if is_user_data_hash(&text) {
        return Ok(());
    }
    let bytes = match base64::engine::general_purpose::STANDARD.decode(&text) {
        Ok(b) => b,
        Err(_) if base64_only => {
            return Err("user_data must be base64-encoded; wrap it in base64encode()".into());
        }
        Err(_) => text.into_bytes(),
    };
    crate::cloudinit::check_user_data(&bytes)
}

/// Plans `user_data` against a prior that stores its hash: unchanged text plans as the prior's
/// hash (no change); changed text stays as written, for the create or update that sends it.
pub(crate) fn plan_user_data(prior: Option<&Value>, planned: Value) -> Value {
    let mut o = Obj::of(&planned);
    if let (Some(prior), Some(text)) = (prior, o.str("user_data")) {
        let old = Obj::of(prior).str("user_data");
        if old.as_deref() == Some(user_data_hash(&text).as_str()) {
            o.set("user_data", opt_s(old));
        }
    }
    Value::object(o.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::aws::attrs::s;

    #[test]
    fn user_data_hashes_alike_as_text_and_base64() {
        let text = "#!/bin/sh\necho hi\n";
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        assert_eq!(user_data_hash(text), user_data_hash(&encoded));
        assert_eq!(user_data_hash(text).len(), 40);
        assert_eq!(user_data_base64(text), encoded);
        assert_eq!(user_data_base64(&encoded), encoded);
    }

    #[test]
    fn unchanged_user_data_plans_as_the_stored_hash() {
        let text = "#!/bin/sh\necho hi\n";
        let mut prior = Obj::default();
        prior.set("user_data", s(user_data_hash(text)));
        let prior = Value::object(prior.0);
        let mut planned = Obj::default();
        planned.set("user_data", s(text));
        let same = plan_user_data(Some(&prior), Value::object(planned.0.clone()));
        assert_eq!(Obj::of(&same).str("user_data"), Some(user_data_hash(text)));
        planned.set("user_data", s("echo other"));
        let changed = plan_user_data(Some(&prior), Value::object(planned.0));
        assert_eq!(
            Obj::of(&changed).str("user_data").as_deref(),
            Some("echo other")
        );
    }
}
