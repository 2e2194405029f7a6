//! RDS subnet groups against moto: named and from a prefix, changed in place (description,
//! subnets, tags), noticed gone, imported and destroyed, each checked through the SDK.

mod support;

use support::{Work, runtime};

fn group(w: &Work, name: &str) -> Option<aws_sdk_rds::types::DbSubnetGroup> {
    let rds = aws_sdk_rds::Client::new(&w.sdk());
    runtime()
        .block_on(
            rds.describe_db_subnet_groups()
                .db_subnet_group_name(name)
                .send(),
        )
        .ok()
        .and_then(|o| o.db_subnet_groups().first().cloned())
}

#[test]
fn db_subnet_groups_named_and_prefixed() {
    let config = |subnets: &str, description: &str| {
        let text = format!(
            r#"
data "aws_availability_zones" "all" {{}}

resource "aws_vpc" "db" {{
  cidr_block = "10.30.0.0/16"
}}

resource "aws_subnet" "db" {{
  count             = 3
  vpc_id            = aws_vpc.db.id
  cidr_block        = cidrsubnet(aws_vpc.db.cidr_block, 8, count.index)
  availability_zone = data.aws_availability_zones.all.names[count.index % 2]
}}

resource "aws_db_subnet_group" "main" {{
  name        = "NAME"
  description = "{description}"
  subnet_ids  = {subnets}
  tags = {{
    Name = "cluster"
  }}
}}

resource "aws_db_subnet_group" "replica" {{
  name_prefix = "replica-"
  subnet_ids  = aws_subnet.db[*].id
}}
"#
        );
        text.replace("NAME", "cluster-db")
    };
    // A name RDS would not keep as written is refused at plan time, naming the argument.
    let w = Work::new(&config("aws_subnet.db[*].id", "x").replace("cluster-db", "Cluster-DB"));
    let out = w.infra(&["plan"]);
    let err = support::text(&out.stderr);
    assert!(!out.status.success() && err.contains("Cluster-DB"), "{err}");
    w.write(&config(
        "[aws_subnet.db[0].id, aws_subnet.db[1].id]",
        "Cluster databases",
    ));
    w.ok(&["apply", "-auto-approve"]);
    let main = w.attrs("aws_db_subnet_group.main");
    assert_eq!(main["id"], "cluster-db");
    assert_eq!(main["vpc_id"], w.attrs("aws_vpc.db")["id"]);
    let found = group(&w, "cluster-db").expect("the group exists");
    assert_eq!(found.subnets().len(), 2);
    assert_eq!(
        found.db_subnet_group_description(),
        Some("Cluster databases")
    );
    let replica = w.attrs("aws_db_subnet_group.replica");
    assert!(
        replica["name"].as_str().unwrap().starts_with("replica-"),
        "{replica}"
    );
    assert_eq!(replica["name_prefix"], "replica-");
    w.assert_no_changes();

    // Subnets and description change in place.
    w.write(&config(
        "aws_subnet.db[*].id",
        "Cluster databases, three zones",
    ));
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_db_subnet_group.main will be updated in-place"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve"]);
    let found = group(&w, "cluster-db").unwrap();
    assert_eq!(found.subnets().len(), 3);
    assert_eq!(
        found.db_subnet_group_description(),
        Some("Cluster databases, three zones")
    );
    w.assert_no_changes();

    // Import by name; then gone behind infra's back: the next plan makes it again.
    w.ok(&["state", "rm", "aws_db_subnet_group.main"]);
    w.ok(&["import", "aws_db_subnet_group.main", "cluster-db"]);
    w.assert_no_changes();
    let rds = aws_sdk_rds::Client::new(&w.sdk());
    runtime()
        .block_on(
            rds.delete_db_subnet_group()
                .db_subnet_group_name("cluster-db")
                .send(),
        )
        .unwrap();
    let plan = w.ok(&["plan"]);
    assert!(
        plan.contains("aws_db_subnet_group.main will be created"),
        "{plan}"
    );

    w.ok(&["destroy", "-auto-approve"]);
    assert!(group(&w, "cluster-db").is_none());
    let prefixed = replica["name"].as_str().unwrap().to_string();
    assert!(group(&w, &prefixed).is_none());
}
