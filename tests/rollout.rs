//! Rollouts against moto: groups with an `instance_refresh` block roll onto a new image in
//! health-gated batches when their launch template changes. A sampler reads the groups
//! throughout and checks the healthy floor; an instance set Unhealthy mid-rollout triggers the
//! rollback; a SIGKILL mid-rollout is finished by the next apply; `skip_matching` and a
//! checkpoint are honoured. (moto implements no instance refresh: infra drives the
//! replacement through the calls it does implement, the same ones it makes on AWS.)

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use support::{Work, runtime, text};

const CLUSTER: &str = r#"
variable "image" {
  type = string
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.40.1.0/24"
}

resource "aws_launch_template" "role" {
  for_each               = toset(ROLES)
  name_prefix            = "${each.key}-"
  image_id               = var.image
  instance_type          = "t3.micro"
  update_default_version = true
}

resource "aws_autoscaling_group" "role" {
  for_each            = toset(ROLES)
  name                = "rolling-${each.key}"
  min_size            = 1
  max_size            = MAX
  desired_capacity    = DESIRED
  vpc_zone_identifier = [aws_subnet.a.id]

  launch_template {
    id      = aws_launch_template.role[each.key].id
    version = aws_launch_template.role[each.key].latest_version
  }

  instance_refresh {
    strategy = "Rolling"
    preferences {
      PREFERENCES
    }
  }
}
"#;

fn cluster(roles: &[&str], desired: u32, preferences: &str) -> String {
    CLUSTER
        .replace("ROLES", &format!("{roles:?}"))
        .replace("MAX", &(desired + 2).to_string())
        .replace("DESIRED", &desired.to_string())
        .replace("PREFERENCES", preferences)
}

/// One instance of a group: (id, image, lifecycle state, health, launch time).
#[derive(Clone, Debug)]
struct Seen {
    id: String,
    image: String,
    lifecycle: String,
    health: String,
    launched: SystemTime,
}

/// Every group of the region with its instances, images from EC2.
async fn groups(
    asg: &aws_sdk_autoscaling::Client,
    ec2: &aws_sdk_ec2::Client,
) -> BTreeMap<String, Vec<Seen>> {
    let out = asg.describe_auto_scaling_groups().send().await.unwrap();
    let mut ids = Vec::new();
    for g in out.auto_scaling_groups() {
        ids.extend(g.instances().iter().filter_map(|i| i.instance_id()));
    }
    let mut facts = BTreeMap::new();
    if !ids.is_empty() {
        let described = ec2
            .describe_instances()
            .set_instance_ids(Some(ids.iter().map(|s| s.to_string()).collect()))
            .send()
            .await
            .unwrap();
        for i in described.reservations().iter().flat_map(|r| r.instances()) {
            let launched = i
                .launch_time()
                .and_then(|t| SystemTime::try_from(*t).ok())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            facts.insert(
                i.instance_id().unwrap().to_string(),
                (i.image_id().unwrap_or_default().to_string(), launched),
            );
        }
    }
    out.auto_scaling_groups()
        .iter()
        .map(|g| {
            let seen = g
                .instances()
                .iter()
                .map(|i| {
                    let id = i.instance_id().unwrap().to_string();
                    let (image, launched) = facts
                        .get(&id)
                        .cloned()
                        .unwrap_or((String::new(), SystemTime::UNIX_EPOCH));
                    Seen {
                        image,
                        launched,
                        lifecycle: i.lifecycle_state().unwrap().as_str().to_string(),
                        health: i.health_status().unwrap_or_default().to_string(),
                        id,
                    }
                })
                .collect();
            (g.auto_scaling_group_name().unwrap().to_string(), seen)
        })
        .collect()
}

fn now_groups(w: &Work) -> BTreeMap<String, Vec<Seen>> {
    let cfg = w.sdk();
    let (asg, ec2) = (aws_sdk_autoscaling::Client::new(&cfg), w.ec2());
    runtime().block_on(groups(&asg, &ec2))
}

fn images_of(w: &Work, group: &str) -> Vec<String> {
    let mut v: Vec<String> = now_groups(w)[group]
        .iter()
        .map(|s| s.image.clone())
        .collect();
    v.sort();
    v
}

/// Reads every group over and over while a rollout runs, and keeps, per group, the fewest
/// instances that served at once: in service, healthy, and either old or launched longer
/// than the warmup ago (what the rollout may count), and whether it saw both images at once.
struct Sampler {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    fewest: Arc<Mutex<BTreeMap<String, usize>>>,
    mixed: Arc<Mutex<BTreeMap<String, usize>>>,
}

impl Sampler {
    fn start(w: &Work, old_image: &str, warmup: Duration) -> Sampler {
        let cfg = w.sdk();
        let ec2 = w.ec2();
        let old_image = old_image.to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let fewest = Arc::new(Mutex::new(BTreeMap::new()));
        let mixed = Arc::new(Mutex::new(BTreeMap::new()));
        let (s, f, m) = (stop.clone(), fewest.clone(), mixed.clone());
        let thread = std::thread::spawn(move || {
            let asg = aws_sdk_autoscaling::Client::new(&cfg);
            let rt = runtime();
            while !s.load(Ordering::SeqCst) {
                let now = SystemTime::now();
                for (group, seen) in rt.block_on(groups(&asg, &ec2)) {
                    // moto's launch times have whole seconds: one second of slack.
                    let serving = seen
                        .iter()
                        .filter(|i| i.lifecycle == "InService" && i.health == "Healthy")
                        .filter(|i| {
                            i.image == old_image
                                || now.duration_since(i.launched).unwrap_or_default()
                                    + Duration::from_secs(1)
                                    >= warmup
                        })
                        .count();
                    let mut f = f.lock().unwrap();
                    let e = f.entry(group.clone()).or_insert(usize::MAX);
                    *e = (*e).min(serving);
                    let images: std::collections::BTreeSet<&str> =
                        seen.iter().map(|i| i.image.as_str()).collect();
                    if images.len() > 1 {
                        *m.lock().unwrap().entry(group).or_insert(0) += 1;
                    }
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Sampler {
            stop,
            thread: Some(thread),
            fewest,
            mixed,
        }
    }

    fn finish(mut self) -> (BTreeMap<String, usize>, BTreeMap<String, usize>) {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.take().unwrap().join().unwrap();
        (
            self.fewest.lock().unwrap().clone(),
            self.mixed.lock().unwrap().clone(),
        )
    }
}

/// Sets the first instance of `image` that appears in `group` Unhealthy (as a failed health
/// check would), once.
struct Saboteur {
    stop: Arc<AtomicBool>,
    flagged: Arc<Mutex<Option<String>>>,
    thread: std::thread::JoinHandle<()>,
}

impl Saboteur {
    fn start(w: &Work, group: &str, image: &str) -> Saboteur {
        Saboteur::doing(w, group, image, false)
    }

    /// Puts the instance in Standby instead: it never serves, and the batch waits for it.
    fn standby(w: &Work, group: &str, image: &str) -> Saboteur {
        Saboteur::doing(w, group, image, true)
    }

    fn doing(w: &Work, group: &str, image: &str, standby: bool) -> Saboteur {
        let cfg = w.sdk();
        let ec2 = w.ec2();
        let stop = Arc::new(AtomicBool::new(false));
        let flagged = Arc::new(Mutex::new(None::<String>));
        let (s, f) = (stop.clone(), flagged.clone());
        let (group, image) = (group.to_string(), image.to_string());
        let thread = std::thread::spawn(move || {
            let asg = aws_sdk_autoscaling::Client::new(&cfg);
            let rt = runtime();
            while !s.load(Ordering::SeqCst) && f.lock().unwrap().is_none() {
                let seen = rt.block_on(groups(&asg, &ec2));
                if let Some(i) = seen[&group].iter().find(|i| i.image == image) {
                    if standby {
                        rt.block_on(
                            asg.enter_standby()
                                .auto_scaling_group_name(&group)
                                .instance_ids(&i.id)
                                .should_decrement_desired_capacity(false)
                                .send(),
                        )
                        .unwrap();
                    } else {
                        rt.block_on(
                            asg.set_instance_health()
                                .instance_id(&i.id)
                                .health_status("Unhealthy")
                                .send(),
                        )
                        .unwrap();
                    }
                    *f.lock().unwrap() = Some(i.id.clone());
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Saboteur {
            stop,
            flagged,
            thread,
        }
    }

    /// The instance it set Unhealthy.
    fn finish(self) -> Option<String> {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().unwrap();
        self.flagged.lock().unwrap().clone()
    }
}

/// An apply of `image` under way, its progress read up to a line containing a marker.
struct Running {
    child: std::process::Child,
    lines: std::io::Lines<BufReader<std::process::ChildStderr>>,
    log: String,
}

fn apply_until(w: &Work, image: &str, marker: &str) -> Running {
    let mut child = w
        .command(&["apply", "-auto-approve", &var(image)])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut log = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        log.push_str(&line);
        log.push('\n');
        if line.contains(marker) {
            break;
        }
    }
    Running { child, lines, log }
}

fn var(image: &str) -> String {
    format!("-var=image={image}")
}

#[test]
fn three_roles_roll_onto_a_new_image_without_crossing_the_healthy_floor() {
    let roles = ["master", "private", "public"];
    let w = Work::new(&cluster(&roles, 3, r#"instance_warmup = "2""#));
    let (old, new) = w.two_images();
    w.ok(&["apply", "-auto-approve", &var(&old)]);
    for r in roles {
        assert_eq!(images_of(&w, &format!("rolling-{r}")), vec![old.clone(); 3]);
    }

    let plan = w.ok(&["plan", &var(&new)]);
    for r in roles {
        let line = format!(
            "~ aws_autoscaling_group.role[\"{r}\"]: 3 instances to replace (rolling, min 90% healthy)"
        );
        assert!(plan.contains(&line), "{line} not in:\n{plan}");
    }
    assert!(
        plan.contains("3 groups to roll, 0 to add, 6 to change"),
        "{plan}"
    );

    let sampler = Sampler::start(&w, &old, Duration::from_secs(2));
    let started = Instant::now();
    let out = w.infra(&["apply", "-auto-approve", &var(&new)]);
    let took = started.elapsed();
    let (fewest, mixed) = sampler.finish();
    let log = text(&out.stderr);
    assert!(out.status.success(), "{}\n{log}", text(&out.stdout));
    for r in roles {
        let g = format!("rolling-{r}");
        assert_eq!(images_of(&w, &g), vec![new.clone(); 3], "{log}");
        // floor(3 x 90%) = 2 always served, while both images ran side by side.
        assert!(
            fewest[&g] >= 2,
            "{g} fell to {} serving:\n{log}",
            fewest[&g]
        );
        assert!(
            mixed.get(&g).copied().unwrap_or(0) > 0,
            "{g} never sampled mid-rollout"
        );
        let address = format!("aws_autoscaling_group.role[\"{r}\"]");
        for what in [
            "batch 1: terminating",
            "batch 3: terminating",
            "Rollout complete",
        ] {
            assert!(
                log.contains(&format!("{address}: {what}")),
                "{address}: {what} missing:\n{log}"
            );
        }
        assert!(!log.contains(&format!("{address}: batch 4")), "{log}");
    }
    eprintln!("rolled 3 x 3 in {took:?}");
    assert!(w.state().get("infra_rollouts").is_none());
    support::assert_unchanged(&w.infra(&["plan", "-detailed-exitcode", &var(&new)]));
}

#[test]
fn an_unhealthy_new_instance_rolls_the_group_back_to_the_old_version() {
    let w = Work::new(&cluster(
        &["web"],
        3,
        r#"instance_warmup = "3"
      auto_rollback   = true"#,
    ));
    let (old, new) = w.two_images();
    w.ok(&["apply", "-auto-approve", &var(&old)]);
    let before: Vec<String> = now_groups(&w)["rolling-web"]
        .iter()
        .map(|s| s.id.clone())
        .collect();

    // The first instance of the new image turns Unhealthy while it warms up.
    let saboteur = Saboteur::start(&w, "rolling-web", &new);
    let out = w.infra(&["apply", "-auto-approve", &var(&new)]);
    let flagged = saboteur.finish();
    let log = text(&out.stderr);
    let bad = flagged.expect(&log);
    assert!(!out.status.success(), "{log}");
    assert!(
        log.contains("Rollout of aws_autoscaling_group.role[\"web\"] failed and was rolled back"),
        "{log}"
    );
    assert!(
        log.contains(&format!("new instance {bad} reported Unhealthy")),
        "{log}"
    );

    // Every instance runs the old image again, the group launches the old version, and the
    // instances the rollout never reached are still the original ones.
    let now = now_groups(&w);
    let g = &now["rolling-web"];
    assert_eq!(images_of(&w, "rolling-web"), vec![old.clone(); 3], "{log}");
    assert!(!g.iter().any(|i| i.id == bad));
    assert!(
        g.iter().filter(|i| before.contains(&i.id)).count() >= 2,
        "{log}"
    );
    let asg = aws_sdk_autoscaling::Client::new(&w.sdk());
    let described = runtime()
        .block_on(
            asg.describe_auto_scaling_groups()
                .auto_scaling_group_names("rolling-web")
                .send(),
        )
        .unwrap();
    let lt = described.auto_scaling_groups()[0]
        .launch_template()
        .unwrap();
    assert_eq!(lt.version(), Some("1"));
    let group = w.attrs("aws_autoscaling_group.role[web]");
    assert_eq!(group["launch_template"][0]["version"], "1");
    assert!(w.state().get("infra_rollouts").is_none());
    // The configuration still asks for the new version: the next plan offers the rollout again.
    let plan = w.ok(&["plan", &var(&new)]);
    assert!(plan.contains("3 instances to replace"), "{plan}");
}

#[test]
fn a_rollout_killed_midway_is_finished_by_the_next_apply() {
    let w = Work::new(&cluster(&["web"], 3, r#"instance_warmup = "2""#));
    let (old, new) = w.two_images();
    w.ok(&["apply", "-auto-approve", &var(&old)]);
    let Running { mut child, log, .. } = apply_until(&w, &new, "batch 2: terminating");
    child.kill().unwrap();
    let _ = child.wait();
    assert!(log.contains("batch 2: terminating"), "{log}");
    let mixed = images_of(&w, "rolling-web");
    assert!(mixed.contains(&old) && mixed.contains(&new), "{mixed:?}");

    // The killed run's lock stays, as after any crash.
    let lock = w.path().join("infra.tfstate.lock.info");
    if lock.exists() {
        let info: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&lock).unwrap()).unwrap();
        w.ok(&["force-unlock", info["ID"].as_str().unwrap()]);
    }
    let plan = w.ok(&["plan", &var(&new)]);
    assert!(plan.contains("resuming a rollout"), "{plan}");
    assert!(
        plan.contains("1 group to roll, 0 to add, 0 to change"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve", &var(&new)]);
    assert_eq!(images_of(&w, "rolling-web"), vec![new.clone(); 3]);
    assert!(w.state().get("infra_rollouts").is_none());
    support::assert_unchanged(&w.infra(&["plan", "-detailed-exitcode", &var(&new)]));
}

#[test]
fn skip_matching_replaces_only_stale_instances() {
    let w = Work::new(&cluster(&["web"], 2, r#"instance_warmup = "0""#));
    let (old, new) = w.two_images();
    w.ok(&["apply", "-auto-approve", &var(&old)]);
    let originals: Vec<String> = now_groups(&w)["rolling-web"]
        .iter()
        .map(|s| s.id.clone())
        .collect();
    // The same apply grows the group: its third instance launches from the new version and
    // already matches.
    w.write(&cluster(
        &["web"],
        3,
        r#"instance_warmup = "0"
      skip_matching   = true"#,
    ));
    let plan = w.ok(&["plan", &var(&new)]);
    assert!(plan.contains("up to 2 instance(s) to replace"), "{plan}");
    let out = w.infra(&["apply", "-auto-approve", &var(&new)]);
    let log = text(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("replacing 2 of 3 instance(s)"), "{log}");
    let now = now_groups(&w);
    assert_eq!(images_of(&w, "rolling-web"), vec![new.clone(); 3]);
    assert!(!now["rolling-web"].iter().any(|i| originals.contains(&i.id)));
    assert!(!log.contains("batch 3"), "{log}");
    support::assert_unchanged(&w.infra(&["plan", "-detailed-exitcode", &var(&new)]));
}

#[test]
fn a_checkpoint_below_100_percent_pauses_until_the_next_apply() {
    let w = Work::new(&cluster(
        &["web"],
        4,
        r#"instance_warmup        = "0"
      min_healthy_percentage = 50
      checkpoint_percentages = [50]"#,
    ));
    let (old, new) = w.two_images();
    w.ok(&["apply", "-auto-approve", &var(&old)]);
    let out = w.infra(&["apply", "-auto-approve", &var(&new)]);
    let log = text(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("checkpoint 50%: paused (2 of 4 replaced)"),
        "{log}"
    );
    let mut half = vec![new.clone(), new.clone(), old.clone(), old.clone()];
    half.sort();
    assert_eq!(images_of(&w, "rolling-web"), half);
    let plan = w.ok(&["plan", &var(&new)]);
    assert!(
        plan.contains("resuming a rollout, 2 instances to replace"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve", &var(&new)]);
    assert_eq!(images_of(&w, "rolling-web"), vec![new.clone(); 4]);
    support::assert_unchanged(&w.infra(&["plan", "-detailed-exitcode", &var(&new)]));
}

#[test]
fn without_auto_rollback_a_failed_rollout_stops_where_it_is_and_apply_continues_it() {
    let w = Work::new(&cluster(&["web"], 3, r#"instance_warmup = "3""#));
    let (old, new) = w.two_images();
    w.ok(&["apply", "-auto-approve", &var(&old)]);
    let saboteur = Saboteur::start(&w, "rolling-web", &new);
    let out = w.infra(&["apply", "-auto-approve", &var(&new)]);
    let log = text(&out.stderr);
    let bad = saboteur.finish().expect(&log);
    assert!(!out.status.success(), "{log}");
    assert!(
        log.contains("Rollout of aws_autoscaling_group.role[\"web\"] stopped"),
        "{log}"
    );
    assert!(
        log.contains("To continue, fix the cause and run infra apply"),
        "{log}"
    );
    // Left where it stopped: the group launches the new version, both images run.
    let mixed = images_of(&w, "rolling-web");
    assert!(mixed.contains(&old) && mixed.contains(&new), "{mixed:?}");
    let plan = w.ok(&["plan", &var(&new)]);
    assert!(plan.contains("resuming a rollout"), "{plan}");
    // The cause fixed (the instance healthy again), apply takes the rollout up and finishes.
    let asg = aws_sdk_autoscaling::Client::new(&w.sdk());
    runtime()
        .block_on(
            asg.set_instance_health()
                .instance_id(&bad)
                .health_status("Healthy")
                .send(),
        )
        .unwrap();
    let out = w.infra(&["apply", "-auto-approve", &var(&new)]);
    let log = text(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("resuming the rollout that stopped"), "{log}");
    assert_eq!(images_of(&w, "rolling-web"), vec![new.clone(); 3]);
    assert!(w.state().get("infra_rollouts").is_none());
    support::assert_unchanged(&w.infra(&["plan", "-detailed-exitcode", &var(&new)]));
}

#[test]
fn ctrl_c_stops_a_rollout_at_the_next_step_and_the_next_apply_continues_it() {
    let w = Work::new(&cluster(&["web"], 3, r#"instance_warmup = "2""#));
    let (old, new) = w.two_images();
    w.ok(&["apply", "-auto-approve", &var(&old)]);
    let Running {
        mut child,
        lines,
        mut log,
    } = apply_until(&w, &new, "batch 1: terminating");
    let rc = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(rc.success());
    for line in lines {
        log.push_str(&line.unwrap());
        log.push('\n');
    }
    let status = child.wait().unwrap();
    assert!(!status.success(), "{log}");
    assert!(log.contains("stopping: the rollout is recorded"), "{log}");
    // The lock is released and the record kept: the next plan resumes.
    assert!(!w.path().join("infra.tfstate.lock.info").exists());
    let plan = w.ok(&["plan", &var(&new)]);
    assert!(plan.contains("resuming a rollout"), "{plan}");
    w.ok(&["apply", "-auto-approve", &var(&new)]);
    assert_eq!(images_of(&w, "rolling-web"), vec![new.clone(); 3]);
    support::assert_unchanged(&w.infra(&["plan", "-detailed-exitcode", &var(&new)]));
}

#[test]
fn a_group_on_launch_configurations_rolls_before_the_old_configuration_goes() {
    let config = r#"
variable "image" {
  type = string
}

resource "aws_vpc" "main" {
  cidr_block = "10.41.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.41.1.0/24"
}

resource "aws_launch_configuration" "web" {
  name_prefix   = "web-"
  image_id      = var.image
  instance_type = "t3.micro"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_autoscaling_group" "web" {
  name                 = "rolling-lc"
  min_size             = 2
  max_size             = 2
  desired_capacity     = 2
  vpc_zone_identifier  = [aws_subnet.a.id]
  launch_configuration = aws_launch_configuration.web.name

  instance_refresh {
    strategy = "Rolling"
    preferences {
      instance_warmup        = "0"
      min_healthy_percentage = 50
    }
  }
}
"#;
    let w = Work::new(config);
    let (old, new) = w.two_images();
    w.ok(&["apply", "-auto-approve", &var(&old)]);
    let first = w.attrs("aws_launch_configuration.web")["name"].clone();
    let plan = w.ok(&["plan", &var(&new)]);
    assert!(
        plan.contains(
            "~ aws_autoscaling_group.web: 2 instances to replace (rolling, min 50% healthy)"
        ),
        "{plan}"
    );
    let out = w.infra(&["apply", "-auto-approve", &var(&new)]);
    let log = text(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert_eq!(images_of(&w, "rolling-lc"), vec![new.clone(); 2]);
    // The old configuration is deleted only after the group stopped using it.
    let rolled = log
        .find("aws_autoscaling_group.web: Rollout complete")
        .expect(&log);
    let deleted = log
        .find("aws_launch_configuration.web (deposed object")
        .expect(&log);
    assert!(rolled < deleted, "{log}");
    assert_ne!(w.attrs("aws_launch_configuration.web")["name"], first);
    support::assert_unchanged(&w.infra(&["plan", "-detailed-exitcode", &var(&new)]));
}

#[test]
fn a_rollback_killed_midway_is_finished_by_the_next_apply() {
    let w = Work::new(&cluster(
        &["web"],
        3,
        r#"instance_warmup = "2"
      auto_rollback   = true"#,
    ));
    let (old, new) = w.two_images();
    w.ok(&["apply", "-auto-approve", &var(&old)]);
    let saboteur = Saboteur::start(&w, "rolling-web", &new);
    let Running { mut child, log, .. } = apply_until(&w, &new, "rolling back to");
    child.kill().unwrap();
    let _ = child.wait();
    let bad = saboteur.finish().expect(&log);
    assert!(log.contains("rolling back to"), "{log}");
    let lock = w.path().join("infra.tfstate.lock.info");
    if lock.exists() {
        let info: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&lock).unwrap()).unwrap();
        w.ok(&["force-unlock", info["ID"].as_str().unwrap()]);
    }
    let plan = w.ok(&["plan", &var(&new)]);
    assert!(plan.contains("finishing a rollback"), "{plan}");
    // The next apply finishes the rollback (and says again why it happened).
    let out = w.infra(&["apply", "-auto-approve", &var(&new)]);
    let log = text(&out.stderr);
    assert!(!out.status.success(), "{log}");
    assert!(
        log.contains(&format!("new instance {bad} reported Unhealthy")),
        "{log}"
    );
    assert!(log.contains("failed and was rolled back"), "{log}");
    assert_eq!(images_of(&w, "rolling-web"), vec![old.clone(); 3], "{log}");
    assert!(w.state().get("infra_rollouts").is_none());
    assert_eq!(
        w.attrs("aws_autoscaling_group.role[web]")["launch_template"][0]["version"],
        "1"
    );
}

#[test]
fn a_batch_not_healthy_within_the_update_timeout_fails_the_rollout() {
    let config = cluster(&["web"], 2, r#"instance_warmup = "1""#).replace(
        "  instance_refresh {",
        "  timeouts {\n    update = \"4s\"\n  }\n\n  instance_refresh {",
    );
    let w = Work::new(&config);
    let (old, new) = w.two_images();
    w.ok(&["apply", "-auto-approve", &var(&old)]);
    // The first new instance goes to Standby: it never serves, so its batch never completes.
    let saboteur = Saboteur::standby(&w, "rolling-web", &new);
    let out = w.infra(&["apply", "-auto-approve", &var(&new)]);
    let log = text(&out.stderr);
    let stuck = saboteur.finish().expect(&log);
    assert!(!out.status.success(), "{log}");
    assert!(log.contains("batch not healthy within 4s"), "{log}");
    assert!(log.contains(&stuck), "{log}");
    assert!(
        log.contains("Rollout of aws_autoscaling_group.role[\"web\"] stopped"),
        "{log}"
    );
}
