//! Typed field values shared by the kinds: URLs, sizes, status patterns, `/regex/` values,
//! JSONPath expectations. Each returns `None` after recording a located diagnostic.

use super::model::{JsonExpect, StatusPattern, ValueMatch};
use super::raw::{Node, Value};
use super::read::{self, Cx, describe, type_name, unresolved};

pub(super) fn url_field(
    schemes: &'static [&'static str],
) -> impl Fn(&mut Cx, &Node, &str) -> Option<url::Url> {
    move |cx, n, f| {
        let s = read::string(cx, n, f)?;
        if unresolved(n) {
            return url::Url::parse("http://unresolved.invalid/").ok();
        }
        match url::Url::parse(&s) {
            Ok(u) if schemes.contains(&u.scheme()) => Some(u),
            Ok(u) => {
                cx.error(
                    n.pos,
                    format!(
                        "`{f}` must be an {} URL, found scheme `{}`",
                        schemes.join("/"),
                        u.scheme()
                    ),
                );
                None
            }
            Err(e) => {
                cx.error(n.pos, format!("bad URL {s:?} in `{f}`: {e}"));
                None
            }
        }
    }
}

/// `1048576`, `512KiB`, `1MiB`, `10MB`.
pub(super) fn size(cx: &mut Cx, n: &Node, f: &str) -> Option<u64> {
    if let Value::Int(i) = n.value {
        return u64::try_from(i).ok().or_else(|| {
            cx.error(n.pos, format!("`{f}` must be a positive size"));
            None
        });
    }
    let s = read::string(cx, n, f)?;
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let mult = match t[split..].trim() {
        "" | "B" => 1,
        "KB" | "kB" => 1000,
        "KiB" => 1024,
        "MB" => 1_000_000,
        "MiB" => 1 << 20,
        "GB" => 1_000_000_000,
        "GiB" => 1 << 30,
        _ => 0,
    };
    match t[..split].parse::<u64>() {
        Ok(v) if mult > 0 => Some(v.saturating_mul(mult)),
        _ => {
            cx.error(
                n.pos,
                format!("`{f}` must be a size like 1MiB or 65536, found {s:?}"),
            );
            None
        }
    }
}

pub(super) fn status_patterns(cx: &mut Cx, n: &Node, f: &str) -> Option<Vec<StatusPattern>> {
    let one = |cx: &mut Cx, n: &Node| -> Option<StatusPattern> {
        let text = match &n.value {
            Value::Int(i) => i.to_string(),
            Value::Str { text, .. } => text.trim().to_string(),
            _ => String::new(),
        };
        let bytes = text.as_bytes();
        let pattern = match bytes {
            [d, b'x' | b'X', b'x' | b'X'] if (b'1'..=b'5').contains(d) => {
                Some(StatusPattern::Class(u16::from(d - b'0')))
            }
            _ => text
                .parse::<u16>()
                .ok()
                .filter(|c| (100..=599).contains(c))
                .map(StatusPattern::Code),
        };
        if pattern.is_none() {
            cx.error(
                n.pos,
                format!(
                    "`{f}` must be a status code (200), a class (2xx) or a list of them, found {}",
                    describe(n)
                ),
            );
        }
        pattern
    };
    match &n.value {
        Value::Seq(items) => {
            let all: Vec<_> = items.iter().map(|i| one(cx, i)).collect();
            all.into_iter().collect()
        }
        _ => one(cx, n).map(|p| vec![p]),
    }
}

pub(super) fn value_match(cx: &mut Cx, n: &Node, v: &str) -> Option<ValueMatch> {
    match v.strip_prefix('/').and_then(|r| r.strip_suffix('/')) {
        Some(re) if v.len() >= 2 => match regex::Regex::new(re) {
            Ok(r) => Some(ValueMatch::Regex(r)),
            Err(e) => {
                cx.error(
                    n.pos,
                    format!("bad regex /{re}/: {}", one_line(&e.to_string())),
                );
                None
            }
        },
        _ => Some(ValueMatch::Exact(v.to_string())),
    }
}

pub(super) fn regex_field(cx: &mut Cx, n: &Node, f: &str) -> Option<regex::Regex> {
    let s = read::string(cx, n, f)?;
    let re = s
        .strip_prefix('/')
        .and_then(|r| r.strip_suffix('/'))
        .filter(|_| s.len() >= 2)
        .unwrap_or(&s);
    match regex::Regex::new(re) {
        Ok(r) => Some(r),
        Err(_) if unresolved(n) => regex::Regex::new("").ok(),
        Err(e) => {
            cx.error(
                n.pos,
                format!("bad regex in `{f}`: {}", one_line(&e.to_string())),
            );
            None
        }
    }
}

pub(super) fn json_expects(cx: &mut Cx, n: &Node, f: &str) -> Option<Vec<JsonExpect>> {
    let Value::Map(entries) = &n.value else {
        cx.error(
            n.pos,
            format!(
                "`{f}` must map JSONPaths to values, like {{\"$.status\": \"ok\"}}, found {}",
                type_name(n)
            ),
        );
        return None;
    };
    let mut out = Vec::new();
    for (key, value) in entries {
        match serde_json_path::JsonPath::parse(&key.name) {
            Ok(path) => out.push(JsonExpect {
                path_text: key.name.clone(),
                path,
                value: to_json(value),
            }),
            Err(e) => cx.error(
                key.pos,
                format!("bad JSONPath `{}`: {}", key.name, one_line(&e.to_string())),
            ),
        }
    }
    Some(out)
}

pub(super) fn to_json(n: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &n.value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::Str { text, .. } => J::String(text.clone()),
        Value::Seq(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => J::Object(
            entries
                .iter()
                .map(|(k, v)| (k.name.clone(), to_json(v)))
                .collect(),
        ),
    }
}

/// Library errors can span lines (regex draws its own caret): keep the words that explain.
pub(super) fn one_line(s: &str) -> String {
    let last = s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(s);
    let last = last.trim().strip_prefix("error: ").unwrap_or(last.trim());
    last.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn check_scheme(cx: &mut Cx, n: &Node, url: &str, schemes: &[&str]) {
    if unresolved(n) {
        return;
    }
    let scheme = url.split_once("://").map(|(s, _)| s);
    if !scheme.is_some_and(|s| schemes.contains(&s)) {
        let shown = crate::plan::mask_url_password(url).into_owned();
        cx.error(
            n.pos,
            format!(
                "`url` must start with {}://, found {shown:?}",
                schemes.join(":// or ")
            ),
        );
    }
}
