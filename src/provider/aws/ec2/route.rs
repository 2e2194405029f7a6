//! `aws_route`: one route of a table, by destination.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, crc32, opt_s, s};
use crate::provider::aws::ec2::routes::*;
use crate::provider::aws::sdk::not_found;
use crate::provider::aws::sdk::{EVENTUAL_CONSISTENCY, retry_while};
use crate::provider::aws::table::Table;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult, RefreshBatch,
    Refreshed,
};
use std::collections::BTreeSet;

/// A route found in its table, with a destination Terraform can name.
pub struct Found {
    table: String,
    route: aws_sdk_ec2::types::Route,
    dest: Destination,
}

/// The id Terraform gives a route: `r-<table id><hashcode of the destination>`.
fn route_id(table: &str, dest: &Destination) -> String {
    format!("r-{table}{}", crc32(dest.text().as_bytes()))
}

fn route_destination(o: &Obj) -> Option<Destination> {
    Destination::of(o, "destination_cidr_block", "destination_ipv6_cidr_block")
}

/// Every attribute of `aws_route`, and how it reads from a route found in its table.
fn table() -> Table<Found> {
    use AttrSchema as A;
    // An instance target shows its interface: computed when not configured.
    let targets = TARGETS.iter().map(|&t| {
        if t == "network_interface_id" {
            (t, A::optional_computed(Type::String))
        } else {
            (t, A::optional(Type::String))
        }
    });
    Table::<Found>::new()
        .attr("id", A::computed(Type::String), |f| {
            s(route_id(&f.table, &f.dest))
        })
        .attr(
            "route_table_id",
            A::required(Type::String).force_new(),
            |f| s(&f.table),
        )
        .attr(
            "destination_cidr_block",
            A::optional(Type::String).force_new(),
            |f| opt_s(f.dest.v4()),
        )
        .attr(
            "destination_ipv6_cidr_block",
            A::optional(Type::String).force_new(),
            |f| opt_s(f.dest.v6()),
        )
        .attr(
            "destination_prefix_list_id",
            A::optional(Type::String).force_new(),
            |f| opt_s(f.dest.prefix_list()),
        )
        .attr("instance_id", A::computed(Type::String), |f| {
            opt_s(f.route.instance_id())
        })
        .attr("instance_owner_id", A::computed(Type::String), |f| {
            opt_s(f.route.instance_owner_id())
        })
        .attr("origin", A::computed(Type::String), |f| {
            opt_s(f.route.origin().map(|x| x.as_str()))
        })
        .attr("state", A::computed(Type::String), |f| {
            opt_s(f.route.state().map(|x| x.as_str()))
        })
        .group(targets, |f| targets_of(&f.route))
}

crate::provider::aws::table::table_type!(Route, Found);

impl Route {
    fn value(
        &self,
        prior: Option<Obj>,
        table: &str,
        route: &aws_sdk_ec2::types::Route,
    ) -> Option<Value> {
        let found = Found {
            table: table.to_string(),
            dest: Destination::of_route(route)?,
            route: route.clone(),
        };
        let read = self.table.read_attributes(&self.aws.region, prior, &found);
        Some(read.finish(&self.schema))
    }

    /// The route to `dest` in `table` as it is now, if both exist.
    async fn find(
        &self,
        table: &str,
        dest: &Destination,
    ) -> ProviderResult<Option<aws_sdk_ec2::types::Route>> {
        let tables = route_tables_by_id(&self.aws, &[table.to_string()]).await?;
        Ok(tables.get(table).and_then(|t| {
            t.routes()
                .iter()
                .find(|r| Destination::of_route(r).as_ref() == Some(dest))
                .cloned()
        }))
    }

    /// Reads back a route just written, waiting for it to become visible.
    async fn read_back(&self, p: Obj, table: &str, dest: &Destination) -> ProviderResult<Value> {
        let r = retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async {
                self.find(table, dest).await?.ok_or_else(|| {
                    not_found(
                        "ec2:DescribeRouteTables",
                        dest.text(),
                        "InvalidRoute.NotFound",
                    )
                })
            },
        )
        .await?;
        self.value(Some(p), table, &r).ok_or_else(|| {
            ProviderError::new("ec2:DescribeRouteTables", "route has no destination")
        })
    }
}

fn route_parts(o: &Obj) -> ProviderResult<(String, Destination)> {
    let table = o.req("route_table_id")?;
    let dest = route_destination(o).ok_or_else(|| {
        ProviderError::new(
            "plan",
            "one of destination_cidr_block, destination_ipv6_cidr_block or destination_prefix_list_id is required",
        )
    })?;
    Ok((table, dest))
}

impl AsyncResourceType for Route {
    crate::provider::aws::bulk::schema_and_address!();
    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let (table, dest) = route_parts(&p)?;
        let created = retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || create_route(&self.aws, &table, &dest, &p),
        )
        .await;
        match created {
            // Adopt the route an earlier, interrupted apply made; refuse someone else's.
            Err(e) if e.already_exists() => {
                let existing = self.find(&table, &dest).await?;
                if !existing.is_some_and(|r| same_targets(&p, &targets_of(&r))) {
                    return Err(e);
                }
            }
            r => r?,
        }
        self.read_back(p, &table, &dest).await
    }

    async fn update(&self, _prior: Value, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let (table, dest) = route_parts(&p)?;
        replace_route(&self.aws, &table, &dest, &p).await?;
        self.read_back(p, &table, &dest).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let (table, dest) = route_parts(&Obj::of(&prior))?;
        delete_route(&self.aws, &table, &dest).await
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let p = Obj::of(&prior);
        let (table, dest) = route_parts(&p)?;
        Ok(self
            .find(&table, &dest)
            .await?
            .and_then(|r| self.value(Some(p), &table, &r)))
    }

    /// One DescribeRouteTables for all the routes of the batch.
    async fn refresh(&self, batch: RefreshBatch) -> ProviderResult<Refreshed> {
        let priors: Vec<Obj> = batch.priors.iter().map(Obj::of).collect();
        let parts: Vec<(String, Destination)> =
            priors.iter().map(route_parts).collect::<Result<_, _>>()?;
        let ids: BTreeSet<String> = parts.iter().map(|(t, _)| t.clone()).collect();
        let ids: Vec<String> = ids.into_iter().collect();
        let tables = route_tables_by_id(&self.aws, &ids).await?;
        let current = priors
            .into_iter()
            .zip(parts)
            .map(|(p, (table, dest))| {
                let r = tables
                    .get(&table)?
                    .routes()
                    .iter()
                    .find(|r| Destination::of_route(r).as_ref() == Some(&dest))?;
                self.value(Some(p), &table, r)
            })
            .collect();
        Ok(Refreshed {
            current,
            found: Vec::new(),
        })
    }

    /// `<route table id>_<destination>`, as Terraform imports routes.
    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let (table, dest) = id.split_once('_').ok_or_else(|| {
            ProviderError::new(
                "import",
                format!("{id:?}: expected ROUTETABLEID_DESTINATION (rtb-1234_10.0.0.0/16)"),
            )
        })?;
        let dest = Destination::parse(dest);
        let r = self.find(table, &dest).await?.ok_or_else(|| {
            ProviderError::new("import", format!("no route to {} in {table}", dest.text()))
        })?;
        self.value(None, table, &r)
            .ok_or_else(|| ProviderError::new("import", "route has no destination"))
    }
}
