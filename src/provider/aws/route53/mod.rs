//! Amazon Route 53: hosted zones (`aws_route53_zone`, and the data source) and their record
//! sets (`aws_route53_record`). What they share: names as Terraform keeps them (lower case,
//! no trailing dot) and zone ids without AWS's `/hostedzone/` prefix.

pub mod record;
pub mod zone;
pub mod zone_data;

/// A DNS name as state keeps it: lower case, without the root's trailing dot.
pub fn clean_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// A zone id without the `/hostedzone/` prefix AWS answers it with.
pub fn clean_zone_id(id: &str) -> String {
    id.trim_start_matches("/hostedzone/").to_string()
}

/// A record's fully qualified name in its zone: the name as written when it already ends
/// with the zone's, else the name under the zone.
pub fn fqdn(name: &str, zone: &str) -> String {
    let (name, zone) = (clean_name(name), clean_name(zone));
    if name == zone || name.ends_with(&format!(".{zone}")) {
        name
    } else {
        format!("{name}.{zone}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kept_as_terraform_keeps_them() {
        assert_eq!(clean_name("Example.COM."), "example.com");
        assert_eq!(clean_zone_id("/hostedzone/Z123"), "Z123");
        assert_eq!(fqdn("www", "example.com."), "www.example.com");
        assert_eq!(fqdn("api.example.com", "example.com"), "api.example.com");
        assert_eq!(fqdn("example.com", "example.com"), "example.com");
        assert_eq!(
            fqdn("notexample.com", "example.com"),
            "notexample.com.example.com"
        );
    }
}
