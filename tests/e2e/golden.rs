//! Golden files of one representative run — the plain terminal output, JUnit and JSON —
//! with everything that changes between runs (times, ports, dates, host, paths)
//! replaced by placeholders. `UPDATE_SNAPSHOTS=1` rewrites them.

use std::sync::LazyLock;

use regex::Regex;

/// Placeholders for what differs between two runs of the same suite.
pub fn normalise(text: &str) -> String {
    static RULES: LazyLock<Vec<(Regex, &str)>> = LazyLock::new(|| {
        [
            // RFC 3339 timestamps (JUnit `timestamp`, JSON `started_at`).
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "<timestamp>"),
            // HTTP `Date` headers in the details.
            (
                r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT",
                "<date>",
            ),
            (r#"hostname="[^"]*""#, r#"hostname="<host>""#),
            (r#"\btime="[0-9.]+""#, r#"time="<t>""#),
            (
                r#"name="ready.wait" value="[0-9.]+""#,
                r#"name="ready.wait" value="<t>""#,
            ),
            // JSON durations and the details' timings.
            (r#""(\w+_ms)": [0-9.]+"#, r#""$1": <ms>"#),
            (r"\b(\w+_ms): [0-9.]+", "$1: <ms>"),
            (r"(127\.0\.0\.1|localhost):\d+", "$1:<port>"),
            // `84ms`, `1.84s`, `2m05s` in lines, facts and summaries.
            (r"\b\d+(\.\d+)?(ms|s)\b|\b\d+m\d\ds\b", "<t>"),
            (r"/tmp/[^\s\x22]*", "<tmp>"),
        ]
        .into_iter()
        .map(|(re, with)| (Regex::new(re).unwrap(), with))
        .collect()
    });
    let mut text = text.replace(env!("CARGO_PKG_VERSION"), "<version>");
    for (re, with) in RULES.iter() {
        text = re.replace_all(&text, *with).into_owned();
    }
    text
}

/// Compares `actual` with `tests/snapshots/e2e/<name>`; `UPDATE_SNAPSHOTS=1` rewrites it.
pub fn snapshot(name: &str, actual: &str) {
    crate::snapshot::assert_snapshot(&format!("e2e/{name}"), actual);
}
