//! Durations as Go writes them (`10m`, `1h30m`, `90s`, `500ms`, `0`): Terraform's `timeouts`
//! blocks and Packer's `ssh_timeout` use them.

use std::time::Duration;

/// A Go duration that is not negative; `None` when it is not one (a bare number other than 0
/// included).
pub fn parse_go(text: &str) -> Option<Duration> {
    let nanos = crate::lang::functions::parse_go_duration(text.trim()).ok()?;
    u64::try_from(nanos).ok().map(Duration::from_nanos)
}

/// The shortest Go spelling of whole seconds (`300s` → `5m`), for messages.
pub fn format_go(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, sec) => format!("{m}m{sec}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, 0) => format!("{h}h{m}m"),
        (h, m, sec) => format!("{h}h{m}m{sec}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_terraform_writes_them() {
        assert_eq!(parse_go("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_go("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_go("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_go("0"), Some(Duration::ZERO));
        assert_eq!(parse_go("0s"), Some(Duration::ZERO));
        assert_eq!(parse_go("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_go("10"), None);
        assert_eq!(parse_go("ten minutes"), None);
        assert_eq!(parse_go(""), None);
        assert_eq!(parse_go("-5s"), None);
        assert_eq!(parse_go("1.5h"), Some(Duration::from_secs(5400)));
    }

    #[test]
    fn whole_durations_print_as_go_does() {
        assert_eq!(format_go(Duration::from_secs(300)), "5m");
        assert_eq!(format_go(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format_go(Duration::from_secs(3)), "3s");
        assert_eq!(format_go(Duration::from_secs(3661)), "1h1m1s");
    }
}
