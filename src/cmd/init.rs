//! `smokecheck init [DIR]`: scaffolds `suites/smoke.yaml` (one check of every kind) and
//! `suites/environments.yaml`, and the CI snippet for the CI it finds: a workflow file when
//! `.github/` exists, the job printed when `.gitlab-ci.yml` exists (we never edit it).

use std::io::Write;
use std::path::{Path, PathBuf};

use smokecheck::exit;

pub const SMOKE: &str = include_str!("templates/smoke.yaml");
pub const ENVIRONMENTS: &str = include_str!("templates/environments.yaml");
pub const GITHUB: &str = include_str!("templates/github.yml");
pub const GITLAB: &str = include_str!("templates/gitlab.yml");

pub fn command(dir: Option<&Path>) -> u8 {
    let dir = dir.unwrap_or(Path::new("."));
    let mut files: Vec<(PathBuf, &str)> = vec![
        (dir.join("suites/smoke.yaml"), SMOKE),
        (dir.join("suites/environments.yaml"), ENVIRONMENTS),
    ];
    if dir.join(".github").is_dir() {
        files.push((dir.join(".github/workflows/smokecheck.yml"), GITHUB));
    }
    let mut err = anstream::stderr();
    let existing: Vec<&PathBuf> = files
        .iter()
        .map(|(p, _)| p)
        .filter(|p| p.exists())
        .collect();
    if !existing.is_empty() {
        for p in existing {
            let _ = writeln!(
                err,
                "error: {} already exists; init never overwrites",
                p.display()
            );
        }
        return exit::USAGE;
    }
    let mut out = anstream::stdout();
    for (path, text) in &files {
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(path, text));
        if let Err(e) = written {
            let _ = writeln!(err, "error: cannot write {}: {e}", path.display());
            return exit::USAGE;
        }
        let _ = writeln!(out, "created {}", path.display());
    }
    if dir.join(".gitlab-ci.yml").is_file() {
        let _ = writeln!(
            out,
            "\nGitLab CI found: add this job to .gitlab-ci.yml\n\n{GITLAB}"
        );
    } else if !dir.join(".github").is_dir() {
        let _ = writeln!(
            out,
            "\nNo CI found. For GitHub Actions, save this as .github/workflows/smokecheck.yml:\n\n{GITHUB}"
        );
    }
    let _ = writeln!(
        out,
        "next: edit suites/environments.yaml, then `smokecheck validate` and `smokecheck run --env staging`"
    );
    exit::OK
}
