//! Addresses as Terraform writes them: of provider configurations (shared by the
//! configuration's `provider` meta-argument, the registry and the state), and typed module and
//! resource instance addresses whose parse and display round-trip (quoted keys may hold dots
//! and brackets). A leaf: it knows no other room.

/// A provider configuration's address as state records it:
/// `provider["registry.terraform.io/hashicorp/aws"]`, `...aws"].west` with an alias.
pub fn config_address(source: &str, alias: Option<&str>) -> String {
    match alias {
        Some(a) => format!("provider[\"{source}\"].{a}"),
        None => format!("provider[\"{source}\"]"),
    }
}

/// The registry source of a provider by its local name (`aws` → `registry.terraform.io/hashicorp/aws`).
pub fn source_of(name: &str) -> String {
    format!("registry.terraform.io/hashicorp/{name}")
}

/// The provider a type belongs to by its name's prefix: `aws_vpc` → `aws`.
pub fn provider_name_of(type_name: &str) -> &str {
    type_name.split('_').next().unwrap_or(type_name)
}

/// An instance key: `[0]` or `["a"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Int(i64),
    Str(String),
}

impl Key {
    /// As state writes `index_key`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Key::Int(i) => serde_json::json!(i),
            Key::Str(s) => serde_json::json!(s),
        }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Int(i) => write!(f, "[{i}]"),
            Key::Str(s) => write!(f, "[{}]", serde_json::Value::String(s.clone())),
        }
    }
}

/// One step of a module path: `module.net` or `module.net["a"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleStep {
    pub name: String,
    pub key: Option<Key>,
}

/// A module instance: `module.a[0].module.b` (empty for the root module).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleInstance(pub Vec<ModuleStep>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Managed,
    Data,
}

/// A resource instance: `module.a["x.y"].data.aws_ami.node[0]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub module: ModuleInstance,
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
    pub key: Option<Key>,
}

/// Reads addresses step by step: names, dots, and keys in brackets (quoted keys may hold dots
/// and brackets).
struct Cursor<'a> {
    rest: &'a str,
}

impl Cursor<'_> {
    fn name(&mut self) -> Option<String> {
        let end = self
            .rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let (name, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(name.to_string())
    }

    fn key(&mut self) -> Option<Option<Key>> {
        let Some(inner) = self.rest.strip_prefix('[') else {
            return Some(None);
        };
        let key = if inner.starts_with('"') {
            // A JSON string: find its closing quote, skipping escapes.
            let bytes = inner.as_bytes();
            let mut i = 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            let text = inner.get(..=i)?;
            let s: String = serde_json::from_str(text).ok()?;
            self.rest = inner.get(i + 1..)?;
            Key::Str(s)
        } else {
            let end = inner.find(']')?;
            let n = inner[..end].parse().ok()?;
            self.rest = &inner[end..];
            Key::Int(n)
        };
        self.rest = self.rest.strip_prefix(']')?;
        Some(Some(key))
    }

    fn dot(&mut self) -> bool {
        match self.rest.strip_prefix('.') {
            Some(r) => {
                self.rest = r;
                true
            }
            None => false,
        }
    }
}

impl ModuleInstance {
    /// `module.a[0].module.b`; the empty string is the root module.
    pub fn parse(text: &str) -> Option<ModuleInstance> {
        let mut c = Cursor { rest: text };
        let steps = module_steps(&mut c)?;
        c.rest.is_empty().then_some(ModuleInstance(steps))
    }
}

/// The `module.NAME[KEY].` steps at the cursor; stops before anything else.
fn module_steps(c: &mut Cursor<'_>) -> Option<Vec<ModuleStep>> {
    let mut steps = Vec::new();
    while let Some(after) = c.rest.strip_prefix("module.") {
        let mut probe = Cursor { rest: after };
        let name = probe.name()?;
        let key = probe.key()?;
        steps.push(ModuleStep { name, key });
        c.rest = probe.rest;
        if !c.dot() {
            break;
        }
    }
    Some(steps)
}

impl ModuleInstance {
    /// The module path without instance keys: `module.net[0].module.sub["a"]` →
    /// `module.net.module.sub` (which module block, not which instance of it).
    pub fn static_path(&self) -> String {
        let names: Vec<String> = self
            .0
            .iter()
            .map(|s| format!("module.{}", s.name))
            .collect();
        names.join(".")
    }
}

/// The static prefix of a module instance key as the planner writes it, with its trailing dot
/// (`module.net[0].module.sub["a"].` → `module.net.module.sub.`; the root's `""` stays `""`).
/// A key that does not parse is returned as it is.
pub fn static_prefix(module_key: &str) -> String {
    let path = module_key.strip_suffix('.').unwrap_or(module_key);
    match ModuleInstance::parse(path) {
        Some(m) if m.0.is_empty() => String::new(),
        Some(m) => format!("{}.", m.static_path()),
        None => module_key.to_string(),
    }
}

/// An instance address split into the resource's address and the instance key as written:
/// `aws_x.y[0]` → (`aws_x.y`, `[0]`); `module.m["a.b"].aws_x.y` → (itself, ``). Borrowing and
/// allocation-free, for the state's index, which splits every address of a 10,000-instance
/// plan.
pub fn split_key(address: &str) -> (&str, &str) {
    if !address.ends_with(']') {
        return (address, "");
    }
    // The key is the last bracket opened after the last dot, outside quoted keys.
    let bytes = address.as_bytes();
    let (mut in_str, mut escaped) = (false, false);
    let (mut open, mut last_dot) = (None, 0);
    for (i, &b) in bytes.iter().enumerate() {
        if in_str {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'.' => last_dot = i,
            b'[' => open = Some(i),
            _ => {}
        }
    }
    match open {
        Some(o) if o > last_dot => (&address[..o], &address[o..]),
        _ => (address, ""),
    }
}

impl std::fmt::Display for ModuleInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{}", s.name)?;
            if let Some(k) = &s.key {
                write!(f, "{k}")?;
            }
        }
        Ok(())
    }
}

impl Instance {
    /// `[module.M[K].]...[data.]TYPE.NAME[KEY]`; `None` for anything else (an image, a module).
    pub fn parse(text: &str) -> Option<Instance> {
        let mut c = Cursor { rest: text };
        let module = ModuleInstance(module_steps(&mut c)?);
        let mut first = c.name()?;
        let mode = if first == "data" {
            if !c.dot() {
                return None;
            }
            first = c.name()?;
            Mode::Data
        } else {
            Mode::Managed
        };
        if !c.dot() {
            return None;
        }
        let name = c.name()?;
        let key = c.key()?;
        c.rest.is_empty().then_some(Instance {
            module,
            mode,
            type_name: first,
            name,
            key,
        })
    }
}

impl std::fmt::Display for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.module.0.is_empty() {
            write!(f, "{}.", self.module)?;
        }
        if self.mode == Mode::Data {
            f.write_str("data.")?;
        }
        write!(f, "{}.{}", self.type_name, self.name)?;
        if let Some(k) = &self.key {
            write!(f, "{k}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_off_and_static_prefixes_drop_them() {
        assert_eq!(split_key("aws_x.y[0]"), ("aws_x.y", "[0]"));
        assert_eq!(split_key("aws_x.y"), ("aws_x.y", ""));
        assert_eq!(
            split_key("module.m[\"a.b\"].aws_x.y"),
            ("module.m[\"a.b\"].aws_x.y", "")
        );
        // A quoted key may hold dots, brackets and escaped quotes; a backslash ending it
        // does not escape its closing quote.
        assert_eq!(
            split_key("module.m[1].aws_x.y[\"k]\\\"].z\"]"),
            ("module.m[1].aws_x.y", "[\"k]\\\"].z\"]")
        );
        assert_eq!(split_key("x.y[\"a\\\\\"]"), ("x.y", "[\"a\\\\\"]"));
        assert_eq!(
            static_prefix("module.net[0].module.sub[\"a.b[c]\"]."),
            "module.net.module.sub."
        );
        assert_eq!(static_prefix("module.net."), "module.net.");
        assert_eq!(static_prefix(""), "");
    }

    #[test]
    fn instance_addresses_parse_and_print_back_the_same() {
        for a in [
            "aws_vpc.main",
            "aws_subnet.private[0]",
            "data.aws_ami.node",
            "module.net.aws_vpc.this",
            "module.net[2].module.sub[\"a.b[c]\"].data.aws_ami.x[\"k\\\"q\"]",
            "module.data.aws_vpc.x",
        ] {
            let i = Instance::parse(a).unwrap_or_else(|| panic!("{a} did not parse"));
            assert_eq!(i.to_string(), a);
        }
        let i = Instance::parse("module.a[\"k.data.x\"].data.aws_ami.y[0]").unwrap();
        assert_eq!(i.mode, Mode::Data);
        assert_eq!(i.module.0[0].key, Some(Key::Str("k.data.x".into())));
        assert_eq!(i.key, Some(Key::Int(0)));
        assert_eq!(
            Instance::parse("module.data.aws_vpc.x").unwrap().mode,
            Mode::Managed
        );
        for bad in [
            "image.base.x",
            "module.m",
            "aws_vpc",
            "aws_vpc.x[",
            "aws_vpc.x y",
            "",
        ] {
            assert!(Instance::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn module_instances_parse_and_print_back_the_same() {
        for m in ["", "module.a", "module.a[0].module.b[\"x.y\"]"] {
            assert_eq!(ModuleInstance::parse(m).unwrap().to_string(), m);
        }
        assert!(ModuleInstance::parse("module.a.aws_vpc.x").is_none());
        assert!(ModuleInstance::parse("aws_vpc.x").is_none());
    }
}
