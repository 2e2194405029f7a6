//! What EC2 and cloud-init would reject only at boot, checked at plan time: user data over
//! EC2's 16 KiB limit, and a `#cloud-config` document that is not YAML or whose well-known keys
//! have the wrong shape (cloud-init then skips the whole module and the node comes up
//! unconfigured). Multipart and gzipped user data are only size-checked.

use serde_json::Value as J;

/// EC2's limit on user data, before base64.
pub const MAX_USER_DATA: usize = 16_384;

/// Checks user data as the instance will receive it (decoded from base64 when `base64`).
pub fn check_user_data(data: &[u8]) -> Result<(), String> {
    if data.len() > MAX_USER_DATA {
        return Err(format!(
            "user data is {} bytes; EC2 accepts at most {MAX_USER_DATA}. Compress it: cloudinit_config with gzip = true, or base64gzip().",
            data.len()
        ));
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(()); // gzip or other binary: cloud-init unpacks it
    };
    if !text.starts_with("#cloud-config") {
        return Ok(());
    }
    let doc: J = serde_saphyr::from_str(text)
        .map_err(|e| format!("the #cloud-config document is not valid YAML: {e}"))?;
    check_cloud_config(&doc)
}

fn kind(v: &J) -> &'static str {
    match v {
        J::Null => "null",
        J::Bool(_) => "a boolean",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "a list",
        J::Object(_) => "a mapping",
    }
}

fn expect(key: &str, v: &J, ok: bool, want: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!(
            "cloud-config key {key:?} must be {want}, not {}",
            kind(v)
        ))
    }
}

/// The shapes cloud-init's schema requires of the keys cluster bootstraps use.
pub fn check_cloud_config(doc: &J) -> Result<(), String> {
    let J::Object(m) = doc else {
        if doc.is_null() {
            return Ok(());
        }
        return Err(format!(
            "a #cloud-config document must be a mapping, not {}",
            kind(doc)
        ));
    };
    for (k, v) in m {
        match k.as_str() {
            "write_files" => {
                let J::Array(files) = v else {
                    return expect(k, v, false, "a list of files");
                };
                for (i, f) in files.iter().enumerate() {
                    let J::Object(f) = f else {
                        return Err(format!(
                            "write_files[{i}] must be a mapping, not {}",
                            kind(f)
                        ));
                    };
                    match f.get("path") {
                        Some(J::String(_)) => {}
                        _ => return Err(format!("write_files[{i}] needs a \"path\" string")),
                    }
                    for s in ["content", "owner", "permissions", "encoding"] {
                        if let Some(x) = f.get(s).filter(|x| !x.is_null()) {
                            expect(
                                &format!("write_files[{i}].{s}"),
                                x,
                                x.is_string(),
                                "a string",
                            )?;
                        }
                    }
                    for b in ["append", "defer"] {
                        if let Some(x) = f.get(b) {
                            expect(
                                &format!("write_files[{i}].{b}"),
                                x,
                                x.is_boolean(),
                                "a boolean",
                            )?;
                        }
                    }
                }
            }
            "runcmd" | "bootcmd" | "packages" => {
                let ok = v.as_array().is_some_and(|items| {
                    items.iter().all(|c| {
                        c.is_string() || c.as_array().is_some_and(|a| a.iter().all(J::is_string))
                    })
                });
                expect(k, v, ok, "a list of strings or of string lists")?;
            }
            "ssh_authorized_keys" => {
                let ok = v.as_array().is_some_and(|a| a.iter().all(J::is_string));
                expect(k, v, ok, "a list of strings")?;
            }
            "users" | "groups" => {
                let ok = v.is_array() || v.is_string() || (k == "groups" && v.is_object());
                expect(k, v, ok, "a list")?;
            }
            "package_update"
            | "package_upgrade"
            | "package_reboot_if_required"
            | "ssh_pwauth"
            | "disable_root" => expect(k, v, v.is_boolean(), "a boolean")?,
            "hostname" | "fqdn" | "timezone" | "final_message" | "locale" => {
                expect(k, v, v.is_string(), "a string")?
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_user_data;

    #[test]
    fn good_cloud_config_passes() {
        let text = "#cloud-config\npackage_update: true\nwrite_files:\n  - path: /etc/x\n    content: hi\nruncmd:\n  - [sh, -c, echo]\n  - echo\n";
        check_user_data(text.as_bytes()).unwrap();
    }

    #[test]
    fn shapes_and_size_are_errors() {
        let bad = "#cloud-config\nwrite_files:\n  - content: hi\n";
        assert!(
            check_user_data(bad.as_bytes())
                .unwrap_err()
                .contains("path")
        );
        let bad = "#cloud-config\nruncmd: echo hi\n";
        assert!(
            check_user_data(bad.as_bytes())
                .unwrap_err()
                .contains("runcmd")
        );
        let bad = "#cloud-config\nwrite_files: [\n";
        assert!(
            check_user_data(bad.as_bytes())
                .unwrap_err()
                .contains("YAML")
        );
        let big = format!("#!/bin/sh\n{}", "x".repeat(17_000));
        assert!(
            check_user_data(big.as_bytes())
                .unwrap_err()
                .contains("16384")
        );
        check_user_data(b"#!/bin/sh\necho hi\n").unwrap();
    }
}
