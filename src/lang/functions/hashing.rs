//! Hashing and UUID functions on strings: md5, sha1, sha256, sha512 (hex or base64), uuid and
//! uuidv5. The `file*` variants that hash a file's bytes live in `filesystem.rs`.

use super::{FnContext, FnError, FnResult, Function, f, str_arg, str_val};
use crate::lang::types::Type;
use crate::lang::value::Value;
use base64::Engine;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

pub(super) fn functions() -> Vec<Function> {
    let s = Type::String;
    vec![
        f(
            "md5",
            |_, a| str_val(hex::encode(digest::<Md5>(str_arg(a, 0)?.as_bytes()))),
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "sha1",
            |_, a| str_val(hex::encode(digest::<Sha1>(str_arg(a, 0)?.as_bytes()))),
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "sha256",
            |_, a| str_val(hex::encode(digest::<Sha256>(str_arg(a, 0)?.as_bytes()))),
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "sha512",
            |_, a| str_val(hex::encode(digest::<Sha512>(str_arg(a, 0)?.as_bytes()))),
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "base64sha256",
            |_, a| str_val(b64(&digest::<Sha256>(str_arg(a, 0)?.as_bytes()))),
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "base64sha512",
            |_, a| str_val(b64(&digest::<Sha512>(str_arg(a, 0)?.as_bytes()))),
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "uuid",
            |_, _| {
                if super::planning() {
                    Ok(Value::Unknown(Type::String))
                } else {
                    str_val(uuid::Uuid::new_v4().to_string())
                }
            },
            0,
            Some(0),
            s.clone(),
        ),
        f("uuidv5", uuidv5, 2, Some(2), s),
    ]
}

pub(super) fn digest<D: Digest>(data: &[u8]) -> Vec<u8> {
    D::digest(data).to_vec()
}

pub(super) fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn uuidv5(_: &FnContext, a: &[Value]) -> FnResult {
    let ns = str_arg(a, 0)?;
    let name = str_arg(a, 1)?;
    let namespace = match ns.as_str() {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => parse_uuid(other).map_err(|e| {
            FnError::new(format!("uuidv5() doesn't support namespace {other} ({e})"))
        })?,
    };
    str_val(uuid::Uuid::new_v5(&namespace, name.as_bytes()).to_string())
}

/// google/uuid's `Parse`: the hyphenated, braced, `urn:uuid:` and plain-hex forms, with its
/// error texts.
fn parse_uuid(s: &str) -> Result<uuid::Uuid, String> {
    match s.len() {
        36 | 38 | 32 => {}
        45 if s
            .get(..9)
            .is_some_and(|p| p.eq_ignore_ascii_case("urn:uuid:")) => {}
        45 => return Err(format!("invalid urn prefix: {:?}", s.get(..9).unwrap_or(s))),
        n => return Err(format!("invalid UUID length: {n}")),
    }
    uuid::Uuid::parse_str(s).map_err(|_| "invalid UUID format".to_string())
}

#[cfg(test)]
mod tests {
    use super::super::encoding::test_support::eval_ok;

    #[test]
    fn hashes_match_terraform() {
        let cases = [
            (
                "md5(\"#cloud-config\\npackages:\\n  - nginx\\n\")",
                "\"3c99dcff2a7cf109ec0018bde0d3033c\"",
            ),
            (
                "sha1(\"#cloud-config\\npackages:\\n  - nginx\\n\")",
                "\"8aceda695fd2f86b5bfd2abba3b1a76cc4030da3\"",
            ),
            (
                "sha256(\"\")",
                "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"",
            ),
            (
                "sha256(\"héllo ✓\")",
                "\"5657cdef8a85a584e0e961e6f8247cf5d3f8ed21496ed6fdbcfd43a761e94245\"",
            ),
            (
                "sha512(\"abc\")",
                "\"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f\"",
            ),
            (
                "base64sha256(\"hello world\")",
                "\"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=\"",
            ),
            (
                "base64sha512(\"hello world\")",
                "\"MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw==\"",
            ),
            (
                "sha256(tostring(42))",
                "\"73475cb40a568e8da8a045ced110137e159f890ac4da883b6b17dc651b3a8049\"",
            ),
            (
                "md5(jsonencode({ b = \"2\", a = \"1\" }))",
                "\"8018d630c38e45a64531824279891103\"",
            ),
        ];
        for (expr, want) in cases {
            assert_eq!(eval_ok(expr), want, "{expr}");
        }
    }

    #[test]
    fn uuidv5_matches_terraform() {
        let cases = [
            (
                "uuidv5(\"dns\", \"www.example.com\")",
                "\"2ed6657d-e927-568b-95e1-2665a8aea6a2\"",
            ),
            (
                "uuidv5(\"url\", \"https://www.terraform.io/\")",
                "\"9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5\"",
            ),
            (
                "uuidv5(\"6ba7b810-9dad-11d1-80b4-00c04fd430c8\", \"custom\")",
                "\"0e8d3be6-6e6a-5d1a-951e-8509466c62e1\"",
            ),
        ];
        for (expr, want) in cases {
            assert_eq!(eval_ok(expr), want, "{expr}");
        }
        assert!(
            super::parse_uuid("nope")
                .unwrap_err()
                .contains("invalid UUID length: 4")
        );
    }

    #[test]
    fn uuid_is_v4() {
        let v = eval_ok("uuid()");
        assert_eq!(v.len(), 38);
        assert_eq!(&v[15..16], "4");
    }
}
