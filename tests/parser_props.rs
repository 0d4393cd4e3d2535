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

// ------------------------------------------------------------------ variables and secrets

mod variables {
    use std::collections::{BTreeMap, HashMap};

    use proptest::prelude::*;
    use smokecheck::plan::Masker;
    use smokecheck::plan::vars::{Mode, Resolver, VarSource, interpolate_str};
    use smokecheck::suite::raw::Pos;

    /// Names as users write them (mostly from a small pool, so that references meet
    /// definitions), and names no user should write.
    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => prop::sample::select(&["a", "b", "S1", "s_2", "x.y-z"][..]).prop_map(String::from),
            1 => "[A-Za-z_][A-Za-z0-9_.-]{0,8}",
            1 => "[^}]{0,6}",
            1 => Just(String::new()),
        ]
    }

    /// A template piece: literal text or a reference of any form, well-formed or not.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z /:@?=&%\"'<>#+]{0,6}",
            name().prop_map(|n| format!("${{{n}}}")),
            name().prop_map(|n| format!("${{env:{n}}}")),
            (name(), "[^}]{0,5}").prop_map(|(n, d)| format!("${{env:{n}:-{d}}}")),
            name().prop_map(|n| format!("${{secret:{n}}}")),
            Just("$${".to_string()),
            Just("${".to_string()),
            Just("}".to_string()),
            Just("$".to_string()),
        ]
    }

    fn template() -> impl Strategy<Value = String> {
        prop::collection::vec(piece(), 0..8).prop_map(|p| p.concat())
    }

    /// Secret values: anything printable or not, but never holding `*` (masked text is
    /// made of `*`, so such a value could reappear from the masks themselves).
    fn value() -> impl Strategy<Value = String> {
        "[^*]{1,12}"
    }

    #[derive(Debug)]
    struct Case {
        vars: HashMap<String, VarSource>,
        env: BTreeMap<String, String>,
        template: String,
    }

    fn case() -> impl Strategy<Value = Case> {
        (
            prop::collection::btree_map(name(), (template(), any::<bool>()), 0..6),
            prop::collection::btree_map(name(), value(), 0..6),
            template(),
        )
            .prop_map(|(vars, env, template)| Case {
                vars: vars
                    .into_iter()
                    .map(|(k, (v, cli))| {
                        let source = if cli {
                            VarSource::Cli(v)
                        } else {
                            VarSource::Suite(v, Pos::default())
                        };
                        (k, source)
                    })
                    .collect(),
                env,
                template,
            })
    }

    fn resolve(case: &Case, mode: Mode) -> (String, Vec<String>, Masker) {
        let getenv = |n: &str| case.env.get(n).cloned();
        let elsewhere = |_: &str| Vec::new();
        let mut masker = Masker::new();
        let mut r = Resolver::new(&case.vars, mode, &getenv, &elsewhere, None, &mut masker);
        let (text, _) = interpolate_str(&mut r, &case.template);
        let diags = r.diags.iter().map(|d| d.message.clone()).collect();
        drop(r);
        (text, diags, masker)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        /// `${…}` soup with random names: no panic, and every secret the resolver read is
        /// masked out of the result.
        #[test]
        fn soup_never_panics_and_secrets_are_masked(case in case()) {
            for mode in [Mode::Run, Mode::Validate] {
                let (text, _, masker) = resolve(&case, mode);
                let masked = masker.mask(&text);
                for secret in case.env.values() {
                    // Registered (it was read as a secret) and present: must be gone.
                    if masker.mask(secret) != secret.as_str() {
                        prop_assert!(
                            !masked.contains(secret.as_str()),
                            "{secret:?} left in {masked:?}"
                        );
                    }
                }
            }
        }

        /// Values from the environment are data: a `${…}` inside one stays as written.
        #[test]
        fn environment_values_are_never_substituted(inner in "[a-z]{1,6}", n in "[A-Z]{1,6}") {
            let case = Case {
                vars: HashMap::new(),
                env: BTreeMap::from([(n.clone(), format!("${{{inner}}}"))]),
                template: format!("<${{env:{n}}}|${{secret:{n}}}>"),
            };
            let (text, diags, masker) = resolve(&case, Mode::Run);
            prop_assert!(diags.is_empty(), "{diags:?}");
            prop_assert_eq!(&text, &format!("<${{{inner}}}|${{{inner}}}>"));
            prop_assert_eq!(masker.mask(&text), "<****|****>");
        }

        /// `$${` is a literal `${`, whatever follows it.
        #[test]
        fn escaped_dollar_brace_is_literal(rest in "[^$]{0,10}") {
            let case = Case {
                vars: HashMap::new(),
                env: BTreeMap::new(),
                template: format!("$${{{rest}"),
            };
            let (text, diags, _) = resolve(&case, Mode::Run);
            prop_assert!(diags.is_empty(), "{diags:?}");
            prop_assert_eq!(text, format!("${{{rest}"));
        }
    }
}

// ------------------------------------------------------------------ secret names in suites

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// A `${secret:NAME}` with any name, set or not, in a URL, a header and a check name:
    /// planning never panics, and a set secret never shows in a target or an error.
    #[test]
    fn random_secret_names_in_a_suite(name in "[A-Za-z_.:{}$ -][A-Za-z0-9_.:{}$ -]{0,10}", set in any::<bool>()) {
        let suite = format!(
            "suite: s\nchecks:\n  - name: \"n ${{secret:{name}}}\"\n    http:\n      url: \"http://h/${{secret:{name}}}?a=${{secret:{name}}}\"\n      headers: {{ X-A: \"${{secret:{name}}}\" }}\n"
        );
        let value = "Zq9!secret value/?#";
        for mode in [Mode::Run, Mode::Validate] {
            let mut loaded = Loaded::default();
            load_str(Path::new("s.yaml"), &suite, &mut loaded);
            let opts = PlanOptions { mode, ..PlanOptions::default() };
            let getenv = |n: &str| (set && n == name).then(|| value.to_string());
            match build_loaded(loaded, &opts, &getenv) {
                Ok(p) => {
                    for c in &p.plan.checks {
                        prop_assert!(!c.target.contains("Zq9"), "{}", c.target);
                    }
                }
                Err(e) => prop_assert!(!e.render().contains("Zq9"), "{}", e.render()),
            }
        }
    }
}
