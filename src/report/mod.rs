//! Reporters, fed by the plan and executor events/outcomes only: the terminal (pretty,
//! plain), JUnit XML, JSON, and GitHub Actions annotations + step summary; plus the
//! run-level figures they share (totals, summary line, exit code).

pub mod github;
pub mod json;
pub mod junit;
mod summary;
pub mod terminal;
mod text;
pub mod watch;

pub use summary::{Totals, environments, fmt_secs, run_exit_code, summary_line, totals};

use std::io;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temp file in the same directory, then rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
