//! The `expect` of an http check, applied to a response that was read: status (layer
//! `http`), then headers, body and JSONPath (layer `assert`). Each failure says what was
//! found, not only what was expected.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::plan::is_sensitive_header;
use crate::probe::Layer;
use crate::suite::model::{HttpExpect, JsonExpect, StatusPattern, ValueMatch};

/// How a sensitive header's value is shown (the masker's `****`).
const MASKED: &str = "****";

/// What the assertions look at.
pub(crate) struct Response<'a> {
    pub status: StatusCode,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub truncated: bool,
}

/// The first failed expectation, with a count of the others when several fail.
pub(crate) fn check(expect: &HttpExpect, resp: &Response<'_>) -> Option<(Layer, String)> {
    if let Some(msg) = check_status(&expect.status, resp) {
        return Some((Layer::Http, msg));
    }
    let mut failures = Vec::new();
    for (name, want) in &expect.headers {
        failures.extend(check_header(name, want, resp.headers));
    }
    let needs_text = !expect.body_contains.is_empty()
        || !expect.body_not_contains.is_empty()
        || expect.body_matches.is_some();
    if needs_text {
        let text = String::from_utf8_lossy(resp.body);
        let scope = if resp.truncated {
            " (in the first max_body bytes read)"
        } else {
            ""
        };
        for needle in &expect.body_contains {
            if !text.contains(needle.as_str()) {
                failures.push(format!("body does not contain {needle:?}{scope}"));
            }
        }
        for needle in &expect.body_not_contains {
            if let Some(at) = text.find(needle.as_str()) {
                failures.push(format!("body contains {needle:?} (at byte {at})"));
            }
        }
        if let Some(re) = &expect.body_matches
            && !re.is_match(&text)
        {
            failures.push(format!("body does not match /{}/{scope}", re.as_str()));
        }
    }
    if !expect.json.is_empty() {
        failures.extend(check_json(&expect.json, resp));
    }
    let first = failures.first()?;
    let msg = match failures.len() {
        1 => first.clone(),
        n => format!("{first} (and {} more failed expectations)", n - 1),
    };
    Some((Layer::Assert, msg))
}

fn check_status(patterns: &[StatusPattern], resp: &Response<'_>) -> Option<String> {
    let code = resp.status.as_u16();
    let default = [StatusPattern::Class(2)];
    let patterns = if patterns.is_empty() {
        &default[..]
    } else {
        patterns
    };
    if patterns.iter().any(|p| p.matches(code)) {
        return None;
    }
    let expected: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
    let mut msg = format!(
        "status {}, expected {}",
        status_text(resp.status),
        expected.join(" or ")
    );
    if resp.status.is_redirection()
        && let Some(to) = resp.headers.get("location").and_then(|v| v.to_str().ok())
    {
        msg.push_str(&format!(" (redirect to {to} not followed)"));
    }
    Some(msg)
}

/// `503 Service Unavailable`, or just `599` for codes without a reason phrase.
pub(crate) fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

fn check_header(name: &str, want: &ValueMatch, headers: &HeaderMap) -> Option<String> {
    let shown = name.to_ascii_lowercase();
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap_or("<non-ascii value>"))
        .collect();
    if values.is_empty() {
        return Some(format!("header {shown} is missing, expected {want}"));
    }
    if values.iter().any(|v| want.matches(v)) {
        return None;
    }
    let found = if is_sensitive_header(name) {
        MASKED.to_string()
    } else {
        values[0].to_string()
    };
    Some(format!("header {shown} was {found:?}, expected {want}"))
}

fn check_json(expects: &[JsonExpect], resp: &Response<'_>) -> Vec<String> {
    let doc: Value = match serde_json::from_slice(resp.body) {
        Ok(doc) => doc,
        Err(e) => {
            let cut = if resp.truncated {
                " (body truncated at max_body)"
            } else {
                ""
            };
            return vec![format!("body is not JSON: {e}{cut}")];
        }
    };
    let mut failures = Vec::new();
    for je in expects {
        match je.path.query(&doc).first() {
            None => failures.push(format!("{} matched nothing", je.path_text)),
            Some(found) if lenient_eq(found, &je.value) => {}
            Some(found) => failures.push(format!(
                "{} was {}, expected {}",
                je.path_text,
                short_json(found),
                short_json(&je.value)
            )),
        }
    }
    failures
}

/// Equality where scalars of different types compare by their text, because values that
/// come from YAML or the environment are often strings: `"3"` equals `3`, `"true"`
/// equals `true`. Numbers compare by value (`1` equals `1.0`).
pub(crate) fn lenient_eq(found: &Value, want: &Value) -> bool {
    match (found, want) {
        (Value::Number(a), Value::Number(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x == y || a == b,
            _ => a == b,
        },
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| lenient_eq(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| lenient_eq(v, w)))
        }
        (Value::String(s), other) | (other, Value::String(s)) if is_scalar(other) => {
            let text = match other {
                Value::String(t) => t.clone(),
                v => v.to_string(),
            };
            *s == text
        }
        _ => found == want,
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

/// A JSON value for a one-line message: compact, cut at about 80 characters.
fn short_json(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() <= 80 {
        return text;
    }
    let cut: String = text.chars().take(77).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_compare_by_text_across_types() {
        assert!(lenient_eq(&json!(3), &json!("3")));
        assert!(lenient_eq(&json!("3"), &json!(3)));
        assert!(lenient_eq(&json!(true), &json!("true")));
        assert!(lenient_eq(&json!(1.0), &json!(1)));
        assert!(lenient_eq(
            &json!({"a": [1, "x"]}),
            &json!({"a": ["1", "x"]})
        ));
        assert!(!lenient_eq(&json!(4), &json!("3")));
        assert!(!lenient_eq(&json!("ok"), &json!("degraded")));
        assert!(!lenient_eq(&json!([1]), &json!("[1]")));
        assert!(!lenient_eq(&json!(null), &json!("")));
    }

    #[test]
    fn long_values_are_cut() {
        let long = json!("x".repeat(200));
        assert!(short_json(&long).ends_with('…'));
        assert!(short_json(&long).chars().count() <= 80);
    }
}
