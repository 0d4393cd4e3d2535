//! The fuzz bodies, shared by the libFuzzer targets (`fuzz_targets/`, nightly) and the
//! stable soak test (`tests/hostile/fuzz_soak.rs`, which includes this file): each takes
//! arbitrary bytes and must neither panic nor break an invariant (a broken invariant is a
//! panic here, which is what fuzzers report).
//!
//! Invariants beyond "no panic":
//! - the value of a `${secret:…}` never appears in a planned check's target, a rendered
//!   suite error or warning;
//! - a substituted value without errors is at most `MAX_EXPANDED_BYTES` long, and once
//!   masked holds none of the secrets it used.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use smokecheck::plan::vars::{MAX_EXPANDED_BYTES, Mode, Resolver, VarSource, interpolate_str};
use smokecheck::plan::{EnvSelection, Masker, PlanOptions, build_loaded};
use smokecheck::suite::load::{Loaded, load_str};
use smokecheck::suite::raw::Pos;

/// Every variable whose name starts with `S` is set, to this followed by its name. It is
/// unusual enough never to be typed by chance, so seeing it after masking is a leak.
pub const SECRET_MARK: &str = "S3CR3T\u{2603}";

/// The process environment the bodies see: `S…` names are set (see [`SECRET_MARK`]);
/// `E…` names hold text that looks like a template (it must stay literal); others unset.
pub fn getenv(name: &str) -> Option<String> {
    match name.as_bytes().first() {
        Some(b'S') => Some(format!("{SECRET_MARK}{name}")),
        Some(b'E') => Some(format!("${{{name}}}$${{x")),
        _ => None,
    }
}

/// Values of the secrets `text` uses that are set (`${secret:NAME}` with NAME set).
fn secret_values(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("${secret:") {
        rest = &rest[i + "${secret:".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            .collect();
        if let Some(value) = getenv(&name) {
            out.insert(value);
        }
    }
    out
}

/// The secrets among `candidates` that `masker` knows (was given while resolving): the
/// same value may also arrive through `${env:…}`, which is not a secret.
fn known(masker: &Masker, candidates: &BTreeSet<String>) -> BTreeSet<String> {
    candidates
        .iter()
        // A value holding the mask itself cannot be told from masked text.
        .filter(|s| masker.mask(s) != s.as_str() && !s.contains("****"))
        .cloned()
        .collect()
}

#[track_caller]
fn assert_masked(what: &str, text: &str, secrets: &BTreeSet<String>) {
    for s in secrets {
        assert!(!text.contains(s.as_str()), "secret {s:?} in {what}: {text}");
    }
}

/// Bytes as a suite file: loaded, validated and planned under `run` and `validate`, every
/// environment; errors and warnings rendered.
pub fn suite_parser(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let secrets = secret_values(&text);
    for mode in [Mode::Run, Mode::Validate] {
        let mut loaded = Loaded::default();
        load_str(Path::new("fuzz.yaml"), &text, &mut loaded);
        let opts = PlanOptions {
            mode,
            envs: EnvSelection::All,
            ..PlanOptions::default()
        };
        match build_loaded(loaded, &opts, &getenv) {
            Ok(planned) => {
                let secrets = known(&planned.plan.masker, &secrets);
                for c in &planned.plan.checks {
                    assert_masked("a target", &c.target, &secrets);
                }
                for group in &planned.plan.groups {
                    for c in group.ready.iter().flat_map(|r| &r.checks) {
                        assert_masked("a ready target", &c.target, &secrets);
                    }
                }
                for w in &planned.warnings {
                    let shown = planned.sources.render(w, &planned.plan.masker);
                    assert_masked("a warning", &shown, &secrets);
                }
            }
            Err(e) => assert_masked("a suite error", &e.render(), &known(&e.masker, &secrets)),
        }
    }
}

/// Bytes as variables and a template: lines `name: value` (at most 16) define variables
/// (a value may use others), the first other line is the template; substituted under
/// `run` and `validate`.
pub fn variables(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut vars: HashMap<String, VarSource> = HashMap::new();
    let mut template = None;
    for line in text.split('\n') {
        match line.split_once(": ") {
            Some((name, value)) if vars.len() < 16 && !name.contains('$') => {
                let source = if name.starts_with("cli.") {
                    VarSource::Cli(value.to_string())
                } else {
                    VarSource::Suite(value.to_string(), Pos::default())
                };
                vars.insert(name.to_string(), source);
            }
            _ if template.is_none() => template = Some(line),
            _ => {}
        }
    }
    let template = template.unwrap_or_default();
    let secrets = secret_values(&text);
    let elsewhere = |name: &str| {
        if name.starts_with('x') {
            vec!["staging".to_string()]
        } else {
            Vec::new()
        }
    };
    for mode in [Mode::Run, Mode::Validate] {
        let mut masker = Masker::new();
        let mut resolver =
            Resolver::new(&vars, mode, &getenv, &elsewhere, Some("prod"), &mut masker);
        let (value, _unresolved) = interpolate_str(&mut resolver, template);
        let clean = resolver.diags.is_empty();
        drop(resolver);
        if clean {
            assert!(
                value.len() <= MAX_EXPANDED_BYTES,
                "{} bytes without an error",
                value.len()
            );
        }
        assert_masked(
            "a masked value",
            &masker.mask(&value),
            &known(&masker, &secrets),
        );
    }
}
