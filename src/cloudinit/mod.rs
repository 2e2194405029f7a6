//! User data for cluster nodes: cloud-config rendered from minijinja templates in `templates/`,
//! Terraform's `cloudinit_config` multipart MIME (with Go's exact gzip bytes, so a re-plan never
//! shows a spurious diff), and the checks EC2 and cloud-init would otherwise only make at boot.

pub mod check;
pub mod mime;
pub mod template;

pub use check::{MAX_USER_DATA, check_user_data};
pub use mime::{Part, render_config};
pub use template::render_template;
