//! `aws_key_pair`: an imported public key.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::{Obj, opt_s, s};
use crate::provider::aws::bulk::{self, Ec2Bulk};
use crate::provider::aws::naming;
use crate::provider::aws::sdk::{err, gone_is_ok};
use crate::provider::aws::table::Table;
use crate::provider::aws::tags;
use crate::provider::{AsyncResourceType, AttrSchema, CreateContext, ProviderResult};
use aws_sdk_ec2::types::{Filter, ResourceType as Kind};

type Item = aws_sdk_ec2::types::KeyPairInfo;

/// Every attribute of `aws_key_pair`, and how it reads from a described key pair.
fn table() -> Table<Item> {
    use AttrSchema as A;
    let name = |k: &Item| opt_s(k.key_name());
    Table::<Item>::new()
        .attr("id", A::computed(Type::String), name)
        // Built from the account by `value` (kept once known).
        .declared("arn", A::computed(Type::String))
        .attr(
            "key_name",
            A::optional_computed(Type::String).force_new(),
            name,
        )
        .declared(
            "key_name_prefix",
            A::optional_computed(Type::String).force_new(),
        )
        // AWS may answer the key reformatted (without its comment): what was configured
        // stands, and `value` reads it only for an import.
        .declared("public_key", A::required(Type::String).force_new())
        .attr("fingerprint", A::computed(Type::String), |k| {
            opt_s(k.key_fingerprint())
        })
        .attr("key_pair_id", A::computed(Type::String), |k| {
            opt_s(k.key_pair_id())
        })
        .attr("key_type", A::computed(Type::String), |k| {
            opt_s(k.key_type().map(|t| t.as_str()))
        })
        .tagged(|k| tags::from_ec2(k.tags()))
}

crate::provider::aws::table::table_type!(KeyPair, Item);

impl Ec2Bulk for KeyPair {
    bulk::ec2_object! {
        item Item, id key_name, filter "key-name",
        missing "InvalidKeyPair.NotFound", "ec2:DescribeKeyPairs"
    }

    async fn describe(&self, filters: Vec<Filter>) -> ProviderResult<Vec<Self::Item>> {
        let ec2 = &self.aws.ec2;
        // The public key comes along so that an import knows it.
        let out = ec2
            .describe_key_pairs()
            .set_filters(Some(filters))
            .include_public_key(true)
            .send()
            .await
            .map_err(err("ec2:DescribeKeyPairs"))?;
        Ok(out.key_pairs().to_vec())
    }

    async fn value(&self, prior: Option<Obj>, k: Self::Item) -> ProviderResult<Option<Value>> {
        let mut o = self.table.read(&self.aws, prior, &k);
        if o.str("arn").is_none() {
            let arn = format!(
                "arn:aws:ec2:{}:{}:key-pair/{}",
                self.aws.region,
                self.aws.account_id().await?,
                Self::item_id(&k)
            );
            o.set("arn", s(arn));
        }
        if o.str("public_key").is_none() {
            o.set("public_key", opt_s(k.public_key().map(str::trim)));
        }
        Ok(Some(o.finish(&self.schema)))
    }
}

impl AsyncResourceType for KeyPair {
    crate::provider::aws::bulk::ec2_reads!(plan tags);

    async fn create(&self, ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let p = Obj::of(&planned);
        let t = tags::for_create(&self.aws, &ctx, &p);
        let name = naming::create_name(&p, "key_name", "key_name_prefix", &ctx);
        self.aws
            .ec2
            .import_key_pair()
            .key_name(&name)
            .public_key_material(aws_smithy_types::Blob::new(p.req("public_key")?))
            .tag_specifications(tags::ec2_spec(Kind::KeyPair, &t))
            .send()
            .await
            .map_err(err("ec2:ImportKeyPair"))?;
        bulk::finished(self, p, &name).await
    }

    async fn update(&self, prior: Value, planned: Value) -> ProviderResult<Value> {
        // Only tags update in place; they go on the key pair id.
        let (before, after) = (Obj::of(&prior), Obj::of(&planned));
        let name = before.id()?;
        let key_id = before.req("key_pair_id")?;
        tags::update_ec2(&self.aws, &key_id, &before, &after).await?;
        bulk::finished(self, after, &name).await
    }

    async fn delete(&self, prior: Value) -> ProviderResult<()> {
        let name = Obj::of(&prior).id()?;
        let r = self
            .aws
            .ec2
            .delete_key_pair()
            .key_name(&name)
            .send()
            .await
            .map_err(err("ec2:DeleteKeyPair"));
        gone_is_ok(r)
    }
}
