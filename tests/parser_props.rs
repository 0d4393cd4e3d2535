//! No input can panic the suite parser, the variable resolver or the planner: arbitrary
//! bytes, and arbitrary YAML-shaped documents built from the real vocabulary.

use std::path::Path;

use proptest::prelude::*;
use smokecheck::plan::vars::Mode;
use smokecheck::plan::{EnvSelection, PlanOptions, build_loaded};
use smokecheck::suite::load::{Loaded, load_str};

fn plan_text(text: &str) {
    for mode in [Mode::Run, Mode::Validate] {
        let mut loaded = Loaded::default();
        load_str(Path::new("fuzz.yaml"), text, &mut loaded);
        let opts = PlanOptions {
            mode,
            envs: EnvSelection::All,
            ..PlanOptions::default()
        };
        match build_loaded(loaded, &opts, &|name| {
            (name == "SET").then(|| "v".to_string())
        }) {
            Ok(p) => {
                let _ = p.plan.checks.len();
            }
            Err(e) => {
                // Rendering must not panic either (carets past line ends, odd columns).
                let _ = e.render();
            }
        }
    }
}

const WORDS: &[&str] = &[
    "checks",
    "name",
    "http",
    "tls",
    "postgres",
    "mysql",
    "redis",
    "tcp",
    "dns",
    "exec",
    "expect",
    "url",
    "host",
    "port",
    "status",
    "json",
    "needs",
    "only",
    "skip",
    "timeout",
    "retries",
    "vars",
    "environments",
    "defaults",
    "ready",
    "interval",
    "command",
    "valid_for",
    "covers",
    "${x}",
    "${env:SET}",
    "${secret:NOPE}",
    "$${",
    "${",
    "}",
    "2xx",
    "5s",
    "-",
    ":",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a",
    "*a",
    "<<",
    "!!str",
    "|",
    ">",
    "'",
    "\"",
    "#",
    "\t",
    "\u{0}",
    "é",
    "0",
    "-1",
    "99999999999999999999",
    "1e999",
    "~",
    "null",
    "true",
];

fn yamlish() -> impl Strategy<Value = String> {
    let token = prop::sample::select(WORDS);
    let sep = prop::sample::select(&["\n", " ", "\n  ", "\n    - ", ": ", "\n  - "][..]);
    prop::collection::vec((token, sep), 0..60)
        .prop_map(|parts| parts.into_iter().map(|(t, s)| format!("{t}{s}")).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        plan_text(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn yaml_shaped_documents_never_panic(doc in yamlish()) {
        plan_text(&doc);
    }

    #[test]
    fn mutated_valid_suites_never_panic(cut in 0usize..400, insert in prop::sample::select(WORDS)) {
        let base = "suite: s\nvars: { x: \"http://h\" }\nenvironments:\n  a: { y: 1 }\nchecks:\n  - name: one\n    http: { url: \"${x}/\" }\n    expect: { status: 2xx, json: { \"$.a\": 1 } }\n  - name: two\n    needs: [one]\n    tls: { host: h }\n    expect: { valid_for: 14d }\nready:\n  checks:\n    - name: r\n      tcp: { host: h, port: 1 }\n";
        let at = cut.min(base.len());
        let at = (0..=at).rev().find(|i| base.is_char_boundary(*i)).unwrap_or(0);
        let text = format!("{}{insert}{}", &base[..at], &base[at..]);
        plan_text(&text);
    }
}
