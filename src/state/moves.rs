//! Renaming addresses in state (`infra state mv`, `moved` blocks): an instance to another
//! instance address, or every instance of a resource to another resource.

use super::model::State;
use crate::diag::Diagnostic;

/// Splits `module.a.type.name[key]` into (module, mode, type, name, key JSON).
pub fn parse(addr: &str) -> Option<(String, String, String, String, Option<serde_json::Value>)> {
    let i = crate::addrs::Instance::parse(addr)?;
    let mode = match i.mode {
        crate::addrs::Mode::Data => "data",
        crate::addrs::Mode::Managed => "managed",
    };
    Some((
        i.module.to_string(),
        mode.to_string(),
        i.type_name,
        i.name,
        i.key.as_ref().map(crate::addrs::Key::to_json),
    ))
}

pub fn move_address(s: &mut State, from: &str, to: &str) -> Result<(), Diagnostic> {
    let bad = |a: &str| {
        Diagnostic::plain(
            "Invalid address",
            format!(
                "{a:?} is not a resource or instance address like aws_vpc.main or aws_subnet.a[0]."
            ),
        )
    };
    let (_, fmode, ft, _, fkey) = parse(from).ok_or_else(|| bad(from))?;
    let (tm, tmode, tt, tname, tkey) = parse(to).ok_or_else(|| bad(to))?;
    if ft != tt || fmode != tmode {
        return Err(Diagnostic::plain(
            "Invalid move",
            format!("Cannot move {from} to {to}: the resource types differ."),
        ));
    }
    if s.instances().any(|(a, _, _)| a == to) {
        return Err(Diagnostic::plain(
            "Destination exists",
            format!("{to} is already in the state."),
        ));
    }
    let moving: Vec<String> = s
        .instances()
        .filter(|(a, _, _)| {
            if fkey.is_some() {
                a == from
            } else {
                a == from || a.starts_with(&format!("{from}["))
            }
        })
        .map(|(a, _, _)| a)
        .collect();
    if moving.is_empty() {
        return Err(Diagnostic::plain(
            "No instance found",
            format!("{from} is not in the state."),
        ));
    }
    for a in moving {
        let Some((mut r, mut inst)) = s.remove(&a) else {
            continue;
        };
        r.module = tm.clone();
        r.name = tname.clone();
        if fkey.is_some() || tkey.is_some() {
            inst.index_key = tkey.clone();
        }
        s.upsert(&r, inst);
    }
    Ok(())
}

/// Moves every instance under module address `from` (`module.a`, `module.a[0]`) to `to`.
pub fn move_module(s: &mut State, from: &str, to: &str) -> Result<(), Diagnostic> {
    let mut moved = 0;
    for r in s.resources.iter_mut() {
        if r.module == from {
            r.module = to.to_string();
            moved += 1;
        } else if let Some(rest) = r.module.strip_prefix(&format!("{from}.")) {
            r.module = format!("{to}.{rest}");
            moved += 1;
        }
    }
    if moved == 0 {
        return Err(Diagnostic::plain(
            "No instance found",
            format!("Nothing in the state is under {from}."),
        ));
    }
    s.resources.sort_by_key(|r| r.address());
    Ok(())
}
