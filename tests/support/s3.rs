//! State buckets in moto for the backend tests: a bucket (and lock table) per test, objects
//! read back as the tests need them, and a runner directory with an S3 backend block.

use super::{Work, runtime, sdk_config};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The region state buckets live in (independent of the region a test's resources use).
pub const STATE_REGION: &str = "us-east-1";

pub struct Bucket {
    pub name: String,
    pub endpoint: String,
}

/// A new, empty bucket with versioning on, as the README tells teams to make one.
pub fn bucket(endpoint: &str) -> Bucket {
    static N: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "state-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let s3 = client(endpoint);
    runtime().block_on(async {
        s3.create_bucket()
            .bucket(&name)
            .send()
            .await
            .expect("bucket");
        s3.put_bucket_versioning()
            .bucket(&name)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .expect("versioning");
    });
    Bucket {
        name,
        endpoint: endpoint.to_string(),
    }
}

pub fn client(endpoint: &str) -> aws_sdk_s3::Client {
    let conf = runtime().block_on(sdk_config(endpoint, STATE_REGION));
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    )
}

pub fn dynamodb(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let conf = runtime().block_on(sdk_config(endpoint, STATE_REGION));
    aws_sdk_dynamodb::Client::new(&conf)
}

/// A lock table with Terraform's schema: a string partition key `LockID`.
pub fn lock_table(endpoint: &str, name: &str) {
    use aws_sdk_dynamodb::types::*;
    let d = dynamodb(endpoint);
    runtime().block_on(async {
        d.create_table()
            .table_name(name)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("LockID")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("LockID")
                    .key_type(KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .expect("lock table");
    });
}

impl Bucket {
    pub fn keys(&self) -> Vec<String> {
        let s3 = client(&self.endpoint);
        runtime().block_on(async {
            s3.list_objects_v2()
                .bucket(&self.name)
                .send()
                .await
                .unwrap()
                .contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string))
                .collect()
        })
    }

    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        let s3 = client(&self.endpoint);
        runtime().block_on(async {
            let o = s3
                .get_object()
                .bucket(&self.name)
                .key(key)
                .send()
                .await
                .ok()?;
            Some(o.body.collect().await.unwrap().into_bytes().to_vec())
        })
    }

    pub fn state(&self, key: &str) -> serde_json::Value {
        serde_json::from_slice(&self.get(key).unwrap_or_else(|| panic!("no object {key}"))).unwrap()
    }

    pub fn put(&self, key: &str, body: &[u8]) {
        let s3 = client(&self.endpoint);
        runtime().block_on(async {
            s3.put_object()
                .bucket(&self.name)
                .key(key)
                .body(body.to_vec().into())
                .send()
                .await
                .unwrap();
        });
    }

    /// Waits (bounded) until `key` exists: a lock another process is about to take.
    pub fn wait_for(&self, key: &str) -> Vec<u8> {
        let started = std::time::Instant::now();
        loop {
            if let Some(body) = self.get(key) {
                return body;
            }
            assert!(started.elapsed().as_secs() < 30, "{key} never appeared");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// The version ids of an object, newest first.
    pub fn versions(&self, key: &str) -> Vec<String> {
        let s3 = client(&self.endpoint);
        runtime().block_on(async {
            s3.list_object_versions()
                .bucket(&self.name)
                .prefix(key)
                .send()
                .await
                .unwrap()
                .versions()
                .iter()
                .filter(|v| v.key() == Some(key))
                .filter_map(|v| v.version_id().map(str::to_string))
                .collect()
        })
    }

    /// A backend block for this bucket; `extra` adds arguments (`dynamodb_table = "t"`).
    pub fn backend_block(&self, key: &str, extra: &str) -> String {
        format!(
            "terraform {{\n  backend \"s3\" {{\n    bucket         = \"{}\"\n    key            = \"{key}\"\n    region         = \"{STATE_REGION}\"\n    use_lockfile   = true\n    use_path_style = true\n    {extra}\n  }}\n}}\n",
            self.name
        )
    }
}

/// A runner: its own directory (as a CI job's fresh clone is) with `main_tf` after the backend
/// block, initialized.
pub fn runner(bucket: &Bucket, key: &str, extra: &str, main_tf: &str) -> Work {
    let w = Work::new(&format!("{}\n{main_tf}", bucket.backend_block(key, extra)));
    w.ok(&["init"]);
    w
}
