//! S3 against moto: a bucket with its parts as separate resources (versioning, public access
//! block, default encryption, policy) and objects from content and from a file, created,
//! changed in place, noticed gone, imported and destroyed; and the deprecated inline parts of
//! `aws_s3_bucket` older configurations carry. Each checked through the SDK.

mod support;

use support::{Work, runtime};

fn s3(w: &Work) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&w.sdk())
            .force_path_style(true)
            .build(),
    )
}

/// A bucket name no other test (or test run) uses: moto's buckets are global, as AWS's are.
fn bucket_name(w: &Work, what: &str) -> String {
    format!("{what}-{}-{}", w.region, std::process::id())
}

fn body(w: &Work, bucket: &str, key: &str) -> String {
    let c = s3(w);
    runtime().block_on(async {
        let out = c.get_object().bucket(bucket).key(key).send().await.unwrap();
        String::from_utf8(out.body.collect().await.unwrap().to_vec()).unwrap()
    })
}

fn bucket_exists(w: &Work, bucket: &str) -> bool {
    runtime()
        .block_on(s3(w).head_bucket().bucket(bucket).send())
        .is_ok()
}

#[test]
fn a_bucket_its_parts_and_its_objects() {
    let config = |bucket: &str, script: &str, team: &str| {
        format!(
            r#"
resource "aws_s3_bucket" "bootstrap" {{
  bucket        = "{bucket}"
  force_destroy = true
  tags = {{
    Team = "{team}"
  }}
}}

resource "aws_s3_bucket_versioning" "bootstrap" {{
  bucket = aws_s3_bucket.bootstrap.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_s3_bucket_public_access_block" "bootstrap" {{
  bucket                  = aws_s3_bucket.bootstrap.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "bootstrap" {{
  bucket = aws_s3_bucket.bootstrap.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "AES256"
    }}
    blocked_encryption_types = ["SSE-C"]
  }}
}}

resource "aws_s3_bucket_policy" "bootstrap" {{
  bucket = aws_s3_bucket.bootstrap.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Sid       = "NodesRead"
      Effect    = "Allow"
      Principal = {{ AWS = "arn:aws:iam::123456789012:root" }}
      Action    = "s3:GetObject"
      Resource  = "${{aws_s3_bucket.bootstrap.arn}}/*"
    }}]
  }})
}}

resource "aws_s3_object" "script" {{
  bucket       = aws_s3_bucket.bootstrap.id
  key          = "bootstrap/node.sh"
  content      = "{script}"
  content_type = "text/x-shellscript"
  metadata = {{
    role = "agent"
  }}
  depends_on = [aws_s3_bucket_versioning.bootstrap]
}}

resource "aws_s3_object" "config" {{
  bucket      = aws_s3_bucket.bootstrap.id
  key         = "bootstrap/config.yaml"
  source      = "${{path.module}}/config.yaml"
  source_hash = filemd5("${{path.module}}/config.yaml")
  tags = {{
    Kind = "config"
  }}
}}

output "arn" {{
  value = aws_s3_bucket.bootstrap.arn
}}
"#
        )
    };
    let w = Work::new("");
    let name = bucket_name(&w, "bootstrap");
    std::fs::write(w.path().join("config.yaml"), "cluster: one\n").unwrap();
    w.write(&config(&name, "echo one", "platform"));
    w.ok(&["apply", "-auto-approve"]);

    let bucket = w.attrs("aws_s3_bucket.bootstrap");
    assert_eq!(bucket["id"], name.as_str());
    assert_eq!(bucket["arn"], format!("arn:aws:s3:::{name}"));
    assert_eq!(bucket["region"], w.region);
    assert_eq!(
        bucket["bucket_regional_domain_name"],
        format!("{name}.s3.{}.amazonaws.com", w.region)
    );
    assert_eq!(bucket["tags_all"]["Team"], "platform");
    assert_eq!(body(&w, &name, "bootstrap/node.sh"), "echo one");
    assert_eq!(body(&w, &name, "bootstrap/config.yaml"), "cluster: one\n");
    let script = w.attrs("aws_s3_object.script");
    assert_eq!(script["content_type"], "text/x-shellscript");
    assert_eq!(script["metadata"]["role"], "agent");
    let first_version = script["version_id"].as_str().unwrap().to_string();
    assert!(!first_version.is_empty(), "{script}");
    // The etag of a plain upload is the MD5 of the body.
    use md5::Digest;
    let md5: String = md5::Md5::digest(b"cluster: one\n")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(w.attrs("aws_s3_object.config")["etag"], md5.as_str());
    let c = s3(&w);
    runtime().block_on(async {
        let v = c
            .get_bucket_versioning()
            .bucket(&name)
            .send()
            .await
            .unwrap();
        assert_eq!(v.status().map(|s| s.as_str()), Some("Enabled"));
        let pab = c
            .get_public_access_block()
            .bucket(&name)
            .send()
            .await
            .unwrap();
        let pab = pab.public_access_block_configuration().unwrap();
        assert_eq!(pab.block_public_acls(), Some(true));
        assert_eq!(pab.restrict_public_buckets(), Some(true));
        let enc = c
            .get_bucket_encryption()
            .bucket(&name)
            .send()
            .await
            .unwrap();
        let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
        assert_eq!(
            rule.apply_server_side_encryption_by_default()
                .unwrap()
                .sse_algorithm()
                .as_str(),
            "AES256"
        );
        let blocked: Vec<&str> = rule
            .blocked_encryption_types()
            .map(|b| b.encryption_type().iter().map(|e| e.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(blocked, ["SSE-C"]);
        let policy = c.get_bucket_policy().bucket(&name).send().await.unwrap();
        assert!(policy.policy().unwrap().contains("NodesRead"));
        let tags = c
            .get_object_tagging()
            .bucket(&name)
            .key("bootstrap/config.yaml")
            .send()
            .await
            .unwrap();
        let kinds: Vec<(&str, &str)> = tags
            .tag_set()
            .iter()
            .map(|t| (t.key(), t.value()))
            .filter(|(k, _)| !k.starts_with("infra:"))
            .collect();
        assert_eq!(kinds, [("Kind", "config")]);
    });
    w.assert_no_changes();

    // A new body is put again in place, as a new version; a tag changes the bucket in place.
    std::fs::write(w.path().join("config.yaml"), "cluster: two\n").unwrap();
    w.write(&config(&name, "echo two", "infra"));
    let plan = w.ok(&["plan"]);
    for changed in [
        "aws_s3_object.script will be updated in-place",
        "aws_s3_object.config will be updated in-place",
        "aws_s3_bucket.bootstrap will be updated in-place",
    ] {
        assert!(plan.contains(changed), "{changed}:\n{plan}");
    }
    assert!(!plan.contains("must be replaced"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(body(&w, &name, "bootstrap/node.sh"), "echo two");
    assert_eq!(body(&w, &name, "bootstrap/config.yaml"), "cluster: two\n");
    let second = w.attrs("aws_s3_object.script")["version_id"].clone();
    assert_ne!(second, first_version.as_str());
    assert_eq!(
        w.attrs("aws_s3_bucket.bootstrap")["tags_all"]["Team"],
        "infra"
    );
    w.assert_no_changes();

    // Gone behind infra's back: every version of the object; the next plan makes it again.
    let c = s3(&w);
    runtime().block_on(async {
        let versions = c
            .list_object_versions()
            .bucket(&name)
            .prefix("bootstrap/node.sh")
            .send()
            .await
            .unwrap();
        for v in versions.versions() {
            c.delete_object()
                .bucket(&name)
                .key("bootstrap/node.sh")
                .set_version_id(v.version_id().map(str::to_string))
                .send()
                .await
                .unwrap();
        }
    });
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_s3_object.script will be created"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(body(&w, &name, "bootstrap/node.sh"), "echo two");

    // Import by Terraform's ids: the bucket by name, its parts by bucket, objects bucket/key.
    for (address, id) in [
        ("aws_s3_bucket.bootstrap", name.clone()),
        ("aws_s3_bucket_versioning.bootstrap", name.clone()),
        ("aws_s3_bucket_public_access_block.bootstrap", name.clone()),
        (
            "aws_s3_bucket_server_side_encryption_configuration.bootstrap",
            name.clone(),
        ),
        ("aws_s3_bucket_policy.bootstrap", name.clone()),
        (
            "aws_s3_object.config",
            format!("{name}/bootstrap/config.yaml"),
        ),
    ] {
        w.ok(&["state", "rm", address]);
        w.ok(&["import", address, &id]);
    }
    // What only the configuration knew (force_destroy, the object's source) is set again in
    // place, as after a Terraform import; nothing is made or replaced.
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("0 to add, 2 to change, 0 to destroy"),
        "{plan}"
    );
    assert!(plan.contains("force_destroy"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    w.assert_no_changes();

    // Destroy empties the versioned bucket (force_destroy), even of objects infra never made.
    runtime()
        .block_on(
            s3(&w)
                .put_object()
                .bucket(&name)
                .key("logs/extra.txt")
                .body(aws_sdk_s3::primitives::ByteStream::from_static(b"x"))
                .send(),
        )
        .unwrap();
    w.ok(&["destroy", "-auto-approve"]);
    assert!(!bucket_exists(&w, &name), "the bucket is gone");
}

#[test]
fn a_bucket_with_the_deprecated_inline_parts() {
    let config = |bucket: &str, versioning: bool| {
        format!(
            r#"
resource "aws_s3_bucket" "exhibitor" {{
  bucket = "{bucket}"
  acl    = "private"

  versioning {{
    enabled = {versioning}
  }}

  server_side_encryption_configuration {{
    rule {{
      apply_server_side_encryption_by_default {{
        sse_algorithm = "AES256"
      }}
    }}
  }}

  policy = <<POLICY
{{
  "Version": "2012-10-17",
  "Statement": [
    {{
      "Effect": "Allow",
      "Principal": {{"AWS": "arn:aws:iam::123456789012:root"}},
      "Action": "s3:ListBucket",
      "Resource": "arn:aws:s3:::{bucket}"
    }}
  ]
}}
POLICY
}}
"#
        )
    };
    let w = Work::new("");
    let name = bucket_name(&w, "exhibitor");
    w.write(&config(&name, true));
    w.ok(&["apply", "-auto-approve"]);
    let bucket = w.attrs("aws_s3_bucket.exhibitor");
    assert_eq!(bucket["versioning"][0]["enabled"], true);
    assert_eq!(
        bucket["server_side_encryption_configuration"][0]["rule"][0]["apply_server_side_encryption_by_default"]
            [0]["sse_algorithm"],
        "AES256"
    );
    w.assert_no_changes();

    // Versioning off again is Suspended (AWS cannot disable it), in place.
    w.write(&config(&name, false));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_s3_bucket.exhibitor will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    let status = runtime()
        .block_on(s3(&w).get_bucket_versioning().bucket(&name).send())
        .unwrap();
    assert_eq!(status.status().map(|s| s.as_str()), Some("Suspended"));
    w.assert_no_changes();

    // Without force_destroy, a bucket that holds an object is refused, by name, and kept.
    runtime()
        .block_on(
            s3(&w)
                .put_object()
                .bucket(&name)
                .key("state.json")
                .body(aws_sdk_s3::primitives::ByteStream::from_static(b"{}"))
                .send(),
        )
        .unwrap();
    let out = w.infra(&["destroy", "-auto-approve"]);
    let err = support::text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains(&name) && err.contains("force_destroy"),
        "{err}"
    );
    assert!(bucket_exists(&w, &name));
    assert_eq!(w.attrs("aws_s3_bucket.exhibitor")["id"], name.as_str());
}

/// The Terraform 3 inline parts no separate resource holds: CORS, website, access logging,
/// grants, lifecycle, replication, transfer acceleration and request payment.
#[test]
fn a_bucket_with_terraform_3s_inline_rules_and_settings() {
    let config = |bucket: &str, logs: &str, days: u32, index: &str| {
        format!(
            r#"
resource "aws_s3_bucket" "logs" {{
  bucket        = "{logs}"
  acl           = "log-delivery-write"
  force_destroy = true
}}

resource "aws_s3_bucket" "replica" {{
  bucket        = "{bucket}-replica"
  force_destroy = true

  versioning {{
    enabled = true
  }}
}}

resource "aws_s3_bucket" "site" {{
  bucket              = "{bucket}"
  force_destroy       = true
  acceleration_status = "Enabled"
  request_payer       = "Requester"

  versioning {{
    enabled = true
  }}

  cors_rule {{
    allowed_headers = ["*"]
    allowed_methods = ["GET", "HEAD"]
    allowed_origins = ["https://example.com"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3000
  }}

  website {{
    index_document = "{index}"
    error_document = "error.html"
    routing_rules  = <<EOT
[{{"Condition": {{"KeyPrefixEquals": "docs/"}}, "Redirect": {{"ReplaceKeyPrefixWith": "documents/"}}}}]
EOT
  }}

  logging {{
    target_bucket = aws_s3_bucket.logs.id
    target_prefix = "site/"
  }}

  lifecycle_rule {{
    id      = "logs"
    prefix  = "logs/"
    enabled = true

    abort_incomplete_multipart_upload_days = 7

    transition {{
      days          = 30
      storage_class = "STANDARD_IA"
    }}

    expiration {{
      days = {days}
    }}

    noncurrent_version_expiration {{
      days = 30
    }}
  }}

  replication_configuration {{
    role = "arn:aws:iam::123456789012:role/replication"

    rules {{
      id     = "all"
      status = "Enabled"
      prefix = ""

      destination {{
        bucket        = aws_s3_bucket.replica.arn
        storage_class = "STANDARD"
      }}
    }}
  }}
}}
"#
        )
    };
    let w = Work::new("");
    let name = bucket_name(&w, "site");
    let logs = bucket_name(&w, "site-logs");
    w.write(&config(&name, &logs, 365, "index.html"));
    w.ok(&["apply", "-auto-approve"]);
    let c = s3(&w);
    let rt = runtime();
    let cors = rt
        .block_on(c.get_bucket_cors().bucket(&name).send())
        .unwrap();
    assert_eq!(cors.cors_rules()[0].allowed_methods(), ["GET", "HEAD"]);
    let site = rt
        .block_on(c.get_bucket_website().bucket(&name).send())
        .unwrap();
    assert_eq!(
        site.index_document().map(|d| d.suffix()),
        Some("index.html")
    );
    assert_eq!(site.routing_rules().len(), 1);
    let logging = rt
        .block_on(c.get_bucket_logging().bucket(&name).send())
        .unwrap();
    assert_eq!(
        logging.logging_enabled().map(|l| l.target_bucket()),
        Some(logs.as_str())
    );
    let lifecycle = rt
        .block_on(c.get_bucket_lifecycle_configuration().bucket(&name).send())
        .unwrap();
    assert_eq!(
        lifecycle.rules()[0].expiration().and_then(|e| e.days()),
        Some(365)
    );
    let replication = rt
        .block_on(c.get_bucket_replication().bucket(&name).send())
        .unwrap();
    assert_eq!(
        replication
            .replication_configuration()
            .map(|r| r.rules().len()),
        Some(1)
    );
    let payer = rt
        .block_on(c.get_bucket_request_payment().bucket(&name).send())
        .unwrap();
    assert_eq!(payer.payer().map(|p| p.as_str()), Some("Requester"));
    let bucket = w.attrs("aws_s3_bucket.site");
    assert_eq!(
        bucket["website_endpoint"],
        format!("{name}.{}", website_domain(w.region))
    );
    assert!(
        bucket["grant"]
            .as_array()
            .is_some_and(|g| g.iter().any(|g| g["permissions"][0] == "FULL_CONTROL")),
        "the owner's grant reads back: {}",
        bucket["grant"]
    );
    w.assert_no_changes();

    // A rule and the website changed in place.
    w.write(&config(&name, &logs, 400, "home.html"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_s3_bucket.site will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    let lifecycle = rt
        .block_on(c.get_bucket_lifecycle_configuration().bucket(&name).send())
        .unwrap();
    assert_eq!(
        lifecycle.rules()[0].expiration().and_then(|e| e.days()),
        Some(400)
    );
    w.assert_no_changes();

    // Imported, the bucket reads every part back.
    w.ok(&["state", "rm", "aws_s3_bucket.site"]);
    w.ok(&["import", "aws_s3_bucket.site", &name]);
    let imported = w.attrs("aws_s3_bucket.site");
    assert_eq!(imported["lifecycle_rule"][0]["expiration"][0]["days"], 400);
    assert_eq!(imported["website"][0]["index_document"], "home.html");
    assert_eq!(imported["acceleration_status"], "Enabled");
    // An import knows nothing of the configuration's layout (force_destroy, the rules' JSON):
    // one apply brings state to it, and nothing is left to do.
    w.ok(&["apply", "-auto-approve"]);
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
    assert!(!bucket_exists(&w, &name));
}

/// The website domain of a region, as S3 names it.
fn website_domain(region: &str) -> String {
    if [
        "us-east-1",
        "us-west-1",
        "us-west-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "sa-east-1",
        "eu-west-1",
    ]
    .contains(&region)
    {
        format!("s3-website-{region}.amazonaws.com")
    } else {
        format!("s3-website.{region}.amazonaws.com")
    }
}

/// An object in a bucket made with object lock, under a legal hold that is lifted in place.
#[test]
fn an_object_under_a_legal_hold() {
    let config = |bucket: &str, hold: &str| {
        format!(
            r#"
resource "aws_s3_bucket" "locked" {{
  bucket              = "{bucket}"
  object_lock_enabled = true
  force_destroy       = true
}}

resource "aws_s3_object" "evidence" {{
  bucket                        = aws_s3_bucket.locked.id
  key                           = "audit.log"
  content                       = "kept"
  object_lock_legal_hold_status = "{hold}"
}}
"#
        )
    };
    let w = Work::new("");
    let name = bucket_name(&w, "locked");
    w.write(&config(&name, "ON"));
    w.ok(&["apply", "-auto-approve"]);
    let hold = || {
        runtime()
            .block_on(s3(&w).head_object().bucket(&name).key("audit.log").send())
            .unwrap()
            .object_lock_legal_hold_status()
            .map(|s| s.as_str().to_string())
    };
    assert_eq!(hold().as_deref(), Some("ON"));
    let version = w.attrs("aws_s3_object.evidence")["version_id"].clone();
    w.assert_no_changes();
    w.write(&config(&name, "OFF"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_s3_object.evidence will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(hold().as_deref(), Some("OFF"));
    assert_eq!(
        w.attrs("aws_s3_object.evidence")["version_id"],
        version,
        "the hold changes on the same version"
    );
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
    assert!(!bucket_exists(&w, &name));
}

/// A put with `checksum_algorithm`: S3 keeps the body's checksum, read back; a new body
/// makes a new one.
#[test]
fn an_object_with_its_checksum() {
    use base64::Engine;
    use sha2::Digest;
    let config = |bucket: &str, content: &str| {
        format!(
            r#"
resource "aws_s3_bucket" "artefacts" {{
  bucket        = "{bucket}"
  force_destroy = true
}}

resource "aws_s3_object" "bootstrap" {{
  bucket             = aws_s3_bucket.artefacts.id
  key                = "bootstrap.sh"
  content            = "{content}"
  checksum_algorithm = "SHA256"
}}
"#
        )
    };
    let sha256 =
        |text: &str| base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text));
    let w = Work::new("");
    let name = bucket_name(&w, "checksums");
    w.write(&config(&name, "echo one"));
    w.ok(&["apply", "-auto-approve"]);
    let object = w.attrs("aws_s3_object.bootstrap");
    assert_eq!(object["checksum_sha256"], sha256("echo one"), "{object}");
    assert_eq!(object["checksum_algorithm"], "SHA256");
    w.assert_no_changes();
    w.write(&config(&name, "echo two"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("checksum_sha256") && plan.contains("(known after apply)"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        w.attrs("aws_s3_object.bootstrap")["checksum_sha256"],
        sha256("echo two")
    );
    assert_eq!(body(&w, &name, "bootstrap.sh"), "echo two");
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}

/// An object's `override_provider.default_tags` stands for the provider's default tags on it
/// (changed in place like its own tags), and a bucket's namespace is sent at create and kept.
#[test]
fn an_object_overrides_the_providers_default_tags() {
    let config = |bucket: &str, tier: &str| {
        format!(
            r#"
provider "aws" {{
  default_tags {{
    tags = {{ team = "platform" }}
  }}
}}

resource "aws_s3_bucket" "artefacts" {{
  bucket           = "{bucket}"
  force_destroy    = true
  bucket_namespace = "account-regional"
}}

resource "aws_s3_object" "plain" {{
  bucket  = aws_s3_bucket.artefacts.id
  key     = "plain.txt"
  content = "plain"
}}

resource "aws_s3_object" "lean" {{
  bucket  = aws_s3_bucket.artefacts.id
  key     = "lean.txt"
  content = "lean"
  tags    = {{ Name = "lean" }}

  override_provider {{
    default_tags {{
      tags = {tier}
    }}
  }}
}}
"#
        )
    };
    let w = Work::new("");
    // A bucket in the account-regional namespace ends with the account and region (moto
    // checks the suffix, as AWS does).
    let name = format!("ovr-{}-123456789012-{}-an", std::process::id(), w.region);
    let object_tags = |key: &str| -> Vec<String> {
        let out = runtime()
            .block_on(s3(&w).get_object_tagging().bucket(&name).key(key).send())
            .unwrap();
        let mut t: Vec<String> = out
            .tag_set()
            .iter()
            .filter(|t| !t.key().starts_with("infra:"))
            .map(|t| format!("{}={}", t.key(), t.value()))
            .collect();
        t.sort();
        t
    };
    w.write(&config(&name, "{}"));
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(object_tags("plain.txt"), ["team=platform"]);
    assert_eq!(object_tags("lean.txt"), ["Name=lean"]);
    let lean = w.attrs("aws_s3_object.lean");
    assert_eq!(lean["tags_all"], serde_json::json!({"Name": "lean"}));
    assert_eq!(
        w.attrs("aws_s3_bucket.artefacts")["bucket_namespace"],
        "account-regional"
    );
    w.assert_no_changes();

    w.write(&config(&name, r#"{ tier = "cold" }"#));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_s3_object.lean will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(object_tags("lean.txt"), ["Name=lean", "tier=cold"]);
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
}
