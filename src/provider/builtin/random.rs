//! The hashicorp/random provider's resources, which need no cloud: `random_string`,
//! `random_password`, `random_id`, `random_integer`, `random_uuid` and `random_shuffle`.
//! As in Terraform, every argument (and `keepers`) replaces the object when it changes; the
//! result is chosen once, at create, and kept in state.

use crate::lang::number::Number;
use crate::lang::types::Type;
use crate::lang::value::{Attrs, Value};
use crate::provider::{
    AsyncResourceType, AttrSchema, CreateContext, ProviderError, ProviderResult, Schema,
};
use base64::Engine;
use std::sync::Arc;

const PROVIDER: &str = "provider[\"registry.terraform.io/hashicorp/random\"]";

#[derive(Clone, Copy)]
pub enum Kind {
    String,
    Password,
    Id,
    Integer,
    Uuid,
    Shuffle,
    Pet,
}

#[derive(Clone)]
pub struct Random {
    kind: Kind,
    schema: Arc<Schema>,
}

fn keepers() -> (&'static str, AttrSchema) {
    (
        "keepers",
        AttrSchema::optional(Type::Map(Box::new(Type::String))).force_new(),
    )
}

fn chars_schema(result_sensitive: bool) -> Schema {
    let flag = |d: bool| {
        AttrSchema::optional(Type::Bool)
            .default(Value::Bool(d))
            .force_new()
    };
    let min = || {
        AttrSchema::optional(Type::Number)
            .default(Value::int(0))
            .force_new()
    };
    let result = AttrSchema::computed(Type::String);
    Schema::new([
        ("id", AttrSchema::computed(Type::String)),
        ("length", AttrSchema::required(Type::Number).force_new()),
        ("special", flag(true)),
        ("upper", flag(true)),
        ("lower", flag(true)),
        ("numeric", flag(true)),
        ("min_special", min()),
        ("min_upper", min()),
        ("min_lower", min()),
        ("min_numeric", min()),
        (
            "override_special",
            AttrSchema::optional(Type::String).force_new(),
        ),
        keepers(),
        (
            "result",
            if result_sensitive {
                result.sensitive()
            } else {
                result
            },
        ),
    ])
}

impl Random {
    pub fn new(kind: Kind) -> Random {
        let schema = match kind {
            Kind::String => chars_schema(false),
            Kind::Password => chars_schema(true),
            Kind::Id => Schema::new([
                ("id", AttrSchema::computed(Type::String)),
                (
                    "byte_length",
                    AttrSchema::required(Type::Number).force_new(),
                ),
                ("prefix", AttrSchema::optional(Type::String).force_new()),
                keepers(),
                ("b64_url", AttrSchema::computed(Type::String)),
                ("b64_std", AttrSchema::computed(Type::String)),
                ("hex", AttrSchema::computed(Type::String)),
                ("dec", AttrSchema::computed(Type::String)),
            ]),
            Kind::Integer => Schema::new([
                ("id", AttrSchema::computed(Type::String)),
                ("min", AttrSchema::required(Type::Number).force_new()),
                ("max", AttrSchema::required(Type::Number).force_new()),
                ("seed", AttrSchema::optional(Type::String).force_new()),
                keepers(),
                ("result", AttrSchema::computed(Type::Number)),
            ]),
            Kind::Uuid => Schema::new([
                ("id", AttrSchema::computed(Type::String)),
                keepers(),
                ("result", AttrSchema::computed(Type::String)),
            ]),
            Kind::Pet => Schema::new([
                ("id", AttrSchema::computed(Type::String)),
                keepers(),
                (
                    "length",
                    AttrSchema::optional(Type::Number)
                        .default(Value::number(crate::lang::number::Number::from_i64(2)))
                        .force_new(),
                ),
                ("prefix", AttrSchema::optional(Type::String).force_new()),
                (
                    "separator",
                    AttrSchema::optional(Type::String)
                        .default(Value::string("-"))
                        .force_new(),
                ),
            ]),
            Kind::Shuffle => Schema::new([
                ("id", AttrSchema::computed(Type::String)),
                (
                    "input",
                    AttrSchema::required(Type::List(Box::new(Type::String))).force_new(),
                ),
                (
                    "result_count",
                    AttrSchema::optional(Type::Number).force_new(),
                ),
                ("seed", AttrSchema::optional(Type::String).force_new()),
                keepers(),
                (
                    "result",
                    AttrSchema::computed(Type::List(Box::new(Type::String))),
                ),
            ]),
        };
        Random {
            kind,
            schema: Arc::new(schema),
        }
    }
}

/// Uniform random numbers below `n` from the operating system's generator (via UUID v4).
fn below(n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    let r = u128::from_le_bytes(*uuid::Uuid::new_v4().as_bytes());
    (r % n as u128) as usize
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 16);
    while out.len() < n {
        out.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    out.truncate(n);
    out
}

fn get(o: &Attrs, k: &str) -> Value {
    o.get(k)
        .map(|v| v.unmark().0.clone())
        .unwrap_or_else(Value::null)
}

fn int(o: &Attrs, k: &str) -> Option<i64> {
    get(o, k).as_number().and_then(Number::to_i64)
}

/// A string of `length` characters from the enabled classes, with at least the minimum of each.
fn characters(o: &Attrs) -> ProviderResult<String> {
    let length = int(o, "length").unwrap_or(0).max(0) as usize;
    let on = |k: &str| get(o, k).as_bool().unwrap_or(true);
    let special = get(o, "override_special")
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| "!@#$%&*()-_=+[]{}<>:?".into());
    let classes: Vec<(String, usize)> = [
        (
            "upper",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ".to_string(),
            "min_upper",
        ),
        (
            "lower",
            "abcdefghijklmnopqrstuvwxyz".to_string(),
            "min_lower",
        ),
        ("numeric", "0123456789".to_string(), "min_numeric"),
        ("special", special, "min_special"),
    ]
    .into_iter()
    .filter(|(k, set, _)| on(k) && !set.is_empty())
    .map(|(_, set, min)| (set, int(o, min).unwrap_or(0).max(0) as usize))
    .collect();
    let required: usize = classes.iter().map(|(_, m)| m).sum();
    if classes.is_empty() || required > length {
        return Err(ProviderError::new(
            "create",
            format!(
                "length {length} cannot hold the minimums ({required}) of the enabled character classes"
            ),
        ));
    }
    let pick = |set: &str| {
        let cs: Vec<char> = set.chars().collect();
        cs[below(cs.len())]
    };
    let mut out: Vec<char> = Vec::with_capacity(length);
    for (set, min) in &classes {
        for _ in 0..*min {
            out.push(pick(set));
        }
    }
    let all: String = classes.iter().map(|(s, _)| s.as_str()).collect();
    while out.len() < length {
        out.push(pick(&all));
    }
    // Fisher–Yates, so the required characters are not all at the front.
    for i in (1..out.len()).rev() {
        out.swap(i, below(i + 1));
    }
    Ok(out.into_iter().collect())
}

impl AsyncResourceType for Random {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn provider_address(&self) -> &str {
        PROVIDER
    }

    async fn create(&self, _ctx: CreateContext, planned: Value) -> ProviderResult<Value> {
        let kind = self.kind;
        let schema = self.schema.clone();
        let mut o = planned.attributes().cloned().unwrap_or_default();
        let s = |x: &str| Value::string(x);
        match kind {
            Kind::String | Kind::Password => {
                let r = characters(&o)?;
                let id = if matches!(kind, Kind::Password) {
                    "none".to_string()
                } else {
                    r.clone()
                };
                o.insert("result".into(), s(&r));
                o.insert("id".into(), s(&id));
            }
            Kind::Id => {
                let n = int(&o, "byte_length").unwrap_or(0).max(1) as usize;
                let prefix = get(&o, "prefix").as_str().unwrap_or("").to_string();
                let bytes = random_bytes(n);
                let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
                let std = base64::engine::general_purpose::STANDARD.encode(&bytes);
                let dec = num_bigint::BigUint::from_bytes_be(&bytes).to_string();
                o.insert("id".into(), s(&url));
                o.insert("b64_url".into(), s(&format!("{prefix}{url}")));
                o.insert("b64_std".into(), s(&format!("{prefix}{std}")));
                o.insert("hex".into(), s(&format!("{prefix}{}", hex::encode(&bytes))));
                o.insert("dec".into(), s(&format!("{prefix}{dec}")));
            }
            Kind::Integer => {
                let (min, max) = (int(&o, "min").unwrap_or(0), int(&o, "max").unwrap_or(0));
                if max < min {
                    return Err(ProviderError::new("create", "max must be at least min"));
                }
                let r = min + below((max - min) as usize + 1) as i64;
                o.insert("result".into(), Value::int(r));
                o.insert("id".into(), s(&r.to_string()));
            }
            Kind::Uuid => {
                let u = uuid::Uuid::new_v4().to_string();
                o.insert("result".into(), s(&u));
                o.insert("id".into(), s(&u));
            }
            Kind::Pet => {
                let length = int(&o, "length").unwrap_or(2).max(1) as usize;
                let separator = get(&o, "separator").as_str().unwrap_or("-").to_string();
                let mut words: Vec<String> = get(&o, "prefix")
                    .as_str()
                    .map(|p| vec![p.to_string()])
                    .unwrap_or_default();
                words.extend(pet_name(length));
                o.insert("id".into(), s(&words.join(&separator)));
            }
            Kind::Shuffle => {
                let mut items: Vec<Value> = get(&o, "input")
                    .elements()
                    .map(<[Value]>::to_vec)
                    .unwrap_or_default();
                for i in (1..items.len()).rev() {
                    items.swap(i, below(i + 1));
                }
                if let Some(c) = int(&o, "result_count") {
                    items.truncate(c.max(0) as usize);
                }
                o.insert("result".into(), Value::list(Type::String, items));
                o.insert("id".into(), s("-"));
            }
        }
        Ok(schema.complete(o))
    }

    super::replaced_only!();

    async fn import(&self, id: &str) -> ProviderResult<Value> {
        let kind = self.kind;
        let schema = self.schema.clone();
        let mut o = Attrs::new();
        o.insert("id".into(), Value::string(id));
        if matches!(kind, Kind::String | Kind::Password | Kind::Uuid) {
            o.insert("result".into(), Value::string(id));
        }
        Ok(schema.complete(o))
    }
}

/// Adverbs, adjectives and animal names `random_pet` draws from (as Terraform's does: the
/// last word an animal, the one before an adjective, any before that an adverb).
const ADVERBS: &[&str] = &[
    "boldly", "briskly", "calmly", "deeply", "eagerly", "fairly", "gently", "gladly", "happily",
    "kindly", "lightly", "loudly", "merrily", "neatly", "openly", "proudly", "quietly", "rapidly",
    "really", "smoothly", "softly", "surely", "swiftly", "truly",
];
const ADJECTIVES: &[&str] = &[
    "able", "amber", "brave", "bright", "calm", "clever", "cosmic", "crisp", "daring", "eager",
    "fancy", "fleet", "gentle", "golden", "happy", "honest", "jolly", "keen", "lucky", "mellow",
    "merry", "nimble", "noble", "polite", "proud", "quick", "quiet", "rapid", "sharp", "shy",
    "smart", "solid", "steady", "sunny", "swift", "tidy", "upbeat", "vivid", "warm", "wise",
    "witty", "young", "zesty",
];
const ANIMALS: &[&str] = &[
    "badger", "beaver", "bison", "bobcat", "crane", "dingo", "dolphin", "eagle", "falcon",
    "ferret", "finch", "fox", "gecko", "gibbon", "heron", "ibex", "jackal", "koala", "lemur",
    "lynx", "marmot", "mole", "moose", "newt", "ocelot", "otter", "owl", "panda", "puffin",
    "quail", "rabbit", "raven", "salmon", "seal", "shrew", "sloth", "stork", "tapir", "tiger",
    "toucan", "turtle", "walrus", "weasel", "wombat", "yak", "zebra",
];

/// `length` words: adverbs, then an adjective, then an animal.
fn pet_name(length: usize) -> Vec<String> {
    let pick = |list: &[&str]| list[below(list.len())].to_string();
    let mut words: Vec<String> = (2..length).map(|_| pick(ADVERBS)).collect();
    if length >= 2 {
        words.push(pick(ADJECTIVES));
    }
    words.push(pick(ANIMALS));
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, Value)]) -> Attrs {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn strings_meet_their_minimums_and_use_only_enabled_classes() {
        for _ in 0..50 {
            let s = characters(&cfg(&[
                ("length", Value::int(12)),
                ("special", Value::Bool(false)),
                ("min_numeric", Value::int(4)),
                ("min_upper", Value::int(2)),
            ]))
            .unwrap();
            assert_eq!(s.chars().count(), 12);
            assert!(s.chars().filter(char::is_ascii_digit).count() >= 4, "{s}");
            assert!(
                s.chars().filter(char::is_ascii_uppercase).count() >= 2,
                "{s}"
            );
            assert!(s.chars().all(|c| c.is_ascii_alphanumeric()), "{s}");
        }
        assert!(
            characters(&cfg(&[
                ("length", Value::int(2)),
                ("min_numeric", Value::int(3))
            ]))
            .is_err()
        );
    }
}
