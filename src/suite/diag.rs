//! Diagnostics about user input: every one carries `file:line:column` and is rendered by
//! one renderer, with the source line and a caret (after just's error style).

use std::fmt::Write as _;
use std::path::PathBuf;

use super::raw::Pos;
use crate::plan::Masker;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub level: Level,
    /// `None` for problems that belong to no file (`--env` not declared, no suites found).
    pub pos: Option<Pos>,
    pub message: String,
}

impl Diagnostic {
    pub fn error(pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Error,
            pos: Some(pos),
            message: message.into(),
        }
    }

    pub fn warning(pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Warning,
            pos: Some(pos),
            message: message.into(),
        }
    }

    pub fn global(message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Error,
            pos: None,
            message: message.into(),
        }
    }
}

/// Every file read in this run, so diagnostics can quote their lines.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

impl SourceMap {
    pub fn add(&mut self, path: PathBuf, text: String) -> u32 {
        self.files.push(SourceFile { path, text });
        (self.files.len() - 1) as u32
    }

    pub fn file(&self, id: u32) -> Option<&SourceFile> {
        self.files.get(id as usize)
    }

    /// `suites/shop.yaml:12:5`
    pub fn location(&self, pos: Pos) -> String {
        match self.file(pos.file) {
            Some(f) => format!("{}:{}:{}", f.path.display(), pos.line, pos.col),
            None => format!("?:{}:{}", pos.line, pos.col),
        }
    }

    /// `suites/shop.yaml:12` — for reports that point back at a check.
    pub fn line_location(&self, pos: Pos) -> String {
        match self.file(pos.file) {
            Some(f) => format!("{}:{}", f.path.display(), pos.line),
            None => format!("?:{}", pos.line),
        }
    }

    /// Renders one diagnostic:
    /// ```text
    /// suites/shop.yaml:12:5: error: unknown field `timout` in a check (did you mean `timeout`?)
    ///    |
    /// 12 |     timout: 5s
    ///    |     ^^^^^^
    /// ```
    pub fn render(&self, d: &Diagnostic, masker: &Masker) -> String {
        let level = match d.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let message = masker.mask(&d.message);
        let Some(pos) = d.pos else {
            return format!("{level}: {message}\n");
        };
        let mut out = format!("{}: {level}: {message}\n", self.location(pos));
        if let Some(line) = self
            .file(pos.file)
            .and_then(|f| f.text.lines().nth(pos.line.saturating_sub(1) as usize))
        {
            let line = masker.mask(line);
            let gutter = pos.line.to_string().len();
            let col = (pos.col.max(1) - 1) as usize;
            // Tabs are kept so the caret lines up with what the terminal shows.
            let pad: String = line
                .chars()
                .take(col)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let width = token_width(line.chars().skip(col));
            let _ = writeln!(out, "{:gutter$} |", "");
            let _ = writeln!(out, "{} | {}", pos.line, line);
            let _ = writeln!(out, "{:gutter$} | {pad}{}", "", "^".repeat(width));
        }
        out
    }
}

/// How many characters the caret underlines: the word or quoted string at the position.
fn token_width(mut rest: impl Iterator<Item = char>) -> usize {
    let Some(first) = rest.next() else { return 1 };
    if first == '$' {
        let n = rest.position(|c| c == '}').map_or(1, |n| n + 2);
        return n.min(80);
    }
    if first == '"' || first == '\'' {
        let n = rest.position(|c| c == first).map_or(1, |n| n + 2);
        return n.min(80);
    }
    let stop = |c: char| c.is_whitespace() || matches!(c, ':' | ',' | ']' | '}' | '#');
    if stop(first) {
        return 1;
    }
    (1 + rest.take_while(|c| !stop(*c)).count()).min(80)
}

/// Sorts by place, drops exact duplicates (the same problem seen in several environments).
pub fn sort_dedup(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| (a.pos, a.level, &a.message).cmp(&(b.pos, b.level, &b.message)));
    diags.dedup();
}

/// "did you mean …?" for a misspelt name, when a candidate is close enough.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_line_and_caret() {
        let mut map = SourceMap::default();
        let id = map.add(
            "s.yaml".into(),
            "checks:\n  - name: x\n    timout: 5s\n".into(),
        );
        let d = Diagnostic::error(
            Pos {
                file: id,
                line: 3,
                col: 5,
            },
            "unknown field `timout`",
        );
        let out = map.render(&d, &Masker::new());
        assert_eq!(
            out,
            "s.yaml:3:5: error: unknown field `timout`\n  |\n3 |     timout: 5s\n  |     ^^^^^^\n"
        );
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("timout", ["timeout", "tags"]), Some("timeout"));
        assert_eq!(did_you_mean("zzz", ["timeout", "tags"]), None);
    }
}
