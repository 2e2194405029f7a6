//! Terraform's `cloudinit_config`: parts joined as multipart MIME with a fixed boundary, then
//! optionally gzipped (Go's exact bytes, the same as `base64gzip`) and base64-encoded. The layout
//! is the one Go's `mime/multipart` writes, so configurations moving from Terraform keep the
//! same user data and their instances are not replaced.

use base64::Engine;

#[derive(Debug, Clone, Default)]
pub struct Part {
    pub content_type: String,
    pub content: String,
    pub filename: Option<String>,
    pub merge_type: Option<String>,
}

/// The multipart document.
pub fn multipart(boundary: &str, parts: &[Part]) -> String {
    let mut out = format!("Content-Type: multipart/mixed; boundary=\"{boundary}\"\n");
    out.push_str("MIME-Version: 1.0\r\n\r\n");
    for (i, p) in parts.iter().enumerate() {
        // Go's multipart writer separates parts with CRLF and writes headers sorted by their
        // canonical names.
        out.push_str(if i == 0 { "--" } else { "\r\n--" });
        out.push_str(boundary);
        out.push_str("\r\n");
        let mut headers: Vec<(&str, String)> = vec![
            ("Content-Transfer-Encoding", "7bit".into()),
            (
                "Content-Type",
                if p.content_type.is_empty() {
                    "text/plain".into()
                } else {
                    p.content_type.clone()
                },
            ),
            ("Mime-Version", "1.0".into()),
        ];
        if let Some(f) = p.filename.as_deref().filter(|f| !f.is_empty()) {
            headers.push((
                "Content-Disposition",
                format!("attachment; filename=\"{f}\""),
            ));
        }
        if let Some(m) = p.merge_type.as_deref().filter(|m| !m.is_empty()) {
            headers.push(("X-Merge-Type", m.to_string()));
        }
        headers.sort_by(|a, b| a.0.cmp(b.0));
        for (k, v) in headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        out.push_str(&p.content);
    }
    out.push_str(&format!("\r\n--{boundary}--\r\n"));
    out
}

/// `rendered` of a `cloudinit_config`; gzip without base64 is refused as Terraform refuses it
/// (binary user data cannot be a string).
pub fn render_config(
    gzip: bool,
    base64_encode: bool,
    boundary: &str,
    parts: &[Part],
) -> Result<String, String> {
    if gzip && !base64_encode {
        return Err("base64_encode must be true when gzip is true".into());
    }
    let doc = multipart(boundary, parts);
    let bytes = if gzip {
        crate::lang::functions::go_gzip(doc.as_bytes()).map_err(|e| format!("gzip: {e:?}"))?
    } else {
        doc.into_bytes()
    };
    Ok(if base64_encode {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_parts_in_go_multipart_layout() {
        let parts = [
            Part {
                content_type: "text/cloud-config".into(),
                content: "a: 1\n".into(),
                filename: Some("init.cfg".into()),
                merge_type: None,
            },
            Part {
                content_type: String::new(),
                content: "echo hi".into(),
                filename: None,
                merge_type: Some("list(append)+dict(recurse_array)".into()),
            },
        ];
        assert_eq!(
            multipart("B", &parts),
            "Content-Type: multipart/mixed; boundary=\"B\"\nMIME-Version: 1.0\r\n\r\n\
             --B\r\nContent-Disposition: attachment; filename=\"init.cfg\"\r\nContent-Transfer-Encoding: 7bit\r\nContent-Type: text/cloud-config\r\nMime-Version: 1.0\r\n\r\na: 1\n\
             \r\n--B\r\nContent-Transfer-Encoding: 7bit\r\nContent-Type: text/plain\r\nMime-Version: 1.0\r\nX-Merge-Type: list(append)+dict(recurse_array)\r\n\r\necho hi\
             \r\n--B--\r\n"
        );
    }

    #[test]
    fn gzip_needs_base64_and_is_deterministic() {
        assert!(render_config(true, false, "B", &[]).is_err());
        let a = render_config(true, true, "B", &[Part::default()]).unwrap();
        let b = render_config(true, true, "B", &[Part::default()]).unwrap();
        assert_eq!(a, b);
        assert!(a.starts_with("H4sI"), "a gzip stream: {a}");
    }
}
