//! The syntax tree of HCL native syntax. Every node carries the span of the source it came from;
//! nothing here knows Terraform's meaning of a block or a value.

use super::span::Span;

#[derive(Debug, Clone, Default)]
pub struct Body {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<Block>,
    pub span: Span,
}

impl Body {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn blocks_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }
}

#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: String,
    pub name_span: Span,
    pub expr: Expr,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub kind: String,
    pub kind_span: Span,
    pub labels: Vec<String>,
    pub label_spans: Vec<Span>,
    pub body: Body,
}

impl Block {
    /// The span of the block's header (`resource "a" "b"`), for diagnostics.
    pub fn header_span(&self) -> Span {
        let end = self.label_spans.last().copied().unwrap_or(self.kind_span);
        self.kind_span.to(end)
    }
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    NotEq,
    Lt,
    Gt,
    LtEq,
    GtEq,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::NotEq => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Gt => ">",
            BinaryOp::LtEq => "<=",
            BinaryOp::GtEq => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
        }
    }
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    /// Number literal text, parsed by the evaluator.
    Number(String),
    Bool(bool),
    Null,
    /// A quoted string or heredoc. `${x}` alone is `Template` with one `Interp` part.
    Template(Vec<TemplatePart>),
    /// A root name: `var`, `local`, `aws_vpc`, an iterator of a `for`.
    Variable(String),
    Tuple(Vec<Expr>),
    Object(Vec<ObjectItem>),
    GetAttr(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    /// `source[*].each` (full) or `source.*.each` (attribute-only, legacy). `each` is evaluated
    /// once per element with `SplatItem` standing for the element.
    Splat {
        source: Box<Expr>,
        each: Box<Expr>,
        full: bool,
    },
    SplatItem,
    Call {
        name: String,
        name_span: Span,
        args: Vec<Expr>,
        expand_final: bool,
    },
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    For(Box<ForExpr>),
    Paren(Box<Expr>),
}

#[derive(Debug, Clone)]
pub struct ObjectItem {
    pub key: Expr,
    /// A bare identifier key (`name = ...`): a literal string, not a variable reference.
    pub key_is_ident: bool,
    pub value: Expr,
}

#[derive(Debug, Clone)]
pub struct ForExpr {
    pub key_var: Option<String>,
    pub value_var: String,
    pub collection: Expr,
    /// Present for an object `for` (`{ for k, v in x : key => value }`).
    pub key: Option<Expr>,
    pub value: Expr,
    pub condition: Option<Expr>,
    /// `...` after the value: group values by key into lists.
    pub group: bool,
}

#[derive(Debug, Clone)]
pub enum TemplatePart {
    Literal(String),
    Interp(Expr),
    If {
        cond: Expr,
        then: Vec<TemplatePart>,
        otherwise: Vec<TemplatePart>,
    },
    For {
        key_var: Option<String>,
        value_var: String,
        collection: Expr,
        body: Vec<TemplatePart>,
    },
}

impl Expr {
    /// `"${x}"`: a template that is a single interpolation returns the value unconverted.
    pub fn as_single_interp(parts: &[TemplatePart]) -> Option<&Expr> {
        match parts {
            [TemplatePart::Interp(e)] => Some(e),
            _ => None,
        }
    }

    /// The literal string of a template without interpolations.
    pub fn as_literal_string(&self) -> Option<String> {
        match &self.kind {
            ExprKind::Template(parts) => {
                let mut s = String::new();
                for p in parts {
                    match p {
                        TemplatePart::Literal(l) => s.push_str(l),
                        _ => return None,
                    }
                }
                Some(s)
            }
            _ => None,
        }
    }

    /// A bare name (`string`, `any`, `create_before_destroy`) used as a keyword.
    pub fn as_keyword(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Variable(name) => Some(name),
            _ => None,
        }
    }

    /// A traversal written as a reference (`aws_vpc.main`, `var.x[0]`): root name and the
    /// attribute / literal-index steps after it.
    pub fn as_traversal(&self) -> Option<(String, Vec<Step>)> {
        match &self.kind {
            ExprKind::Variable(name) => Some((name.clone(), Vec::new())),
            ExprKind::GetAttr(inner, name) => {
                let (root, mut steps) = inner.as_traversal()?;
                steps.push(Step::Attr(name.clone()));
                Some((root, steps))
            }
            ExprKind::Index(inner, key) => {
                let (root, mut steps) = inner.as_traversal()?;
                match &key.kind {
                    ExprKind::Number(n) => steps.push(Step::Index(n.clone())),
                    _ => steps.push(Step::Key(key.as_literal_string()?)),
                }
                Some((root, steps))
            }
            _ => None,
        }
    }
}

impl Expr {
    /// The address a static reference spells (`module.a.aws_vpc.main[0]`), for `moved`,
    /// `replace_triggered_by` and `ignore_changes`.
    pub fn as_address(&self) -> Option<String> {
        let (root, steps) = self.as_traversal()?;
        let mut s = root;
        for st in steps {
            match st {
                Step::Attr(a) => {
                    s.push('.');
                    s.push_str(&a);
                }
                Step::Index(i) => s.push_str(&format!("[{i}]")),
                Step::Key(k) => s.push_str(&format!("[{}]", serde_json::Value::String(k))),
            }
        }
        Some(s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Attr(String),
    Index(String),
    Key(String),
}
