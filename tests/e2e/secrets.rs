//! Secrets never leave the process: a `${secret:…}` sent in a header and in a URL query,
//! and a password written in a URL, with a server that echoes all of it back, in
//! failing, flaky and passing checks — none of the values may appear on stdout, stderr,
//! in JUnit, JSON or the GitHub step summary.

use crate::harness::{Demo, Dir, Ran};

const SUITE: &str = r#"
suite: secrets
defaults: { timeout: 2s, retry_delay: 10ms }
checks:
  - name: token in a header
    http:
      url: "${base_url}/echo"
      headers: { X-Custom: "${secret:E2E_TOKEN}" }
    expect: { json: { "$.headers['x-custom']": "something else" } }
  - name: token in the query
    http: { url: "${base_url}/echo?token=${secret:E2E_TOKEN}&x=1" }
    expect: { body_contains: never there }
  - name: token in a flaky check
    retries: 2
    http: { url: "${base_url}/flaky?key=${flaky_key}&token=${secret:E2E_TOKEN}" }
  - name: token echoed by a passing check
    http:
      url: "${base_url}/echo?token=${secret:E2E_TOKEN}"
      headers: { X-Custom: "${secret:E2E_TOKEN}" }
  # The echoed body shows the Basic credentials the client derives from the URL (base64
  # of user:password): masked like the password itself.
  - name: password in the url
    http: { url: "http://smoke:${url_password}@${demo_host}:${demo_port}/echo?x=1" }
    expect: { status: 503 }
"#;

fn run(demo: &Demo, dir: &Dir, token: &str, key: &str) -> Ran {
    dir.run()
        .target(demo)
        .args(["-v", "--var", &format!("flaky_key={key}")])
        .args(["--var", "url_password=Hunter2UrlPw"])
        .env("E2E_TOKEN", token)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", dir.path().join(format!("{key}.md")))
        .go()
}

fn assert_nowhere(run: &Ran, key: &str, values: &[&str]) {
    let outputs = [
        ("stdout", run.stdout.clone()),
        ("stderr", run.stderr.clone()),
        ("JUnit", run.file("junit.xml")),
        ("JSON", run.file("report.json")),
        ("step summary", run.file(&format!("{key}.md"))),
    ];
    for (what, text) in &outputs {
        for value in values {
            assert!(
                !text.contains(value),
                "{value:?} appears in the {what}:\n{text}"
            );
        }
    }
    // Masked, not dropped: the checks still say what they saw.
    assert!(run.stdout.contains("****"), "{}", run.shown());
}

#[test]
fn secrets_never_appear_in_any_output() {
    let demo = Demo::start();
    let dir = Dir::with_suite(SUITE);
    let run = run(&demo, &dir, "tok3n-Zq9xWv", "plain");
    run.exits(1);
    assert_eq!(run.word("token in a header"), "FAIL");
    assert_eq!(
        run.says("token in a header"),
        r#"assert: $.headers['x-custom'] was "****", expected "something else""#
    );
    assert_eq!(run.word("token in a flaky check"), "FLAKY");
    assert_eq!(run.word("token echoed by a passing check"), "PASS");
    assert!(
        run.stdout
            .contains("target: GET http://smoke:****@127.0.0.1:"),
        "{}",
        run.shown()
    );
    // base64("smoke:Hunter2UrlPw"), sent as `Authorization: Basic …` and echoed back.
    assert_nowhere(
        &run,
        "plain",
        &["tok3n-Zq9xWv", "Hunter2UrlPw", "c21va2U6SHVudGVyMlVybFB3"],
    );
    run.junit(); // still valid
}

#[test]
fn secrets_with_url_special_characters_are_masked_as_sent() {
    let demo = Demo::start();
    let dir = Dir::with_suite(SUITE);
    // Percent-encoded in the URL as `s3cr%20t/T0k+n`: that form must be masked too.
    let run = run(&demo, &dir, "s3cr t/T0k+n", "special");
    run.exits(1);
    assert_nowhere(
        &run,
        "special",
        &["s3cr t/T0k+n", "s3cr%20t/T0k+n", "s3cr+t/T0k+n"],
    );
}
