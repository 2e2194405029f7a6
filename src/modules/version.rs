//! Module versions and version constraints as Terraform writes them: `1.2.0`, `v1.2.0-beta.1`,
//! and constraints like `~> 1.2`, `>= 1.0, < 2.0`, `!= 1.3.1`, `= 1.4.0`. A pre-release
//! version is only chosen when a constraint names it exactly.

use std::cmp::Ordering;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Major, minor, patch (missing parts are 0).
    parts: [u64; 3],
    /// How many parts were written (for `~>`, which bumps the next-to-last one).
    written: usize,
    pre: Option<String>,
}

impl Version {
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim();
        let s = s.strip_prefix('v').unwrap_or(s);
        // Build metadata does not take part in precedence.
        let s = s.split('+').next()?;
        let (core, pre) = match s.split_once('-') {
            Some((c, p)) if !p.is_empty() => (c, Some(p.to_string())),
            Some(_) => return None,
            None => (s, None),
        };
        let mut parts = [0u64; 3];
        let mut written = 0;
        for (i, p) in core.split('.').enumerate() {
            if i >= 3 || p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            parts[i] = p.parse().ok()?;
            written = i + 1;
        }
        (written > 0).then_some(Version {
            parts,
            written,
            pre,
        })
    }

    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some()
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        self.parts
            .cmp(&other.parts)
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => compare_pre(a, b),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// SemVer's pre-release precedence: dot-separated identifiers, numeric ones compared as
/// numbers and below alphanumeric ones, a shorter list first when all else is equal.
fn compare_pre(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.split('.'), b.split('.'));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) => {
                let o = match (p.parse::<u64>(), q.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => p.cmp(q),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c] = self.parts;
        write!(f, "{a}.{b}.{c}")?;
        if let Some(p) = &self.pre {
            write!(f, "-{p}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Pessimistic,
}

/// A version constraint: every one of its comma-separated parts must hold.
#[derive(Debug, Clone)]
pub struct Constraint {
    parts: Vec<(Op, Version)>,
}

impl Constraint {
    pub fn parse(s: &str) -> Result<Constraint, String> {
        let mut parts = Vec::new();
        for raw in s.split(',') {
            let raw = raw.trim();
            let (op, rest) = [
                ("~>", Op::Pessimistic),
                (">=", Op::Ge),
                ("<=", Op::Le),
                ("!=", Op::Ne),
                ("=", Op::Eq),
                (">", Op::Gt),
                ("<", Op::Lt),
            ]
            .iter()
            .find_map(|(p, op)| raw.strip_prefix(p).map(|r| (*op, r)))
            .unwrap_or((Op::Eq, raw));
            let v = Version::parse(rest)
                .ok_or_else(|| format!("{raw:?} is not a version constraint"))?;
            parts.push((op, v));
        }
        Ok(Constraint { parts })
    }

    pub fn allows(&self, v: &Version) -> bool {
        // A pre-release is only ever chosen by naming it exactly.
        if v.is_prerelease()
            && !self
                .parts
                .iter()
                .any(|(op, c)| *op == Op::Eq && c.parts == v.parts && c.pre == v.pre)
        {
            return false;
        }
        self.parts.iter().all(|(op, c)| match op {
            Op::Eq => v == c,
            Op::Ne => v != c,
            Op::Gt => v > c,
            Op::Ge => v >= c,
            Op::Lt => v < c,
            Op::Le => v <= c,
            Op::Pessimistic => v >= c && v < &pessimistic_ceiling(c),
        })
    }

    /// Whether an installed version, as the manifest records it, still meets the constraint
    /// (no recorded version never does).
    pub fn allows_installed(&self, installed: Option<&str>) -> bool {
        installed
            .and_then(Version::parse)
            .is_some_and(|v| self.allows(&v))
    }

    /// The newest of `versions` this constraint allows (every version when there is none).
    pub fn newest<'v>(c: Option<&Constraint>, versions: &'v [Version]) -> Option<&'v Version> {
        versions
            .iter()
            .filter(|v| match c {
                Some(c) => c.allows(v),
                None => !v.is_prerelease(),
            })
            .max()
    }
}

/// `~> 1.2` allows up to (not including) 2.0; `~> 1.2.3` up to 1.3.0; `~> 1` up to 2.0.
fn pessimistic_ceiling(c: &Version) -> Version {
    let mut parts = [0u64; 3];
    let bump = c.written.saturating_sub(2);
    parts[..bump].copy_from_slice(&c.parts[..bump]);
    parts[bump] = c.parts[bump] + 1;
    Version {
        parts,
        written: 3,
        pre: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn newest(c: &str, vs: &[&str]) -> Option<String> {
        let vs: Vec<Version> = vs.iter().map(|s| v(s)).collect();
        let c = Constraint::parse(c).unwrap();
        Constraint::newest(Some(&c), &vs).map(ToString::to_string)
    }

    #[test]
    fn pessimistic_constraints_bump_the_next_to_last_part() {
        let all = ["1.1.9", "1.2.0", "1.2.7", "1.3.0", "2.0.0", "2.1.0-beta"];
        assert_eq!(newest("~> 1.2.0", &all).as_deref(), Some("1.2.7"));
        assert_eq!(newest("~> 1.2", &all).as_deref(), Some("1.3.0"));
        assert_eq!(newest("~> 1", &all).as_deref(), Some("1.3.0"));
        assert_eq!(newest(">= 1.2, < 1.3", &all).as_deref(), Some("1.2.7"));
        assert_eq!(newest("!= 2.0.0", &all).as_deref(), Some("1.3.0"));
        assert_eq!(newest("> 3", &all), None);
    }

    #[test]
    fn prereleases_only_when_named() {
        let all = ["2.0.0", "2.1.0-beta", "2.1.0-alpha.10", "2.1.0-alpha.9"];
        assert_eq!(newest(">= 2.0", &all).as_deref(), Some("2.0.0"));
        assert_eq!(newest("2.1.0-beta", &all).as_deref(), Some("2.1.0-beta"));
        assert!(v("2.1.0-alpha.10") > v("2.1.0-alpha.9"));
        assert!(v("2.1.0-beta") > v("2.1.0-alpha.10"));
        assert!(v("2.1.0") > v("2.1.0-beta"));
    }

    #[test]
    fn versions_parse_as_terraform_writes_them() {
        assert_eq!(v("v1.2").to_string(), "1.2.0");
        assert_eq!(v("1.2.3+build.5").to_string(), "1.2.3");
        assert!(Version::parse("1.x").is_none());
        assert!(Version::parse("").is_none());
        assert!(Constraint::parse(">= banana").is_err());
    }
}
