//! Secrets never leave the process: random secret values (printable, with the characters
//! that break URLs, YAML, JSON, XML, Markdown and shells) are placed in a URL password, a
//! URL path and query, headers, a request body, body and JSONPath expectations, a check
//! name and description, and an `exec` environment; a local server echoes them back in
//! its body, its headers and a redirect (so they come back in error messages). No output
//! may then hold them: terminal (plain and pretty with colour), JUnit, JSON (file and
//! `--format json`), GitHub annotations and step summary, `watch`, `list` and `validate`,
//! and a suite error. Each output is searched raw, percent-decoded, XML-unescaped and
//! Markdown-unescaped, for the secret as written and JSON/Rust-escaped.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{Run, SuiteDir, demo_url, q, run_bounded, smokecheck};
use crate::servers;

/// Secret characters: printable ASCII (all of it: `@:/%?&=+#"' <>` included) and a little
/// non-ASCII.
const ALPHABET: &str = concat!(
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
    "éü€"
);

/// Echoes each request back: the request head and body as the response body (raw, not
/// escaped), the `X-Custom` header as `X-Echo-Custom`, the request target as
/// `X-Echo-Target`; and on `/redirect`, a 302 to `/k/<X-Api-Key>`.
fn echo_server() -> SocketAddr {
    static ADDR: LazyLock<SocketAddr> = LazyLock::new(|| {
        servers::serve(|mut s| async move {
            let mut req = Vec::new();
            let mut buf = [0u8; 4096];
            let head_end = loop {
                if let Some(i) = req.windows(4).position(|w| w == b"\r\n\r\n") {
                    break i + 4;
                }
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
                if req.len() > 1 << 20 {
                    return;
                }
            };
            let head = String::from_utf8_lossy(&req[..head_end]).into_owned();
            let header = |name: &str| {
                head.lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
                    })
                    .unwrap_or_default()
            };
            let length: usize = header("content-length").parse().unwrap_or(0);
            while req.len() < head_end + length.min(1 << 20) {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
            let resp = if target.starts_with("/redirect") {
                format!(
                    "HTTP/1.1 302 Found\r\nLocation: /k/{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    header("x-api-key")
                )
                .into_bytes()
            } else {
                let mut r = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Echo-Custom: {}\r\nX-Echo-Target: {target}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    header("x-custom"),
                    req.len()
                )
                .into_bytes();
                r.extend_from_slice(&req);
                r
            };
            let _ = s.write_all(&resp).await;
            let _ = s.shutdown().await;
        })
    });
    *ADDR
}

/// Percent-encodes everything but RFC 3986 unreserved characters: how a careful user puts
/// a password into a URL.
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The suite: every place a secret can go. `N` is the secret, `NU` the same value
/// percent-encoded for URLs.
fn suite(n: &str, nu: &str, raw_in_query: bool) -> String {
    let echo = echo_server();
    let demo = demo_url();
    let closed = servers::refused_port();
    let s = format!("${{secret:{n}}}");
    let su = format!("${{secret:{nu}}}");
    let raw_query = if raw_in_query {
        format!(
            "  - name: raw secret in a query\n    http: {{ url: {} }}\n    expect: {{ status: 418 }}\n",
            q(&format!("http://{echo}/q?k={s}"))
        )
    } else {
        String::new()
    };
    format!(
        r#"suite: secrets
defaults: {{ timeout: 5s }}
checks:
  - name: {name}
    description: {description}
    http:
      url: {url}
      method: POST
      headers:
        X-Api-Key: {s_q}
        X-Custom: {custom}
        Authorization: {bearer}
      body: {body}
    expect:
      status: 200
      body_contains: {missing}
      headers: {{ x-echo-custom: {s_q} }}
  - name: json expectation
    http:
      url: {demo_echo}
      method: POST
      headers: {{ X-Custom: {custom} }}
      body: {s_q}
    expect:
      json: {{ "$.headers['x-custom']": {s_q}, "$.body": "nope" }}
  - name: secret in a redirect
    http:
      url: {redirect}
      follow_redirects: false
      headers: {{ X-Api-Key: {s_q} }}
  - name: secret in a refused url
    http: {{ url: {refused} }}
  - name: secret in a database url
    postgres: {{ url: {pg} }}
  - name: secret in a process environment
    exec:
      command: [printenv, SMOKE_SECRET]
      env: {{ SMOKE_SECRET: {s_q} }}
    expect: {{ stdout_contains: nope }}
{raw_query}"#,
        name = q(&format!("login as {s}")),
        description = q(&format!("uses {s} and {su}")),
        url = q(&format!(
            "http://smoke:{su}@{echo}/echo/{su}?token={su}&x=1"
        )),
        s_q = q(&s),
        custom = q(&format!("pre {s} post")),
        bearer = q(&format!("Bearer {s}")),
        body = q(&format!("data={s}&end")),
        missing = q(&format!("{s}-missing")),
        demo_echo = q(&format!("{demo}/echo")),
        redirect = q(&format!("http://{echo}/redirect")),
        refused = q(&format!("http://127.0.0.1:{closed}/p/{su}")),
        pg = q(&format!(
            "postgres://smoke:{su}@127.0.0.1:{closed}/db?sslmode=disable"
        )),
    )
}

/// A suite that is wrong because of the secret's value: the error must not show it.
fn bad_suite(n: &str) -> String {
    format!(
        "suite: bad\nchecks:\n  - name: bad timeout\n    timeout: {}\n    http: {{ url: \"http://127.0.0.1:1/\" }}\n",
        q(&format!("${{secret:{n}}}"))
    )
}

/// `text` and what it becomes once escapes a format adds are undone.
fn decodings(text: &str) -> Vec<String> {
    let plain = strip_ansi(text);
    let mut out = vec![
        percent_decode(&plain),
        xml_unescape(&plain),
        markdown_unescape(&plain),
        percent_decode(&xml_unescape(&plain)),
    ];
    out.push(plain);
    out
}

fn strip_ansi(text: &str) -> String {
    static RE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)").unwrap()
    });
    RE.replace_all(text, "").into_owned()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn xml_unescape(text: &str) -> String {
    static RE: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"&(#x?[0-9a-fA-F]+|[a-z]+);").unwrap());
    RE.replace_all(text, |c: &regex::Captures| {
        let e = &c[1];
        let ch = match e {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => e
                .strip_prefix("#x")
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| e.strip_prefix('#').map(str::parse))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        ch.map_or_else(|| c[0].to_string(), String::from)
    })
    .into_owned()
}

fn markdown_unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next) = chars.peek()
            && next.is_ascii_punctuation()
        {
            out.push(next);
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

/// Every string (keys too) of a JSON document, one per line.
fn json_strings(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(items) => items.iter().for_each(|i| json_strings(i, out)),
        Value::Object(map) => {
            for (k, v) in map {
                out.push_str(k);
                out.push('\n');
                json_strings(v, out);
            }
        }
        _ => {}
    }
}

/// The forms a secret could take in an output.
fn forms(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap();
    let debug = format!("{secret:?}");
    let mut out = vec![
        secret.to_string(),
        json[1..json.len() - 1].to_string(),
        debug[1..debug.len() - 1].to_string(),
    ];
    out.dedup();
    out
}

/// Fails if `text` (output `what`) holds `secret` in any form.
fn assert_clean(what: &str, text: &str, secret: &str) -> Result<(), TestCaseError> {
    for decoded in decodings(text) {
        for form in forms(secret) {
            if let Some(at) = decoded.find(&form) {
                let from = decoded[..at]
                    .char_indices()
                    .rev()
                    .nth(80)
                    .map_or(0, |(i, _)| i);
                let end = (at + form.len() + 80).min(decoded.len());
                let end = (end..=decoded.len())
                    .find(|i| decoded.is_char_boundary(*i))
                    .unwrap_or(decoded.len());
                return Err(TestCaseError::fail(format!(
                    "secret {secret:?} (as {form:?}) leaked in {what}: …{}…",
                    &decoded[from..end]
                )));
            }
        }
    }
    Ok(())
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run(dir: &SuiteDir, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = smokecheck(dir.path());
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_bounded(cmd, Duration::from_secs(60))
}

/// One case: every output of every command, searched for `secret`.
/// `SMOKECHECK_SECRET_DUMP=1` prints them all (to see what is searched).
#[expect(clippy::print_stderr, reason = "the dump is asked for")]
fn no_leak(secret: &str, name: &str) -> Result<(), TestCaseError> {
    let encoded_name = format!("{name}_URL");
    let encoded = url_encode(secret);
    let dir = SuiteDir::new(&suite(name, &encoded_name, !secret.contains('#')));
    std::fs::write(dir.file("bad.yaml"), bad_suite(name)).unwrap();
    let env = [(name, secret), (encoded_name.as_str(), encoded.as_str())];
    let summary = dir.file("summary.md");
    let summary_s = summary.display().to_string();
    let mut outputs: Vec<(String, String)> = Vec::new();

    let mut github_env = env.to_vec();
    github_env.push(("GITHUB_ACTIONS", "true"));
    github_env.push(("GITHUB_STEP_SUMMARY", &summary_s));
    let plain = run(
        &dir,
        &[
            "run",
            "suite.yaml",
            "-v",
            "--format",
            "plain",
            "--junit",
            "junit.xml",
            "--json",
            "report.json",
        ],
        &github_env,
    );
    prop_assert_eq!(plain.code, Some(1), "{}", plain.show());
    outputs.push(("plain stdout".into(), plain.stdout));
    outputs.push(("plain stderr".into(), plain.stderr));
    outputs.push(("JUnit".into(), read(&dir.file("junit.xml"))));
    let report = read(&dir.file("report.json"));
    let doc: Value = serde_json::from_str(&report).unwrap();
    let mut strings = String::new();
    json_strings(&doc, &mut strings);
    outputs.push(("JSON report".into(), report));
    outputs.push(("JSON report strings".into(), strings));
    outputs.push(("GitHub step summary".into(), read(&summary)));

    let mut pretty_env = env.to_vec();
    pretty_env.push(("CLICOLOR_FORCE", "1"));
    let pretty = run(
        &dir,
        &[
            "run",
            "suite.yaml",
            "-v",
            "--format",
            "pretty",
            "--color",
            "always",
        ],
        &pretty_env,
    );
    prop_assert!(
        pretty.stdout.contains('\u{1b}'),
        "no colour: {}",
        pretty.show()
    );
    outputs.push(("pretty stdout".into(), pretty.stdout));
    outputs.push(("pretty stderr".into(), pretty.stderr));

    let json = run(&dir, &["run", "suite.yaml", "--format", "json"], &env);
    let mut strings = String::new();
    json_strings(&serde_json::from_str(&json.stdout).unwrap(), &mut strings);
    outputs.push(("--format json".into(), json.stdout));
    outputs.push(("--format json strings".into(), strings));
    outputs.push(("--format json stderr".into(), json.stderr));

    let watch = run(&dir, &["watch", "suite.yaml", "--count", "1"], &env);
    prop_assert_eq!(watch.code, Some(1), "{}", watch.show());
    outputs.push(("watch stdout".into(), watch.stdout));
    outputs.push(("watch stderr".into(), watch.stderr));

    for cmd in ["list", "validate"] {
        let r = run(&dir, &[cmd, "suite.yaml"], &env);
        prop_assert_eq!(r.code, Some(0), "{}", r.show());
        outputs.push((format!("{cmd} stdout"), r.stdout));
        outputs.push((format!("{cmd} stderr"), r.stderr));
    }
    for cmd in ["run", "validate", "list"] {
        let r = run(&dir, &[cmd, "bad.yaml"], &env);
        prop_assert_eq!(r.code, Some(2), "{}", r.show());
        outputs.push((format!("{cmd} of a bad suite"), r.stderr + &r.stdout));
    }

    for (what, text) in &outputs {
        assert_clean(what, text, secret)?;
        assert_clean(what, text, &encoded)?;
    }
    if std::env::var_os("SMOKECHECK_SECRET_DUMP").is_some() {
        for (w, t) in &outputs {
            eprintln!("=== {w}\n{t}");
        }
    }
    // The secrets went where they were meant to: the masks are there.
    prop_assert!(outputs[0].1.contains("****"), "nothing masked?");
    Ok(())
}

fn secret_value() -> impl Strategy<Value = String> {
    let chars: Vec<char> = ALPHABET.chars().collect();
    prop::collection::vec(prop::sample::select(chars), 6..24)
        .prop_map(|cs| cs.into_iter().collect::<String>())
        // Whitespace at the ends is trimmed by HTTP and YAML alike; and a secret of two
        // or three distinct characters (`aaaaaa`, what shrinking tends to) would match
        // ordinary output.
        .prop_filter("no space at the ends, varied", |s| {
            !s.starts_with(' ')
                && !s.ends_with(' ')
                && s.chars().collect::<std::collections::BTreeSet<_>>().len() >= 5
        })
}

fn secret_name() -> impl Strategy<Value = String> {
    "[A-Z_][A-Z0-9_]{0,12}".prop_map(|n| format!("SMOKE_{n}"))
}

#[test]
fn secrets_never_appear_in_any_output() {
    let _serial = crate::harness::heavy();
    let cases = std::env::var("SMOKECHECK_SECRET_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    let mut runner = TestRunner::new(Config {
        cases,
        max_shrink_iters: 24,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(secret_value(), secret_name()), |(secret, name)| {
            no_leak(&secret, &name)
        })
        .unwrap();
}
