//! A listener rule's `transform` blocks: rewrites an application load balancer applies to a
//! matching request before it is forwarded, of its host header or of its URL, each a regular
//! expression and its replacement.

use crate::lang::types::Type;
use crate::provider::aws::attrs::{Obj, blocks, blocks_or_null, opt_s};
use crate::provider::schema::block_object;
use aws_sdk_elasticloadbalancingv2::types::{
    HostHeaderRewriteConfig, RewriteConfig, RuleTransform, UrlRewriteConfig,
};

/// The two rewrite configurations, one for each transform type (`host-header-rewrite`,
/// `url-rewrite`).
const CONFIGS: [&str; 2] = ["host_header_rewrite_config", "url_rewrite_config"];

fn rewrite_ty() -> Type {
    block_object(&[("regex", Type::String), ("replace", Type::String)])
}

fn config_ty() -> Type {
    block_object(&[("rewrite", Type::List(Box::new(rewrite_ty())))])
}

/// A `transform` block.
pub(crate) fn transform_ty() -> Type {
    let mut fields = vec![("type", Type::String)];
    fields.extend(CONFIGS.map(|name| (name, Type::List(Box::new(config_ty())))));
    block_object(&fields)
}

fn rewrites_to_sdk(config: &Obj) -> Vec<RewriteConfig> {
    config
        .blocks("rewrite")
        .iter()
        .map(|r| {
            RewriteConfig::builder()
                .set_regex(r.str("regex"))
                .set_replace(r.str("replace"))
                .build()
        })
        .collect()
}

/// The configured transforms as CreateRule and ModifyRule take them.
pub(crate) fn to_sdk(p: &Obj) -> Vec<RuleTransform> {
    p.blocks("transform")
        .iter()
        .map(|t| {
            let config = |name: &str| t.block(name).map(|c| rewrites_to_sdk(&c));
            RuleTransform::builder()
                .set_type(t.str("type").map(|x| x.as_str().into()))
                .set_host_header_rewrite_config(config(CONFIGS[0]).map(|r| {
                    HostHeaderRewriteConfig::builder()
                        .set_rewrites(Some(r))
                        .build()
                }))
                .set_url_rewrite_config(
                    config(CONFIGS[1])
                        .map(|r| UrlRewriteConfig::builder().set_rewrites(Some(r)).build()),
                )
                .build()
        })
        .collect()
}

fn rewrites_read(rewrites: &[RewriteConfig]) -> Obj {
    let items = rewrites.iter().map(|r| {
        let mut o = Obj::default();
        o.set("regex", opt_s(r.regex()))
            .set("replace", opt_s(r.replace()));
        o
    });
    let mut config = Obj::default();
    config.set("rewrite", blocks(&rewrite_ty(), items.collect()));
    config
}

/// The transforms a described rule has, as blocks.
pub(crate) fn read(transforms: &[RuleTransform]) -> Vec<Obj> {
    transforms
        .iter()
        .map(|t| {
            let mut o = Obj::default();
            o.set("type", opt_s(t.r#type().map(|k| k.as_str())));
            let rewrites = [
                t.host_header_rewrite_config().map(|c| c.rewrites()),
                t.url_rewrite_config().map(|c| c.rewrites()),
            ];
            for (name, rewrites) in CONFIGS.iter().zip(rewrites) {
                let config = rewrites.map(|r| vec![rewrites_read(r)]).unwrap_or_default();
                o.set(name, blocks_or_null(&config_ty(), config));
            }
            o
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::value::Value;

    #[test]
    fn a_transform_reads_back_as_it_was_sent() {
        let mut rewrite = Obj::default();
        rewrite
            .set("regex", opt_s(Some("^/api/(.*)$")))
            .set("replace", opt_s(Some("/$1")));
        let mut config = Obj::default();
        config.set("rewrite", blocks(&rewrite_ty(), vec![rewrite]));
        let mut t = Obj::default();
        t.set("type", opt_s(Some("url-rewrite")))
            .set("url_rewrite_config", blocks(&config_ty(), vec![config]))
            .set(
                "host_header_rewrite_config",
                Value::Null(Type::List(Box::new(config_ty()))),
            );
        let mut p = Obj::default();
        p.set("transform", blocks(&transform_ty(), vec![t.clone()]));
        let sent = to_sdk(&p);
        assert_eq!(sent[0].r#type().unwrap().as_str(), "url-rewrite");
        assert!(sent[0].host_header_rewrite_config().is_none());
        let back = read(&sent);
        assert_eq!(
            Value::object(back[0].0.clone()).to_json(),
            Value::object(t.0).to_json()
        );
    }
}
