//! SQS queues against moto: a standard queue with a dead-letter queue, and a FIFO queue named
//! from a prefix; created, changed in place, noticed gone, imported and destroyed, each checked
//! through the SDK.

mod support;

use aws_sdk_sqs::types::QueueAttributeName as Q;
use support::{Work, runtime};

fn attribute(w: &Work, url: &str, name: Q) -> Option<String> {
    let sqs = aws_sdk_sqs::Client::new(&w.sdk());
    let out = runtime()
        .block_on(
            sqs.get_queue_attributes()
                .queue_url(url)
                .attribute_names(name.clone())
                .send(),
        )
        .unwrap();
    out.attributes().and_then(|a| a.get(&name).cloned())
}

#[test]
fn queues_standard_with_a_dead_letter_queue_and_fifo() {
    let config = |timeout: u32, team: &str| {
        format!(
            r#"
resource "aws_sqs_queue" "dead" {{
  name = "jobs-dead"
}}

resource "aws_sqs_queue" "jobs" {{
  name                       = "jobs"
  visibility_timeout_seconds = {timeout}
  message_retention_seconds  = 86400
  redrive_policy = jsonencode({{
    deadLetterTargetArn = aws_sqs_queue.dead.arn
    maxReceiveCount     = 4
  }})
  tags = {{
    Team = "{team}"
  }}
}}

resource "aws_sqs_queue" "ordered" {{
  name_prefix                 = "events-"
  fifo_queue                  = true
  content_based_deduplication = true
}}
"#
        )
    };
    let w = Work::new(&config(30, "platform"));
    w.ok(&["apply", "-auto-approve"]);
    let jobs = w.attrs("aws_sqs_queue.jobs");
    let url = jobs["id"].as_str().unwrap().to_string();
    assert_eq!(jobs["url"], url.as_str());
    assert!(url.ends_with("/jobs"), "{url}");
    assert!(jobs["arn"].as_str().unwrap().ends_with(":jobs"), "{jobs}");
    assert_eq!(
        attribute(&w, &url, Q::MessageRetentionPeriod).as_deref(),
        Some("86400")
    );
    let redrive = attribute(&w, &url, Q::RedrivePolicy).unwrap();
    assert!(redrive.contains("jobs-dead"), "{redrive}");
    let ordered = w.attrs("aws_sqs_queue.ordered");
    let name = ordered["name"].as_str().unwrap();
    assert!(
        name.starts_with("events-") && name.ends_with(".fifo"),
        "{name}"
    );
    assert_eq!(ordered["name_prefix"], "events-");
    assert_eq!(ordered["fifo_queue"], true);
    w.assert_no_changes();

    // The visibility timeout and a tag change in place.
    w.write(&config(120, "infra"));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_sqs_queue.jobs will be updated in-place"),
        "{plan}"
    );
    assert!(!plan.contains("must be replaced"), "{plan}");
    w.ok(&["apply", "-auto-approve"]);
    assert_eq!(
        attribute(&w, &url, Q::VisibilityTimeout).as_deref(),
        Some("120")
    );
    let sqs = aws_sdk_sqs::Client::new(&w.sdk());
    let tags = runtime()
        .block_on(sqs.list_queue_tags().queue_url(&url).send())
        .unwrap();
    assert_eq!(
        tags.tags().and_then(|t| t.get("Team")).map(String::as_str),
        Some("infra")
    );
    w.assert_no_changes();

    // Import by URL; then gone behind infra's back: the next plan makes it again.
    let ordered_url = ordered["id"].as_str().unwrap().to_string();
    w.ok(&["state", "rm", "aws_sqs_queue.ordered"]);
    w.ok(&["import", "aws_sqs_queue.ordered", &ordered_url]);
    w.assert_no_changes();
    runtime()
        .block_on(sqs.delete_queue().queue_url(&url).send())
        .unwrap();
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_sqs_queue.jobs will be created"),
        "{plan}"
    );

    w.ok(&["destroy", "-auto-approve"]);
    let left = runtime().block_on(sqs.list_queues().send()).unwrap();
    let ours: Vec<&String> = left
        .queue_urls()
        .iter()
        .filter(|u| u.contains("/jobs") || u.contains("/events-"))
        .collect();
    assert!(ours.is_empty(), "{ours:?}");
}
