//! IAM policy documents as Terraform writes them: statements, principals, conditions, and the
//! Go-style JSON encoding that makes its output byte-identical.

use crate::provider::aws::attrs::Obj;
use crate::provider::{ProviderError, ProviderResult};

// ---------------------------------------------------------------------------------------------
// data "aws_iam_policy_document"

/// A JSON value that keeps its keys in the order given, written the way Terraform's (Go's
/// `encoding/json`) output is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Doc {
    /// Numbers, booleans and null from a source document, as they were written.
    Raw(String),
    Str(String),
    List(Vec<Doc>),
    Fields(Vec<(String, Doc)>),
}

impl Doc {
    pub(crate) fn from_json(v: &serde_json::Value) -> Doc {
        use serde_json::Value as J;
        match v {
            J::String(x) => Doc::Str(x.clone()),
            J::Array(xs) => Doc::List(xs.iter().map(Doc::from_json).collect()),
            J::Object(m) => Doc::Fields(
                m.iter()
                    .map(|(k, v)| (k.clone(), Doc::from_json(v)))
                    .collect(),
            ),
            other => Doc::Raw(other.to_string()),
        }
    }

    /// `json.MarshalIndent(v, "", "  ")` when `pretty`, `json.Marshal(v)` otherwise.
    pub(crate) fn write(&self, out: &mut String, pretty: bool, depth: usize) {
        let newline = |out: &mut String, depth: usize| {
            if pretty {
                out.push('\n');
                out.push_str(&"  ".repeat(depth));
            }
        };
        match self {
            Doc::Raw(x) => out.push_str(x),
            Doc::Str(x) => write_go_string(out, x),
            Doc::List(xs) if xs.is_empty() => out.push_str("[]"),
            Doc::Fields(fs) if fs.is_empty() => out.push_str("{}"),
            Doc::List(xs) => {
                out.push('[');
                for (i, x) in xs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    x.write(out, pretty, depth + 1);
                }
                newline(out, depth);
                out.push(']');
            }
            Doc::Fields(fs) => {
                out.push('{');
                for (i, (k, v)) in fs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    write_go_string(out, k);
                    out.push_str(if pretty { ": " } else { ":" });
                    v.write(out, pretty, depth + 1);
                }
                newline(out, depth);
                out.push('}');
            }
        }
    }

    pub(crate) fn render(&self, pretty: bool) -> String {
        let mut out = String::new();
        self.write(&mut out, pretty, 0);
        out
    }
}

/// A JSON string as Go writes it.
pub(crate) fn write_go_string(out: &mut String, x: &str) {
    crate::lang::escape::write_quoted(out, x, crate::lang::escape::Style::GoJson)
}

/// Principal identifiers or condition values: one string, or several.
#[derive(Debug, Clone)]
pub(crate) enum Strings {
    One(String),
    Many(Vec<String>),
}

impl Strings {
    /// From configuration: one value stays a string; several are sorted in reverse, as
    /// Terraform orders them. `&{...}` becomes the policy variable `${...}`, which HCL would
    /// otherwise interpolate.
    pub(crate) fn configured(values: Vec<String>) -> Option<Strings> {
        let mut values: Vec<String> = values.into_iter().map(|v| v.replace("&{", "${")).collect();
        match values.len() {
            0 => None,
            1 => values.pop().map(Strings::One),
            _ => {
                values.sort_by(|a, b| b.cmp(a));
                Some(Strings::Many(values))
            }
        }
    }

    pub(crate) fn from_json(v: &serde_json::Value) -> Option<Strings> {
        match v {
            serde_json::Value::String(x) => Some(Strings::One(x.clone())),
            serde_json::Value::Array(xs) => Some(Strings::Many(
                xs.iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                    .collect(),
            )),
            _ => None,
        }
    }

    pub(crate) fn into_vec(self) -> Vec<String> {
        match self {
            Strings::One(x) => vec![x],
            Strings::Many(xs) => xs,
        }
    }

    pub(crate) fn doc(self) -> Doc {
        match self {
            Strings::One(x) => Doc::Str(x),
            Strings::Many(xs) => Doc::List(xs.into_iter().map(Doc::Str).collect()),
        }
    }
}

/// `Principal`: `"*"` for the single principal `*`/`*`; otherwise identifiers by type, types
/// in order, each principal's identifier list in reverse order, principals of one type joined.
pub(crate) fn principal_doc(principals: Vec<(String, Strings)>) -> Option<Doc> {
    if let [(kind, ids)] = principals.as_slice()
        && kind == "*"
        && ids.clone().into_vec() == ["*"]
    {
        return Some(Doc::Str("*".into()));
    }
    let mut by_type: std::collections::BTreeMap<String, Strings> = Default::default();
    for (kind, ids) in principals {
        let ids = match ids {
            Strings::Many(mut xs) => {
                xs.sort_by(|a, b| b.cmp(a));
                Strings::Many(xs)
            }
            one => one,
        };
        let joined = match by_type.remove(&kind) {
            None => ids,
            Some(before) => {
                let mut all = before.into_vec();
                all.extend(ids.into_vec());
                Strings::Many(all)
            }
        };
        by_type.insert(kind, joined);
    }
    (!by_type.is_empty())
        .then(|| Doc::Fields(by_type.into_iter().map(|(k, ids)| (k, ids.doc())).collect()))
}

/// `Condition`: values by variable by test, both in order; a list of values joins the values
/// already there for that test and variable, a single value replaces them (as Terraform does).
pub(crate) fn condition_doc(conditions: Vec<(String, String, Strings)>) -> Option<Doc> {
    type ByVariable = std::collections::BTreeMap<String, Strings>;
    let mut by_test: std::collections::BTreeMap<String, ByVariable> = Default::default();
    for (test, variable, values) in conditions {
        let vars = by_test.entry(test).or_default();
        let joined = match (vars.remove(&variable), values) {
            (Some(before), Strings::Many(xs)) => {
                let mut all = before.into_vec();
                all.extend(xs);
                Strings::Many(all)
            }
            (_, values) => values,
        };
        vars.insert(variable, joined);
    }
    (!by_test.is_empty()).then(|| {
        Doc::Fields(
            by_test
                .into_iter()
                .map(|(test, vars)| {
                    (
                        test,
                        Doc::Fields(vars.into_iter().map(|(v, xs)| (v, xs.doc())).collect()),
                    )
                })
                .collect(),
        )
    })
}

/// One statement: its Sid (what merging matches on) and its elements in Terraform's order.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    pub(crate) sid: String,
    pub(crate) fields: Vec<(String, Doc)>,
}

/// The elements of a statement in the order Terraform writes them.
pub(crate) const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];

impl Statement {
    pub fn new(mut elements: Vec<(&'static str, Option<Doc>)>) -> Statement {
        elements.sort_by_key(|(k, _)| STATEMENT_ELEMENTS.iter().position(|e| e == k));
        let sid = elements
            .iter()
            .find_map(|(k, v)| match (k, v) {
                (&"Sid", Some(Doc::Str(x))) => Some(x.clone()),
                _ => None,
            })
            .unwrap_or_default();
        Statement {
            sid,
            fields: elements
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
                .filter(|(_, v)| *v != Doc::Str(String::new()))
                .collect(),
        }
    }

    pub(crate) fn configured(o: &Obj) -> Statement {
        let strings = |k: &str| Strings::configured(o.strs(k)).map(Strings::doc);
        let principals = |k: &str| {
            principal_doc(
                o.blocks(k)
                    .iter()
                    .filter_map(|p| {
                        Some((p.str("type")?, Strings::configured(p.strs("identifiers"))?))
                    })
                    .collect(),
            )
        };
        let conditions = condition_doc(
            o.blocks("condition")
                .iter()
                .filter_map(|c| {
                    Some((
                        c.str("test")?,
                        c.str("variable")?,
                        Strings::configured(c.strs("values"))?,
                    ))
                })
                .collect(),
        );
        Statement::new(vec![
            ("Sid", o.str("sid").map(Doc::Str)),
            (
                "Effect",
                Some(Doc::Str(o.str("effect").unwrap_or_else(|| "Allow".into()))),
            ),
            ("Action", strings("actions")),
            ("NotAction", strings("not_actions")),
            ("Resource", strings("resources")),
            ("NotResource", strings("not_resources")),
            ("Principal", principals("principals")),
            ("NotPrincipal", principals("not_principals")),
            ("Condition", conditions),
        ])
    }

    /// A statement of a source or override document, re-written as Terraform re-writes it:
    /// elements in its order, principals and conditions normalised, actions and resources as
    /// they were.
    pub(crate) fn parsed(v: &serde_json::Value) -> ProviderResult<Statement> {
        let m = v.as_object().ok_or_else(|| {
            ProviderError::new("read", format!("a policy statement is not an object: {v}"))
        })?;
        let principal = |k: &str| -> Option<Doc> {
            match m.get(k)? {
                serde_json::Value::Object(by_type) => principal_doc(
                    by_type
                        .iter()
                        .filter_map(|(t, ids)| Some((t.clone(), Strings::from_json(ids)?)))
                        .collect(),
                ),
                other => Some(Doc::from_json(other)),
            }
        };
        let conditions = m.get("Condition").and_then(|c| {
            let tests = c.as_object()?;
            condition_doc(
                tests
                    .iter()
                    .filter_map(|(test, vars)| Some((test, vars.as_object()?)))
                    .flat_map(|(test, vars)| {
                        vars.iter().filter_map(move |(var, values)| {
                            Some((test.clone(), var.clone(), Strings::from_json(values)?))
                        })
                    })
                    .collect(),
            )
        });
        let plain = |k: &str| m.get(k).map(Doc::from_json);
        Ok(Statement::new(vec![
            ("Sid", plain("Sid")),
            ("Effect", plain("Effect")),
            ("Action", plain("Action")),
            ("NotAction", plain("NotAction")),
            ("Resource", plain("Resource")),
            ("NotResource", plain("NotResource")),
            ("Principal", principal("Principal")),
            ("NotPrincipal", principal("NotPrincipal")),
            ("Condition", conditions),
        ]))
    }
}

/// A policy document being assembled from sources, the configuration and overrides.
#[derive(Debug, Default)]
pub(crate) struct Policy {
    pub(crate) version: String,
    pub(crate) id: String,
    pub(crate) statements: Vec<Statement>,
}

impl Policy {
    pub(crate) fn parse(text: &str, what: &str) -> ProviderResult<Policy> {
        let v: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| ProviderError::new("read", format!("{what} is not JSON: {e}")))?;
        let statements = match v.get("Statement") {
            Some(serde_json::Value::Array(xs)) => {
                xs.iter().map(Statement::parsed).collect::<Result<_, _>>()?
            }
            Some(one @ serde_json::Value::Object(_)) => vec![Statement::parsed(one)?],
            _ => Vec::new(),
        };
        let text_of = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_str())
                .unwrap_or_default()
                .to_string()
        };
        Ok(Policy {
            version: text_of("Version"),
            id: text_of("Id"),
            statements,
        })
    }

    /// Terraform's merge: a later document's Id wins, its Version wins when greater, and its
    /// statements replace those with the same Sid in place; the rest are appended.
    pub(crate) fn merge(&mut self, later: Policy) {
        if !later.id.is_empty() {
            self.id = later.id;
        }
        if later.version > self.version {
            self.version = later.version;
        }
        for st in later.statements {
            let same = (!st.sid.is_empty())
                .then(|| self.statements.iter_mut().find(|s| s.sid == st.sid))
                .flatten();
            match same {
                Some(existing) => *existing = st,
                None => self.statements.push(st),
            }
        }
    }

    pub(crate) fn doc(&self) -> Doc {
        let mut fields = Vec::new();
        if !self.version.is_empty() {
            fields.push(("Version".to_string(), Doc::Str(self.version.clone())));
        }
        if !self.id.is_empty() {
            fields.push(("Id".to_string(), Doc::Str(self.id.clone())));
        }
        let statements = if self.statements.is_empty() {
            Doc::Raw("null".into())
        } else {
            Doc::List(
                self.statements
                    .iter()
                    .map(|s| Doc::Fields(s.fields.clone()))
                    .collect(),
            )
        };
        fields.push(("Statement".to_string(), statements));
        Doc::Fields(fields)
    }
}

/// Sids must not repeat within one group of statements.
pub(crate) fn check_unique_sids<'a>(
    statements: impl IntoIterator<Item = &'a Statement>,
    what: &str,
) -> ProviderResult<()> {
    let mut seen = std::collections::BTreeSet::new();
    for st in statements {
        if !st.sid.is_empty() && !seen.insert(st.sid.clone()) {
            return Err(ProviderError::new(
                "read",
                format!(
                    "duplicate Sid ({}) in {what}: remove the Sid or make Sids unique",
                    st.sid
                ),
            ));
        }
    }
    Ok(())
}

/// The document a data source configuration describes.
pub(crate) fn policy_document(config: &Obj) -> ProviderResult<Policy> {
    let mut merged = Policy::default();
    // The deprecated single-document forms: `source_json` first, `override_json` last.
    if let Some(text) = config.str("source_json") {
        merged.merge(Policy::parse(&text, "source_json")?);
    }
    let sources = config
        .strs("source_policy_documents")
        .iter()
        .enumerate()
        .map(|(i, text)| Policy::parse(text, &format!("source_policy_documents[{i}]")))
        .collect::<ProviderResult<Vec<_>>>()?;
    check_unique_sids(
        sources.iter().flat_map(|p| &p.statements),
        "source_policy_documents",
    )?;
    for source in sources {
        merged.merge(source);
    }
    let own = Policy {
        version: config.str("version").unwrap_or_else(|| "2012-10-17".into()),
        id: config.str("policy_id").unwrap_or_default(),
        statements: config
            .blocks("statement")
            .iter()
            .map(Statement::configured)
            .collect(),
    };
    check_unique_sids(&own.statements, "statement")?;
    merged.merge(own);
    for (i, text) in config.strs("override_policy_documents").iter().enumerate() {
        merged.merge(Policy::parse(
            text,
            &format!("override_policy_documents[{i}]"),
        )?);
    }
    if let Some(text) = config.str("override_json") {
        merged.merge(Policy::parse(&text, "override_json")?);
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_strings_escape_html_characters() {
        let mut out = String::new();
        write_go_string(&mut out, "a<b>&\"\\\n");
        assert_eq!(out, r#""a\u003cb\u003e\u0026\"\\\n""#);
    }

    #[test]
    fn merge_replaces_statements_by_sid_in_place() {
        let source = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"a:*"},{"Sid":"B","Effect":"Allow","Action":"b:*"}]}"#,
            "source",
        )
        .unwrap();
        let over = Policy::parse(
            r#"{"Statement":[{"Sid":"A","Effect":"Deny","Action":"a:*"},{"Effect":"Allow","Action":"c:*"}]}"#,
            "override",
        )
        .unwrap();
        let mut merged = Policy::default();
        merged.merge(source);
        merged.merge(over);
        assert_eq!(
            merged.doc().render(false),
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","Action":"a:*"},{"Sid":"B","Effect":"Allow","Action":"b:*"},{"Effect":"Allow","Action":"c:*"}]}"#
        );
    }

    #[test]
    fn the_single_document_forms_go_first_and_last() {
        let mut config = Obj::default();
        config
            .set(
                "source_json",
                crate::provider::aws::attrs::s(
                    r#"{"Statement":[{"Sid":"A","Effect":"Allow","Action":"a:*"},{"Sid":"B","Effect":"Allow","Action":"b:*"}]}"#,
                ),
            )
            .set(
                "source_policy_documents",
                crate::provider::aws::attrs::list_s([
                    r#"{"Statement":[{"Sid":"B","Effect":"Deny","Action":"b:*"}]}"#,
                ]),
            )
            .set(
                "override_json",
                crate::provider::aws::attrs::s(
                    r#"{"Statement":[{"Sid":"A","Effect":"Deny","Action":"a:*"}]}"#,
                ),
            );
        assert_eq!(
            policy_document(&config).unwrap().doc().render(false),
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","Action":"a:*"},{"Sid":"B","Effect":"Deny","Action":"b:*"}]}"#
        );
    }
}
