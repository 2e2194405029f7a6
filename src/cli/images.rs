//! `infra images`: the images infra baked in the account, which are in use and by what, and
//! with `--keep N` the removal of old builds nothing uses.

use super::engine::StateFlags;
use super::image_context::{ImageContext, has_images, load_tree};
use super::{Ui, VarFlags};
use crate::bake::graph_walk::{self, Mode, Report};
use crate::bake::inventory::{self, BakedImage, Uses, Verdict};
use crate::diag::Diagnostic;
use crate::provider::ProviderError;
use crate::state::State;
use clap::Args;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Args, Clone)]
pub struct ImagesArgs {
    /// The root module directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Deregister all but the newest N builds of each image block, per region, with their
    /// snapshots. Images in use are kept whatever their age.
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,
    /// With --keep: say what would be deregistered, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the images as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub vars: VarFlags,
    #[command(flatten)]
    pub state: StateFlags,
}

pub fn run(ui: &Ui, a: ImagesArgs, raw: &[String]) -> i32 {
    match images(&a, raw) {
        Ok(()) => 0,
        Err(d) => {
            ui.print_diagnostics(&d);
            1
        }
    }
}

/// Looking images up prints nothing.
struct Quiet;

impl Report for Quiet {
    fn line(&self, _: &str, _: &str) {}
    fn finish(&self, _: &str, _: &str) {}
}

fn images(a: &ImagesArgs, raw: &[String]) -> Result<(), Vec<Diagnostic>> {
    let removing = a.keep.is_some() && !a.dry_run;
    let cx = ImageContext::open(
        load_tree(&a.dir)?,
        &a.dir,
        (&a.vars, raw),
        &a.state,
        "OperationTypeImages",
        a.state.lock && removing,
    )?;
    let (aws, config, prior) = (&cx.aws, &cx.config, cx.prior());
    let failed = |e: ProviderError| vec![Diagnostic::plain("Failed to list images", e.to_string())];
    let (inventory, uses) = cx.rt.block_on(async {
        // The configuration's current builds count as in use: a bake not applied yet.
        let mut uses = Uses::new();
        let mut regions = BTreeSet::from([aws.region.clone()]);
        if has_images(&cx.tree) {
            let request = cx.walk_request(Vec::new(), Mode::LookUp, 4, Arc::new(Quiet));
            let walked = graph_walk::run(request).await;
            if walked.diagnostics.iter().any(Diagnostic::is_error) {
                if a.keep.is_some() {
                    // Removing images without knowing which ones the configuration uses now
                    // could remove the one the next apply boots from.
                    return Err(walked.diagnostics);
                }
                eprintln!("Warning: could not tell which builds the configuration uses now:");
                for d in &walked.diagnostics {
                    eprintln!("  {}: {}", d.summary, d.detail);
                }
            }
            regions.extend(walked.regions);
            for i in &walked.images {
                let Ok(b) = &i.result else { continue };
                for (region, id) in &b.artifacts {
                    regions.insert(region.clone());
                    uses.entry(id.clone())
                        .or_default()
                        .insert(format!("current build of {}", i.address));
                }
            }
        }
        let others = crate::bake::build::connect_regions(aws, config, &regions)
            .await
            .map_err(failed)?;
        let mut inventory = Vec::new();
        for region in &regions {
            let there = others.get(region).unwrap_or(aws).clone();
            let found = inventory::list(&there.ec2, region).await.map_err(failed)?;
            let ids: Vec<String> = found.iter().map(|i| i.id.clone()).collect();
            inventory::merge(
                &mut uses,
                inventory::launch_template_uses(&there)
                    .await
                    .map_err(failed)?,
            );
            inventory::merge(
                &mut uses,
                inventory::instance_uses(&there.ec2, &ids)
                    .await
                    .map_err(failed)?,
            );
            inventory.push((there, found));
        }
        if let Some(state) = prior {
            let ids = inventory
                .iter()
                .flat_map(|(_, f)| f.iter().map(|i| i.id.clone()))
                .collect();
            inventory::merge(&mut uses, state_uses(state, &ids));
        }
        Ok::<_, Vec<Diagnostic>>((inventory, uses))
    })?;
    let all: Vec<BakedImage> = inventory
        .iter()
        .flat_map(|(_, f)| f.iter().cloned())
        .collect();
    let verdicts = a.keep.map(|n| inventory::verdicts(&all, &uses, n));
    if a.json {
        print_json(&all, &uses, verdicts.as_deref());
    } else {
        print_table(&all, &uses);
    }
    let Some(verdicts) = verdicts else {
        return Ok(());
    };
    let doomed: Vec<&BakedImage> = all
        .iter()
        .zip(&verdicts)
        .filter(|(_, v)| **v == Verdict::Remove)
        .map(|(i, _)| i)
        .collect();
    let count = |want: Verdict| verdicts.iter().filter(|v| **v == want).count();
    let kept = format!(
        "{} kept as the newest, {} kept in use.",
        count(Verdict::Newest),
        count(Verdict::InUse)
    );
    if a.dry_run {
        for i in &doomed {
            eprintln!(
                "Would deregister {} ({}, {}, built {})",
                i.id, i.address, i.region, i.build_time
            );
        }
        eprintln!("{} to deregister; {kept}", doomed.len());
        return Ok(());
    }
    let client: BTreeMap<&str, &aws_sdk_ec2::Client> = inventory
        .iter()
        .map(|(there, _)| (there.region.as_str(), &there.ec2))
        .collect();
    let mut errors = Vec::new();
    cx.rt.block_on(async {
        for i in &doomed {
            match inventory::remove(client[i.region.as_str()], i).await {
                Ok(()) => eprintln!(
                    "Deregistered {} ({}, {}, built {}) and {} snapshot(s)",
                    i.id,
                    i.address,
                    i.region,
                    i.build_time,
                    i.snapshots.len()
                ),
                Err(e) => errors.push(Diagnostic::plain(
                    "Failed to deregister an image",
                    format!("{} ({}): {e}", i.id, i.address),
                )),
            }
        }
    });
    eprintln!("{} deregistered; {kept}", doomed.len() - errors.len());
    drop(cx.store);
    match errors.is_empty() {
        true => Ok(()),
        false => Err(errors),
    }
}

/// The state's resources that name one of `ids` in an attribute (a launch template's
/// `image_id`, an instance's `ami`).
fn state_uses(state: &State, ids: &BTreeSet<String>) -> Uses {
    fn strings<'v>(v: &'v serde_json::Value, out: &mut Vec<&'v str>) {
        match v {
            serde_json::Value::String(s) => out.push(s),
            serde_json::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
            serde_json::Value::Object(o) => o.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    let mut uses = Uses::new();
    for r in state.resources.iter().filter(|r| r.mode == "managed") {
        for inst in &r.instances {
            let mut found = Vec::new();
            strings(&inst.attributes, &mut found);
            for s in found.into_iter().filter(|s| ids.contains(*s)) {
                uses.entry(s.to_string()).or_default().insert(format!(
                    "{}{} (state)",
                    r.address(),
                    crate::state::model::key_suffix(&inst.index_key)
                ));
            }
        }
    }
    uses
}

fn used_by(uses: &Uses, id: &str) -> String {
    uses.get(id)
        .map(|u| u.iter().cloned().collect::<Vec<_>>().join("; "))
        .unwrap_or_default()
}

fn print_table(all: &[BakedImage], uses: &Uses) {
    if all.is_empty() {
        println!("No images baked by infra in these regions.");
        return;
    }
    let rows: Vec<[String; 6]> = all
        .iter()
        .map(|i| {
            [
                i.address.clone(),
                i.region.clone(),
                i.id.clone(),
                i.build_time.clone(),
                i.fingerprint.chars().take(12).collect(),
                match used_by(uses, &i.id) {
                    u if u.is_empty() => "-".to_string(),
                    u => u,
                },
            ]
        })
        .collect();
    let header = ["IMAGE", "REGION", "ID", "BUILT", "FINGERPRINT", "USED BY"].map(String::from);
    let mut widths = [0usize; 6];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
}

fn print_json(all: &[BakedImage], uses: &Uses, verdicts: Option<&[Verdict]>) {
    let images: Vec<serde_json::Value> = all
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let mut v = serde_json::to_value(i).unwrap_or_default();
            v["used_by"] = serde_json::json!(uses.get(&i.id).cloned().unwrap_or_default());
            if let Some(verdicts) = verdicts {
                v["action"] = serde_json::json!(match verdicts[n] {
                    Verdict::Newest => "keep (newest)",
                    Verdict::InUse => "keep (in use)",
                    Verdict::Remove => "deregister",
                });
            }
            v
        })
        .collect();
    let by_region: BTreeMap<&str, usize> = all.iter().fold(BTreeMap::new(), |mut m, i| {
        *m.entry(i.region.as_str()).or_default() += 1;
        m
    });
    println!(
        "{}",
        serde_json::to_string_pretty(
            &serde_json::json!({ "images": images, "count_by_region": by_region })
        )
        .unwrap_or_default()
    );
}
