//! The EC2 side of a bake: find the image by fingerprint, or build it from temporary objects
//! (key pair, security group, builder instance) and remove those again whether the build
//! succeeds or fails. The provisioners run over SSH or from the builder's user data.

use super::fingerprint::fingerprint;
use super::journal::{Entry, Journal};
use super::spec::{Communicator, ImageSpec, SourceAmi, SshInterface};
use super::ssh::{Session, Target, TempKey};
use super::temporaries::{TEMP_TAG, allow_ssh, describe_instance, instance_state, runner_cidr};
use super::{provision, temporaries, user_data};
use crate::provider::aws::Aws;
use crate::provider::aws::bulk::filter;
use crate::provider::aws::sdk::{err, wait_for};
use crate::provider::aws::tags::{ec2_spec, ec2_tags};
use crate::provider::{ProviderError, ProviderResult};
use aws_sdk_ec2::types::{InstanceStateName, ResourceType};
use base64::Engine;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub const FINGERPRINT_TAG: &str = "infra:fingerprint";
/// The address of the image block an image was built for (`image.app`).
pub const IMAGE_TAG: &str = "infra:image";

/// How long the provisioners may run before the builder powers itself off.
const BUILD_TIMEOUT: Duration = Duration::from_secs(60 * 60);
const IMAGE_TIMEOUT: Duration = Duration::from_secs(60 * 60);
const INSTANCE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// How long a builder may take to stop once asked.
const STOP_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// Receives progress lines: the image's name and what is happening.
pub type Progress = Box<dyn Fn(&str, &str) + Send + Sync>;

pub struct Baker {
    /// The clients of the image's home region.
    pub aws: Arc<Aws>,
    /// Clients for every region images are copied to.
    pub regions: BTreeMap<String, Arc<Aws>>,
    pub journal: Journal,
    pub force: bool,
    /// The emulator runs no user data: infra stops the builder itself once it is running and
    /// takes the provisioners' success as given. Set only by tests against moto.
    pub emulated_builder: bool,
    /// Progress lines (`image.NAME: ...`).
    pub progress: Progress,
}

/// A baked (or found) image.
#[derive(Debug, Clone)]
pub struct Baked {
    pub name: String,
    pub fingerprint: String,
    pub source_ami: String,
    /// Region → image id, the home region included.
    pub artifacts: BTreeMap<String, String>,
    /// RFC 3339; for an image found, when it was built.
    pub build_time: String,
    /// False when an image with the fingerprint already existed.
    pub built: bool,
    /// The image's tags (copies get the same).
    pub tags: BTreeMap<String, String>,
}

impl Baked {
    /// The regions of `spec.ami_regions` this image has no copy in yet.
    pub fn missing_regions(&self, spec: &ImageSpec) -> Vec<String> {
        spec.ami_regions
            .iter()
            .filter(|r| !self.artifacts.contains_key(*r))
            .cloned()
            .collect()
    }

    /// `region:ami-..., region:ami-...`.
    pub fn artifact_list(&self) -> String {
        self.artifacts
            .iter()
            .map(|(r, id)| format!("{r}:{id}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// What `image.NAME` evaluates to.
    pub fn value(&self, home_region: &str) -> crate::lang::value::Value {
        use crate::lang::value::{Attrs, Value};
        let s = |v: &str| Value::string(v);
        let by_region: Attrs = self
            .artifacts
            .iter()
            .map(|(r, id)| (r.clone(), s(id)))
            .collect();
        Value::object(Attrs::from_iter([
            (
                "id".to_string(),
                s(self.artifacts.get(home_region).map_or("", String::as_str)),
            ),
            (
                "ids_by_region".to_string(),
                Value::map(crate::lang::types::Type::String, by_region),
            ),
            ("fingerprint".to_string(), s(&self.fingerprint)),
            ("source_ami".to_string(), s(&self.source_ami)),
            ("name".to_string(), s(&self.name)),
        ]))
    }
}

/// What [`Baker::lookup`] learned.
#[derive(Debug, Clone)]
pub struct Lookup {
    pub source_ami: String,
    pub fingerprint: String,
    /// The image built from these inputs, with the copies found.
    pub found: Option<Baked>,
}

struct FoundImage {
    id: String,
    build_time: String,
    tags: BTreeMap<String, String>,
}

/// The provider configuration images are baked with: the default `provider "aws"`.
pub fn aws_address() -> String {
    crate::provider::config_address(crate::provider::aws::SOURCE, None)
}

/// Which environment variable makes the builder emulated (tests against moto, which runs no
/// user data): see [`Baker::emulated_builder`].
const EMULATED_BUILDER_ENV: &str = "INFRA_BAKE_EMULATED_BUILDER";

/// The AWS clients and configuration images are baked with, or an error naming the image.
pub fn aws_for_images(
    registry: &crate::provider::Registry,
    image_address: &str,
    span: crate::syntax::Span,
) -> Result<(Arc<Aws>, crate::lang::value::Value), crate::diag::Diagnostic> {
    registry.aws_at(&aws_address()).ok_or_else(|| {
        crate::diag::Diagnostic::error(
            "No AWS provider",
            format!(
                "{image_address}: images are baked with the default provider \"aws\" configuration."
            ),
            span,
        )
    })
}

/// Clients for each of `regions` other than `aws`'s own, with the same configuration.
pub async fn connect_regions(
    aws: &Arc<Aws>,
    config: &crate::lang::value::Value,
    regions: impl IntoIterator<Item = &String>,
) -> ProviderResult<BTreeMap<String, Arc<Aws>>> {
    let mut out = BTreeMap::new();
    for r in regions {
        if *r != aws.region && !out.contains_key(r) {
            let there = crate::provider::aws::connect(aws.address.clone(), config, Some(r)).await?;
            out.insert(r.clone(), there);
        }
    }
    Ok(out)
}

impl Baker {
    /// A baker with clients for `aws`'s region and each of `regions`, with the same
    /// configuration; the builder is emulated when [`EMULATED_BUILDER_ENV`] is set.
    pub async fn connect<'r>(
        aws: Arc<Aws>,
        config: &crate::lang::value::Value,
        regions: impl IntoIterator<Item = &'r String>,
        journal: Journal,
        force: bool,
        progress: Progress,
    ) -> ProviderResult<Baker> {
        let regions = connect_regions(&aws, config, regions).await?;
        Ok(Baker {
            aws,
            regions,
            journal,
            force,
            emulated_builder: std::env::var_os(EMULATED_BUILDER_ENV).is_some(),
            progress,
        })
    }

    /// A baker that only looks images up (the planner's). It never builds, so its journal is
    /// never read or written.
    pub async fn lookup_only(
        aws: Arc<Aws>,
        config: &crate::lang::value::Value,
        regions: &[String],
    ) -> ProviderResult<Baker> {
        let journal = Journal::beside(std::path::Path::new("infra.tfstate"));
        Baker::connect(aws, config, regions, journal, false, Box::new(|_, _| {})).await
    }

    fn client(&self, region: &str) -> &aws_sdk_ec2::Client {
        match self.regions.get(region) {
            Some(a) => &a.ec2,
            None => &self.aws.ec2,
        }
    }

    /// Removes what killed bakes left behind (their journal entries), then forgets them.
    pub async fn recover(&self) -> ProviderResult<()> {
        let pending = self.journal.pending().map_err(journal_err)?;
        for e in pending {
            (self.progress)(
                &e.image,
                &format!(
                    "removing what the interrupted build {} left behind",
                    e.bake_id
                ),
            );
            temporaries::remove(self.client(&e.region), &e.bake_id).await?;
            self.journal.remove(&e.bake_id).map_err(journal_err)?;
        }
        Ok(())
    }

    /// What the image's inputs resolve to, and the image already built from them, if any,
    /// with its copies in the other regions. One call for the image, one per other region,
    /// plus one to resolve a `source_ami_filter`.
    pub async fn lookup(&self, spec: &ImageSpec) -> ProviderResult<Lookup> {
        let source_ami = self.resolve_source(spec).await?;
        let fingerprint = fingerprint(spec, &source_ami);
        let found = match self.force {
            true => None,
            false => self.find(&self.aws.ec2, &fingerprint).await?,
        };
        let Some(home) = found else {
            return Ok(Lookup {
                source_ami,
                fingerprint,
                found: None,
            });
        };
        let mut artifacts = BTreeMap::from([(self.aws.region.clone(), home.id.clone())]);
        for region in spec.ami_regions.iter().filter(|r| **r != self.aws.region) {
            if let Some(copy) = self.find(self.client(region), &fingerprint).await? {
                artifacts.insert(region.clone(), copy.id);
            }
        }
        Ok(Lookup {
            found: Some(Baked {
                name: spec.name.clone(),
                fingerprint: fingerprint.clone(),
                source_ami: source_ami.clone(),
                artifacts,
                build_time: home.build_time,
                built: false,
                tags: home.tags,
            }),
            source_ami,
            fingerprint,
        })
    }

    /// Finds or builds the image of `spec`.
    pub async fn bake(&self, spec: &ImageSpec) -> ProviderResult<Baked> {
        let found = self.lookup(spec).await?;
        self.bake_looked_up(spec, found).await
    }

    /// Builds the image `lookup` did not find (or copies it to the regions that lack it).
    pub async fn bake_looked_up(&self, spec: &ImageSpec, found: Lookup) -> ProviderResult<Baked> {
        self.bake_until(spec, found, std::future::pending()).await
    }

    /// [`Baker::bake_looked_up`], given up when `stop` resolves: the build stops where it is
    /// and its temporary objects are removed before this returns.
    pub async fn bake_until(
        &self,
        spec: &ImageSpec,
        found: Lookup,
        stop: impl std::future::Future<Output = ()>,
    ) -> ProviderResult<Baked> {
        let Lookup {
            source_ami,
            fingerprint: fp,
            found,
        } = found;
        if let Some(mut image) = found {
            let home = image.artifacts[&self.aws.region].clone();
            let missing = image.missing_regions(spec);
            if !missing.is_empty() {
                let name = spec.ami_name_for(&fp);
                let copies = self
                    .distribute(spec, &home, &name, &image.tags, &missing)
                    .await?;
                image.artifacts.extend(copies);
            }
            (self.progress)(&spec.name, &format!("up to date: {home} ({})", &fp[..12]));
            return Ok(image);
        }
        let bake_id = uuid::Uuid::new_v4().simple().to_string();
        let entry = Entry {
            bake_id: bake_id.clone(),
            region: self.aws.region.clone(),
            image: spec.name.clone(),
        };
        self.journal.add(&entry).map_err(journal_err)?;
        let built = tokio::select! {
            built = self.build(spec, &source_ami, &fp, &bake_id) => built,
            _ = stop => Err(ProviderError::new("bake", "interrupted")),
        };
        (self.progress)(
            &spec.name,
            "removing the temporary builder, key pair and security group",
        );
        let cleaned = temporaries::remove(&self.aws.ec2, &bake_id).await;
        if cleaned.is_ok() {
            self.journal.remove(&bake_id).map_err(journal_err)?;
        }
        let baked = built?;
        cleaned?;
        Ok(baked)
    }

    async fn resolve_source(&self, spec: &ImageSpec) -> ProviderResult<String> {
        let (owners, name, most_recent) = match &spec.source {
            SourceAmi::Id(id) => return Ok(id.clone()),
            SourceAmi::Pending => {
                return Err(ProviderError::new(
                    "bake",
                    format!(
                        "image {:?}: source_ami is not known yet: it comes from an image not baked or an object not created; `infra apply` makes it, then bakes this image",
                        spec.name
                    ),
                ));
            }
            SourceAmi::Filter {
                owners,
                name,
                most_recent,
            } => (owners, name, *most_recent),
        };
        let found = self
            .aws
            .ec2
            .describe_images()
            .set_owners(Some(owners.clone()))
            .filters(filter("name", [name.clone()]))
            .filters(filter("state", ["available".to_string()]))
            .send()
            .await
            .map_err(err("ec2:DescribeImages"))?;
        let mut images: Vec<_> = found.images().iter().collect();
        if images.len() > 1 && !most_recent {
            return Err(ProviderError::new(
                "bake",
                format!(
                    "image {:?}: source_ami_filter matches {} images; make it more specific or set most_recent = true",
                    spec.name,
                    images.len()
                ),
            ));
        }
        // Creation dates are ISO 8601 in UTC, so they sort as strings.
        images.sort_by(|a, b| a.creation_date().cmp(&b.creation_date()));
        images
            .last()
            .and_then(|i| i.image_id())
            .map(str::to_string)
            .ok_or_else(|| {
                ProviderError::new(
                    "bake",
                    format!(
                        "image {:?}: no image named {name:?} owned by {owners:?}",
                        spec.name
                    ),
                )
            })
    }

    /// The available image built with fingerprint `fp` in `ec2`'s region. One API call.
    async fn find(
        &self,
        ec2: &aws_sdk_ec2::Client,
        fp: &str,
    ) -> ProviderResult<Option<FoundImage>> {
        let found = ec2
            .describe_images()
            .owners("self")
            .filters(filter(&format!("tag:{FINGERPRINT_TAG}"), [fp.to_string()]))
            .filters(filter("state", ["available".to_string()]))
            .send()
            .await
            .map_err(err("ec2:DescribeImages"))?;
        Ok(found.images().first().map(|i| {
            let tags = crate::provider::aws::tags::from_ec2(i.tags());
            FoundImage {
                id: i.image_id().unwrap_or_default().to_string(),
                build_time: tags
                    .get("infra:build-time")
                    .map(String::as_str)
                    .or(i.creation_date())
                    .unwrap_or_default()
                    .to_string(),
                tags,
            }
        }))
    }

    /// Copies the home region's image to `regions`, tagged and shared like it.
    async fn distribute(
        &self,
        spec: &ImageSpec,
        image_id: &str,
        ami_name: &str,
        image_tags: &BTreeMap<String, String>,
        regions: &[String],
    ) -> ProviderResult<BTreeMap<String, String>> {
        let mut artifacts = BTreeMap::new();
        for region in regions.iter().filter(|r| **r != self.aws.region) {
            (self.progress)(&spec.name, &format!("copying {image_id} to {region}"));
            let there = self.client(region);
            let copy = there
                .copy_image()
                .source_region(&self.aws.region)
                .source_image_id(image_id)
                .name(ami_name)
                .send()
                .await
                .map_err(err("ec2:CopyImage"))?
                .image_id()
                .unwrap_or_default()
                .to_string();
            there
                .create_tags()
                .resources(&copy)
                .set_tags(Some(ec2_tags(image_tags)))
                .send()
                .await
                .map_err(err("ec2:CreateTags"))?;
            let copied = wait_available(there, &copy).await?;
            tag_snapshots(there, &copied, image_tags).await?;
            share(there, &copy, &spec.ami_users).await?;
            artifacts.insert(region.clone(), copy);
        }
        Ok(artifacts)
    }

    async fn build(
        &self,
        spec: &ImageSpec,
        source_ami: &str,
        fp: &str,
        bake_id: &str,
    ) -> ProviderResult<Baked> {
        let ec2 = &self.aws.ec2;
        if spec.subnet_pending {
            return Err(ProviderError::new(
                "bake",
                format!(
                    "image {:?}: subnet_id refers to a subnet that does not exist yet; `infra apply` creates it, then bakes the image",
                    spec.name
                ),
            ));
        }
        let user_data = match spec.communicator {
            Communicator::UserData => {
                Some(user_data::render(spec).map_err(|m| ProviderError::new("bake", m))?)
            }
            Communicator::Ssh => None,
        };
        let temp_name = format!("infra-bake-{}-{}", spec.name, &bake_id[..12]);
        let temp_tags = BTreeMap::from([
            ("Name".to_string(), temp_name.clone()),
            (TEMP_TAG.to_string(), bake_id.to_string()),
        ]);
        let key = match spec.communicator {
            Communicator::Ssh => {
                let key = TempKey::generate().map_err(|m| ProviderError::new("bake", m))?;
                (self.progress)(&spec.name, &format!("importing key pair {temp_name}"));
                ec2.import_key_pair()
                    .key_name(&temp_name)
                    .public_key_material(aws_smithy_types::Blob::new(
                        key.public_openssh(&temp_name)
                            .map_err(|m| ProviderError::new("bake", m))?,
                    ))
                    .tag_specifications(ec2_spec(ResourceType::KeyPair, &temp_tags))
                    .send()
                    .await
                    .map_err(err("ec2:ImportKeyPair"))?;
                Some(key)
            }
            Communicator::UserData => None,
        };
        let vpc_id = match &spec.subnet_id {
            Some(subnet) => ec2
                .describe_subnets()
                .subnet_ids(subnet)
                .send()
                .await
                .map_err(err("ec2:DescribeSubnets"))?
                .subnets()
                .first()
                .and_then(|s| s.vpc_id())
                .map(str::to_string),
            None => None,
        };
        (self.progress)(&spec.name, &format!("creating security group {temp_name}"));
        // No inbound rule yet: the ssh communicator opens SSH to the runner once it knows the
        // builder's address; the user-data builder only reaches out.
        let group = ec2
            .create_security_group()
            .group_name(&temp_name)
            .description(format!(
                "infra bake {}: temporary, removed after the build",
                spec.name
            ))
            .set_vpc_id(vpc_id)
            .tag_specifications(ec2_spec(ResourceType::SecurityGroup, &temp_tags))
            .send()
            .await
            .map_err(err("ec2:CreateSecurityGroup"))?;
        let group_id = group.group_id().unwrap_or_default().to_string();
        (self.progress)(
            &spec.name,
            &format!("launching the builder from {source_ami}"),
        );
        let run = ec2
            .run_instances()
            .image_id(source_ami)
            .instance_type(spec.instance_type.as_str().into())
            .min_count(1)
            .max_count(1)
            .security_group_ids(&group_id)
            .set_subnet_id(spec.subnet_id.clone())
            .set_key_name(key.as_ref().map(|_| temp_name.clone()))
            // A poweroff must stop the builder, not terminate it: the image is made from its
            // stopped volumes.
            .instance_initiated_shutdown_behavior(aws_sdk_ec2::types::ShutdownBehavior::Stop)
            .set_user_data(
                user_data
                    .as_ref()
                    .map(|u| base64::engine::general_purpose::STANDARD.encode(u)),
            )
            .tag_specifications(ec2_spec(ResourceType::Instance, &temp_tags))
            .tag_specifications(ec2_spec(ResourceType::Volume, &temp_tags))
            .send()
            .await
            .map_err(err("ec2:RunInstances"))?;
        let instance_id = run
            .instances()
            .first()
            .and_then(|i| i.instance_id())
            .unwrap_or_default()
            .to_string();
        match &key {
            Some(key) => {
                self.provision_over_ssh(spec, &instance_id, &group_id, key, bake_id)
                    .await?;
                (self.progress)(&spec.name, &format!("stopping {instance_id}"));
                ec2.stop_instances()
                    .instance_ids(&instance_id)
                    .send()
                    .await
                    .map_err(err("ec2:StopInstances"))?;
                self.wait_stopped(&instance_id, STOP_TIMEOUT).await?;
            }
            None => {
                (self.progress)(
                    &spec.name,
                    &format!("waiting for {instance_id} to run the provisioners and power off"),
                );
                self.wait_stopped(&instance_id, BUILD_TIMEOUT).await?;
                self.check_report(spec, &instance_id).await?;
            }
        }
        let ami_name = spec.ami_name_for(fp);
        let build_time = crate::lang::functions::now_rfc3339_millis();
        let mut image_tags = spec.tags.clone();
        image_tags.insert("Name".into(), ami_name.clone());
        image_tags.insert(FINGERPRINT_TAG.into(), fp.to_string());
        image_tags.insert(IMAGE_TAG.into(), spec.address.clone());
        image_tags.insert("infra:source-ami".into(), source_ami.to_string());
        image_tags.insert("infra:build-time".into(), build_time.clone());
        image_tags.insert("infra:version".into(), env!("CARGO_PKG_VERSION").into());
        (self.progress)(&spec.name, &format!("creating image {ami_name}"));
        let image_id = ec2
            .create_image()
            .instance_id(&instance_id)
            .name(&ami_name)
            .description(format!("infra bake {} {fp}", spec.name))
            .tag_specifications(ec2_spec(ResourceType::Image, &image_tags))
            .send()
            .await
            .map_err(err("ec2:CreateImage"))?
            .image_id()
            .unwrap_or_default()
            .to_string();
        let image = wait_available(ec2, &image_id).await?;
        // Snapshots are tagged once known (moto also refuses snapshot tags in CreateImage).
        tag_snapshots(ec2, &image, &image_tags).await?;
        share(ec2, &image_id, &spec.ami_users).await?;
        let mut artifacts = BTreeMap::from([(self.aws.region.clone(), image_id.clone())]);
        artifacts.extend(
            self.distribute(spec, &image_id, &ami_name, &image_tags, &spec.ami_regions)
                .await?,
        );
        (self.progress)(&spec.name, &format!("built {image_id}"));
        Ok(Baked {
            name: spec.name.clone(),
            fingerprint: fp.to_string(),
            source_ami: source_ami.to_string(),
            artifacts,
            build_time,
            built: true,
            tags: image_tags,
        })
    }

    /// Waits for the builder to run, opens SSH to it from the runner only, connects with the
    /// temporary key and runs the provisioners.
    async fn provision_over_ssh(
        &self,
        spec: &ImageSpec,
        instance_id: &str,
        group_id: &str,
        key: &TempKey,
        bake_id: &str,
    ) -> ProviderResult<()> {
        let ec2 = &self.aws.ec2;
        let fail = |m: String| ProviderError::new("bake", format!("image {:?}: {m}", spec.name));
        (self.progress)(&spec.name, &format!("waiting for {instance_id} to run"));
        let instance = wait_for("the builder to run", INSTANCE_TIMEOUT, || async {
            let i = describe_instance(ec2, instance_id).await?;
            match i.as_ref().and_then(|i| i.state()).and_then(|s| s.name()) {
                Some(InstanceStateName::Running) => Ok(i),
                Some(InstanceStateName::Pending) => Ok(None),
                other => Err(ProviderError::new(
                    "bake",
                    format!("the builder {instance_id} is {other:?} instead of running"),
                )),
            }
        })
        .await?;
        let public = instance.public_ip_address().map(str::to_string);
        let private = instance.private_ip_address().map(str::to_string);
        let address = match (spec.ssh.interface, public, private) {
            (Some(SshInterface::PrivateIp), _, private) => private,
            (Some(SshInterface::PublicIp), public, _) => public,
            (None, public, private) => public.or(private),
        };
        let host = match (&spec.ssh.host, address) {
            (Some(h), _) => h.clone(),
            (None, Some(a)) => a,
            (None, None) => {
                return Err(fail(format!(
                    "the builder {instance_id} has no address for ssh_interface"
                )));
            }
        };
        let port = spec.ssh.port;
        let cidrs = if spec.ssh.source_cidrs.is_empty() {
            vec![runner_cidr(&host, port).map_err(&fail)?]
        } else {
            spec.ssh.source_cidrs.clone()
        };
        (self.progress)(
            &spec.name,
            &format!("allowing SSH (port {port}) from {}", cidrs.join(", ")),
        );
        allow_ssh(ec2, group_id, port, &cidrs).await?;
        let target = Target {
            host,
            port,
            user: spec.ssh_username.clone().unwrap_or_else(|| "root".into()),
        };
        let say = |line: &str| (self.progress)(&spec.name, line);
        let session = Session::connect(&target, key, spec.ssh.timeout, &say)
            .await
            .map_err(&fail)?;
        (self.progress)(&spec.name, &format!("connected to {target}"));
        let provisioned = provision::run_all(&session, spec, bake_id, &say).await;
        session.close().await;
        provisioned.map_err(fail)
    }

    /// Waits for the builder to be stopped. With an emulated builder, infra stops it itself
    /// where a real one would power itself off.
    async fn wait_stopped(&self, instance_id: &str, limit: Duration) -> ProviderResult<()> {
        let ec2 = &self.aws.ec2;
        let mut stop_requested = false;
        wait_for("the builder to power off", limit, || {
            let asked = std::mem::replace(&mut stop_requested, true);
            async move {
                let state = instance_state(ec2, instance_id).await?;
                match state {
                    Some(InstanceStateName::Stopped) => Ok(Some(())),
                    Some(InstanceStateName::Running) if self.emulated_builder && !asked => {
                        ec2.stop_instances()
                            .instance_ids(instance_id)
                            .send()
                            .await
                            .map_err(err("ec2:StopInstances"))?;
                        Ok(None)
                    }
                    Some(InstanceStateName::Terminated | InstanceStateName::ShuttingDown)
                    | None => Err(ProviderError::new(
                        "bake",
                        format!("the builder {instance_id} was terminated before it powered off"),
                    )),
                    _ => Ok(None),
                }
            }
        })
        .await
    }

    /// The run script's verdict, from the console output.
    async fn check_report(&self, spec: &ImageSpec, instance_id: &str) -> ProviderResult<()> {
        if self.emulated_builder {
            return Ok(());
        }
        let out = self
            .aws
            .ec2
            .get_console_output()
            .instance_id(instance_id)
            .latest(true)
            .send()
            .await
            .map_err(err("ec2:GetConsoleOutput"))?;
        let text = out
            .output()
            .and_then(|o| base64::engine::general_purpose::STANDARD.decode(o).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        if text.contains(user_data::SUCCESS_MARK) {
            return Ok(());
        }
        let why = text
            .lines()
            .find(|l| l.contains(user_data::FAILURE_MARK))
            .map(|l| l.trim().to_string())
            .unwrap_or_else(|| "the builder powered off without reporting success".into());
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        Err(ProviderError::new(
            "bake",
            format!(
                "image {:?}: {why}; last console lines:\n{}",
                spec.name,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ),
        ))
    }
}

fn journal_err(e: std::io::Error) -> ProviderError {
    ProviderError::new("bake journal", e.to_string())
}

async fn wait_available(
    ec2: &aws_sdk_ec2::Client,
    image_id: &str,
) -> ProviderResult<aws_sdk_ec2::types::Image> {
    wait_for(
        &format!("image {image_id} to become available"),
        IMAGE_TIMEOUT,
        || async {
            let out = ec2
                .describe_images()
                .image_ids(image_id)
                .send()
                .await
                .map_err(err("ec2:DescribeImages"))?;
            let image = out.images().first();
            match image.and_then(|i| i.state()).map(|s| s.as_str()) {
                Some("available") => Ok(image.cloned()),
                Some("failed" | "error" | "invalid" | "deregistered") => Err(ProviderError::new(
                    "bake",
                    format!("image {image_id} failed to become available"),
                )),
                _ => Ok(None),
            }
        },
    )
    .await
}

async fn tag_snapshots(
    ec2: &aws_sdk_ec2::Client,
    image: &aws_sdk_ec2::types::Image,
    tags: &BTreeMap<String, String>,
) -> ProviderResult<()> {
    let snapshots: Vec<String> = image
        .block_device_mappings()
        .iter()
        .filter_map(|m| m.ebs().and_then(|e| e.snapshot_id()).map(str::to_string))
        .collect();
    if snapshots.is_empty() {
        return Ok(());
    }
    ec2.create_tags()
        .set_resources(Some(snapshots))
        .set_tags(Some(ec2_tags(tags)))
        .send()
        .await
        .map_err(err("ec2:CreateTags"))?;
    Ok(())
}

async fn share(ec2: &aws_sdk_ec2::Client, image_id: &str, users: &[String]) -> ProviderResult<()> {
    if users.is_empty() {
        return Ok(());
    }
    let mut add = aws_sdk_ec2::types::LaunchPermissionModifications::builder();
    for u in users {
        add = add.add(
            aws_sdk_ec2::types::LaunchPermission::builder()
                .user_id(u)
                .build(),
        );
    }
    ec2.modify_image_attribute()
        .image_id(image_id)
        .launch_permission(add.build())
        .send()
        .await
        .map_err(err("ec2:ModifyImageAttribute"))?;
    Ok(())
}
