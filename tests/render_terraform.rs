//! Plans read like Terraform's because they are Terraform's, character for character: the same
//! configuration planned by Terraform 1.15 and by infra (a `terraform_data` whose input holds
//! every shape a value can take) prints the same resource block when created, updated in place
//! (element by element: a changed list item, map keys added and removed, a JSON document, a
//! multi-line string, nested objects) and replaced.

mod support;

use support::Work;

const CONFIG: &str = r#"
variable "v" {
  type    = string
  default = "1"
}

resource "terraform_data" "d" {
  input = {
    name   = "web"
    ports  = var.v == "1" ? [80, 443, 8080] : [80, 444, 8080]
    tags   = var.v == "1" ? { a = "1", b = "2", c = "3" } : { a = "1", b = "22", d = "4" }
    nested = { x = { y = var.v, z = "same" } }
    text   = var.v == "1" ? "line1\nline2\n" : "line1\nline3\n"
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = var.v == "1" ? "s3:Get" : "s3:Put" }] })
    objs   = [for i in range(2) : { i = i, v = var.v }]
    empty  = []
  }
}

resource "terraform_data" "r" {
  input            = "kept"
  triggers_replace = [var.v]
}
"#;

/// The block of one resource in a plan's text, with its (random) id made neutral.
fn block(plan: &str, address: &str) -> String {
    let start = plan
        .find(&format!("  # {address} "))
        .unwrap_or_else(|| panic!("no {address} in:\n{plan}"));
    let rest = &plan[start..];
    let end = rest.find("\n    }\n").map_or(rest.len(), |e| e + 7);
    let uuid =
        regex::Regex::new(r#""[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}""#)
            .unwrap();
    uuid.replace_all(&rest[..end], "\"ID\"").into_owned()
}

#[test]
fn plans_print_what_terraform_prints() {
    let tf = tempfile::tempdir().unwrap();
    std::fs::write(tf.path().join("main.tf"), CONFIG).unwrap();
    let region = "us-east-1";
    support::terraform::ok(tf.path(), &["init"], region);
    let w = Work::new(CONFIG);

    let tf_create = support::terraform::ok(tf.path(), &["plan"], region);
    let create = w.ok(&["plan"]);
    for address in ["terraform_data.d", "terraform_data.r"] {
        assert_eq!(
            block(&create, address),
            block(&tf_create, address).replace("Terraform", "infra"),
            "create of {address}"
        );
    }

    support::terraform::ok(tf.path(), &["apply"], region);
    w.ok(&["apply", "-auto-approve"]);
    let tf_update = support::terraform::ok(tf.path(), &["plan", "v=2"], region);
    let update = w.ok(&["plan", "-var", "v=2"]);
    assert_eq!(
        block(&update, "terraform_data.d"),
        block(&tf_update, "terraform_data.d"),
        "update of terraform_data.d"
    );
    // Terraform loses the replacement marker on attributes of dynamic type (its renderer
    // shows it on typed ones, `~ cidr_block = "a" -> "b" # forces replacement`); infra keeps
    // it. Otherwise the replacement reads the same.
    let replaced = block(&update, "terraform_data.r");
    assert!(
        replaced.contains("~ triggers_replace = [ # forces replacement\n"),
        "{replaced}"
    );
    assert_eq!(
        replaced.replace(" # forces replacement", ""),
        block(&tf_update, "terraform_data.r"),
        "replacement of terraform_data.r"
    );
}
