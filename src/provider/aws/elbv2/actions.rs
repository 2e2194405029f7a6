//! The actions a listener's `default_action` and a listener rule's `action` take, the same
//! block in both: forward (one target group, or weighted groups with stickiness), fixed
//! response, redirect, authentication through Cognito or an OIDC provider, and validation of a
//! bearer token (JWT) against an issuer's keys and claims. Their type, how
//! they go to the API, how they read back, and how a plan fills what AWS defaults.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::provider::aws::attrs::fill_blocks;
use crate::provider::aws::attrs::{
    Obj, b, blocks, blocks_or_null, map_s, n, opt_n, opt_s, s, set_s,
};
use crate::provider::aws::elbv2::common::{non_empty, rewrite_blocks};
use crate::provider::aws::launch::nonempty;
use crate::provider::schema::block_object;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, AuthenticateCognitoActionConfig, AuthenticateOidcActionConfig,
    FixedResponseActionConfig, ForwardActionConfig, JwtValidationActionAdditionalClaim,
    JwtValidationActionConfig, RedirectActionConfig, TargetGroupStickinessConfig, TargetGroupTuple,
};

fn map() -> Type {
    Type::Map(Box::new(Type::String))
}

fn fixed_response_ty() -> Type {
    block_object(&[
        ("content_type", Type::String),
        ("message_body", Type::String),
        ("status_code", Type::String),
    ])
}

fn redirect_ty() -> Type {
    block_object(&[
        ("host", Type::String),
        ("path", Type::String),
        ("port", Type::String),
        ("protocol", Type::String),
        ("query", Type::String),
        ("status_code", Type::String),
    ])
}

fn weighted_ty() -> Type {
    block_object(&[("arn", Type::String), ("weight", Type::Number)])
}

fn stickiness_ty() -> Type {
    block_object(&[("duration", Type::Number), ("enabled", Type::Bool)])
}

fn forward_ty() -> Type {
    block_object(&[
        ("target_group", Type::Set(Box::new(weighted_ty()))),
        ("stickiness", Type::List(Box::new(stickiness_ty()))),
    ])
}

fn cognito_ty() -> Type {
    block_object(&[
        ("authentication_request_extra_params", map()),
        ("on_unauthenticated_request", Type::String),
        ("scope", Type::String),
        ("session_cookie_name", Type::String),
        ("session_timeout", Type::Number),
        ("user_pool_arn", Type::String),
        ("user_pool_client_id", Type::String),
        ("user_pool_domain", Type::String),
    ])
}

fn oidc_ty() -> Type {
    block_object(&[
        ("authentication_request_extra_params", map()),
        ("authorization_endpoint", Type::String),
        ("client_id", Type::String),
        ("client_secret", Type::String),
        ("issuer", Type::String),
        ("on_unauthenticated_request", Type::String),
        ("scope", Type::String),
        ("session_cookie_name", Type::String),
        ("session_timeout", Type::Number),
        ("token_endpoint", Type::String),
        ("user_info_endpoint", Type::String),
    ])
}

fn claim_ty() -> Type {
    block_object(&[
        ("format", Type::String),
        ("name", Type::String),
        ("values", Type::Set(Box::new(Type::String))),
    ])
}

fn jwt_ty() -> Type {
    block_object(&[
        ("issuer", Type::String),
        ("jwks_endpoint", Type::String),
        ("additional_claim", Type::Set(Box::new(claim_ty()))),
    ])
}

/// One action block.
pub(crate) fn action_ty() -> Type {
    let list = |t: Type| Type::List(Box::new(t));
    block_object(&[
        ("type", Type::String),
        ("order", Type::Number),
        ("target_group_arn", Type::String),
        ("forward", list(forward_ty())),
        ("fixed_response", list(fixed_response_ty())),
        ("redirect", list(redirect_ty())),
        ("authenticate_cognito", list(cognito_ty())),
        ("authenticate_oidc", list(oidc_ty())),
        ("jwt_validation", list(jwt_ty())),
    ])
}

fn extra_params(o: &Obj) -> Option<std::collections::HashMap<String, String>> {
    let m = o.map("authentication_request_extra_params");
    (!m.is_empty()).then(|| m.into_iter().collect())
}

/// A configured action as the API takes it.
pub(crate) fn to_sdk(a: &Obj) -> Action {
    let fixed = a.block("fixed_response").map(|f| {
        FixedResponseActionConfig::builder()
            .set_content_type(f.str("content_type"))
            .set_message_body(f.str("message_body"))
            .set_status_code(f.str("status_code"))
            .build()
    });
    let redirect = a.block("redirect").map(|r| {
        RedirectActionConfig::builder()
            .set_host(r.str("host"))
            .set_path(r.str("path"))
            .set_port(r.str("port"))
            .set_protocol(r.str("protocol"))
            .set_query(r.str("query"))
            .set_status_code(r.str("status_code").map(|c| c.as_str().into()))
            .build()
    });
    let forward = a.block("forward").map(|f| {
        let groups: Vec<TargetGroupTuple> = f
            .blocks("target_group")
            .iter()
            .map(|g| {
                TargetGroupTuple::builder()
                    .set_target_group_arn(g.str("arn"))
                    .set_weight(g.i32("weight"))
                    .build()
            })
            .collect();
        ForwardActionConfig::builder()
            .set_target_groups(Some(groups))
            .set_target_group_stickiness_config(f.block("stickiness").map(|st| {
                TargetGroupStickinessConfig::builder()
                    .set_enabled(st.bool("enabled"))
                    .set_duration_seconds(st.i32("duration"))
                    .build()
            }))
            .build()
    });
    // The session settings both authentication builders take alike.
    macro_rules! with_session {
        ($builder:expr, $c:expr) => {
            $builder
                .set_authentication_request_extra_params(extra_params(&$c))
                .set_on_unauthenticated_request(
                    $c.str("on_unauthenticated_request")
                        .map(|v| v.as_str().into()),
                )
                .set_scope($c.str("scope"))
                .set_session_cookie_name($c.str("session_cookie_name"))
                .set_session_timeout($c.i64("session_timeout"))
        };
    }
    let cognito = a.block("authenticate_cognito").map(|c| {
        with_session!(AuthenticateCognitoActionConfig::builder(), c)
            .set_user_pool_arn(c.str("user_pool_arn"))
            .set_user_pool_client_id(c.str("user_pool_client_id"))
            .set_user_pool_domain(c.str("user_pool_domain"))
            .build()
    });
    let oidc = a.block("authenticate_oidc").map(|c| {
        with_session!(AuthenticateOidcActionConfig::builder(), c)
            .set_authorization_endpoint(c.str("authorization_endpoint"))
            .set_client_id(c.str("client_id"))
            .set_client_secret(c.str("client_secret"))
            .set_issuer(c.str("issuer"))
            .set_token_endpoint(c.str("token_endpoint"))
            .set_user_info_endpoint(c.str("user_info_endpoint"))
            .build()
    });
    let jwt = a.block("jwt_validation").map(|j| {
        let claims: Vec<JwtValidationActionAdditionalClaim> = j
            .blocks("additional_claim")
            .iter()
            .map(|c| {
                JwtValidationActionAdditionalClaim::builder()
                    .set_format(c.str("format").map(|f| f.as_str().into()))
                    .set_name(c.str("name"))
                    .set_values(Some(c.strs("values")))
                    .build()
            })
            .collect();
        JwtValidationActionConfig::builder()
            .set_issuer(j.str("issuer"))
            .set_jwks_endpoint(j.str("jwks_endpoint"))
            .set_additional_claims(nonempty(claims))
            .build()
    });
    Action::builder()
        .set_type(a.str("type").map(|t| t.as_str().into()))
        .set_order(a.i32("order"))
        .set_target_group_arn(a.str("target_group_arn"))
        .set_forward_config(forward)
        .set_fixed_response_config(fixed)
        .set_redirect_config(redirect)
        .set_authenticate_cognito_config(cognito)
        .set_authenticate_oidc_config(oidc)
        .set_jwt_validation_config(jwt)
        .build()
}

/// Sets the session settings both authentication configurations answer alike.
macro_rules! read_session {
    ($o:expr, $c:expr) => {
        $o.set(
            "authentication_request_extra_params",
            params($c.authentication_request_extra_params()),
        )
        .set(
            "on_unauthenticated_request",
            opt_s($c.on_unauthenticated_request().map(|v| v.as_str())),
        )
        .set("scope", opt_s($c.scope()))
        .set("session_cookie_name", opt_s($c.session_cookie_name()))
        .set("session_timeout", opt_n($c.session_timeout()))
    };
}

fn params(m: Option<&std::collections::HashMap<String, String>>) -> Value {
    match m {
        Some(m) if !m.is_empty() => map_s(&m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        _ => Value::Null(map()),
    }
}

/// An action as the block shows it. AWS reports a single target group both as
/// `target_group_arn` and as a forward configuration: `prior`, the configured block at the same
/// position, says which of the two the configuration writes (an import takes the ARN when
/// there is one). An OIDC client secret is never read back; the configured one stands.
pub(crate) fn from_sdk(a: &Action, prior: Option<&Obj>) -> Obj {
    let one = |ty: Type, o: Option<Obj>| blocks_or_null(&ty, o.into_iter().collect());
    let fixed = a.fixed_response_config().map(|f| {
        let mut o = Obj::default();
        o.set("content_type", opt_s(f.content_type()))
            .set("message_body", opt_s(non_empty(f.message_body())))
            .set("status_code", opt_s(f.status_code()));
        o
    });
    let redirect = a.redirect_config().map(|r| {
        let mut o = Obj::default();
        o.set("host", opt_s(r.host()))
            .set("path", opt_s(r.path()))
            .set("port", opt_s(r.port()))
            .set("protocol", opt_s(r.protocol()))
            .set("query", opt_s(r.query()))
            .set("status_code", opt_s(r.status_code().map(|c| c.as_str())));
        o
    });
    let arn = non_empty(a.target_group_arn());
    let writes_forward = match prior {
        Some(p) => p.block("forward").is_some(),
        None => arn.is_none(),
    };
    let forward = a.forward_config().filter(|_| writes_forward).map(|f| {
        let groups: Vec<Value> = f
            .target_groups()
            .iter()
            .map(|g| {
                let mut x = Obj::default();
                x.set("arn", opt_s(g.target_group_arn()))
                    .set("weight", n(g.weight().unwrap_or(1).into()));
                Value::object(x.0)
            })
            .collect();
        let stickiness = f.target_group_stickiness_config().map(|st| {
            let mut x = Obj::default();
            x.set("enabled", b(st.enabled().unwrap_or(false)))
                .set("duration", opt_n(st.duration_seconds().map(i64::from)));
            x
        });
        let mut o = Obj::default();
        o.set("target_group", Value::set(weighted_ty(), groups))
            .set("stickiness", one(stickiness_ty(), stickiness));
        o
    });
    let keeps_arn = prior.is_none_or(|p| p.str("target_group_arn").is_some());
    let cognito = a.authenticate_cognito_config().map(|c| {
        let mut o = Obj::default();
        o.set("user_pool_arn", opt_s(c.user_pool_arn()))
            .set("user_pool_client_id", opt_s(c.user_pool_client_id()))
            .set("user_pool_domain", opt_s(c.user_pool_domain()));
        read_session!(o, c);
        o
    });
    let oidc = a.authenticate_oidc_config().map(|c| {
        let secret = prior
            .and_then(|p| p.block("authenticate_oidc"))
            .and_then(|p| p.str("client_secret"));
        let mut o = Obj::default();
        o.set("authorization_endpoint", opt_s(c.authorization_endpoint()))
            .set("client_id", opt_s(c.client_id()))
            .set("client_secret", opt_s(secret))
            .set("issuer", opt_s(c.issuer()))
            .set("token_endpoint", opt_s(c.token_endpoint()))
            .set("user_info_endpoint", opt_s(c.user_info_endpoint()));
        read_session!(o, c);
        o
    });
    let jwt = a.jwt_validation_config().map(|j| {
        let claims: Vec<Value> = j
            .additional_claims()
            .iter()
            .map(|c| {
                let mut x = Obj::default();
                x.set("format", opt_s(c.format().map(|f| f.as_str())))
                    .set("name", opt_s(c.name()))
                    .set("values", set_s(c.values()));
                Value::object(x.0)
            })
            .collect();
        let mut o = Obj::default();
        o.set("issuer", opt_s(j.issuer()))
            .set("jwks_endpoint", opt_s(j.jwks_endpoint()))
            .set(
                "additional_claim",
                if claims.is_empty() {
                    Value::Null(Type::Set(Box::new(claim_ty())))
                } else {
                    Value::set(claim_ty(), claims)
                },
            );
        o
    });
    let mut o = Obj::default();
    o.set("type", opt_s(a.r#type().map(|t| t.as_str())))
        .set("order", opt_n(a.order().map(i64::from)))
        .set("target_group_arn", opt_s(arn.filter(|_| keeps_arn)))
        .set("forward", one(forward_ty(), forward))
        .set("fixed_response", one(fixed_response_ty(), fixed))
        .set("redirect", one(redirect_ty(), redirect))
        .set("authenticate_cognito", one(cognito_ty(), cognito))
        .set("authenticate_oidc", one(oidc_ty(), oidc))
        .set("jwt_validation", one(jwt_ty(), jwt));
    o
}

/// Described actions in order, each read against the configured block at its position.
pub(crate) fn read_all(actions: &[Action], prior: Option<&Obj>, field: &str) -> Value {
    let mut sorted: Vec<&Action> = actions.iter().collect();
    sorted.sort_by_key(|a| a.order().unwrap_or(i32::MAX));
    let configured = prior.map(|p| p.blocks(field)).unwrap_or_default();
    blocks(
        &action_ty(),
        sorted
            .into_iter()
            .enumerate()
            .map(|(i, a)| from_sdk(a, prior.and(configured.get(i))))
            .collect(),
    )
}

/// Fills a planned action list (`field` of `o`) as AWS will report it: the order AWS gives,
/// a redirect's `#{...}` placeholders, a fixed response's status, a forward's default weight
/// and stickiness, and the authentication blocks' session defaults.
pub(crate) fn plan(o: &mut Obj, field: &str, prior: &Obj) {
    let prior_actions = prior.blocks(field);
    let action = action_ty();
    rewrite_blocks(o, field, &action, |planned| {
        let filled = fill_blocks(planned, &prior_actions, &action, &[], &["order"]);
        filled
            .into_iter()
            .enumerate()
            .map(|(i, mut a)| {
                let before = prior_actions.get(i).cloned().unwrap_or_default();
                let nested = |a: &mut Obj,
                              name: &str,
                              ty: Type,
                              defaults: &[(&str, Value)],
                              computed: &[&str]| {
                    rewrite_blocks(a, name, &ty, |x| {
                        fill_blocks(x, &before.blocks(name), &ty, defaults, computed)
                    });
                };
                nested(
                    &mut a,
                    "fixed_response",
                    fixed_response_ty(),
                    &[],
                    &["status_code"],
                );
                nested(
                    &mut a,
                    "redirect",
                    redirect_ty(),
                    &[
                        ("host", s("#{host}")),
                        ("path", s("/#{path}")),
                        ("port", s("#{port}")),
                        ("protocol", s("#{protocol}")),
                        ("query", s("#{query}")),
                    ],
                    &[],
                );
                let sessions = [
                    ("scope", s("openid")),
                    ("session_cookie_name", s("AWSELBAuthSessionCookie")),
                    ("session_timeout", n(604_800)),
                    ("on_unauthenticated_request", s("authenticate")),
                ];
                nested(&mut a, "authenticate_cognito", cognito_ty(), &sessions, &[]);
                nested(&mut a, "authenticate_oidc", oidc_ty(), &sessions, &[]);
                // A weight left out is 1; groups whose ARNs are not known yet stay as planned.
                if let Some(mut f) = a.block("forward")
                    && f.get("target_group").is_some_and(Value::is_wholly_known)
                {
                    let groups: Vec<Value> = f
                        .blocks("target_group")
                        .into_iter()
                        .map(|mut g| {
                            if g.get("weight").is_none() {
                                g.set("weight", n(1));
                            }
                            Value::object(g.0)
                        })
                        .collect();
                    f.set("target_group", Value::set(weighted_ty(), groups));
                    a.set("forward", blocks(&forward_ty(), vec![f]));
                }
                if let Some(mut f) = a.block("forward") {
                    rewrite_blocks(&mut f, "stickiness", &stickiness_ty(), |st| {
                        fill_blocks(st, &[], &stickiness_ty(), &[("enabled", b(false))], &[])
                    });
                    a.set("forward", blocks(&forward_ty(), vec![f]));
                }
                a
            })
            .collect()
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authentication_actions_round_trip_and_keep_the_secret() {
        let mut oidc = Obj::default();
        oidc.set("authorization_endpoint", s("https://idp/auth"))
            .set("client_id", s("infra"))
            .set("client_secret", s("s3cret"))
            .set("issuer", s("https://idp"))
            .set("token_endpoint", s("https://idp/token"))
            .set("user_info_endpoint", s("https://idp/me"))
            .set("scope", s("openid email"))
            .set("session_timeout", n(3600));
        let mut action = Obj::default();
        action
            .set("type", s("authenticate-oidc"))
            .set("authenticate_oidc", blocks(&oidc_ty(), vec![oidc]));
        let sdk = to_sdk(&action);
        // The API never answers the secret.
        let answered = Action::builder()
            .set_type(sdk.r#type().cloned())
            .set_authenticate_oidc_config(sdk.authenticate_oidc_config().map(|c| {
                let mut c = c.clone();
                c.client_secret = None;
                c
            }))
            .build();
        let back = from_sdk(&answered, Some(&action));
        let read = back.block("authenticate_oidc").unwrap();
        assert_eq!(read.str("client_secret").as_deref(), Some("s3cret"));
        assert_eq!(read.str("scope").as_deref(), Some("openid email"));
        assert_eq!(read.i64("session_timeout"), Some(3600));
        assert_eq!(read.str("issuer").as_deref(), Some("https://idp"));
    }
}
