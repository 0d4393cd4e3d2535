//! The fuzz bodies of `fuzz/` on stable Rust: the saved crashing inputs as regression
//! tests (always run), and a time-boxed mutation soak (ignored by default; coverage-guided
//! fuzzing needs nightly and `cargo fuzz`, see CONTRIBUTING.md):
//!
//! ```text
//! SMOKECHECK_FUZZ_SECS=300 cargo test --test hostile fuzz_soak -- --ignored --nocapture
//! ```
//!
//! Inputs are mutations of real suites (examples, `init` templates, `fuzz/seeds/`) with the
//! suite vocabulary and `${…}` soup spliced in. A panicking or slow input is written to
//! `target/fuzz-soak/`; move it to `fuzz/regressions/` once fixed.

#[path = "../../fuzz/src/lib.rs"]
mod bodies;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::harness::Rng;

/// An input slower than this is written out as a finding (a hang or a blow-up).
const SLOW: Duration = Duration::from_secs(3);

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| p.is_file());
    out.sort();
    out
}

/// Every input found crashing once (fixed since) still goes through both bodies.
#[test]
fn fuzz_regressions() {
    let files = files_in(&crate_dir().join("fuzz/regressions"));
    assert!(!files.is_empty(), "fuzz/regressions/ is empty");
    for file in files {
        let data = std::fs::read(&file).unwrap();
        let started = Instant::now();
        bodies::suite_parser(&data);
        bodies::variables(&data);
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{} took {:?}",
            file.display(),
            started.elapsed()
        );
    }
}

const TOKENS: &[&str] = &[
    "checks:",
    "- name: x\n",
    "name",
    "http:",
    "tls:",
    "postgres:",
    "mysql:",
    "redis:",
    "tcp:",
    "dns:",
    "exec:",
    "expect:",
    "url:",
    "host:",
    "port:",
    "status:",
    "json:",
    "needs:",
    "only:",
    "skip:",
    "timeout:",
    "retries:",
    "retry_delay:",
    "vars:",
    "environments:",
    "defaults:",
    "ready:",
    "interval:",
    "command:",
    "valid_for:",
    "covers:",
    "headers:",
    "body:",
    "max_body:",
    "resolve:",
    "severity:",
    "warning",
    "${x}",
    "${a}${a}",
    "${env:E1}",
    "${env:NOPE:-d}",
    "${env:S1:-${x}}",
    "${secret:S1}",
    "${secret:S2}",
    "${secret:NOPE}",
    "$${",
    "${",
    "}",
    "$",
    "${}",
    "${env:}",
    "${secret:",
    "${1x}",
    "2xx",
    "5s",
    "0ms",
    "14d",
    "1h30m",
    "99999999999999999999d",
    "-",
    ":",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "<<: *a",
    "!!str ",
    "!!binary ",
    "|\n",
    ">-\n",
    "'",
    "\"",
    "#",
    "\t",
    "\r",
    "\u{0}",
    "\u{feff}",
    "é",
    "\u{202e}",
    "0",
    "-1",
    "1e999",
    "~",
    "null",
    "true",
    "http://h:1/",
    "https://[::1]:0/",
    "postgres://u:${secret:S1}@h/db",
    "redis://:pw@h",
    "\n",
    "\n  ",
    "\n    ",
    "\n  - ",
    "\n    - ",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
];

/// Real suites to mutate.
fn seeds() -> Vec<Vec<u8>> {
    let root = crate_dir();
    let mut out = Vec::new();
    // Not `fuzz/regressions/`: its YAML alias bomb takes seconds per load in a debug
    // build (the parser's node budget is only hit after 250,000 nodes), and mutating it
    // would spend the soak on that one input.
    for dir in ["examples", "src/cmd/templates", "fuzz/seeds"] {
        for f in files_in(&root.join(dir)) {
            if let Ok(data) = std::fs::read(&f) {
                out.push(data);
            }
        }
    }
    out.push(Vec::new());
    out
}

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let pick = |rng: &mut Rng, n: usize| rng.below(n.max(1) as u64) as usize;
    let mut data = seeds[pick(rng, seeds.len())].clone();
    for _ in 0..=rng.below(8) {
        let at = pick(rng, data.len() + 1);
        match rng.below(7) {
            0 | 1 => {
                let token = TOKENS[pick(rng, TOKENS.len())].as_bytes();
                data.splice(at..at, token.iter().copied());
            }
            2 => {
                let end = (at + pick(rng, 64)).min(data.len());
                data.drain(at..end);
            }
            3 => {
                let end = (at + pick(rng, 128)).min(data.len());
                let copy = data[at..end].to_vec();
                let to = pick(rng, data.len() + 1);
                data.splice(to..to, copy);
            }
            4 if !data.is_empty() => {
                let i = pick(rng, data.len());
                data[i] ^= 1 << rng.below(8);
            }
            5 => {
                let other = &seeds[pick(rng, seeds.len())];
                let from = pick(rng, other.len() + 1);
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
            _ => {
                // `${…}` soup: references nested, unterminated, escaped.
                let mut soup = String::new();
                for _ in 0..=rng.below(6) {
                    soup.push_str(
                        [
                            "${", "$${", "}", "env:", "secret:", "S1", "E1", "x", ":-", "$",
                        ][pick(rng, 10)],
                    );
                }
                data.splice(at..at, soup.bytes());
            }
        }
    }
    data.truncate(64 * 1024);
    data
}

/// Variable definitions and a template made of `${…}` soup, for the resolver body.
fn variable_soup(rng: &mut Rng) -> Vec<u8> {
    let names = ["a", "b", "c", "x", "cli.v", "S1", "E1"];
    let pieces = [
        "${a}",
        "${b}",
        "${c}",
        "${x}",
        "${cli.v}",
        "${env:E1}",
        "${env:S1}",
        "${env:N:-d}",
        "${secret:S1}",
        "${secret:S2}",
        "${secret:N}",
        "$${",
        "${",
        "}",
        "$",
        "lit",
        " ",
        ":-",
        "${a}${a}${a}${a}",
        "${env:N:-${a}}",
    ];
    let mut out = String::new();
    for _ in 0..rng.below(8) {
        out.push_str(names[rng.below(names.len() as u64) as usize]);
        out.push_str(": ");
        for _ in 0..=rng.below(5) {
            out.push_str(pieces[rng.below(pieces.len() as u64) as usize]);
        }
        out.push('\n');
    }
    for _ in 0..=rng.below(8) {
        out.push_str(pieces[rng.below(pieces.len() as u64) as usize]);
    }
    out.into_bytes()
}

/// The mutation soak: `SMOKECHECK_FUZZ_SECS` seconds (default 60) of both bodies.
#[test]
#[ignore = "a time-boxed soak: SMOKECHECK_FUZZ_SECS=300 cargo test --test hostile fuzz_soak -- --ignored"]
fn fuzz_soak() {
    let secs: u64 = std::env::var("SMOKECHECK_FUZZ_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let mut rng = Rng::seeded("fuzz soak");
    let seeds = seeds();
    let out_dir = crate_dir().join("target/fuzz-soak");
    std::fs::create_dir_all(&out_dir).unwrap();
    // Panics are caught and saved; the default hook would print each one.
    std::panic::set_hook(Box::new(|_| {}));
    let until = Instant::now() + Duration::from_secs(secs);
    let (mut runs, mut findings) = (0u64, Vec::new());
    let mut slowest = (Duration::ZERO, 0u64);
    while Instant::now() < until {
        let (target, data) = if runs % 4 == 3 {
            ("variables", variable_soup(&mut rng))
        } else {
            ("suite_parser", mutate(&mut rng, &seeds))
        };
        let started = Instant::now();
        let result = std::panic::catch_unwind(|| match target {
            "variables" => bodies::variables(&data),
            _ => {
                bodies::suite_parser(&data);
                bodies::variables(&data);
            }
        });
        let took = started.elapsed();
        if took > slowest.0 {
            slowest = (took, runs);
        }
        let finding = match result {
            Err(e) => Some(format!(
                "panic: {}",
                e.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            )),
            Ok(()) if took > SLOW => Some(format!("slow: {took:?}")),
            Ok(()) => None,
        };
        if let Some(what) = finding {
            let file = out_dir.join(format!("{target}-{runs}.yaml"));
            std::fs::write(&file, &data).unwrap();
            findings.push(format!("{}: {what}", file.display()));
        }
        runs += 1;
    }
    let _ = std::panic::take_hook();
    eprintln!(
        "fuzz soak: {runs} inputs in {secs}s, slowest {:?} (input {}), {} findings",
        slowest.0,
        slowest.1,
        findings.len()
    );
    assert!(findings.is_empty(), "findings:\n{}", findings.join("\n"));
}
