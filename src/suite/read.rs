//! Typed reading of [`Node`]s that records problems instead of stopping at the first:
//! each reader returns `None` after pushing a located diagnostic.

use std::time::Duration;

use super::diag::{Diagnostic, did_you_mean};
use super::raw::{Key, Node, Pos, Value};

/// Collects diagnostics while a document is converted.
#[derive(Default)]
pub struct Cx {
    pub diags: Vec<Diagnostic>,
}

impl Cx {
    pub fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(pos, message));
    }
}

/// Describes a node's type for "expected X, found Y" messages.
pub fn type_name(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "nothing (null)",
        Value::Bool(_) => "a boolean",
        Value::Int(_) => "a number",
        Value::Float(_) => "a number",
        Value::Str { .. } => "a string",
        Value::Seq(_) => "a list",
        Value::Map(_) => "a mapping",
    }
}

/// A mapping being read field by field; fields never asked for are unknown.
pub struct Obj<'n> {
    pub node: &'n Node,
    entries: &'n [(Key, Node)],
    what: &'static str,
    known: Vec<&'static str>,
}

impl<'n> Obj<'n> {
    /// `what` names the thing for messages: "a check", "`expect` of an http check".
    pub fn new(cx: &mut Cx, node: &'n Node, what: &'static str) -> Option<Obj<'n>> {
        match &node.value {
            Value::Map(entries) => Some(Obj {
                node,
                entries,
                what,
                known: Vec::new(),
            }),
            _ => {
                cx.error(
                    node.pos,
                    format!("{what} must be a mapping, found {}", type_name(node)),
                );
                None
            }
        }
    }

    /// The value of `field` (a null value counts as absent), marking the field as known.
    pub fn get(&mut self, field: &'static str) -> Option<&'n Node> {
        self.known.push(field);
        self.entries
            .iter()
            .find(|(k, _)| k.name == field)
            .map(|(_, v)| v)
            .filter(|v| !matches!(v.value, Value::Null))
    }

    pub fn has(&self, field: &str) -> bool {
        self.entries.iter().any(|(k, _)| k.name == field)
    }

    pub fn keys(&self) -> impl Iterator<Item = &'n Key> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Reports every key that was never asked for, with a suggestion.
    pub fn finish(self, cx: &mut Cx) {
        self.finish_with(cx, |_| None);
    }

    /// Like `finish`, but `explain` may give a better message for a given unknown key.
    pub fn finish_with(self, cx: &mut Cx, explain: impl Fn(&str) -> Option<String>) {
        for (key, _) in self.entries {
            if self.known.contains(&key.name.as_str()) {
                continue;
            }
            let message = explain(&key.name).unwrap_or_else(|| {
                let mut m = format!("unknown field `{}` in {}", key.name, self.what);
                match did_you_mean(&key.name, self.known.iter().copied()) {
                    Some(s) => m.push_str(&format!(" (did you mean `{s}`?)")),
                    None => m.push_str(&format!("; expected one of: {}", self.known.join(", "))),
                }
                m
            });
            cx.error(key.pos, message);
        }
    }

    pub fn what(&self) -> &'static str {
        self.what
    }
}

/// A string field. Numbers and booleans are accepted as their text (YAML `8080` for a port
/// string, `true` in a header value), since users rarely mean the type there.
pub fn string(cx: &mut Cx, node: &Node, field: &str) -> Option<String> {
    match &node.value {
        Value::Str { text, .. } => Some(text.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => {
            cx.error(
                node.pos,
                format!("`{field}` must be a string, found {}", type_name(node)),
            );
            None
        }
    }
}

/// True when substitution left a placeholder in this string (validate without secrets).
pub fn unresolved(node: &Node) -> bool {
    matches!(
        node.value,
        Value::Str {
            unresolved: true,
            ..
        }
    )
}

pub fn boolean(cx: &mut Cx, node: &Node, field: &str) -> Option<bool> {
    match &node.value {
        Value::Bool(b) => Some(*b),
        Value::Str { text, .. } if text == "true" || text == "false" => Some(text == "true"),
        _ => {
            cx.error(
                node.pos,
                format!("`{field}` must be true or false, found {}", type_name(node)),
            );
            None
        }
    }
}

/// A non-negative integer within `u64`; strings of digits are accepted (from variables).
pub fn unsigned(cx: &mut Cx, node: &Node, field: &str) -> Option<u64> {
    let parsed = match &node.value {
        Value::Int(i) => u64::try_from(*i).ok(),
        Value::Str { text, .. } => text.trim().parse::<u64>().ok(),
        _ => None,
    };
    if parsed.is_none() {
        cx.error(
            node.pos,
            format!(
                "`{field}` must be a whole number ≥ 0, found {}",
                describe(node)
            ),
        );
    }
    parsed
}

pub fn port(cx: &mut Cx, node: &Node, field: &str) -> Option<u16> {
    let n = unsigned(cx, node, field)?;
    match u16::try_from(n) {
        Ok(p) if p > 0 => Some(p),
        _ => {
            cx.error(
                node.pos,
                format!("`{field}` must be a port between 1 and 65535, found {n}"),
            );
            None
        }
    }
}

pub fn duration(cx: &mut Cx, node: &Node, field: &str) -> Option<Duration> {
    let Value::Str { text, .. } = &node.value else {
        let hint = match node.value {
            Value::Int(i) => format!(" (write `{i}s` or `{i}ms`)"),
            _ => String::new(),
        };
        cx.error(
            node.pos,
            format!(
                "`{field}` must be a duration like `5s` or `500ms`, found {}{hint}",
                type_name(node)
            ),
        );
        return None;
    };
    if unresolved(node) {
        return Some(Duration::from_secs(1));
    }
    match super::duration::parse(text) {
        Ok(d) => Some(d),
        Err(e) => {
            cx.error(node.pos, format!("bad duration for `{field}`: {e}"));
            None
        }
    }
}

/// A list of strings; a single string is accepted as a one-element list.
pub fn string_list(cx: &mut Cx, node: &Node, field: &str) -> Option<Vec<String>> {
    match &node.value {
        Value::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            let mut ok = true;
            for item in items {
                match string(cx, item, field) {
                    Some(s) => out.push(s),
                    None => ok = false,
                }
            }
            ok.then_some(out)
        }
        Value::Map(_) => {
            cx.error(
                node.pos,
                format!("`{field}` must be a string or a list of strings, found a mapping"),
            );
            None
        }
        _ => string(cx, node, field).map(|s| vec![s]),
    }
}

/// A mapping of string → string (headers, env), in file order.
pub fn string_map(cx: &mut Cx, node: &Node, field: &str) -> Option<Vec<(String, String)>> {
    let Value::Map(entries) = &node.value else {
        cx.error(
            node.pos,
            format!(
                "`{field}` must be a mapping of names to values, found {}",
                type_name(node)
            ),
        );
        return None;
    };
    let mut out = Vec::with_capacity(entries.len());
    let mut ok = true;
    for (k, v) in entries {
        match string(cx, v, &k.name) {
            Some(s) => out.push((k.name.clone(), s)),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// A short description of a scalar for messages: `"abc"`, `-3`, or its type.
pub fn describe(node: &Node) -> String {
    match &node.value {
        Value::Str { text, .. } => format!("{text:?}"),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => type_name(node).to_string(),
    }
}
