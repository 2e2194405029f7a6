//! examples/dcos-cluster against moto: three autoscaling groups with their launch templates,
//! whose decoded user data passes the real `cloud-init schema` and holds the masters' load
//! balancer DNS name as the emulator reports it; a no-change re-plan; a private agent count
//! change is an in-place update of that group; destroy leaves nothing.

mod support;

use base64::Engine;
use std::path::Path;
use support::{Work, runtime, text};

#[test]
fn the_dcos_example_boots_nodes_that_know_their_masters() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let w = Work::new("");
    for d in ["examples/dcos-cluster", "modules", "templates"] {
        support::copy_dir(&root.join(d), &w.path().join(d));
    }
    let dir = "examples/dcos-cluster";
    let var = format!("-var=region={}", w.region);
    w.ok(&["apply", "-auto-approve", &var, dir]);
    let out = w.infra(&["plan", "-detailed-exitcode", &var, dir]);
    support::assert_unchanged(&out);

    let rt = runtime();
    let cfg = w.sdk();
    let ec2 = w.ec2();
    let elb = aws_sdk_elasticloadbalancing::Client::new(&cfg);
    let asg = aws_sdk_autoscaling::Client::new(&cfg);
    let lbs = rt.block_on(elb.describe_load_balancers().send()).unwrap();
    let masters_dns = lbs
        .load_balancer_descriptions()
        .iter()
        .find(|l| l.load_balancer_name() == Some("dcos-demo-masters-int"))
        .and_then(|l| l.dns_name())
        .expect("the masters' internal load balancer")
        .to_string();
    let groups = rt
        .block_on(asg.describe_auto_scaling_groups().send())
        .unwrap();
    assert_eq!(groups.auto_scaling_groups().len(), 3);
    for g in groups.auto_scaling_groups() {
        let lt = g.launch_template().expect("a launch template");
        let versions = rt
            .block_on(
                ec2.describe_launch_template_versions()
                    .launch_template_id(lt.launch_template_id().unwrap())
                    .versions("$Latest")
                    .send(),
            )
            .unwrap();
        let data = versions.launch_template_versions()[0]
            .launch_template_data()
            .and_then(|d| d.user_data())
            .expect("user data");
        let user_data = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap(),
        )
        .unwrap();
        assert!(
            user_data.contains(&masters_dns),
            "{}: {user_data}",
            g.auto_scaling_group_name().unwrap()
        );
        let file = w.path().join("user-data.yaml");
        std::fs::write(&file, &user_data).unwrap();
        let schema = std::process::Command::new("cloud-init")
            .args(["schema", "--config-file"])
            .arg(&file)
            .output()
            .expect("cloud-init installed");
        assert!(schema.status.success(), "{}", text(&schema.stderr));
    }

    // What a master boots with, decoded, names the masters' address.
    let rendered = w.ok(&[
        "render",
        "module.cluster.module.masters.aws_launch_template.this",
        dir,
        &var,
    ]);
    assert!(rendered.starts_with("#cloud-config\n"), "{rendered}");
    assert!(rendered.contains(&masters_dns), "{rendered}");

    // Scaling a role is an in-place update of its group.
    let more = "-var=private_agents=4".to_string();
    let plan = w.ok(&["plan", &var, &more, dir]);
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve", &var, &more, dir]);
    let groups = rt
        .block_on(
            asg.describe_auto_scaling_groups()
                .auto_scaling_group_names("dcos-demo-private-agent")
                .send(),
        )
        .unwrap();
    assert_eq!(groups.auto_scaling_groups()[0].desired_capacity(), Some(4));

    w.ok(&["destroy", "-auto-approve", &var, &more, dir]);
    assert!(w.tagged_objects().is_empty(), "{:?}", w.tagged_objects());
    let groups = rt
        .block_on(asg.describe_auto_scaling_groups().send())
        .unwrap();
    assert!(groups.auto_scaling_groups().is_empty());
    let lbs = rt.block_on(elb.describe_load_balancers().send()).unwrap();
    assert!(lbs.load_balancer_descriptions().is_empty());
}

/// Runs infra with the emulated builder: moto runs no user data, so infra stops the builder
/// where a real one would power itself off after its provisioners.
fn baking(w: &Work, args: &[&str]) -> String {
    let out = w
        .command(args)
        .env("INFRA_BAKE_EMULATED_BUILDER", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "infra {args:?} failed:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[test]
fn the_web_workers_example_bakes_its_image_boots_from_it_and_scales_in_place() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let w = Work::new("");
    for d in ["examples/web-workers", "modules", "templates"] {
        support::copy_dir(&root.join(d), &w.path().join(d));
    }
    let dir = "examples/web-workers";
    let var = format!("-var=region={}", w.region);
    // The image is planned like a resource: missing, so apply bakes it.
    let plan = w.ok(&["plan", &var, dir]);
    assert!(plan.contains("# image.app will be baked"), "{plan}");
    assert!(plan.contains("Plan: 1 image to bake, "), "{plan}");
    baking(&w, &["apply", "-auto-approve", &var, dir]);
    let ec2 = w.ec2();
    let images = support::bake::baked_images(&ec2);
    assert_eq!(images.len(), 1);
    let image_id = images[0].0.clone();
    // The process types' launch templates boot from the baked image.
    let output = w.ok(&["output", "--raw", "--dir", dir, "image"]);
    assert_eq!(output.trim(), image_id);
    let rt = runtime();
    let templates = rt
        .block_on(
            ec2.describe_launch_template_versions()
                .launch_template_name("shop-web")
                .versions("$Latest")
                .send(),
        )
        .unwrap();
    assert_eq!(
        templates.launch_template_versions()[0]
            .launch_template_data()
            .and_then(|d| d.image_id()),
        Some(image_id.as_str())
    );
    support::bake::assert_no_leftovers(&w);
    // Found by its fingerprint: nothing to bake, nothing to change, no new image.
    let out = w.infra(&["plan", "-detailed-exitcode", &var, dir]);
    support::assert_unchanged(&out);
    let again = baking(&w, &["apply", "-auto-approve", &var, dir]);
    assert!(again.contains("0 added, 0 changed, 0 destroyed"), "{again}");
    assert_eq!(support::bake::baked_images(&ec2).len(), 1);
    // One changed byte of the install script: a new image to bake, and the launch templates
    // that boot from it (and their groups, which follow the template version) change.
    let script = w.path().join(dir).join("scripts/install-app.sh");
    let original = std::fs::read_to_string(&script).unwrap();
    std::fs::write(&script, format!("{original}# changed\n")).unwrap();
    let plan = w.ok(&["plan", &var, dir]);
    assert!(
        plan.contains(
            "Plan: 1 image to bake, 2 groups to roll, 0 to add, 4 to change, 0 to destroy"
        ),
        "{plan}"
    );
    assert!(
        plan.contains("~ module.process[\"web\"].aws_autoscaling_group.this: 2 instances to replace (rolling, min 90% healthy)"),
        "{plan}"
    );
    // The loop a team runs: apply bakes the new image and rolls every process type onto it
    // (web judged by its target group), then returns.
    let quick = "-var=instance_warmup=1";
    let out = w
        .command(&["apply", "-auto-approve", &var, quick, dir])
        .env("INFRA_BAKE_EMULATED_BUILDER", "1")
        .output()
        .unwrap();
    let log = text(&out.stderr);
    assert!(out.status.success(), "{}\n{log}", text(&out.stdout));
    let baked = support::bake::baked_images(&ec2);
    assert_eq!(baked.len(), 2);
    let new_image = baked
        .iter()
        .map(|b| b.0.clone())
        .find(|i| *i != image_id)
        .unwrap();
    let asg = aws_sdk_autoscaling::Client::new(&w.sdk());
    for group in ["shop-web", "shop-worker"] {
        let g = rt
            .block_on(
                asg.describe_auto_scaling_groups()
                    .auto_scaling_group_names(group)
                    .send(),
            )
            .unwrap();
        let ids: Vec<String> = g.auto_scaling_groups()[0]
            .instances()
            .iter()
            .filter_map(|i| i.instance_id().map(str::to_string))
            .collect();
        let described = rt
            .block_on(
                ec2.describe_instances()
                    .set_instance_ids(Some(ids.clone()))
                    .send(),
            )
            .unwrap();
        let running: Vec<&str> = described
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .filter_map(|i| i.image_id())
            .collect();
        assert_eq!(running.len(), ids.len());
        assert!(
            running.iter().all(|i| *i == new_image),
            "{group}: {running:?}\n{log}"
        );
    }
    assert!(
        log.contains("module.process[\"web\"].aws_autoscaling_group.this: Rollout complete"),
        "{log}"
    );

    // The config vars are in the web processes' environment file.
    let rendered = w.ok(&[
        "render",
        "module.process[\"web\"].aws_launch_template.this",
        dir,
        &var,
    ]);
    assert!(
        rendered.contains("DATABASE_URL=\"postgres://db.internal:5432/shop\""),
        "{rendered}"
    );
    let more = "-var=processes={web={command=\"/usr/bin/shop serve\",count=4,port=8080},worker={command=\"/usr/bin/shop work --queue default\",count=1}}";
    let plan = w.ok(&["plan", &var, quick, more, dir]);
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve", &var, quick, more, dir]);
    let rt = runtime();
    let asg = aws_sdk_autoscaling::Client::new(&w.sdk());
    let g = rt
        .block_on(
            asg.describe_auto_scaling_groups()
                .auto_scaling_group_names("shop-web")
                .send(),
        )
        .unwrap();
    assert_eq!(g.auto_scaling_groups()[0].desired_capacity(), Some(4));
    w.ok(&["destroy", "-auto-approve", &var, quick, more, dir]);
    assert!(w.tagged_objects().is_empty(), "{:?}", w.tagged_objects());
}
