//! The fast path of the YAML layer: builds the [`Node`] tree straight from the parser's
//! events (granit-parser, the parser serde-saphyr itself runs on), for the plain documents
//! suites almost always are.
//!
//! Why: going through serde with a `Spanned<T>` around every node costs about 3.5x the
//! parse itself (a 10,000-check suite: ~230 ms against ~65 ms for the events), and SPEC §6
//! wants such a suite validated in under 200 ms.
//!
//! It never decides anything serde-saphyr would decide differently: whatever it is not
//! sure to read exactly as serde-saphyr does — anchors and aliases, merge keys, tags,
//! directives, several documents, duplicate keys, non-string keys, deep nesting, any
//! syntax error — makes it give up (`None`), and the caller parses the document the
//! serde way, with its budgets and messages. Plain scalars that could be typed (null,
//! booleans, numbers) get serde-saphyr's own typing (`scalar_by_serde`), except for the
//! spellings whose type is certain: decimal integers, YAML 1.1 booleans, null words and
//! text that cannot be a number. Positions are taken from the same event spans serde-saphyr
//! uses (line, column + 1). A differential test keeps the two paths identical.

use std::collections::HashSet;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, Span};

use super::{Key, Node, Pos, Value};

/// Deeper than this, serde-saphyr's depth budget (64) decides: give up before it.
const MAX_DEPTH: usize = 60;
/// Keys of one mapping checked for duplicates by a linear scan; beyond, a hash set.
const LINEAR_DUP_SCAN: usize = 16;

/// A collection being built; its children sit on the builder's shared stacks from
/// `start` on, and move into a vector of the exact size when it ends (a tree of small
/// mappings built by `push` alone would carry up to twice its size in spare capacity).
enum Frame {
    Seq {
        pos: Pos,
        start: usize,
    },
    Map {
        pos: Pos,
        start: usize,
        /// The key whose value comes next.
        key: Option<Key>,
        /// Key names, once the mapping is too large for a linear duplicate scan.
        seen: Option<HashSet<String>>,
    },
}

#[derive(Default)]
struct Builder {
    frames: Vec<Frame>,
    items: Vec<Node>,
    entries: Vec<(Key, Node)>,
    root: Option<Node>,
}

/// Reads `text` into a tree, or `None` when the serde path must decide (see module doc).
/// `max_nodes` is the serde path's node budget: a document over it is left to that path.
pub(super) fn parse(text: &str, file: u32, max_nodes: usize) -> Option<Node> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder::default();
    let mut documents = 0;
    let mut nodes = 0usize;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.ok()?;
        match event {
            Event::StreamStart | Event::DocumentEnd => {}
            Event::StreamEnd => break,
            // A `%YAML` directive or a second document: serde-saphyr's business.
            Event::DocumentStart(_, None) if documents == 0 => documents += 1,
            Event::DocumentStart(..) => return None,
            Event::Scalar(value, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                nodes += 1;
                let pos = at(pos_of(&span), file);
                if let Some(Frame::Map {
                    start, key, seen, ..
                }) = b.frames.last_mut()
                    && key.is_none()
                {
                    let name = key_text(&value, style)?;
                    if is_duplicate(&b.entries[*start..], seen, &name) {
                        return None;
                    }
                    *key = Some(Key { pos, name });
                    continue;
                }
                let value = scalar(value.into_owned(), style)?;
                b.add(Node { pos, value })?;
            }
            Event::SequenceStart(_, anchor, tag) | Event::MappingStart(_, anchor, tag)
                if anchor != 0 || tag.is_some() =>
            {
                return None;
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                nodes += 1;
                // A collection as a mapping key: not a suite.
                if let Some(Frame::Map { key: None, .. }) = b.frames.last() {
                    return None;
                }
                if b.frames.len() >= MAX_DEPTH {
                    return None;
                }
                let pos = at(pos_of(&span), file);
                let frame = if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        pos,
                        start: b.items.len(),
                    }
                } else {
                    Frame::Map {
                        pos,
                        start: b.entries.len(),
                        key: None,
                        seen: None,
                    }
                };
                b.frames.push(frame);
            }
            Event::SequenceEnd => match b.frames.pop()? {
                Frame::Seq { pos, start } => {
                    let items = b.items.drain(start..).collect();
                    b.add(Node {
                        pos,
                        value: Value::Seq(items),
                    })?;
                }
                Frame::Map { .. } => return None,
            },
            Event::MappingEnd => match b.frames.pop()? {
                Frame::Map {
                    pos,
                    start,
                    key: None,
                    ..
                } => {
                    let entries = b.entries.drain(start..).collect();
                    b.add(Node {
                        pos,
                        value: Value::Map(entries),
                    })?;
                }
                _ => return None,
            },
            // Aliases, and anything this version of the parser adds.
            _ => return None,
        }
        if nodes > max_nodes {
            return None;
        }
    }
    if !b.frames.is_empty() {
        return None;
    }
    // An empty document or a bare scalar is not a suite: the serde path words it.
    b.root.filter(|r| matches!(r.value, Value::Map(_)))
}

impl Builder {
    /// Places a finished node in its parent (or as the root).
    fn add(&mut self, node: Node) -> Option<()> {
        match self.frames.last_mut() {
            None if self.root.is_none() => self.root = Some(node),
            None => return None,
            Some(Frame::Seq { .. }) => self.items.push(node),
            Some(Frame::Map { key, .. }) => self.entries.push((key.take()?, node)),
        }
        Some(())
    }
}

fn is_duplicate(entries: &[(Key, Node)], seen: &mut Option<HashSet<String>>, name: &str) -> bool {
    if entries.len() < LINEAR_DUP_SCAN {
        return entries.iter().any(|(k, _)| k.name == name);
    }
    let set = seen.get_or_insert_with(|| entries.iter().map(|(k, _)| k.name.clone()).collect());
    !set.insert(name.to_string())
}

/// serde-saphyr's location of an event: 1-based line, column + 1.
fn pos_of(span: &Span) -> (u32, u32) {
    let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
    let col = u32::try_from(span.start.col().saturating_add(1)).unwrap_or(u32::MAX);
    (line, col)
}

fn at((line, col): (u32, u32), file: u32) -> Pos {
    Pos { file, line, col }
}

/// A mapping key's text; `None` for keys serde might read otherwise (`200`, `~`, `yes`),
/// and for the merge key `<<`.
fn key_text(value: &str, style: ScalarStyle) -> Option<String> {
    match style {
        ScalarStyle::Plain if value == "<<" => None,
        ScalarStyle::Plain if !is_text(value) => None,
        _ => Some(value.to_string()),
    }
}

/// The value of an untagged scalar, typed as serde-saphyr types it.
fn scalar(value: String, style: ScalarStyle) -> Option<Value> {
    if style != ScalarStyle::Plain {
        return Some(Value::Str {
            text: value,
            unresolved: false,
        });
    }
    if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL") {
        return Some(Value::Null);
    }
    if let Some(b) = yaml11_bool(&value) {
        return Some(Value::Bool(b));
    }
    if let Some(i) = small_decimal(&value) {
        return Some(Value::Int(i));
    }
    if is_text(&value) {
        return Some(Value::Str {
            text: value,
            unresolved: false,
        });
    }
    scalar_by_serde(&value)
}

/// The booleans of YAML 1.1, any case (serde-saphyr's default, `strict_booleans: false`).
fn yaml11_bool(s: &str) -> Option<bool> {
    let is = |w: &str| s.eq_ignore_ascii_case(w);
    if is("true") || is("yes") || is("y") || is("on") {
        Some(true)
    } else if is("false") || is("no") || is("n") || is("off") {
        Some(false)
    } else {
        None
    }
}

/// `0`, or up to 18 digits without a leading zero: an integer under every reading.
fn small_decimal(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let plain = !b.is_empty()
        && b.len() <= 18
        && b.iter().all(u8::is_ascii_digit)
        && (b[0] != b'0' || b.len() == 1);
    if plain { s.parse().ok() } else { None }
}

/// Plain text that no YAML reading takes for null, a boolean or a number: it starts with
/// neither a digit nor `+ - . ~` and is no special word, or it starts with a non-zero digit
/// and holds a character no number has (`5s`, `200ms`, `2xx`).
fn is_text(s: &str) -> bool {
    let Some(&first) = s.as_bytes().first() else {
        return false;
    };
    if first.is_ascii_digit() {
        return first != b'0'
            && s.bytes().any(|c| {
                !(c.is_ascii_digit() || matches!(c, b'.' | b'_' | b'e' | b'E' | b'+' | b'-' | b':'))
            });
    }
    if matches!(first, b'+' | b'-' | b'.' | b'~') {
        return false;
    }
    let special = ["null", "nan", "inf", "infinity"];
    yaml11_bool(s).is_none() && !special.iter().any(|w| s.eq_ignore_ascii_case(w))
}

/// A plain scalar whose type only serde-saphyr can tell (`1.5`, `-3`, `0x1F`, `.inf`):
/// parsed alone by it, which types a plain scalar the same wherever it stands.
fn scalar_by_serde(value: &str) -> Option<Value> {
    let node = super::parse_serde(value, 0).ok()?;
    // Only a scalar may come back (`-` alone would read as a list: not ours to decide).
    match node.value {
        Value::Seq(_) | Value::Map(_) => None,
        v => Some(v),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The fast path either gives up or reads exactly what serde-saphyr reads.
    fn same_as_serde(text: &str) -> bool {
        match parse(text, 7, 4_000_000) {
            None => false,
            Some(fast) => {
                let slow = super::super::parse_serde(text, 7);
                assert_eq!(Ok(&fast), slow.as_ref().map_err(|e| &e.message), "{text:?}");
                true
            }
        }
    }

    const SUITES: &[&str] = &[
        include_str!("../../../examples/demo.yaml"),
        include_str!("../../cmd/templates/smoke.yaml"),
        include_str!("../../cmd/templates/environments.yaml"),
        "suite: s\nvars: { x: \"http://h\" }\nenvironments:\n  a: { yy: 1 }\n  b:\nchecks:\n  - name: one\n    http: { url: \"${x}/\", method: GET, headers: {A: b} }\n    expect: { status: [200, 2xx], json: { \"$.a\": 1, '$.b': [true, no, ~, null, \"\"] } }\n  - name: 'two'\n    needs: [one]\n    tls: { host: h, port: 443 }\n    expect: { valid_for: 14d, warn_within: 1h30m }\n    timeout: 5s\nready:\n  checks:\n    - name: r\n      exec:\n        command: [sh, -c, \"echo hi\"]\n      expect:\n        stdout_contains: |\n          line one\n          line two\n        exit_code: 0\n",
        "checks:\n- name: folded\n  description: >\n    a long\n    text\n  tcp: {host: h, port: 1}\n  tags:\n  - a\n  - b c\n  -   d\n",
        "a:\n  b:\n    c:\n      - [1, [2, [3, {d: e}]]]\n      - {}\n      - []\nf: \"multi\\nline\"\ng: plain text with spaces\nh: 'it''s'\n",
        "k1: 1.5\nk2: -3\nk3: 0x1F\nk4: .5\nk5: 1e3\nk6: 0755\nk7: +12\nk8: 1_000\nk9: 12:30\nk10: 99999999999999999999\nk11: Nan-ish\nk12: Off\nk13: '~'\nk14: 2001-12-14\n",
    ];

    #[test]
    fn real_suites_take_the_fast_path_and_read_the_same() {
        for text in SUITES {
            assert!(same_as_serde(text), "fast path gave up on {text:?}");
        }
    }

    #[test]
    fn gives_up_on_what_serde_must_decide() {
        for text in [
            "a: &x 1\nb: *x\n",
            "base: &b {t: 1}\nc:\n  <<: *b\n",
            "a: !!str 200\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 1\n---\nb: 2\n",
            "a: 1\na: 2\n",
            "200: x\n",
            "y: x\n",
            "a: .inf\n",
            "? [a]\n: b\n",
            "a: [1, 2\n",
            "just a scalar\n",
            "",
        ] {
            assert!(parse(text, 0, 4_000_000).is_none(), "{text:?}");
        }
    }

    #[test]
    fn duplicate_keys_of_large_mappings_are_found() {
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        assert!(same_as_serde(&text));
        text.push_str("k7: again\n");
        assert!(parse(&text, 0, 4_000_000).is_none());
    }

    #[test]
    fn node_budget_is_left_to_serde() {
        assert!(parse("a: [1, 2, 3]\n", 0, 3).is_none());
        assert!(parse("a: [1, 2, 3]\n", 0, 6).is_some());
    }

    /// Scalar spellings that stress typing: numbers, signs, words, units.
    fn scalar_text() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(
            &[
                "0",
                "1",
                "9",
                "12",
                "007",
                ".",
                "e",
                "E",
                "+",
                "-",
                "_",
                ":",
                "x",
                "o",
                "b",
                "s",
                "ms",
                "d",
                "h",
                "inf",
                "nan",
                "Inf",
                "NaN",
                "y",
                "n",
                "yes",
                "No",
                "ON",
                "off",
                "true",
                "FALSE",
                "null",
                "Null",
                "~",
                "a",
                "é",
                "/",
                "$",
                "%",
                "@",
                "1.5",
                "0x",
                "0o",
                "0b",
                "2xx",
                " ",
                "99999999999999999999",
            ][..],
        );
        prop::collection::vec(pieces, 1..5).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

        #[test]
        fn plain_scalars_are_typed_as_serde_types_them(
            values in prop::collection::vec(scalar_text(), 1..6),
            keys in prop::collection::vec(scalar_text(), 1..6),
        ) {
            let mut block = String::new();
            let mut odd_keys = String::new();
            let mut flow = String::from("f: [");
            for (i, (k, v)) in keys.iter().zip(&values).enumerate() {
                block.push_str(&format!("k{i}: {v}\n"));
                odd_keys.push_str(&format!("{k}{i}: {v}\n"));
                flow.push_str(&format!("{v}, "));
            }
            flow.push_str("z]\n");
            let list = format!("l:\n  - {}\n", values.join("\n  - "));
            // With plain keys, giving up is only for what serde rejects too (`.inf`…).
            prop_assert!(
                same_as_serde(&block) || super::super::parse_serde(&block, 7).is_err(),
                "gave up on {block:?}"
            );
            // Odd keys (`yes`, `12`, `~`), implicit pairs in lists (`- 0:`): giving up is
            // fine, a reading must agree.
            for text in [&odd_keys, &flow, &list] {
                same_as_serde(text);
            }
        }
    }
}
