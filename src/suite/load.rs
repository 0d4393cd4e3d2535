//! Reading suite files: paths → source text → YAML tree → top-level [`Document`]s.
//!
//! Only the document's shape is checked here; checks are converted per environment,
//! after variable substitution (see `plan::build`).

use std::path::{Path, PathBuf};

use super::diag::{Diagnostic, SourceMap};
use super::raw::{self, Key, Node, Pos, Value};
use super::read::{self, Cx, Obj};

/// One suite file's top level.
#[derive(Debug)]
pub struct Document {
    pub file: u32,
    pub path: PathBuf,
    /// `suite:` or the file stem.
    pub name: String,
    pub description: Option<String>,
    pub defaults: Option<Node>,
    pub vars: Vec<(Key, Node)>,
    pub environments: Vec<(Key, Vec<(Key, Node)>)>,
    /// The `checks:` list (unconverted: variables are substituted per environment first).
    pub checks: Vec<Node>,
    pub ready: Option<Node>,
    pub pos: Pos,
}

#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: SourceMap,
    pub docs: Vec<Document>,
    pub diags: Vec<Diagnostic>,
}

/// The top-level keys of a suite file.
pub const TOP_LEVEL: [&str; 7] = [
    "suite",
    "description",
    "defaults",
    "vars",
    "environments",
    "checks",
    "ready",
];

/// Loads every suite under `paths` (files, or directories whose `*.yaml`/`*.yml` are read
/// in sorted order). Problems are collected in `Loaded::diags`, never returned early.
pub fn load(paths: &[PathBuf]) -> Loaded {
    let mut loaded = Loaded::default();
    for path in paths {
        for file in expand(path, &mut loaded.diags) {
            load_file(&file, &mut loaded);
        }
    }
    loaded
}

/// Loads one suite from memory (tests, the embedded demo suite).
pub fn load_str(path: &Path, text: &str, loaded: &mut Loaded) {
    let id = loaded.sources.add(path.to_path_buf(), text.to_string());
    parse_document(id, path, text, loaded);
}

fn expand(path: &Path, diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            let mut files: Vec<PathBuf> = match std::fs::read_dir(path) {
                Ok(entries) => entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml")
                    })
                    .collect(),
                Err(e) => {
                    diags.push(Diagnostic::global(format!(
                        "cannot read directory {}: {e}",
                        path.display()
                    )));
                    return Vec::new();
                }
            };
            files.sort();
            if files.is_empty() {
                diags.push(Diagnostic::global(format!(
                    "no suite files (*.yaml, *.yml) in {}",
                    path.display()
                )));
            }
            files
        }
        Ok(_) => vec![path.to_path_buf()],
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let hint = if path == Path::new("suites") || path == Path::new("suites/") {
                " (create one with `smokecheck init`, or pass a suite file)"
            } else {
                ""
            };
            diags.push(Diagnostic::global(format!(
                "{} does not exist{hint}",
                path.display()
            )));
            Vec::new()
        }
        Err(e) => {
            diags.push(Diagnostic::global(format!(
                "cannot read {}: {e}",
                path.display()
            )));
            Vec::new()
        }
    }
}

fn load_file(path: &Path, loaded: &mut Loaded) {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            loaded.diags.push(Diagnostic::global(format!(
                "cannot read {}: {e}",
                path.display()
            )));
            return;
        }
    };
    let (text, problem) = match String::from_utf8(bytes) {
        Ok(t) => (t, None),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let pos = end_pos(&prefix);
            (
                prefix,
                Some((
                    pos,
                    format!("not a text file: invalid UTF-8 at byte {valid}"),
                )),
            )
        }
    };
    let id = loaded.sources.add(path.to_path_buf(), text.clone());
    if let Some(((line, col), msg)) = problem {
        loaded.diags.push(Diagnostic::error(
            Pos {
                file: id,
                line,
                col,
            },
            msg,
        ));
        return;
    }
    if let Some(i) = text.find('\0') {
        let (line, col) = end_pos(&text[..i]);
        loaded.diags.push(Diagnostic::error(
            Pos {
                file: id,
                line,
                col,
            },
            "not a text file: binary data (NUL byte)",
        ));
        return;
    }
    parse_document(id, path, &text, loaded);
}

/// 1-based line and column just after `prefix`.
fn end_pos(prefix: &str) -> (u32, u32) {
    let line = prefix.matches('\n').count() + 1;
    let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line as u32, col as u32)
}

fn parse_document(id: u32, path: &Path, text: &str, loaded: &mut Loaded) {
    let start = Pos {
        file: id,
        line: 1,
        col: 1,
    };
    if text.trim().is_empty() {
        loaded.diags.push(Diagnostic::error(start, "empty suite file: expected `checks:` (and optionally `suite:`, `vars:`, `environments:`)"));
        return;
    }
    let root = match raw::parse(text, id) {
        Ok(root) => root,
        Err(e) => {
            let pos = Pos {
                file: id,
                line: e.line,
                col: e.col,
            };
            loaded.diags.push(Diagnostic::error(
                pos,
                format!("invalid YAML: {}", e.message),
            ));
            return;
        }
    };
    if matches!(root.value, Value::Null) {
        loaded.diags.push(Diagnostic::error(
            start,
            "empty suite file: expected `checks:`",
        ));
        return;
    }
    let mut cx = Cx::default();
    if let Some(doc) = document(&mut cx, id, path, root) {
        loaded.docs.push(doc);
    }
    loaded.diags.append(&mut cx.diags);
}

fn document(cx: &mut Cx, id: u32, path: &Path, root: Node) -> Option<Document> {
    let mut top = Obj::new(cx, &root, "a suite file")?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "suite".into());
    let name = top
        .get("suite")
        .and_then(|n| read::string(cx, n, "suite"))
        .unwrap_or(stem);
    let description = top
        .get("description")
        .and_then(|n| read::string(cx, n, "description"));
    let vars = top
        .get("vars")
        .map(|n| var_entries(cx, n, "vars"))
        .unwrap_or_default();
    let environments = match top.get("environments") {
        Some(n) => {
            match &n.value {
                Value::Map(envs) => envs
                    .iter()
                    .map(|(k, v)| {
                        let vars = if matches!(v.value, Value::Null) {
                            Vec::new()
                        } else {
                            var_entries(cx, v, "an environment")
                        };
                        (k.clone(), vars)
                    })
                    .collect(),
                _ => {
                    cx.error(n.pos, format!("`environments` must map environment names to their variables, found {}", read::type_name(n)));
                    Vec::new()
                }
            }
        }
        None => Vec::new(),
    };
    if let Some(n) = top.get("checks")
        && !matches!(n.value, Value::Seq(_))
    {
        cx.error(
            n.pos,
            format!(
                "`checks` must be a list of checks, found {}",
                read::type_name(n)
            ),
        );
    }
    let _ = (top.get("defaults"), top.get("ready"));
    top.finish(cx);

    // The parts converted later are moved out of the tree, not copied: a 10,000-check
    // suite is a large tree (first non-null value of a key, as `Obj::get` reads it).
    let pos = root.pos;
    let (mut defaults, mut checks, mut ready) = (None, None, None);
    if let Value::Map(entries) = root.value {
        for (key, node) in entries {
            let slot = match key.name.as_str() {
                "defaults" => &mut defaults,
                "checks" => &mut checks,
                "ready" => &mut ready,
                _ => continue,
            };
            if slot.is_none() && !matches!(node.value, Value::Null) {
                *slot = Some(node);
            }
        }
    }
    let checks = match checks.map(|n| n.value) {
        Some(Value::Seq(items)) => items,
        _ => Vec::new(),
    };
    Some(Document {
        file: id,
        path: path.to_path_buf(),
        name,
        description,
        defaults,
        vars,
        environments,
        checks,
        ready,
        pos,
    })
}

/// `name: value` pairs where every value is a scalar.
fn var_entries(cx: &mut Cx, n: &Node, what: &str) -> Vec<(Key, Node)> {
    let Value::Map(entries) = &n.value else {
        cx.error(
            n.pos,
            format!(
                "{what} must map variable names to values, found {}",
                read::type_name(n)
            ),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        match &v.value {
            Value::Seq(_) | Value::Map(_) => {
                cx.error(
                    v.pos,
                    format!(
                        "variable `{}` must be a string, number or boolean, found {}",
                        k.name,
                        read::type_name(v)
                    ),
                );
            }
            _ => out.push((k.clone(), v.clone())),
        }
    }
    out
}
