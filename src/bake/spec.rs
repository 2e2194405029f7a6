//! An `image` block read into an [`ImageSpec`]: the block's arguments evaluated, checked and
//! typed, with every file and script a provisioner uses read from disk so the fingerprint and
//! the build see the same bytes. Argument names follow Packer's amazon-ebs builder.

use crate::config::Image;
use crate::diag::Diagnostic;
use crate::evaluate::body::eval_body;
use crate::lang::Evaluator;
use crate::lang::value::{Attrs, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// Where the builder's image comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceAmi {
    Id(String),
    /// Resolved at bake time: the newest (or only) image named like `name` owned by `owners`.
    Filter {
        owners: Vec<String>,
        name: String,
        most_recent: bool,
    },
    /// Not known until apply: the id of another image to bake first, or of something apply
    /// creates. The plan bakes the image with a fingerprint known only then.
    Pending,
}

/// How provisioners reach the builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Communicator {
    Ssh,
    /// Provisioners rendered into the instance's user data: no inbound network needed.
    UserData,
}

impl Communicator {
    pub fn as_str(self) -> &'static str {
        match self {
            Communicator::Ssh => "ssh",
            Communicator::UserData => "user-data",
        }
    }
}

/// Which of the builder's addresses SSH connects to (Packer's `ssh_interface`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SshInterface {
    PublicIp,
    PrivateIp,
}

/// How the ssh communicator reaches the builder. None of it decides what the image holds, so
/// none of it is in the fingerprint.
#[derive(Debug, Clone, PartialEq)]
pub struct SshSettings {
    /// Connect here instead of the builder's address (Packer's `ssh_host`).
    pub host: Option<String>,
    pub port: u16,
    pub timeout: std::time::Duration,
    /// `None`: the public address when the builder has one, else the private one.
    pub interface: Option<SshInterface>,
    /// Where SSH may come from; empty: this machine's address on the route to the builder.
    pub source_cidrs: Vec<String>,
}

impl Default for SshSettings {
    fn default() -> SshSettings {
        SshSettings {
            host: None,
            port: 22,
            timeout: DEFAULT_SSH_TIMEOUT,
            interface: None,
            source_cidrs: Vec::new(),
        }
    }
}

pub const DEFAULT_SSH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

#[derive(Debug, Clone, PartialEq)]
pub enum Provisioner {
    File {
        /// As written, for messages; `content` holds the bytes.
        source: String,
        content: Vec<u8>,
        destination: String,
    },
    Shell {
        code: ShellCode,
        environment_vars: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum ShellCode {
    Inline(Vec<String>),
    Script { path: String, content: Vec<u8> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImageSpec {
    pub name: String,
    /// The block's address without instance keys (`module.roles.image.web`): images built
    /// from it are tagged with it, so `infra images` can tell one image's builds apart.
    pub address: String,
    pub source: SourceAmi,
    pub instance_type: String,
    pub subnet_id: Option<String>,
    /// `subnet_id` refers to a subnet not created yet: the plan can still fingerprint the
    /// image (where it is built is not part of it); only apply, once the subnet exists, can
    /// build it.
    pub subnet_pending: bool,
    pub ssh_username: Option<String>,
    pub communicator: Communicator,
    pub ssh: SshSettings,
    pub provisioners: Vec<Provisioner>,
    /// May contain `{{fingerprint}}`, replaced when the image is named.
    pub ami_name: String,
    pub ami_regions: Vec<String>,
    pub ami_users: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

impl ImageSpec {
    pub fn ami_name_for(&self, fingerprint: &str) -> String {
        self.ami_name.replace("{{fingerprint}}", fingerprint)
    }
}

const ARGS: &[&str] = &[
    "source_ami",
    "source_ami_filter",
    "instance_type",
    "subnet_id",
    "ssh_username",
    "communicator",
    "ssh_host",
    "ssh_port",
    "ssh_timeout",
    "ssh_interface",
    "temporary_security_group_source_cidrs",
    "ami_name",
    "ami_regions",
    "ami_users",
    "tags",
];

/// The spec of the image a walk reached, with its address.
pub fn from_request(
    req: &mut crate::evaluate::walk::ImageRequest,
) -> Result<ImageSpec, Diagnostic> {
    let mut spec = evaluate(&mut req.evaluator, req.image, req.module_dir)?;
    spec.address = static_address(&req.address);
    Ok(spec)
}

/// `module.roles["a"].image.app` → `module.roles.image.app`: the address without instance keys.
pub fn static_address(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for c in address.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' if depth > 0 => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Evaluates `image` with `ev` (its module's scope) and reads its provisioners' files,
/// relative to `module_dir`.
pub fn evaluate(
    ev: &mut Evaluator,
    image: &Image,
    module_dir: &Path,
) -> Result<ImageSpec, Diagnostic> {
    let fail = |msg: String| {
        Diagnostic::error(
            "Invalid image",
            format!("image {:?}: {msg}", image.name),
            image.span,
        )
    };
    let body = eval_body(ev, &image.body)?;
    // The build sees plain values; what it prints is redacted of the secrets that went in.
    crate::redact::register(&crate::lang::marks::secret_strings(&body));
    let attrs = body
        .unmark_deep()
        .0
        .attributes()
        .cloned()
        .unwrap_or_default();
    let top = Fields {
        attrs: &attrs,
        place: String::new(),
    };
    for k in attrs.keys() {
        if !ARGS.contains(&k.as_str()) {
            let hint = crate::diag::did_you_mean(k, ARGS.iter().copied())
                .map(|s| format!(" Did you mean {s:?}?"))
                .unwrap_or_default();
            return Err(fail(format!(
                "an argument named {k:?} is not expected here.{hint}"
            )));
        }
    }
    let source_pending = attrs
        .get("source_ami")
        .is_some_and(|v| !v.is_null() && !v.is_wholly_known());
    let by_id = match source_pending {
        true => Some(SourceAmi::Pending),
        false => top.opt_str("source_ami").map_err(&fail)?.map(SourceAmi::Id),
    };
    let source = match (by_id, top.blocks("source_ami_filter").map_err(&fail)?) {
        (Some(source), None) => source,
        (None, Some(filters)) => {
            let [f] = filters.as_slice() else {
                return Err(fail("\"source_ami_filter\" may appear only once".into()));
            };
            let f = Fields {
                attrs: f,
                place: "source_ami_filter: ".into(),
            };
            SourceAmi::Filter {
                owners: f.req_strs("owners").map_err(&fail)?,
                name: f.req_str("name").map_err(&fail)?,
                most_recent: f.opt_bool("most_recent").map_err(&fail)?.unwrap_or(false),
            }
        }
        (Some(_), Some(_)) => {
            return Err(fail(
                "set either \"source_ami\" or \"source_ami_filter\", not both".into(),
            ));
        }
        (None, None) => {
            return Err(fail(
                "\"source_ami\" or a \"source_ami_filter\" block is required".into(),
            ));
        }
    };
    let communicator = match top.opt_str("communicator").map_err(&fail)?.as_deref() {
        None | Some("ssh") => Communicator::Ssh,
        Some("user-data") => Communicator::UserData,
        Some(other) => {
            return Err(fail(format!(
                "\"communicator\" must be \"ssh\" or \"user-data\", not {other:?}"
            )));
        }
    };
    let mut provisioners = Vec::new();
    for (i, b) in image
        .body
        .blocks
        .iter()
        .filter(|b| b.kind == "provisioner")
        .enumerate()
    {
        let kind = b.labels.first().map(String::as_str).unwrap_or("");
        let v = eval_body(ev, &b.body)?;
        crate::redact::register(&crate::lang::marks::secret_strings(&v));
        let attrs = v.unmark_deep().0.attributes().cloned().unwrap_or_default();
        let f = Fields {
            attrs: &attrs,
            place: format!("provisioner {} ({kind:?}): ", i + 1),
        };
        provisioners.push(read_provisioner(kind, &f, module_dir).map_err(&fail)?);
    }
    let ami_name = top.req_str("ami_name").map_err(&fail)?;
    let subnet_pending = attrs
        .get("subnet_id")
        .is_some_and(|v| !v.is_null() && !v.is_wholly_known());
    let ssh = read_ssh(&top).map_err(&fail)?;
    Ok(ImageSpec {
        name: image.name.clone(),
        address: format!("image.{}", image.name),
        source,
        instance_type: top.req_str("instance_type").map_err(&fail)?,
        subnet_id: match subnet_pending {
            true => None,
            false => top.opt_str("subnet_id").map_err(&fail)?,
        },
        subnet_pending,
        ssh_username: top.opt_str("ssh_username").map_err(&fail)?,
        communicator,
        ssh,
        provisioners,
        ami_name,
        ami_regions: top.opt_strs("ami_regions").map_err(&fail)?,
        ami_users: top.opt_strs("ami_users").map_err(&fail)?,
        tags: top.opt_map("tags").map_err(&fail)?,
    })
}

fn read_ssh(top: &Fields) -> Result<SshSettings, String> {
    let port = match top.opt_number("ssh_port")? {
        None => 22,
        Some(n) => u16::try_from(n)
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("\"ssh_port\" must be a port number, not {n}"))?,
    };
    let timeout = match top.opt_str("ssh_timeout")? {
        None => DEFAULT_SSH_TIMEOUT,
        Some(t) => crate::lang::duration::parse_go(&t).ok_or_else(|| {
            format!("\"ssh_timeout\" must be a duration like \"5m\" or \"90s\", not {t:?}")
        })?,
    };
    let interface = match top.opt_str("ssh_interface")?.as_deref() {
        None => None,
        Some("public_ip") => Some(SshInterface::PublicIp),
        Some("private_ip") => Some(SshInterface::PrivateIp),
        Some(other) => {
            return Err(format!(
                "\"ssh_interface\" must be \"public_ip\" or \"private_ip\", not {other:?}"
            ));
        }
    };
    let source_cidrs = top.opt_strs("temporary_security_group_source_cidrs")?;
    for c in &source_cidrs {
        if !is_cidr(c) {
            return Err(format!(
                "\"temporary_security_group_source_cidrs\": {c:?} is not a CIDR block"
            ));
        }
    }
    Ok(SshSettings {
        host: top.opt_str("ssh_host")?,
        port,
        timeout,
        interface,
        source_cidrs,
    })
}

fn is_cidr(c: &str) -> bool {
    let Some((ip, len)) = c.split_once('/') else {
        return false;
    };
    match (ip.parse::<std::net::IpAddr>(), len.parse::<u8>()) {
        (Ok(std::net::IpAddr::V4(_)), Ok(l)) => l <= 32,
        (Ok(std::net::IpAddr::V6(_)), Ok(l)) => l <= 128,
        _ => false,
    }
}

fn read_provisioner(kind: &str, f: &Fields, module_dir: &Path) -> Result<Provisioner, String> {
    let allowed: &[&str] = match kind {
        "file" => &["source", "destination"],
        "shell" => &["inline", "script", "environment_vars"],
        other => {
            return Err(format!(
                "{}unsupported provisioner type {other:?}: use \"file\" or \"shell\"",
                f.place
            ));
        }
    };
    if let Some(k) = f.attrs.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!(
            "{}an argument named {k:?} is not expected here",
            f.place
        ));
    }
    let read = |path: &str| {
        crate::sources::read(&module_dir.join(path))
            .map_err(|e| format!("{}cannot read {path:?}: {e}", f.place))
    };
    if kind == "file" {
        let source = f.req_str("source")?;
        return Ok(Provisioner::File {
            content: read(&source)?,
            source,
            destination: f.req_str("destination")?,
        });
    }
    let code = match (f.opt_strs_if_set("inline")?, f.opt_str("script")?) {
        (Some(lines), None) => ShellCode::Inline(lines),
        (None, Some(path)) => ShellCode::Script {
            content: read(&path)?,
            path,
        },
        _ => {
            return Err(format!(
                "{}set exactly one of \"inline\" and \"script\"",
                f.place
            ));
        }
    };
    Ok(Provisioner::Shell {
        code,
        environment_vars: f.opt_strs("environment_vars")?,
    })
}

/// Typed reads of an evaluated body, with messages naming the attribute.
struct Fields<'a> {
    attrs: &'a Attrs,
    /// Prefix locating a nested body in messages.
    place: String,
}

impl Fields<'_> {
    fn get(&self, k: &str) -> Result<Option<&Value>, String> {
        match self.attrs.get(k) {
            None => Ok(None),
            Some(v) if v.is_null() => Ok(None),
            Some(v) if !v.is_wholly_known() => Err(format!(
                "{}{k:?} is not known until apply; images can use only values known before it",
                self.place
            )),
            Some(v) => Ok(Some(v)),
        }
    }

    fn wrong(&self, k: &str, want: &str) -> String {
        format!("{}{k:?} must be {want}", self.place)
    }

    fn opt_str(&self, k: &str) -> Result<Option<String>, String> {
        match self.get(k)? {
            None => Ok(None),
            Some(v) => crate::lang::convert::convert(v, &crate::lang::types::Type::String)
                .ok()
                .and_then(|s| s.as_str().map(str::to_string))
                .map(Some)
                .ok_or_else(|| self.wrong(k, "a string")),
        }
    }

    fn req_str(&self, k: &str) -> Result<String, String> {
        self.opt_str(k)?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("{}{k:?} is required", self.place))
    }

    fn opt_number(&self, k: &str) -> Result<Option<i64>, String> {
        match self.get(k)? {
            None => Ok(None),
            Some(v) => crate::lang::convert::convert(v, &crate::lang::types::Type::Number)
                .ok()
                .and_then(|n| n.as_number().and_then(|n| n.to_i64()))
                .map(Some)
                .ok_or_else(|| self.wrong(k, "a whole number")),
        }
    }

    fn opt_bool(&self, k: &str) -> Result<Option<bool>, String> {
        match self.get(k)? {
            None => Ok(None),
            Some(v) => v.as_bool().map(Some).ok_or_else(|| self.wrong(k, "a bool")),
        }
    }

    fn opt_strs_if_set(&self, k: &str) -> Result<Option<Vec<String>>, String> {
        let Some(v) = self.get(k)? else {
            return Ok(None);
        };
        let items = v
            .elements()
            .ok_or_else(|| self.wrong(k, "a list of strings"))?;
        items
            .iter()
            .map(|e| e.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| self.wrong(k, "a list of strings"))
    }

    fn opt_strs(&self, k: &str) -> Result<Vec<String>, String> {
        Ok(self.opt_strs_if_set(k)?.unwrap_or_default())
    }

    fn req_strs(&self, k: &str) -> Result<Vec<String>, String> {
        let v = self.opt_strs(k)?;
        if v.is_empty() {
            return Err(format!("{}{k:?} is required", self.place));
        }
        Ok(v)
    }

    fn opt_map(&self, k: &str) -> Result<BTreeMap<String, String>, String> {
        let Some(v) = self.get(k)? else {
            return Ok(BTreeMap::new());
        };
        let m = v
            .attributes()
            .ok_or_else(|| self.wrong(k, "a map of strings"))?;
        m.iter()
            .map(|(k2, v)| v.as_str().map(|s| (k2.clone(), s.to_string())))
            .collect::<Option<BTreeMap<_, _>>>()
            .ok_or_else(|| self.wrong(k, "a map of strings"))
    }

    /// A nested block type's bodies (eval_body gathers them into a tuple of objects).
    fn blocks(&self, k: &str) -> Result<Option<Vec<Attrs>>, String> {
        let Some(v) = self.get(k)? else {
            return Ok(None);
        };
        let items = v.elements().ok_or_else(|| self.wrong(k, "a block"))?;
        items
            .iter()
            .map(|e| e.attributes().cloned())
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| self.wrong(k, "a block"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_of(src: &str, dir: &Path) -> Result<ImageSpec, Diagnostic> {
        std::fs::write(dir.join("main.tf"), src).unwrap();
        let ev = crate::evaluate::evaluate_root(
            dir,
            &crate::evaluate::Options::run(Default::default(), "default"),
        );
        assert!(
            ev.diagnostics.iter().all(|d| !d.is_error()),
            "{:?}",
            ev.diagnostics
        );
        let (tree, _) = crate::graph::ModuleTree::load(dir);
        let tree = tree.unwrap();
        let root = ev.world.root().unwrap();
        let scope = crate::evaluate::InstanceScope::new(&ev.world, root);
        let mut e = Evaluator::new(&scope, dir.to_path_buf());
        let image = tree.root().images.values().next().unwrap();
        evaluate(&mut e, image, dir)
    }

    #[test]
    fn instance_keys_are_dropped_from_addresses() {
        assert_eq!(static_address("image.app"), "image.app");
        assert_eq!(
            static_address("module.roles[0].image.app"),
            "module.roles.image.app"
        );
        assert_eq!(
            static_address(r#"module.roles["a]\"b"].module.x[2].image.app"#),
            "module.roles.module.x.image.app"
        );
    }

    #[test]
    fn reads_a_full_image_block_in_order() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("agent.conf"), "x=1\n").unwrap();
        std::fs::write(d.path().join("install.sh"), "echo hi\n").unwrap();
        let s = spec_of(
            r#"
locals { role = "base" }
image "base" {
  source_ami_filter {
    owners      = ["amazon"]
    name        = "amzn2-ami-hvm-*"
    most_recent = true
  }
  instance_type = "t3.small"
  communicator  = "user-data"
  provisioner "file" {
    source      = "agent.conf"
    destination = "/tmp/agent.conf"
  }
  provisioner "shell" {
    inline           = ["echo one"]
    environment_vars = ["ROLE=${local.role}"]
  }
  provisioner "shell" { script = "install.sh" }
  ami_name    = "base-{{fingerprint}}"
  ami_regions = ["eu-west-1"]
  ami_users   = ["123456789012"]
  tags        = { Role = local.role }
}
"#,
            d.path(),
        )
        .unwrap();
        assert_eq!(
            s.source,
            SourceAmi::Filter {
                owners: vec!["amazon".into()],
                name: "amzn2-ami-hvm-*".into(),
                most_recent: true
            }
        );
        assert_eq!(s.communicator, Communicator::UserData);
        assert_eq!(s.provisioners.len(), 3);
        assert!(
            matches!(&s.provisioners[0], Provisioner::File { content, .. } if content == b"x=1\n")
        );
        assert!(
            matches!(&s.provisioners[1], Provisioner::Shell { environment_vars, .. } if environment_vars == &["ROLE=base"])
        );
        assert!(
            matches!(&s.provisioners[2], Provisioner::Shell { code: ShellCode::Script { content, .. }, .. } if content == b"echo hi\n")
        );
        assert_eq!(s.ami_name_for("abc"), "base-abc");
        assert_eq!(s.tags["Role"], "base");
    }

    #[test]
    fn errors_name_the_image_and_attribute() {
        let d = tempfile::tempdir().unwrap();
        let e = spec_of(
            r#"
image "web" {
  source_ami    = "ami-1"
  instance_typo = "t3.small"
  ami_name      = "web"
}
"#,
            d.path(),
        )
        .unwrap_err();
        assert!(
            e.detail.contains("image \"web\"") && e.detail.contains("instance_typo"),
            "{}",
            e.detail
        );
        let e = spec_of(
            r#"
image "web" {
  source_ami    = "ami-1"
  instance_type = "t3.small"
  ami_name      = "web"
  provisioner "shell" { script = "missing.sh" }
}
"#,
            d.path(),
        )
        .unwrap_err();
        assert!(
            e.detail.contains("provisioner 1") && e.detail.contains("missing.sh"),
            "{}",
            e.detail
        );
    }
}
