//! Terraform's `name` / `name_prefix` arguments for EC2 and Auto Scaling objects: a name given
//! as is, or made unique from a prefix (`terraform-` when neither is set), and the prefix read
//! back from a name when the prior does not know it. IAM (`iam.rs`) and the load balancers
//! (`lb.rs`) make their names differently, as Terraform does for them.

use crate::lang::value::Value;
use crate::provider::CreateContext;
use crate::provider::aws::attrs::{Obj, opt_s};

/// How many characters a generated name appends to its prefix.
pub const UNIQUE_SUFFIX: usize = 26;

/// The name to create an object with: the `name_key` argument, else the `prefix_key` argument
/// (Terraform's default `terraform-`) and the create's token, the 26 characters of a
/// [`unique_suffix`](crate::provider::unique_suffix) that no other object has and a create
/// after a crash makes again.
pub fn create_name(p: &Obj, name_key: &str, prefix_key: &str, ctx: &CreateContext) -> String {
    p.str(name_key).unwrap_or_else(|| {
        let prefix = p.str(prefix_key).unwrap_or_else(|| "terraform-".into());
        format!("{prefix}{}", ctx.token)
    })
}

/// `name_prefix` as a table reads it (see [`Reader::WithPrior`](super::table::Reader)): the
/// prior's when it knows one, else (an import, or a create that set neither name nor prefix)
/// the name less a suffix [`create_name`] would have added, as Terraform derives it.
pub fn read_name_prefix(prior: Option<&Obj>, name: &str) -> Option<Value> {
    if prior.is_some_and(|p| p.str("name_prefix").is_some()) {
        return None;
    }
    let cut = name.len().checked_sub(UNIQUE_SUFFIX).filter(|c| *c > 0);
    let prefix = cut.filter(|c| {
        name.is_char_boundary(*c)
            && name[*c..]
                .bytes()
                .all(|x| x.is_ascii_digit() || (b'a'..=b'f').contains(&x))
    });
    Some(opt_s(prefix.map(|c| &name[..c])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::aws::attrs::s;

    fn prefix_of(name: &str) -> Option<String> {
        read_name_prefix(None, name).and_then(|v| v.as_str().map(str::to_string))
    }

    #[test]
    fn name_prefix_is_the_name_less_a_generated_suffix() {
        let mut p = Obj::default();
        p.set("name_prefix", s("node-"));
        let ctx = CreateContext {
            token: crate::provider::unique_suffix(),
            ..CreateContext::default()
        };
        let name = create_name(&p, "name", "name_prefix", &ctx);
        assert!(name.starts_with("node-") && name.len() == 5 + UNIQUE_SUFFIX);
        assert_eq!(prefix_of(&name).as_deref(), Some("node-"));
        assert_eq!(prefix_of("nodes"), None);
        assert_eq!(prefix_of("a-name-of-twenty-seven-char"), None);
        let mut known = Obj::default();
        known.set("name_prefix", s("kept-"));
        assert_eq!(read_name_prefix(Some(&known), &name), None);
    }
}
