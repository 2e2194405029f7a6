//! One object's change the way Terraform's plan renderer shows it: a diff tree built from the
//! before and after values (lists of primitives matched by their longest common subsequence,
//! lists of objects and list blocks by position, sets by equality, maps and objects by key),
//! then rendered with a marker on every line: nested blocks as `name { ... }`, collections
//! element by element, unchanged parts counted instead of shown (`id`, `name` and `tags` are
//! always shown), `(known after apply)`, `(sensitive value)`, `-> null`, JSON strings as
//! `jsonencode(...)`, multi-line strings as heredocs, `# forces replacement`.

use crate::lang::value::Value;
use crate::provider::schema::is_block_type;
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Delete,
    Update,
    NoOp,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Create => "  +",
            Op::Delete => "  -",
            Op::Update => "  ~",
            Op::NoOp => "   ",
        }
    }

    fn color(self) -> &'static str {
        match self {
            Op::Create => "32",
            Op::Delete => "31",
            Op::Update => "33",
            Op::NoOp => "0",
        }
    }

    /// The operation from a value that was (not) there to one that is (not), and whether the
    /// two are equal when both are.
    fn of(before: bool, after: bool, equal: bool) -> Op {
        match (before, after) {
            (false, true) => Op::Create,
            (true, false) => Op::Delete,
            (true, true) if equal => Op::NoOp,
            _ => Op::Update,
        }
    }

    /// The operation of a collection from its parts'.
    fn from_parts(before: bool, after: bool, parts: impl IntoIterator<Item = Op>) -> Op {
        let changed = parts.into_iter().any(|o| o != Op::NoOp);
        Op::of(before, after, !changed)
    }
}

/// One value's change, with how it is shown.
#[derive(Debug)]
pub struct Diff {
    pub op: Op,
    /// This change forces the replacement of the resource.
    pub replace: bool,
    node: Node,
}

#[derive(Debug)]
enum Node {
    Primitive(Option<Value>, Option<Value>),
    Sensitive,
    /// After is unknown; what it was before, if anything.
    Unknown(Option<Box<Diff>>),
    List {
        elements: Vec<Diff>,
        /// Show the unchanged neighbours of a change (order matters for primitives).
        context: bool,
    },
    Set(Vec<Diff>),
    Map(Vec<(String, Diff)>),
    Object(Vec<(String, Diff)>),
    Block {
        attributes: Vec<(String, Diff)>,
        blocks: Vec<(String, Vec<Diff>)>,
    },
    /// A block with a sensitive value inside: its contents are not shown.
    SensitiveBlock,
    /// A JSON document in a string: shown as `jsonencode(...)` of its structure.
    Json(Box<Diff>),
    /// A string of several lines, diffed line by line.
    Lines(Vec<(Op, String)>),
}

fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

/// What a resource's schema says about showing its attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Layout {
    /// Nested blocks, shown as `name { ... }`.
    #[serde(default)]
    pub blocks: Vec<String>,
    /// Attributes of any type (`terraform_data.input`): shown as their JSON would be, maps as
    /// objects and every sequence position by position, as Terraform shows them.
    #[serde(default)]
    pub dynamic: Vec<String>,
}

impl Layout {
    pub fn of(schema: &crate::provider::Schema) -> Layout {
        Layout {
            blocks: schema.nested_blocks(),
            dynamic: schema
                .attributes
                .iter()
                .filter(|(_, a)| a.ty == crate::lang::types::Type::Dynamic)
                .map(|(k, _)| k.clone())
                .collect(),
        }
    }
}

/// A value as its JSON reads: maps as objects, lists and sets as tuples.
fn json_shape(v: &Value) -> Value {
    match v {
        Value::Sensitive(inner) => json_shape(inner).sensitive(),
        Value::Map(_, attrs) | Value::Object(attrs) => Value::object(
            attrs
                .iter()
                .map(|(k, x)| (k.clone(), json_shape(x)))
                .collect(),
        ),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            Value::tuple(items.iter().map(json_shape).collect())
        }
        other => other.clone(),
    }
}

/// The change of a whole object (a resource, or one nested block). A resource's schema names
/// its nested blocks; inside a block they are known by their type.
fn block(before: Option<&Value>, after: Option<&Value>, layout: Option<&Layout>) -> Diff {
    let (b, a) = (present(before), present(after));
    // A block's own mark (not its attributes') hides it whole.
    if b.is_some_and(Value::is_marked) || a.is_some_and(Value::is_marked) {
        return Diff {
            op: Op::of(b.is_some(), a.is_some(), raw_equal(b, a)),
            replace: false,
            node: Node::SensitiveBlock,
        };
    }
    let battrs = b.and_then(|v| v.unmark().0.attributes());
    let aattrs = a.and_then(|v| v.unmark().0.attributes());
    let mut names: Vec<&String> = battrs
        .into_iter()
        .chain(aattrs)
        .flat_map(|m| m.keys())
        .collect();
    names.sort();
    names.dedup();
    let mut attributes = Vec::new();
    let mut nested = Vec::new();
    for name in names {
        let x = battrs.and_then(|m| m.get(name));
        let y = aattrs.and_then(|m| m.get(name));
        if present(x).is_none() && present(y).is_none() {
            continue;
        }
        let name = name.clone();
        let is_block = match layout {
            Some(l) => l.blocks.contains(&name),
            // Inside a block, nested blocks are known by their type (built only here).
            None => y.or(x).is_some_and(|v| is_block_type(&v.ty())),
        };
        if layout.is_some_and(|l| l.dynamic.contains(&name)) {
            let (x, y) = (x.map(json_shape), y.map(json_shape));
            attributes.push((name, value(x.as_ref(), y.as_ref())));
            continue;
        }
        if is_block && !x.is_some_and(is_opaque) && !y.is_some_and(is_opaque) {
            nested.push((name, block_elements(present(x), present(y))));
        } else {
            attributes.push((name, value(x, y)));
        }
    }
    let parts = attributes
        .iter()
        .map(|(_, d)| d.op)
        .chain(nested.iter().flat_map(|(_, ds)| ds.iter().map(|d| d.op)))
        .collect::<Vec<_>>();
    Diff {
        op: Op::from_parts(b.is_some(), a.is_some(), parts),
        replace: false,
        node: Node::Block {
            attributes,
            blocks: nested,
        },
    }
}

/// A resource's change: its object as a block, with `# forces replacement` on the attributes
/// that force it.
pub fn resource(
    before: Option<&Value>,
    after: Option<&Value>,
    layout: &Layout,
    replace_paths: &[String],
) -> Diff {
    let mut d = block(before, after, Some(layout));
    if let Node::Block {
        attributes,
        blocks: nested,
    } = &mut d.node
    {
        for (name, a) in attributes.iter_mut() {
            a.replace = replace_paths.contains(name);
        }
        for (name, elements) in nested.iter_mut() {
            if replace_paths.contains(name) {
                elements.iter_mut().for_each(|e| e.replace = true);
            }
        }
    }
    d
}

/// Unknown or sensitive as a whole: shown as a value, not as blocks.
fn is_opaque(v: &Value) -> bool {
    !v.is_known() || v.is_marked()
}

/// The elements of a nested block collection: a list's by position, a set's by equality.
fn block_elements(before: Option<&Value>, after: Option<&Value>) -> Vec<Diff> {
    let items = |v: Option<&Value>| -> Vec<Value> {
        v.and_then(|v| v.unmark().0.elements().map(<[Value]>::to_vec))
            .unwrap_or_default()
    };
    let (bs, as_) = (items(before), items(after));
    let is_set = matches!(after.or(before).map(|v| v.unmark().0), Some(Value::Set(..)));
    if is_set {
        let pairs = match_set(&bs, &as_);
        pairs
            .into_iter()
            .map(|(x, y)| block(x.as_ref(), y.as_ref(), None))
            .collect()
    } else {
        (0..bs.len().max(as_.len()))
            .map(|i| block(bs.get(i), as_.get(i), None))
            .collect()
    }
}

fn raw_equal(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.is_wholly_known() && b.is_wholly_known() && a.raw_equal(b),
        (None, None) => true,
        _ => false,
    }
}

/// The change of one attribute's value.
pub fn value(before: Option<&Value>, after: Option<&Value>) -> Diff {
    let (b, a) = (present(before), present(after));
    let leaf = |node| Diff {
        op: Op::of(b.is_some(), a.is_some(), raw_equal(b, a)),
        replace: false,
        node,
    };
    if b.is_some_and(Value::is_marked) || a.is_some_and(Value::is_marked) {
        return leaf(Node::Sensitive);
    }
    if let Some(y) = a
        && !y.is_known()
    {
        let was = b.map(|x| Box::new(value(Some(x), None)));
        return Diff {
            op: if b.is_some() { Op::Update } else { Op::Create },
            replace: false,
            node: Node::Unknown(was),
        };
    }
    let Some(shape) = a.or(b) else {
        return leaf(Node::Primitive(None, None));
    };
    // Both sides must be collections of the same kind to be diffed part by part.
    let same_kind = match (b, a) {
        (Some(x), Some(y)) => std::mem::discriminant(x) == std::mem::discriminant(y),
        _ => true,
    };
    if !same_kind {
        return leaf(Node::Primitive(b.cloned(), a.cloned()));
    }
    match shape {
        Value::List(..) | Value::Tuple(_) => list(b, a),
        Value::Set(..) => set(b, a),
        Value::Map(..) => {
            let elements = keyed(b, a);
            Diff {
                op: Op::from_parts(b.is_some(), a.is_some(), elements.iter().map(|(_, d)| d.op)),
                replace: false,
                node: Node::Map(elements),
            }
        }
        Value::Object(_) => {
            let attributes = keyed(b, a);
            Diff {
                op: Op::from_parts(
                    b.is_some(),
                    a.is_some(),
                    attributes.iter().map(|(_, d)| d.op),
                ),
                replace: false,
                node: Node::Object(attributes),
            }
        }
        Value::String(_) => string(b, a),
        _ => leaf(Node::Primitive(b.cloned(), a.cloned())),
    }
}

fn keyed(b: Option<&Value>, a: Option<&Value>) -> Vec<(String, Diff)> {
    let battrs = b.and_then(Value::attributes);
    let aattrs = a.and_then(Value::attributes);
    let mut keys: Vec<&String> = battrs
        .into_iter()
        .chain(aattrs)
        .flat_map(|m| m.keys())
        .collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let x = battrs.and_then(|m| m.get(k));
            let y = aattrs.and_then(|m| m.get(k));
            (present(x).is_some() || present(y).is_some()).then(|| (k.clone(), value(x, y)))
        })
        .collect()
}

fn list(b: Option<&Value>, a: Option<&Value>) -> Diff {
    let bs = b.and_then(Value::elements).unwrap_or(&[]);
    let as_ = a.and_then(Value::elements).unwrap_or(&[]);
    // Tuples (and lists of objects) are compared position by position, as Terraform does;
    // lists of primitives by what they have in common, so an insertion is one line.
    let tuple = matches!(a.or(b), Some(Value::Tuple(_)));
    let objects = bs
        .iter()
        .chain(as_)
        .any(|v| matches!(v.unmark().0, Value::Object(_) | Value::Map(..)));
    let elements: Vec<Diff> = if objects || tuple {
        (0..bs.len().max(as_.len()))
            .map(|i| value(bs.get(i), as_.get(i)))
            .collect()
    } else {
        lcs_diff(bs, as_)
    };
    Diff {
        op: Op::from_parts(b.is_some(), a.is_some(), elements.iter().map(|d| d.op)),
        replace: false,
        node: Node::List {
            elements,
            context: !objects,
        },
    }
}

/// Elements of two lists as removed, added and kept, in order, by their longest common
/// subsequence.
fn lcs_diff(bs: &[Value], as_: &[Value]) -> Vec<Diff> {
    let (n, m) = (bs.len(), as_.len());
    let eq = |i: usize, j: usize| raw_equal(Some(&bs[i]), Some(&as_[j]));
    let mut len = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            len[i][j] = if eq(i, j) {
                len[i + 1][j + 1] + 1
            } else {
                len[i + 1][j].max(len[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && eq(i, j) {
            out.push(value(Some(&bs[i]), Some(&as_[j])));
            i += 1;
            j += 1;
        } else if i < n && (j == m || len[i + 1][j] >= len[i][j + 1]) {
            out.push(value(Some(&bs[i]), None));
            i += 1;
        } else {
            out.push(value(None, Some(&as_[j])));
            j += 1;
        }
    }
    out
}

/// Set elements paired: each before element with its equal after element, or alone.
fn match_set(bs: &[Value], as_: &[Value]) -> Vec<(Option<Value>, Option<Value>)> {
    let mut used = vec![false; as_.len()];
    let mut pairs = Vec::new();
    for x in bs {
        match (0..as_.len()).find(|&j| !used[j] && raw_equal(Some(x), Some(&as_[j]))) {
            Some(j) => {
                used[j] = true;
                pairs.push((Some(x.clone()), Some(as_[j].clone())));
            }
            None => pairs.push((Some(x.clone()), None)),
        }
    }
    for (j, y) in as_.iter().enumerate() {
        if !used[j] {
            pairs.push((None, Some(y.clone())));
        }
    }
    pairs
}

fn set(b: Option<&Value>, a: Option<&Value>) -> Diff {
    let bs = b.and_then(Value::elements).unwrap_or(&[]);
    let as_ = a.and_then(Value::elements).unwrap_or(&[]);
    let pairs = match_set(bs, as_);
    let elements: Vec<Diff> = pairs
        .iter()
        .map(|(x, y)| value(x.as_ref(), y.as_ref()))
        .collect();
    Diff {
        op: Op::from_parts(b.is_some(), a.is_some(), elements.iter().map(|d| d.op)),
        replace: false,
        node: Node::Set(elements),
    }
}

/// A JSON object or array in a string, as a value to diff.
fn json_of(v: &Value) -> Option<Value> {
    let s = v.as_str()?.trim_start();
    if !(s.starts_with('{') || s.starts_with('[')) {
        return None;
    }
    let j: serde_json::Value = serde_json::from_str(s).ok()?;
    Some(Value::from_json(&j))
}

fn string(b: Option<&Value>, a: Option<&Value>) -> Diff {
    let op = Op::of(b.is_some(), a.is_some(), raw_equal(b, a));
    let jb = b.map(json_of);
    let ja = a.map(json_of);
    let all_json =
        jb.as_ref().is_none_or(Option::is_some) && ja.as_ref().is_none_or(Option::is_some);
    if all_json && (jb.is_some() || ja.is_some()) {
        let inner = value(jb.flatten().as_ref(), ja.flatten().as_ref());
        return Diff {
            op,
            replace: false,
            node: Node::Json(Box::new(inner)),
        };
    }
    let multiline = |v: Option<&Value>| v.and_then(Value::as_str).is_some_and(|s| s.contains('\n'));
    if multiline(b) || multiline(a) {
        let (x, y) = (
            b.and_then(Value::as_str).unwrap_or(""),
            a.and_then(Value::as_str).unwrap_or(""),
        );
        let lines = similar::TextDiff::from_lines(x, y)
            .iter_all_changes()
            .map(|c| {
                let line_op = match c.tag() {
                    similar::ChangeTag::Delete => Op::Delete,
                    similar::ChangeTag::Insert => Op::Create,
                    similar::ChangeTag::Equal => Op::NoOp,
                };
                let line = c.value();
                (line_op, line.strip_suffix('\n').unwrap_or(line).to_string())
            })
            .collect();
        return Diff {
            op,
            replace: false,
            node: Node::Lines(lines),
        };
    }
    Diff {
        op,
        replace: false,
        node: Node::Primitive(b.cloned(), a.cloned()),
    }
}

/// How a part is being rendered.
#[derive(Clone, Copy)]
pub struct Opts {
    pub color: bool,
    /// No `-> null` after a deleted value (inside a collection that is deleted whole).
    pub no_null_suffix: bool,
    /// Show unchanged parts too (inside `id`, `name` and `tags`).
    pub show_unchanged: bool,
}

impl Opts {
    fn symbol(&self, op: Op) -> Cow<'static, str> {
        if self.color && op != Op::NoOp {
            Cow::Owned(format!("\x1b[{}m{}\x1b[0m", op.color(), op.symbol()))
        } else {
            Cow::Borrowed(op.symbol())
        }
    }

    fn null_suffix(&self, op: Op) -> &'static str {
        if op == Op::Delete && !self.no_null_suffix {
            " -> null"
        } else {
            ""
        }
    }

    fn inner(self) -> Opts {
        Opts {
            no_null_suffix: true,
            ..self
        }
    }

    fn hides(&self, op: Op) -> bool {
        op == Op::NoOp && !self.show_unchanged
    }
}

/// Four spaces per level; borrowed from one string for the depths plans have (a rendered
/// plan of 10,000 resources calls this for every line).
fn pad(indent: usize) -> Cow<'static, str> {
    const SPACES: &str = "                                                                ";
    match SPACES.get(..indent * 4) {
        Some(p) => Cow::Borrowed(p),
        None => Cow::Owned("    ".repeat(indent)),
    }
}

fn forces(replace: bool) -> &'static str {
    if replace { " # forces replacement" } else { "" }
}

/// The line that counts the unchanged parts hidden at this level.
fn unchanged(indent: usize, count: usize, what: &str) -> String {
    format!(
        "{}    # ({count} unchanged {what}{} hidden)\n",
        pad(indent + 1),
        if count == 1 { "" } else { "s" }
    )
}

/// Always shown in an update, changed or not: what identifies the object to a reader.
fn important(name: &str) -> bool {
    matches!(name, "id" | "name" | "tags")
}

/// A name as HCL allows it bare, or quoted.
fn key_text(name: &str) -> Cow<'_, str> {
    if crate::syntax::is_identifier(name) {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(format!("{name:?}"))
    }
}

fn literal(v: &Value) -> String {
    match v {
        Value::String(s) => crate::lang::display::quoted(s),
        v => crate::lang::display::render_value(v, 0),
    }
}

impl Diff {
    /// The text after `name = ` (or after `name ` for a block), at `indent`.
    pub fn render(&self, indent: usize, opts: Opts) -> String {
        let replace = forces(self.replace);
        match &self.node {
            Node::Sensitive => format!("(sensitive value){}{replace}", opts.null_suffix(self.op)),
            Node::Unknown(None) => format!("(known after apply){replace}"),
            Node::Unknown(Some(was)) => format!(
                "{} -> (known after apply){replace}",
                was.render(indent, opts.inner())
            ),
            Node::Primitive(b, a) => {
                let text = match (b, a, self.op) {
                    (Some(x), _, Op::Delete) => {
                        format!("{}{}", literal(x), opts.null_suffix(Op::Delete))
                    }
                    (Some(x), Some(y), Op::Update) => format!("{} -> {}", literal(x), literal(y)),
                    (_, Some(y), _) | (Some(y), None, _) => literal(y),
                    (None, None, _) => "null".to_string(),
                };
                format!("{text}{replace}")
            }
            Node::Lines(lines) => {
                let mut out = format!("<<-EOT{replace}\n");
                for (op, line) in lines {
                    let sym = if self.op == Op::Update {
                        opts.symbol(*op)
                    } else {
                        "   ".into()
                    };
                    out.push_str(&format!("{}{sym} {line}\n", pad(indent + 1)));
                }
                out.push_str(&format!(
                    "{}    EOT{}",
                    pad(indent),
                    opts.null_suffix(self.op)
                ));
                out
            }
            Node::Json(inner) => {
                // Only an update marks the document itself; its parts carry their own.
                let sym = if self.op == Op::Update {
                    opts.symbol(Op::Update)
                } else {
                    "   ".into()
                };
                format!(
                    "jsonencode({replace}\n{p}{sym} {}\n{p}){}",
                    inner.render(indent + 1, opts.inner()),
                    opts.null_suffix(self.op),
                    p = pad(indent + 1),
                )
            }
            Node::List { elements, context } => {
                self.render_sequence(elements, *context, indent, opts)
            }
            Node::Set(elements) => self.render_sequence(elements, false, indent, opts),
            Node::Map(elements) => self.render_map(elements, indent, opts),
            Node::Object(attributes) => self.render_object(attributes, indent, opts),
            Node::Block { attributes, blocks } => {
                self.render_block(attributes, blocks, indent, opts)
            }
            Node::SensitiveBlock => format!(
                "{{{replace}\n{p}  # At least one attribute in this block is (or was) sensitive,\n{p}  # so its contents will not be displayed.\n{}    }}",
                pad(indent),
                p = pad(indent + 1)
            ),
        }
    }

    fn render_sequence(
        &self,
        elements: &[Diff],
        context: bool,
        indent: usize,
        opts: Opts,
    ) -> String {
        let replace = forces(self.replace);
        if elements.is_empty() {
            return format!("[]{}{replace}", opts.null_suffix(self.op));
        }
        let line = |d: &Diff| {
            format!(
                "{}{} {},\n",
                pad(indent + 1),
                opts.symbol(d.op),
                d.render(indent + 1, opts.inner())
            )
        };
        let mut out = format!("[{replace}\n");
        let mut hidden: Vec<&Diff> = Vec::new();
        let mut show_next = false;
        for d in elements {
            if opts.hides(d.op) && !show_next {
                hidden.push(d);
                continue;
            }
            show_next = false;
            if context {
                // The unchanged element just before a change is shown, the rest counted.
                if hidden.len() > 1 {
                    out.push_str(&unchanged(indent, hidden.len() - 1, "element"));
                }
                if let Some(last) = hidden.last() {
                    out.push_str(&line(last));
                }
                hidden.clear();
                show_next = d.op != Op::NoOp;
            }
            out.push_str(&line(d));
        }
        if !hidden.is_empty() {
            out.push_str(&unchanged(indent, hidden.len(), "element"));
        }
        out.push_str(&format!(
            "{}    ]{}",
            pad(indent),
            opts.null_suffix(self.op)
        ));
        out
    }

    fn render_map(&self, elements: &[(String, Diff)], indent: usize, opts: Opts) -> String {
        let replace = forces(self.replace);
        if elements.is_empty() {
            return format!("{{}}{}{replace}", opts.null_suffix(self.op));
        }
        let width = elements
            .iter()
            .map(|(k, _)| format!("{k:?}").len())
            .max()
            .unwrap_or(0);
        let mut out = format!("{{{replace}\n");
        let mut hidden = 0;
        for (k, d) in elements {
            if opts.hides(d.op) && self.op != Op::NoOp {
                hidden += 1;
                continue;
            }
            let comma = if matches!(d.node, Node::Object(_)) {
                ","
            } else {
                ""
            };
            // A deleted key says `-> null` unless the whole map goes.
            let element_opts = if self.op == Op::Delete {
                opts.inner()
            } else {
                opts
            };
            out.push_str(&format!(
                "{}{} {:<width$} = {}{comma}\n",
                pad(indent + 1),
                opts.symbol(d.op),
                format!("{k:?}"),
                d.render(indent + 1, element_opts)
            ));
        }
        self.close(out, hidden, "element", indent, opts)
    }

    fn render_object(&self, attributes: &[(String, Diff)], indent: usize, opts: Opts) -> String {
        let replace = forces(self.replace);
        if attributes.is_empty() {
            return format!("{{}}{}{replace}", opts.null_suffix(self.op));
        }
        let (lines, hidden) = attribute_lines(attributes, indent, opts.inner(), self.op);
        let out = format!("{{{replace}\n{lines}");
        self.close(out, hidden, "attribute", indent, opts)
    }

    /// Ends a map or object: how many parts were hidden, the closing brace, `-> null`.
    fn close(
        &self,
        mut out: String,
        hidden: usize,
        what: &str,
        indent: usize,
        opts: Opts,
    ) -> String {
        if hidden > 0 {
            out.push_str(&unchanged(indent, hidden, what));
        }
        out.push_str(&format!(
            "{}    }}{}",
            pad(indent),
            opts.null_suffix(self.op)
        ));
        out
    }

    fn render_block(
        &self,
        attributes: &[(String, Diff)],
        blocks: &[(String, Vec<Diff>)],
        indent: usize,
        opts: Opts,
    ) -> String {
        let replace = forces(self.replace);
        let (lines, hidden) = attribute_lines(attributes, indent, opts, self.op);
        let mut out = format!("{{{replace}\n{lines}");
        if hidden > 0 {
            out.push_str(&unchanged(indent, hidden, "attribute"));
        }
        let mut hidden_blocks = 0;
        let mut first = true;
        for (name, elements) in blocks {
            for d in elements {
                if opts.hides(d.op) && self.op != Op::NoOp {
                    hidden_blocks += 1;
                    continue;
                }
                if first && !attributes.is_empty() {
                    out.push('\n');
                }
                first = false;
                out.push_str(&format!(
                    "{}{} {} {}\n",
                    pad(indent + 1),
                    opts.symbol(d.op),
                    key_text(name),
                    d.render(indent + 1, opts)
                ));
            }
        }
        if hidden_blocks > 0 {
            out.push('\n');
            out.push_str(&unchanged(indent, hidden_blocks, "block"));
        }
        out.push_str(&format!("{}    }}", pad(indent)));
        out
    }
}

/// The lines of an object's or block's attributes, and how many unchanged ones were hidden.
/// Names are aligned over every attribute, shown or not, as Terraform aligns them.
fn attribute_lines(
    attributes: &[(String, Diff)],
    indent: usize,
    opts: Opts,
    parent: Op,
) -> (String, usize) {
    let width = attributes
        .iter()
        .map(|(k, _)| key_text(k).len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    let mut hidden = 0;
    for (name, d) in attributes {
        let shown_whole = important(name);
        if opts.hides(d.op) && parent != Op::NoOp && !shown_whole {
            hidden += 1;
            continue;
        }
        let opts = Opts {
            show_unchanged: opts.show_unchanged || shown_whole,
            ..opts
        };
        out.push_str(&format!(
            "{}{} {:<width$} = {}\n",
            pad(indent + 1),
            opts.symbol(d.op),
            key_text(name),
            d.render(indent + 1, opts)
        ));
    }
    (out, hidden)
}

#[cfg(test)]
mod tests {
    //! Snapshots of what people read, for the shapes AWS types have and `terraform_data`
    //! (which `tests/render_terraform.rs` compares with Terraform itself) does not: nested
    //! blocks, sets of objects, maps, sensitive blocks, deletes.

    use super::*;
    use crate::lang::types::Type;
    use crate::provider::schema::{block_list, block_object};

    fn obj(pairs: Vec<(&str, Value)>) -> Value {
        Value::object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    fn strings(xs: &[&str]) -> Value {
        Value::set(Type::String, xs.iter().map(|x| s(x)).collect())
    }

    fn tags(pairs: &[(&str, &str)]) -> Value {
        Value::map(
            Type::String,
            pairs.iter().map(|(k, v)| (k.to_string(), s(v))).collect(),
        )
    }

    fn rule(port: i64, cidr: &str) -> Value {
        obj(vec![
            ("from_port", Value::int(port)),
            ("to_port", Value::int(port)),
            ("protocol", s("tcp")),
            ("cidr_blocks", strings(&[cidr])),
        ])
    }

    fn rule_type() -> Type {
        block_object(&[
            ("from_port", Type::Number),
            ("to_port", Type::Number),
            ("protocol", Type::String),
            ("cidr_blocks", Type::Set(Box::new(Type::String))),
        ])
    }

    fn health(path: &str) -> Value {
        let t = block_list(&[("path", Type::String), ("interval", Type::Number)]);
        let Type::List(elem) = t else { unreachable!() };
        Value::list(
            *elem,
            vec![obj(vec![("path", s(path)), ("interval", Value::int(30))])],
        )
    }

    fn group(port: i64, team: &str, path: &str, description: Value) -> Value {
        obj(vec![
            ("id", s("sg-123")),
            ("name", s("web")),
            ("description", description),
            ("vpc_id", s("vpc-1")),
            (
                "ingress",
                Value::set(
                    rule_type(),
                    vec![rule(port, "10.0.0.0/8"), rule(443, "0.0.0.0/0")],
                ),
            ),
            ("tags", tags(&[("Name", "web"), ("Team", team)])),
            ("health_check", health(path)),
        ])
    }

    fn layout() -> Layout {
        Layout {
            blocks: vec!["health_check".into()],
            dynamic: vec![],
        }
    }

    fn render(before: Option<&Value>, after: Option<&Value>, replace: &[&str]) -> String {
        let replace: Vec<String> = replace.iter().map(|x| x.to_string()).collect();
        resource(before, after, &layout(), &replace).render(
            0,
            Opts {
                color: false,
                no_null_suffix: false,
                show_unchanged: false,
            },
        )
    }

    #[test]
    fn an_update_shows_one_changed_rule_one_changed_tag_and_one_changed_block_attribute() {
        let before = group(22, "a", "/health", s("d"));
        let after = group(2222, "b", "/ready", s("d"));
        let out = render(Some(&before), Some(&after), &[]);
        let expected = r#"{
        id          = "sg-123"
      ~ ingress     = [
          - {
              - cidr_blocks = [
                  - "10.0.0.0/8",
                ]
              - from_port   = 22
              - protocol    = "tcp"
              - to_port     = 22
            },
          + {
              + cidr_blocks = [
                  + "10.0.0.0/8",
                ]
              + from_port   = 2222
              + protocol    = "tcp"
              + to_port     = 2222
            },
            # (1 unchanged element hidden)
        ]
        name        = "web"
      ~ tags        = {
            "Name" = "web"
          ~ "Team" = "a" -> "b"
        }
        # (2 unchanged attributes hidden)

      ~ health_check {
          ~ path     = "/health" -> "/ready"
            # (1 unchanged attribute hidden)
        }
    }"#;
        assert_eq!(out, expected, "\n{out}");
    }

    #[test]
    fn a_replacement_marks_what_forces_it_and_a_delete_says_null() {
        let before = group(22, "a", "/health", s("d"));
        let after = obj(vec![
            ("id", Value::Unknown(Type::String)),
            ("name", s("web")),
            ("description", s("new")),
            ("vpc_id", s("vpc-1")),
            (
                "ingress",
                Value::set(
                    rule_type(),
                    vec![rule(22, "10.0.0.0/8"), rule(443, "0.0.0.0/0")],
                ),
            ),
            ("tags", tags(&[("Name", "web"), ("Team", "a")])),
            ("health_check", health("/health")),
        ]);
        let out = render(Some(&before), Some(&after), &["description"]);
        assert!(
            out.contains(r#"      ~ description = "d" -> "new" # forces replacement"#),
            "{out}"
        );
        assert!(
            out.contains(r#"      ~ id          = "sg-123" -> (known after apply)"#),
            "{out}"
        );
        assert!(out.contains("# (1 unchanged block hidden)"), "{out}");

        let gone = render(Some(&before), None, &[]);
        assert!(
            gone.contains(r#"      - vpc_id      = "vpc-1" -> null"#),
            "{gone}"
        );
        assert!(
            gone.contains("      - health_check {\n          - interval = 30 -> null\n"),
            "{gone}"
        );
        assert!(
            gone.contains("      - tags        = {\n          - \"Name\" = \"web\"\n"),
            "{gone}"
        );
        assert!(gone.contains("        } -> null\n"), "{gone}");
    }

    #[test]
    fn sensitive_parts_hide_only_themselves_and_a_marked_block_hides_its_body() {
        let before = group(22, "a", "/health", s("old").sensitive());
        let after = group(22, "a", "/health", s("new").sensitive());
        let out = render(Some(&before), Some(&after), &[]);
        assert!(
            out.contains("      ~ description = (sensitive value)\n"),
            "{out}"
        );
        assert!(!out.contains("old") && !out.contains("new"), "{out}");

        let secret_block = obj(vec![(
            "health_check",
            Value::list(
                Type::Dynamic,
                vec![obj(vec![("path", s("/s3cr3t"))]).sensitive()],
            ),
        )]);
        let out = render(None, Some(&secret_block), &[]);
        assert!(!out.contains("s3cr3t"), "{out}");
        assert!(
            out.contains("      + health_check {\n          # At least one attribute in this block is (or was) sensitive,"),
            "{out}"
        );
    }
}
