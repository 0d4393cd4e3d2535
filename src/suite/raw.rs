//! The YAML layer: bytes → a tree of [`Node`]s that remember where they came from.
//!
//! This is the only file (with its `fast` part) that knows which YAML crate we use
//! (serde-saphyr). Everything after it works on `Node`s, so that validation can walk the
//! whole document and report every problem at once instead of stopping at serde's first
//! error. Plain documents are read straight from the parser's events (`fast`, 3-4x
//! quicker); anything else — and every error — goes through serde-saphyr.

mod fast;

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// Where a node starts: 1-based line and column inside one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Pos {
    pub file: u32,
    pub line: u32,
    pub col: u32,
}

/// A YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string; `unresolved` is set when variable substitution left a placeholder
    /// (an unset `${secret:…}` under `validate`), so typed parsing must not judge it.
    Str {
        text: String,
        unresolved: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key (always a scalar, kept as text).
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub pos: Pos,
    pub name: String,
}

/// A YAML syntax error with its position (no snippet: the diagnostics renderer adds it).
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

/// YAML nodes one suite file may hold. serde-saphyr's default (250,000) is reached by a
/// 10,000-check suite (about 25 nodes a check); the node count is bounded by the file's
/// size anyway (and aliases by their own budget), so this only keeps a sane ceiling.
const MAX_NODES: usize = 4_000_000;

/// Parses one YAML document. An empty document yields `Value::Null`.
pub fn parse(text: &str, file: u32) -> Result<Node, SyntaxError> {
    match fast::parse(text, file, MAX_NODES) {
        Some(root) => Ok(root),
        None => parse_serde(text, file),
    }
}

/// [`parse`] through serde-saphyr: anchors, merge keys, tags, budgets and error messages.
fn parse_serde(text: &str, file: u32) -> Result<Node, SyntaxError> {
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        budget: serde_saphyr::budget! {
            max_nodes: MAX_NODES,
            max_events: 2 * MAX_NODES,
        },
    };
    match serde_saphyr::from_str_with_options::<Option<Spanned<RawNode>>>(text, options) {
        Ok(Some(root)) => Ok(convert(root, file)),
        Ok(None) => Ok(Node {
            pos: Pos {
                file,
                line: 1,
                col: 1,
            },
            value: Value::Null,
        }),
        Err(err) => {
            let (line, col) = err
                .location()
                .map(|l| (l.line() as u32, l.column() as u32))
                .unwrap_or((1, 1));
            let message =
                err.without_snippet()
                    .render_with_options(serde_saphyr::render_options! {
                        snippets: serde_saphyr::SnippetMode::Off,
                    });
            Err(SyntaxError {
                line: line.max(1),
                col: col.max(1),
                message: strip_location(&message),
            })
        }
    }
}

/// serde-saphyr appends " at line L column C" to plain messages; we print our own.
fn strip_location(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message);
    match first.rfind(" at line ") {
        Some(i) => first[..i].to_string(),
        None => first.to_string(),
    }
}

fn pos_of<T>(s: &Spanned<T>, file: u32) -> Pos {
    Pos {
        file,
        line: s.referenced.line() as u32,
        col: s.referenced.column() as u32,
    }
}

fn convert(node: Spanned<RawNode>, file: u32) -> Node {
    let pos = pos_of(&node, file);
    let value = match node.value {
        RawNode::Null => Value::Null,
        RawNode::Bool(b) => Value::Bool(b),
        RawNode::Int(i) => Value::Int(i),
        RawNode::Float(f) => Value::Float(f),
        RawNode::Str(text) => Value::Str {
            text,
            unresolved: false,
        },
        RawNode::Seq(items) => Value::Seq(items.into_iter().map(|n| convert(n, file)).collect()),
        RawNode::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let key = Key {
                        pos: pos_of(&k, file),
                        name: k.value.0,
                    };
                    (key, convert(v, file))
                })
                .collect(),
        ),
    };
    Node { pos, value }
}

/// What serde-saphyr hands us; converted into `Node` right away.
enum RawNode {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<RawNode>>),
    Map(Vec<(Spanned<KeyText>, Spanned<RawNode>)>),
}

struct KeyText(String);

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawNode;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_none<E>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawNode, D::Error> {
        RawNode::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<RawNode, E> {
        Ok(RawNode::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawNode, E> {
        Ok(RawNode::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawNode, E> {
        Ok(i64::try_from(v).map_or(RawNode::Float(v as f64), RawNode::Int))
    }
    fn visit_i128<E>(self, v: i128) -> Result<RawNode, E> {
        Ok(i64::try_from(v).map_or(RawNode::Float(v as f64), RawNode::Int))
    }
    fn visit_u128<E>(self, v: u128) -> Result<RawNode, E> {
        Ok(i64::try_from(v).map_or(RawNode::Float(v as f64), RawNode::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<RawNode, E> {
        Ok(RawNode::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<RawNode, E> {
        Ok(RawNode::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<RawNode, E> {
        Ok(RawNode::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<RawNode, E> {
        Ok(RawNode::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawNode, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<RawNode>>()? {
            items.push(item);
        }
        Ok(RawNode::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawNode, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
            let value = map.next_value::<Spanned<RawNode>>()?;
            entries.push((key, value));
        }
        Ok(RawNode::Map(entries))
    }
}

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<KeyText, E> {
                Ok(KeyText("null".to_string()))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_positions() {
        let n = parse("a: 1\nb:\n  - x\n  - \"200\"\n  - 200\nc: 5s\n", 0).unwrap();
        println!("{n:#?}");
        let e = parse("a: [1, 2\nb: 3\n", 0).unwrap_err();
        println!("{e:?}");
        let e = parse("a: 1\na: 2\n", 0).unwrap_err();
        println!("{e:?}");
        let e = parse("a: {x: 1}\nb: &x [1]\nc: *x\nd: *nope\n", 0);
        println!("{e:?}");
        println!("{:?}", parse("", 0));
        println!("{:?}", parse("\u{0}\u{1}binary", 0));
        println!("{:?}", parse("yes: no\n~: on\n", 0));
    }
}
