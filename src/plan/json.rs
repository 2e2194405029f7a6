//! Terraform's machine-readable plan (`terraform show -json`, format version 1.2), so policy
//! tools such as checkov read infra's plans unchanged: `resource_changes` with before/after and
//! the unknown and sensitive masks, `planned_values`, `prior_state`, `output_changes`.

use super::model::{Action, Plan, ResourceChange};
use crate::lang::value::Value;
use crate::state::State;
use serde_json::{Map, Value as J, json};

/// The value with unknowns as null (Terraform's `after`).
fn known(v: &Value) -> J {
    match v {
        Value::Unknown(_) => J::Null,
        Value::Sensitive(inner) => known(inner),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            J::Array(items.iter().map(known).collect())
        }
        Value::Map(_, attrs) | Value::Object(attrs) => {
            J::Object(attrs.iter().map(|(k, x)| (k.clone(), known(x))).collect())
        }
        other => other.to_json(),
    }
}

/// A mask: `true` where `pick` holds, nested like the value, empty where nothing does.
fn mask(v: &Value, pick: &dyn Fn(&Value) -> bool) -> J {
    if pick(v) {
        return J::Bool(true);
    }
    match v.unmark().0 {
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            J::Array(items.iter().map(|x| mask_leaf(x, pick)).collect())
        }
        Value::Map(_, attrs) | Value::Object(attrs) => {
            let m: Map<String, J> = attrs
                .iter()
                .filter_map(|(k, x)| {
                    let inner = mask_leaf(x, pick);
                    (inner != J::Bool(false)).then(|| (k.clone(), inner))
                })
                .collect();
            J::Object(m)
        }
        _ => J::Bool(false),
    }
}

fn mask_leaf(v: &Value, pick: &dyn Fn(&Value) -> bool) -> J {
    if pick(v) {
        return J::Bool(true);
    }
    match v.unmark().0 {
        Value::List(..) | Value::Set(..) | Value::Tuple(_) | Value::Map(..) | Value::Object(_) => {
            mask(v, pick)
        }
        _ => J::Bool(false),
    }
}

fn unknown_mask(v: &Value) -> J {
    mask(v, &|x| !x.is_known())
}

fn sensitive_mask(v: &Value) -> J {
    mask(v, &|x| x.is_marked())
}

fn change_json(c: &ResourceChange) -> J {
    let before = c.before.as_ref();
    let after = c.after.as_ref();
    let mut j = json!({
        "address": c.address,
        "mode": c.mode,
        "type": c.type_name,
        "name": c.name,
        "provider_name": provider_name(&c.provider),
        "change": {
            "actions": c.action.json_actions(),
            "before": before.map_or(J::Null, known),
            "after": after.map_or(J::Null, known),
            "after_unknown": after.map_or(json!({}), unknown_mask),
            "before_sensitive": before.map_or(J::Bool(false), sensitive_mask),
            "after_sensitive": after.map_or(J::Bool(false), sensitive_mask),
        },
    });
    if !c.module.is_empty() {
        j["module_address"] = json!(c.module);
    }
    if let Some(i) = &c.index {
        j["index"] = i.clone();
    }
    if let Some(k) = &c.deposed {
        j["deposed"] = json!(k);
    }
    if !c.replace_paths.is_empty() {
        j["change"]["replace_paths"] =
            J::Array(c.replace_paths.iter().map(|p| json!([p])).collect());
    }
    let reason = match (c.action, c.reason.as_deref()) {
        (_, Some("tainted")) => Some("replace_because_tainted"),
        (_, Some("requested")) => Some("replace_by_request"),
        (_, Some("replace_triggered_by")) => Some("replace_by_triggers"),
        (Action::DeleteThenCreate | Action::CreateThenDelete, _) => {
            Some("replace_because_cannot_update")
        }
        (Action::Delete, Some("orphan")) => Some("delete_because_no_resource_config"),
        _ => None,
    };
    if let Some(r) = reason {
        j["action_reason"] = json!(r);
    }
    j
}

/// `provider["registry.terraform.io/hashicorp/null"]` → `registry.terraform.io/hashicorp/null`.
fn provider_name(addr: &str) -> String {
    addr.trim_start_matches("provider[\"")
        .trim_end_matches("\"]")
        .to_string()
}

/// Resources grouped into Terraform's nested module layout.
fn module_tree(resources: Vec<(String, J)>) -> J {
    fn insert(node: &mut Map<String, J>, path: &[String], res: J) {
        if path.is_empty() {
            if let Some(a) = node
                .entry("resources")
                .or_insert_with(|| J::Array(Vec::new()))
                .as_array_mut()
            {
                a.push(res);
            }
            return;
        }
        let parent_addr = node
            .get("address")
            .and_then(J::as_str)
            .map(|s| format!("{s}."))
            .unwrap_or_default();
        let children = node
            .entry("child_modules")
            .or_insert_with(|| J::Array(Vec::new()));
        let Some(arr) = children.as_array_mut() else {
            return;
        };
        let addr = format!("{parent_addr}{}", path[0]);
        let pos = arr
            .iter()
            .position(|c| c.get("address").and_then(J::as_str) == Some(addr.as_str()));
        let idx = match pos {
            Some(i) => i,
            None => {
                arr.push(json!({ "address": addr }));
                arr.len() - 1
            }
        };
        if let Some(J::Object(child)) = arr.get_mut(idx) {
            insert(child, &path[1..], res);
        }
    }
    let mut root = Map::new();
    for (module, res) in resources {
        let path: Vec<String> = split_module(&module);
        insert(&mut root, &path, res);
    }
    J::Object(root)
}

/// `module.a["x"].module.b` → [`module.a["x"]`, `module.b`].
fn split_module(m: &str) -> Vec<String> {
    if m.is_empty() {
        return Vec::new();
    }
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut in_str = false;
    for (i, c) in m.char_indices() {
        if c == '"' {
            in_str = !in_str;
        }
        if !in_str && m[i..].starts_with(".module.") {
            parts.push(std::mem::take(&mut cur));
            continue;
        }
        cur.push(c);
    }
    parts.push(cur);
    parts
        .into_iter()
        .map(|p| {
            if p.starts_with("module.") {
                p
            } else {
                format!("module.{p}")
            }
        })
        .map(|p| p.replace("module.module.", "module."))
        .collect()
}

pub fn plan_json(plan: &Plan, prior: Option<&State>) -> J {
    let planned: Vec<(String, J)> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::Delete)
        .filter_map(|c| {
            let after = c.after.as_ref()?;
            let mut r = json!({
                "address": c.address,
                "mode": c.mode,
                "type": c.type_name,
                "name": c.name,
                "provider_name": provider_name(&c.provider),
                "schema_version": 0,
                "values": known(after),
                "sensitive_values": match sensitive_mask(after) { J::Bool(_) => json!({}), m => m },
            });
            if let Some(i) = &c.index {
                r["index"] = i.clone();
            }
            Some((c.module.clone(), r))
        })
        .collect();
    let outputs: Map<String, J> = plan
        .outputs
        .iter()
        .filter(|(_, o)| o.action != Action::Delete)
        .map(|(k, o)| (k.clone(), json!({ "sensitive": o.sensitive, "value": o.after.as_ref().map_or(J::Null, known) })))
        .collect();
    let output_changes: Map<String, J> = plan
        .outputs
        .iter()
        .map(|(k, o)| {
            (
                k.clone(),
                json!({
                    "actions": o.action.json_actions(),
                    "before": o.before.as_ref().map_or(J::Null, known),
                    "after": o.after.as_ref().map_or(J::Null, known),
                    "after_unknown": o.after.as_ref().is_some_and(|v| !v.is_wholly_known()),
                    "before_sensitive": o.sensitive,
                    "after_sensitive": o.sensitive,
                }),
            )
        })
        .collect();
    let mut root_module = module_tree(planned);
    root_module["outputs"] = J::Object(outputs);
    let mut j = json!({
        "format_version": "1.2",
        "terraform_version": format!("infra-{}", env!("CARGO_PKG_VERSION")),
        "planned_values": { "outputs": root_module["outputs"].clone(), "root_module": root_module },
        "resource_changes": plan.changes.iter().map(change_json).collect::<Vec<_>>(),
        "output_changes": output_changes,
        "configuration": { "root_module": {} },
        "errored": false,
    });
    if let Some(obj) = j["planned_values"]["root_module"].as_object_mut() {
        obj.remove("outputs");
    }
    if let Some(ts) = &plan.timestamp {
        j["timestamp"] = json!(ts);
    }
    if let Some(s) = prior {
        j["prior_state"] = state_json(s);
    }
    j
}

/// A state in Terraform's JSON values representation (`terraform show -json` of a state).
pub fn state_json(s: &State) -> J {
    let resources: Vec<(String, J)> = s
        .instances()
        .map(|(addr, r, i)| {
            let mut res = json!({
                "address": addr,
                "mode": r.mode,
                "type": r.type_name,
                "name": r.name,
                "provider_name": provider_name(&r.provider),
                "schema_version": i.schema_version,
                "values": i.attributes,
                "sensitive_values": {},
            });
            if let Some(k) = &i.index_key {
                res["index"] = k.clone();
            }
            (r.module.clone(), res)
        })
        .collect();
    let outputs: Map<String, J> = s
        .outputs
        .iter()
        .map(|(k, o)| {
            (
                k.clone(),
                json!({ "sensitive": o.sensitive, "value": o.value, "type": o.ty }),
            )
        })
        .collect();
    json!({
        "format_version": "1.0",
        "terraform_version": s.terraform_version,
        "values": { "outputs": outputs, "root_module": module_tree(resources) },
    })
}
