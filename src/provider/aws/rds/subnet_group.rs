//! `aws_db_subnet_group`: the subnets a database may be placed in. Named by `name` or made
//! unique from `name_prefix` (`terraform-` when neither is set), in lower case only.
//! The name replaces it; the description and subnets change in place (ModifyDBSubnetGroup).
//! A plan reads every group of the state with one paginated DescribeDBSubnetGroups.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, list_s, opt_s, s, set_s};
use crate::provider::aws::naming::{create_name, read_name_prefix};
use crate::provider::aws::sdk::{AllPages, err, gone_is_ok};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags::{self, Tags};
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult, RefreshBatch,
    Refreshed,
};
use aws_sdk_rds::types::{DbSubnetGroup, Tag};
use std::collections::BTreeMap;

/// A group as read, with its tags (asked for separately).
pub struct Found {
    group: DbSubnetGroup,
    tags: Tags,
}

/// Every attribute of `aws_db_subnet_group`, and how it reads from a group.
fn table() -> Table<Found> {
    use AttrSchema as A;
    Table::<Found>::new()
        .attr("id", A::computed(Type::String), |f| {
            opt_s(f.group.db_subnet_group_name())
        })
        .attr("arn", A::computed(Type::String), |f| {
            opt_s(f.group.db_subnet_group_arn())
        })
        .attr(
            "name",
            A::optional_computed(Type::String)
                .force_new()
                .conflicts_with(&["name_prefix"]),
            |f| opt_s(f.group.db_subnet_group_name()),
        )
        .attr_with_prior(
            "name_prefix",
            A::optional_computed(Type::String).force_new(),
            |f, prior| read_name_prefix(prior, f.group.db_subnet_group_name().unwrap_or_default()),
        )
        .attr(
            "description",
            A::optional(Type::String).default(s("Managed by Terraform")),
            |f| opt_s(f.group.db_subnet_group_description()),
        )
        .attr(
            "subnet_ids",
            A::required(Type::Set(Box::new(Type::String))),
            |f| {
                set_s(
                    f.group
                        .subnets()
                        .iter()
                        .filter_map(|x| x.subnet_identifier()),
                )
            },
        )
        .attr("vpc_id", A::computed(Type::String), |f| {
            opt_s(f.group.vpc_id())
        })
        .attr(
            "supported_network_types",
            A::computed(Type::List(Box::new(Type::String))),
            |f| list_s(f.group.supported_network_types()),
        )
        .tagged(|f| f.tags.clone())
}

crate::provider::aws::table::table_type!(SubnetGroup, Found);

fn rds_tags(t: &Tags) -> Vec<Tag> {
    t.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

impl SubnetGroup {
    /// Groups by name (every group when `name` is `None`), every page.
    async fn describe(&self, name: Option<&str>) -> ProviderResult<Vec<DbSubnetGroup>> {
        let pages = self
            .aws
            .rds
            .describe_db_subnet_groups()
            .set_db_subnet_group_name(name.map(str::to_string))
            .into_paginator()
            .send()
            .all("rds:DescribeDBSubnetGroups")
            .await;
        match pages {
            Ok(pages) => Ok(pages
                .iter()
                .flat_map(|p| p.db_subnet_groups().to_vec())
                .collect()),
            Err(e) if e.is_not_found() => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    async fn with_tags(&self, group: DbSubnetGroup) -> ProviderResult<Found> {
        let arn = group.db_subnet_group_arn().unwrap_or_default().to_string();
        let out = self
            .aws
            .rds
            .list_tags_for_resource()
            .resource_name(&arn)
            .send()
            .await
            .map_err(err("rds:ListTagsForResource"))?;
        let tags = out
            .tag_list()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
            .collect();
        Ok(Found { group, tags })
    }

    async fn value(&self, prior: Option<Obj>, name: &str) -> ProviderResult<Option<Value>> {
        let Some(group) = self.describe(Some(name)).await?.into_iter().next() else {
            return Ok(None);
        };
        let f = self.with_tags(group).await?;
        Ok(Some(
            self.table.read(&self.aws, prior, &f).finish(&self.schema),
        ))
    }

    async fn read_back(&self, p: Obj, name: &str) -> ProviderResult<Value> {
        self.value(Some(p), name).await?.ok_or_else(|| {
            ProviderError::new("rds:DescribeDBSubnetGroups", format!("{name} vanished"))
                .with_code("DBSubnetGroupNotFoundFault")
        })
    }

    async fn update_tags(&self, arn: &str, before: &Obj, after: &Obj) -> ProviderResult<()> {
        let set = |t: Tags| {
            crate::provider::aws::sdk::sent!(
                self.aws
                    .rds
                    .add_tags_to_resource()
                    .resource_name(arn)
                    .set_tags(Some(rds_tags(&t))),
                "rds:AddTagsToResource"
            )
        };
        let remove = |keys: Vec<String>| {
            crate::provider::aws::sdk::sent!(
                self.aws
                    .rds
                    .remove_tags_from_resource()
                    .resource_name(arn)
                    .set_tag_keys(Some(keys)),
                "rds:RemoveTagsFromResource"
            )
        };
        tags::sync(&self.aws, before, after, set, remove).await
    }
}

impl AsyncResourceType for SubnetGroup {
    crate::provider::aws::by_id::reads_by_id!(value, "no DB subnet group {id}");
    crate::provider::aws::bulk::schema_and_address!();
    crate::provider::aws::bulk::plan_tags!();

    /// RDS keeps names in lower case: a name that is not would read back as another name
    /// (the AWS provider refuses it too).
    fn validate(&self, planned: &Value) -> Result<(), String> {
        let p = Obj::of(planned);
        for key in ["name", "name_prefix"] {
            if let Some(v) = p.str(key) {
                let allowed =
                    |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_. ".contains(c);
                if !v.chars().all(allowed) {
                    return Err(format!(
                        "{key} {v:?}: only lowercase letters, digits, hyphens, underscores, \
                         periods and spaces are allowed"
                    ));
                }
            }
        }
        Ok(())
    }

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let name = create_name(&p, "name", "name_prefix", &ctx);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let made = self
            .aws
            .rds
            .create_db_subnet_group()
            .db_subnet_group_name(&name)
            .db_subnet_group_description(
                p.str("description")
                    .unwrap_or_else(|| "Managed by Terraform".into()),
            )
            .set_subnet_ids(Some(p.strs("subnet_ids")))
            .set_tags(Some(rds_tags(&t)))
            .send()
            .await
            .map_err(err("rds:CreateDBSubnetGroup"));
        match made {
            Ok(_) => {}
            // Made by an apply that died before recording it (the tags went with the
            // create): adopted when it carries self address and lineage.
            Err(e) if e.already_exists() => {
                let existing = self.describe(Some(&name)).await?;
                let Some(group) = existing.into_iter().next() else {
                    return Err(e);
                };
                let found = self.with_tags(group).await?;
                if !tags::is_ours(&ctx, &found.tags) {
                    return Err(e);
                }
                let before = Obj::of(
                    &self
                        .table
                        .read(&self.aws, None, &found)
                        .finish(&self.schema),
                );
                return self.update(Value::object(before.0), planned).await;
            }
            Err(e) => return Err(e),
        }
        self.read_back(p, &name).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let name = before.id()?;
        let subnets_changed = {
            let mut a = before.strs("subnet_ids");
            let mut b = after.strs("subnet_ids");
            a.sort();
            b.sort();
            a != b
        };
        if subnets_changed || after.set_and_changed_from(&before, "description") {
            self.aws
                .rds
                .modify_db_subnet_group()
                .db_subnet_group_name(&name)
                .set_db_subnet_group_description(after.str("description"))
                .set_subnet_ids(Some(after.strs("subnet_ids")))
                .send()
                .await
                .map_err(err("rds:ModifyDBSubnetGroup"))?;
        }
        self.update_tags(&before.req("arn")?, &before, &after)
            .await?;
        self.read_back(after, &name).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let name = Obj::of(&prior).id()?;
        gone_is_ok(
            self.aws
                .rds
                .delete_db_subnet_group()
                .db_subnet_group_name(&name)
                .send()
                .await
                .map(drop)
                .map_err(err("rds:DeleteDBSubnetGroup")),
        )
    }

    /// Every group of the batch from one paginated DescribeDBSubnetGroups (tags per group).
    async fn refresh(&self, batch: RefreshBatch) -> ProviderResult<Refreshed> {
        let priors: Vec<Obj> = batch.priors.iter().map(Obj::of).collect();
        let mut all: BTreeMap<String, DbSubnetGroup> = self
            .describe(None)
            .await?
            .into_iter()
            .map(|g| (g.db_subnet_group_name().unwrap_or_default().to_string(), g))
            .collect();
        let mut current = Vec::with_capacity(priors.len());
        for p in priors {
            let group = p.str("id").and_then(|id| all.remove(&id));
            current.push(match group {
                Some(g) => {
                    let f = self.with_tags(g).await?;
                    Some(self.table.read(&self.aws, Some(p), &f).finish(&self.schema))
                }
                None => None,
            });
        }
        Ok(Refreshed {
            current,
            found: Vec::new(),
        })
    }
}
