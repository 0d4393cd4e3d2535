//! `smokecheck demo`: the bundled suite against the built-in target shows every status a
//! green run can have, and exits 0.

use crate::harness::Sc;
use crate::xml;

#[test]
fn demo_shows_pass_flaky_warn_and_skip_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let run = Sc::new(dir.path())
        .args(["demo", "--format", "plain", "--color", "never"])
        .args(["--junit", "junit.xml", "--json", "report.json"])
        .go();
    run.exits(0);
    assert!(
        run.stdout.starts_with("demo target: http://127.0.0.1:"),
        "{}",
        run.shown()
    );
    for word in ["PASS ", "FLAKY", "WARN ", "SKIP "] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with(&format!("{word} demo › "))),
            "no {word} line\n{}",
            run.shown()
        );
    }
    assert!(
        !run.stdout
            .lines()
            .any(|l| l.starts_with("FAIL") || l.starts_with("TIME")),
        "{}",
        run.shown()
    );
    assert_eq!(run.word("checkout warms up"), "FLAKY", "{}", run.shown());
    assert!(
        run.summary()
            .contains(" passed, 1 flaky, 1 warned, 1 skipped in "),
        "{}",
        run.shown()
    );
    let cases = xml::cases(&run.junit());
    assert_eq!(cases.len(), run.json()["checks"].as_array().unwrap().len());
    assert!(cases.iter().all(|c| c.classname == "demo"), "{cases:#?}");
}

#[test]
fn plain_never_carries_escape_sequences_pretty_does_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let demo = |format: &str| {
        Sc::new(dir.path())
            .args(["demo", "--format", format, "--color", "always"])
            .go()
    };
    let plain = demo("plain");
    plain.exits(0);
    assert!(!plain.stdout.contains('\u{1b}'), "{}", plain.shown());
    let pretty = demo("pretty");
    pretty.exits(0);
    assert!(pretty.stdout.contains("\u{1b}["), "{}", pretty.shown());
}
