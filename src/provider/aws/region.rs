//! A resource's own `region` (the AWS provider's "enhanced region support", version 6): every
//! regional type and data source takes an optional `region` naming where its object lives, the
//! provider's region when not set. A regional type is wrapped here once; the type itself never
//! knows: the wrapper takes `region` off what goes in, sends each call to the type as built
//! for that region (clients made on first use, once a run, with the provider's credentials),
//! and puts `region` back on what comes out.
//!
//! Changing an object's region replaces it. State written before `region` existed has none:
//! such an object is the provider region's, and reading it records that without a change.
//! An import id may end in `@<region>` (`vpc-0a1b@eu-west-1`), as Terraform's does.

use super::{Aws, Make, connect};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::fleet::{Fleet, LaunchSpec, RolloutRequest, Snapshot};
use crate::provider::{
    AttrSchema, BoxFuture, CreateContext, DataSource, ProviderError, ProviderResult, RefreshBatch,
    Refreshed, ResourceType, Schema,
};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

const REGION: &str = "region";

/// Whether objects of this type live in one region. IAM and Route 53 are global; so are the
/// caller's identity, the partition and policy documents.
pub fn is_regional(type_name: &str) -> bool {
    !(type_name.starts_with("aws_iam_")
        || type_name.starts_with("aws_route53_")
        || matches!(type_name, "aws_caller_identity" | "aws_partition"))
}

/// Whether `s` has the shape of a region name (`us-east-1`, `us-gov-west-1`, `cn-north-1`).
pub fn looks_like_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
}

/// An import id and the region it names: `id@region`, or the id alone.
pub fn split_import_id(id: &str) -> (&str, Option<&str>) {
    match id.rsplit_once('@') {
        Some((id, region)) if !id.is_empty() && looks_like_region(region) => (id, Some(region)),
        _ => (id, None),
    }
}

/// The clients of one provider configuration, per region: the provider's own, and the others
/// made when an object first names them.
pub struct Regions {
    address: String,
    config: Value,
    home: Arc<Aws>,
    others: tokio::sync::Mutex<HashMap<String, Arc<Aws>>>,
}

impl Regions {
    pub fn new(address: String, config: Value, home: Arc<Aws>) -> Arc<Regions> {
        Arc::new(Regions {
            address,
            config,
            home,
            others: tokio::sync::Mutex::new(HashMap::new()),
        })
    }

    fn home(&self) -> &str {
        &self.home.region
    }

    async fn aws(&self, region: &str) -> ProviderResult<Arc<Aws>> {
        if region == self.home() {
            return Ok(self.home.clone());
        }
        let mut others = self.others.lock().await;
        if let Some(a) = others.get(region) {
            return Ok(a.clone());
        }
        let a = connect(self.address.clone(), &self.config, Some(region)).await?;
        others.insert(region.to_string(), a.clone());
        Ok(a)
    }
}

/// The region a value names: a known string, or `None` (null or not yet known).
fn named(v: &Value) -> Option<String> {
    v.attributes()?
        .get(REGION)?
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn without_region(v: &Value) -> Value {
    match v.attributes() {
        Some(a) if a.contains_key(REGION) => {
            let mut a = a.clone();
            a.remove(REGION);
            Value::object(a)
        }
        _ => v.clone(),
    }
}

fn with_region(v: Value, region: Value) -> Value {
    match v.attributes() {
        Some(a) => {
            let mut a = a.clone();
            a.insert(REGION.to_string(), region);
            Value::object(a)
        }
        None => v,
    }
}

/// What one wrapped type shares with its fleet.
struct Shared {
    regions: Arc<Regions>,
    make: Make,
    home: Arc<dyn ResourceType>,
    /// The type as built for other regions.
    others: tokio::sync::Mutex<HashMap<String, Arc<dyn ResourceType>>>,
    /// The regions this run's refresh read, where objects an interrupted apply left are
    /// already adopted.
    refreshed: Mutex<BTreeSet<String>>,
    /// The type's own schema has `region` (a bucket's, read from where it is): kept on what
    /// goes in, and its reading wins.
    own: bool,
    schema: Schema,
}

impl Shared {
    fn region_of(&self, v: &Value) -> String {
        named(v).unwrap_or_else(|| self.regions.home().to_string())
    }

    fn inner(&self, v: &Value) -> Value {
        if self.own {
            v.clone()
        } else {
            without_region(v)
        }
    }

    fn outer(&self, v: Value, region: &str) -> Value {
        if self.own && named(&v).is_some() {
            return v;
        }
        with_region(v, Value::string(region))
    }

    async fn at(&self, region: &str) -> ProviderResult<Arc<dyn ResourceType>> {
        if region == self.regions.home() {
            return Ok(self.home.clone());
        }
        let mut others = self.others.lock().await;
        if let Some(t) = others.get(region) {
            return Ok(t.clone());
        }
        let t = (self.make)(&self.regions.aws(region).await?);
        others.insert(region.to_string(), t.clone());
        Ok(t)
    }

    /// An object a killed apply created in `region` before recording it, when this run's
    /// refresh did not look there (no object of the type was on record in that region).
    async fn orphan(
        &self,
        t: &Arc<dyn ResourceType>,
        region: &str,
        ctx: &CreateContext,
    ) -> ProviderResult<Option<Value>> {
        let looked = self
            .refreshed
            .lock()
            .map(|r| r.contains(region))
            .unwrap_or(false);
        if !ctx.resumed || looked {
            return Ok(None);
        }
        let found = t
            .refresh(RefreshBatch {
                lineage: ctx.lineage.clone(),
                priors: Vec::new(),
            })
            .await?
            .found;
        Ok(found
            .into_iter()
            .find(|(address, _)| *address == ctx.address)
            .map(|(_, v)| v))
    }
}

/// A regional resource type: see the module's comment.
pub struct Regional {
    shared: Arc<Shared>,
    fleet: Option<RegionalFleet>,
}

impl Regional {
    pub fn wrap(
        home: Arc<dyn ResourceType>,
        make: Make,
        regions: &Arc<Regions>,
    ) -> Arc<dyn ResourceType> {
        let own = home.schema().attributes.contains_key(REGION);
        let mut schema = home.schema().clone();
        schema.attributes.insert(
            REGION.to_string(),
            AttrSchema::optional(Type::String).default(Value::string(regions.home())),
        );
        let shared = Arc::new(Shared {
            regions: regions.clone(),
            make,
            others: tokio::sync::Mutex::new(HashMap::new()),
            refreshed: Mutex::new(BTreeSet::new()),
            own,
            schema,
            home,
        });
        let fleet = shared.home.fleet().is_some().then(|| RegionalFleet {
            shared: shared.clone(),
        });
        Arc::new(Regional { shared, fleet })
    }
}

impl ResourceType for Regional {
    fn schema(&self) -> &Schema {
        &self.shared.schema
    }

    fn provider_address(&self) -> &str {
        self.shared.home.provider_address()
    }

    fn zero_is_unset(&self) -> bool {
        self.shared.home.zero_is_unset()
    }

    fn replacing(&self, prior: &Value, planned: &Value, changed: &[String]) -> Vec<String> {
        let s = &self.shared;
        let rest: Vec<String> = changed.iter().filter(|c| *c != REGION).cloned().collect();
        let mut out = s.home.replacing(&s.inner(prior), &s.inner(planned), &rest);
        // An object of a state written before `region` existed is the provider region's: the
        // region appearing is no move. A region not yet known may be another one.
        if let Some(was) = named(prior)
            && named(planned).is_none_or(|now| now != was)
        {
            out.push(REGION.to_string());
        }
        out
    }

    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value {
        let s = &self.shared;
        let region = planned
            .attributes()
            .and_then(|a| a.get(REGION).cloned())
            .unwrap_or_else(|| Value::string(s.regions.home()));
        let out = s
            .home
            .plan(prior.map(|p| s.inner(p)).as_ref(), s.inner(&planned));
        with_region(out, region)
    }

    fn validate(&self, planned: &Value) -> Result<(), String> {
        if let Some(r) = named(planned)
            && !looks_like_region(&r)
        {
            return Err(format!(
                "region {r:?} is not a region name (like \"eu-west-1\")"
            ));
        }
        self.shared.home.validate(&self.shared.inner(planned))
    }

    fn create(&self, ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let s = self.shared.clone();
        Box::pin(async move {
            let region = s.region_of(&planned);
            let t = s.at(&region).await?;
            let v = match s.orphan(&t, &region, &ctx).await? {
                // Made by the interrupted apply from the same plan: brought to it in place.
                Some(found) => t.update(found, s.inner(&planned)).await?,
                None => t.create(ctx, s.inner(&planned)).await?,
            };
            Ok(s.outer(v, &region))
        })
    }

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>> {
        let s = self.shared.clone();
        Box::pin(async move {
            let region = s.region_of(&prior);
            let t = s.at(&region).await?;
            let v = t.update(s.inner(&prior), s.inner(&planned)).await?;
            Ok(s.outer(v, &region))
        })
    }

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>> {
        let s = self.shared.clone();
        Box::pin(async move {
            let t = s.at(&s.region_of(&prior)).await?;
            t.delete(s.inner(&prior)).await
        })
    }

    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>> {
        let s = self.shared.clone();
        Box::pin(async move {
            let region = s.region_of(&prior);
            let t = s.at(&region).await?;
            Ok(t.read(s.inner(&prior)).await?.map(|v| s.outer(v, &region)))
        })
    }

    /// One batch per region, each the type's own refresh there; what each finds unrecorded
    /// is adopted with its region.
    fn refresh(&self, batch: RefreshBatch) -> BoxFuture<ProviderResult<Refreshed>> {
        let s = self.shared.clone();
        Box::pin(async move {
            let mut by_region: std::collections::BTreeMap<String, Vec<usize>> =
                std::collections::BTreeMap::new();
            by_region.entry(s.regions.home().to_string()).or_default();
            for (i, p) in batch.priors.iter().enumerate() {
                by_region.entry(s.region_of(p)).or_default().push(i);
            }
            let mut current: Vec<Option<Value>> = vec![None; batch.priors.len()];
            let mut found = Vec::new();
            // Each region is its own endpoint: their reads run at once.
            let mut jobs = tokio::task::JoinSet::new();
            for (region, members) in by_region {
                let s = s.clone();
                let priors: Vec<Value> =
                    members.iter().map(|&i| s.inner(&batch.priors[i])).collect();
                let lineage = batch.lineage.clone();
                jobs.spawn(async move {
                    let t = s.at(&region).await?;
                    let r = t.refresh(RefreshBatch { lineage, priors }).await?;
                    Ok::<_, ProviderError>((region, members, r))
                });
            }
            while let Some(done) = jobs.join_next().await {
                let (region, members, r) = done.map_err(|e| {
                    ProviderError::new("refresh", format!("a region's refresh failed: {e}"))
                })??;
                for (&i, v) in members.iter().zip(r.current) {
                    current[i] = v.map(|v| s.outer(v, &region));
                }
                found.extend(r.found.into_iter().map(|(a, v)| (a, s.outer(v, &region))));
                if let Ok(mut seen) = s.refreshed.lock() {
                    seen.insert(region);
                }
            }
            Ok(Refreshed { current, found })
        })
    }

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>> {
        let s = self.shared.clone();
        let (id, named) = split_import_id(id);
        let id = id.to_string();
        let region = named.unwrap_or(s.regions.home()).to_string();
        let hint = named.is_none();
        Box::pin(async move {
            let t = s.at(&region).await?;
            match t.import(&id).await {
                Ok(v) => Ok(s.outer(v, &region)),
                Err(mut e) if hint && e.is_not_found() => {
                    e.message = format!(
                        "{} in {region}; an object in another region is imported as {id}@<region>",
                        e.message
                    );
                    Err(e)
                }
                Err(e) => Err(e),
            }
        })
    }

    fn fleet(&self) -> Option<&dyn Fleet> {
        self.fleet.as_ref().map(|f| f as &dyn Fleet)
    }
}

/// Rollouts of a regional group type: the provider region's groups roll; a group elsewhere
/// is refused at plan, before anything is touched.
struct RegionalFleet {
    shared: Arc<Shared>,
}

impl RegionalFleet {
    fn home(&self) -> &dyn Fleet {
        self.shared.home.fleet().expect("wrapped only with a fleet")
    }
}

impl Fleet for RegionalFleet {
    fn rollout(&self, prior: &Value, planned: &Value) -> Result<Option<RolloutRequest>, String> {
        let s = &self.shared;
        let req = self.home().rollout(&s.inner(prior), &s.inner(planned))?;
        let region = s.region_of(planned);
        if req.is_some() && region != s.regions.home() {
            return Err(format!(
                "infra rolls groups in the provider's region ({}) only; give this group in {region} a provider configured for that region",
                s.regions.home()
            ));
        }
        Ok(req)
    }

    fn snapshot(
        &self,
        group: &str,
        balancers: bool,
        images: bool,
    ) -> BoxFuture<ProviderResult<Snapshot>> {
        self.home().snapshot(group, balancers, images)
    }

    fn image_of(&self, spec: LaunchSpec) -> BoxFuture<ProviderResult<Option<String>>> {
        self.home().image_of(spec)
    }

    fn set_launch(&self, group: &str, spec: LaunchSpec) -> BoxFuture<ProviderResult<()>> {
        self.home().set_launch(group, spec)
    }

    fn set_desired(&self, group: &str, desired: i64) -> BoxFuture<ProviderResult<()>> {
        self.home().set_desired(group, desired)
    }

    fn terminate(
        &self,
        group: &str,
        instance: &str,
        decrement: bool,
    ) -> BoxFuture<ProviderResult<()>> {
        self.home().terminate(group, instance, decrement)
    }
}

/// A regional data source: read where its `region` says.
pub struct RegionalData {
    name: &'static str,
    regions: Arc<Regions>,
    home: Arc<dyn DataSource>,
    others: Arc<tokio::sync::Mutex<HashMap<String, Arc<dyn DataSource>>>>,
    own: bool,
    schema: Schema,
}

impl RegionalData {
    pub fn wrap(
        name: &'static str,
        home: Arc<dyn DataSource>,
        regions: &Arc<Regions>,
    ) -> Arc<dyn DataSource> {
        let own = home.schema().attributes.contains_key(REGION);
        let mut schema = home.schema().clone();
        schema.attributes.insert(
            REGION.to_string(),
            AttrSchema::optional_computed(Type::String),
        );
        Arc::new(RegionalData {
            name,
            regions: regions.clone(),
            home,
            others: Arc::default(),
            own,
            schema,
        })
    }
}

impl DataSource for RegionalData {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn read(&self, config: Value) -> BoxFuture<ProviderResult<Value>> {
        // `aws_region` selects a region by its deprecated `name` too.
        let region = named(&config)
            .or_else(|| {
                (self.name == "aws_region")
                    .then(|| crate::provider::aws::attrs::Obj::of(&config).str("name"))
                    .flatten()
            })
            .unwrap_or_else(|| self.regions.home().to_string());
        let home = (region == self.regions.home()).then(|| self.home.clone());
        let input = if self.own {
            config
        } else {
            without_region(&config)
        };
        let (name, regions) = (self.name, self.regions.clone());
        let others = self.others.clone();
        Box::pin(async move {
            let d = match home {
                Some(d) => d,
                None => {
                    let mut others = others.lock().await;
                    match others.get(&region) {
                        Some(d) => d.clone(),
                        None => {
                            let aws = regions.aws(&region).await?;
                            let d = super::data::one(&aws, name).ok_or_else(|| {
                                ProviderError::new("read", format!("no data source {name}"))
                            })?;
                            others.insert(region.clone(), d.clone());
                            d
                        }
                    }
                }
            };
            Ok(with_region(
                d.read(input).await?,
                Value::string(region.as_str()),
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_have_their_shape() {
        for ok in [
            "us-east-1",
            "us-gov-west-1",
            "cn-north-1",
            "ap-southeast-3",
            "il-central-1",
        ] {
            assert!(looks_like_region(ok), "{ok}");
        }
        for bad in [
            "",
            "eu_west_1",
            "eu-west",
            "EU-west-1",
            "eu--1",
            "europe-west-1",
            "2x.png",
        ] {
            assert!(!looks_like_region(bad), "{bad}");
        }
    }

    #[test]
    fn an_import_id_may_end_in_its_region() {
        assert_eq!(
            split_import_id("vpc-0a1b@eu-west-1"),
            ("vpc-0a1b", Some("eu-west-1"))
        );
        assert_eq!(split_import_id("vpc-0a1b"), ("vpc-0a1b", None));
        // An `@` that ends no region is the id's own (an S3 key).
        assert_eq!(
            split_import_id("assets/logo@2x.png"),
            ("assets/logo@2x.png", None)
        );
        assert_eq!(split_import_id("@eu-west-1"), ("@eu-west-1", None));
    }

    #[test]
    fn global_services_take_no_region() {
        for global in [
            "aws_iam_role",
            "aws_iam_policy_document",
            "aws_route53_record",
        ] {
            assert!(!is_regional(global), "{global}");
        }
        for regional in ["aws_vpc", "aws_s3_bucket", "aws_region", "aws_ami"] {
            assert!(is_regional(regional), "{regional}");
        }
    }

    #[test]
    fn region_comes_off_what_goes_in_and_back_on_what_comes_out() {
        let v = Value::object(
            [
                ("id".to_string(), Value::string("x")),
                ("region".to_string(), Value::string("eu-west-1")),
            ]
            .into_iter()
            .collect(),
        );
        assert_eq!(named(&v).as_deref(), Some("eu-west-1"));
        let bare = without_region(&v);
        assert!(bare.attributes().unwrap().get(REGION).is_none());
        assert_eq!(named(&bare), None);
        let back = with_region(bare, Value::string("eu-west-1"));
        assert_eq!(back, v);
    }
}
