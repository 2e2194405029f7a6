//! `aws_route_table_association`: a subnet's or gateway's route table.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::Aws;
use crate::provider::aws::attrs::{Obj, opt_s};
use crate::provider::aws::bulk::filter;
use crate::provider::aws::ec2::routes::*;
use crate::provider::aws::sdk::not_found;
use crate::provider::aws::sdk::{EVENTUAL_CONSISTENCY, err, gone_is_ok, retry_while};
use crate::provider::aws::table::Table;
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult, RefreshBatch,
    Refreshed,
};
use std::collections::BTreeMap;

type Item = aws_sdk_ec2::types::RouteTableAssociation;

/// Every attribute of `aws_route_table_association`, and how it reads.
fn table() -> Table<Item> {
    use AttrSchema as A;
    Table::<Item>::new()
        .attr("id", A::computed(Type::String), |a| {
            opt_s(a.route_table_association_id())
        })
        .attr("subnet_id", A::optional(Type::String).force_new(), |a| {
            opt_s(a.subnet_id())
        })
        .attr("gateway_id", A::optional(Type::String).force_new(), |a| {
            opt_s(a.gateway_id())
        })
        // Not force-new: an association moves to another table in place.
        .attr("route_table_id", A::required(Type::String), |a| {
            opt_s(a.route_table_id())
        })
}

crate::provider::aws::table::table_type!(RouteTableAssociation, Item);

pub(crate) async fn disassociate(aws: &Aws, association_id: &str) -> ProviderResult<()> {
    gone_is_ok(
        aws.ec2
            .disassociate_route_table()
            .association_id(association_id)
            .send()
            .await
            .map_err(err("ec2:DisassociateRouteTable")),
    )
}

fn is_live(a: &aws_sdk_ec2::types::RouteTableAssociation) -> bool {
    !a.association_state()
        .and_then(|st| st.state())
        .is_some_and(|st| matches!(st.as_str(), "disassociated" | "disassociating" | "failed"))
}

impl RouteTableAssociation {
    fn value(&self, a: &Item) -> Value {
        let read = self.table.read_attributes(&self.aws.region, None, a);
        read.finish(&self.schema)
    }

    /// Associations by id, one DescribeRouteTables per chunk of ids.
    async fn by_ids(
        &self,
        ids: &[String],
    ) -> ProviderResult<BTreeMap<String, aws_sdk_ec2::types::RouteTableAssociation>> {
        let mut out = BTreeMap::new();
        for chunk in ids.chunks(200) {
            let tables = describe_route_tables(
                &self.aws,
                vec![filter(
                    "association.route-table-association-id",
                    chunk.to_vec(),
                )],
            )
            .await?;
            for a in tables.iter().flat_map(|t| t.associations()) {
                if let Some(id) = a.route_table_association_id()
                    && chunk.iter().any(|c| c == id)
                    && is_live(a)
                {
                    out.insert(id.to_string(), a.clone());
                }
            }
        }
        Ok(out)
    }

    /// The live association of `table` with a subnet or gateway.
    async fn find(
        &self,
        table: &str,
        target: &str,
    ) -> ProviderResult<Option<aws_sdk_ec2::types::RouteTableAssociation>> {
        let tables = route_tables_by_id(&self.aws, &[table.to_string()]).await?;
        Ok(tables.get(table).and_then(|t| {
            t.associations()
                .iter()
                .find(|a| {
                    is_live(a) && (a.subnet_id() == Some(target) || a.gateway_id() == Some(target))
                })
                .cloned()
        }))
    }

    async fn read_back(&self, id: &str) -> ProviderResult<Value> {
        retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async {
                self.by_ids(&[id.to_string()])
                    .await?
                    .remove(id)
                    .map(|a| self.value(&a))
                    .ok_or_else(|| {
                        not_found(
                            "ec2:DescribeRouteTables",
                            id,
                            "InvalidAssociationID.NotFound",
                        )
                    })
            },
        )
        .await
    }
}

impl AsyncResourceType for RouteTableAssociation {
    crate::provider::aws::bulk::schema_and_address!();
    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let table = p.req("route_table_id")?;
        let (subnet, gateway) = (p.str("subnet_id"), p.str("gateway_id"));
        let target = match (&subnet, &gateway) {
            (Some(t), None) | (None, Some(t)) => t.clone(),
            _ => {
                return Err(ProviderError::new(
                    "plan",
                    "exactly one of subnet_id and gateway_id must be set",
                ));
            }
        };
        // Adopt the association an interrupted apply made.
        if let Some(a) = self.find(&table, &target).await? {
            return Ok(self.value(&a));
        }
        let out = retry_while(
            EVENTUAL_CONSISTENCY,
            |e| e.is_not_found(),
            || async {
                self.aws
                    .ec2
                    .associate_route_table()
                    .route_table_id(&table)
                    .set_subnet_id(subnet.clone())
                    .set_gateway_id(gateway.clone())
                    .send()
                    .await
                    .map_err(err("ec2:AssociateRouteTable"))
            },
        )
        .await?;
        self.read_back(out.association_id().unwrap_or_default())
            .await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        let id = Obj::of(&prior).id()?;
        let table = Obj::of(&planned).req("route_table_id")?;
        let out = self
            .aws
            .ec2
            .replace_route_table_association()
            .association_id(&id)
            .route_table_id(&table)
            .send()
            .await
            .map_err(err("ec2:ReplaceRouteTableAssociation"))?;
        // The association gets a new id.
        self.read_back(out.new_association_id().unwrap_or_default())
            .await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        disassociate(&self.aws, &Obj::of(&prior).id()?).await
    }

    async fn read(&self, prior: Value) -> ProviderResult<Option<Value>> {
        let id = Obj::of(&prior).id()?;
        Ok(self
            .by_ids(std::slice::from_ref(&id))
            .await?
            .remove(&id)
            .map(|a| self.value(&a)))
    }

    /// One DescribeRouteTables for all the associations of the batch.
    async fn refresh(&self, batch: RefreshBatch) -> ProviderResult<Refreshed> {
        let ids: Vec<Option<String>> = batch.priors.iter().map(|p| Obj::of(p).str("id")).collect();
        let mut found = self
            .by_ids(&ids.iter().flatten().cloned().collect::<Vec<_>>())
            .await?;
        let current = ids
            .into_iter()
            .map(|id| found.remove(&id?).map(|a| self.value(&a)))
            .collect();
        Ok(Refreshed {
            current,
            found: Vec::new(),
        })
    }

    /// `<subnet or gateway id>/<route table id>`, as Terraform imports associations.
    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let (target, table) = id.split_once('/').ok_or_else(|| {
            ProviderError::new(
                "import",
                format!("{id:?}: expected SUBNETID/ROUTETABLEID or GATEWAYID/ROUTETABLEID"),
            )
        })?;
        let a = self.find(table, target).await?.ok_or_else(|| {
            ProviderError::new("import", format!("{target} is not associated with {table}"))
        })?;
        Ok(self.value(&a))
    }
}
