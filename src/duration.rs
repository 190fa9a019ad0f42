//! Durations as users type them (`90s`, `10m`, `1h30m`, `500ms`, `90d`) and as we
//! print them back. A building block: the CLI, the settings and the status use it.

use std::time::Duration;

pub fn parse(text: &str) -> Result<Duration, String> {
    let hint = "use a number with a unit (ms, s, m, h, d), such as 90s, 10m or 1h30m";
    if text.is_empty() {
        return Err(format!("empty duration; {hint}"));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("{text:?} is not a duration; {hint}"));
        }
        let number: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("{text:?} is too large; {hint}"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => Duration::from_millis(number),
            "s" => Duration::from_secs(number),
            "m" => Duration::from_secs(number.saturating_mul(60)),
            "h" => Duration::from_secs(number.saturating_mul(3600)),
            "d" => Duration::from_secs(number.saturating_mul(86400)),
            "" => return Err(format!("{text:?} has no unit; {hint}")),
            other => return Err(format!("unknown unit {other:?} in {text:?}; {hint}")),
        };
        total = total.saturating_add(unit);
        rest = &rest[unit_len..];
    }
    Ok(total)
}

/// A duration the way users write it: 90s, 10m, 1h30m.
pub fn human(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0 => format!("{}ms", d.as_millis()),
        1..=119 => format!("{secs}s"),
        120..=3599 if secs.is_multiple_of(60) => format!("{}m", secs / 60),
        120..=3599 => format!("{}m{}s", secs / 60, secs % 60),
        _ if secs.is_multiple_of(3600) => format!("{}h", secs / 3600),
        _ => format!("{}h{}m", secs / 3600, (secs % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_sums() {
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        assert!(parse("").is_err());
        assert!(parse("10").unwrap_err().contains("no unit"));
        assert!(parse("5w").unwrap_err().contains("unknown unit"));
        assert!(parse("m5").is_err());
    }

    #[test]
    fn days_are_a_unit_for_retention_and_since() {
        assert_eq!(parse("90d"), Ok(Duration::from_secs(90 * 86400)));
    }

    #[test]
    fn prints_the_way_users_write() {
        assert_eq!(human(Duration::from_secs(90)), "90s");
        assert_eq!(human(Duration::from_secs(600)), "10m");
        assert_eq!(human(Duration::from_secs(5400)), "1h30m");
    }
}
