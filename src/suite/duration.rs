//! Durations as suites write them: `500ms`, `5s`, `2m`, `1h30m`, `14d`.

use std::time::Duration;

/// Parses `1h30m`, `500ms`, `14d`… A bare number is an error (the unit is never guessed).
pub fn parse(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("expected a number in `{s}`"));
        }
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| format!("bad number in `{s}`"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let secs = match unit {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            "" => return Err(format!("`{s}` needs a unit: ms, s, m, h or d (e.g. `5s`)")),
            other => {
                return Err(format!(
                    "unknown unit `{other}` in `{s}` (use ms, s, m, h or d)"
                ));
            }
        };
        let add =
            Duration::try_from_secs_f64(number * secs).map_err(|_| format!("`{s}` is too long"))?;
        total = total
            .checked_add(add)
            .ok_or_else(|| format!("`{s}` is too long"))?;
    }
    Ok(total)
}

/// A duration the way a suite spells it, for messages and listings: `500ms`, `1.25s`,
/// `5s`, `1m30s`, `1h30m`, `14d`. The one formatter for configured durations.
pub fn format(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    if !ms.is_multiple_of(1000) {
        let s = format!("{:.3}", d.as_secs_f64());
        return format!("{}s", s.trim_end_matches('0').trim_end_matches('.'));
    }
    let mut secs = d.as_secs();
    let mut out = String::new();
    for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_spec_examples() {
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("14d"), Ok(Duration::from_secs(14 * 86400)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "",
            "5",
            "5x",
            "ms",
            "1e400s",
            "s5",
            "-1s",
            "99999999999999999999d",
        ] {
            assert!(parse(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn formats_round_trip() {
        for s in ["1h30m", "5s", "250ms", "14d", "1.25s", "1m30s", "1d12h"] {
            assert_eq!(format(parse(s).unwrap()), s);
        }
    }
}
