//! `infra bake`: machine images built from a source image and provisioners, addressed by a
//! fingerprint of their inputs so an unchanged image is never built twice.

pub mod fingerprint;
pub mod spec;
