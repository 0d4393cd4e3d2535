//! What one attempt of a probe produced. Probes never print: they return an `Outcome`.

use std::fmt;

/// The layer at which a check failed (SPEC §3): the first word a tired reader needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    Dns,
    Connect,
    Tls,
    Http,
    Assert,
    Auth,
    Query,
    Exec,
    Timeout,
    /// The check itself could not be set up (unreadable `ca_file`, bad client cert…).
    Config,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Dns => "dns",
            Layer::Connect => "connect",
            Layer::Tls => "tls",
            Layer::Http => "http",
            Layer::Assert => "assert",
            Layer::Auth => "auth",
            Layer::Query => "query",
            Layer::Exec => "exec",
            Layer::Timeout => "timeout",
            Layer::Config => "config",
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Pass or fail, and why.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Pass,
    Fail { layer: Layer, message: String },
}

/// The result of one attempt.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub verdict: Verdict,
    /// The key fact for the one-line report: `200 OK · 84ms`, `expires in 61d · *.shop.example`.
    pub fact: String,
    /// Things that do not fail the check but must be seen (TLS `warn_within`, `insecure: true`).
    /// A passing attempt with warnings makes the check `warned`.
    pub warnings: Vec<String>,
    /// Everything worth showing under `-v` and in the JSON/JUnit reports.
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl Outcome {
    pub fn pass(fact: impl Into<String>) -> Self {
        Outcome {
            verdict: Verdict::Pass,
            fact: fact.into(),
            warnings: Vec::new(),
            details: serde_json::Map::new(),
        }
    }

    pub fn fail(layer: Layer, message: impl Into<String>) -> Self {
        Outcome {
            verdict: Verdict::Fail {
                layer,
                message: message.into(),
            },
            fact: String::new(),
            warnings: Vec::new(),
            details: serde_json::Map::new(),
        }
    }

    pub fn with_detail(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }

    pub fn with_fact(mut self, fact: impl Into<String>) -> Self {
        self.fact = fact.into();
        self
    }

    pub fn is_pass(&self) -> bool {
        matches!(self.verdict, Verdict::Pass)
    }

    /// Turns a pass into a failure at `layer` (keeps fact and details).
    pub fn into_fail(mut self, layer: Layer, message: impl Into<String>) -> Self {
        self.verdict = Verdict::Fail {
            layer,
            message: message.into(),
        };
        self
    }
}

/// Formats a duration the way reports show latencies: `84ms`, `1.24s`.
pub fn fmt_ms(d: std::time::Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1000.0 {
        format!("{}ms", ms.round() as u64)
    } else {
        format!("{:.2}s", ms / 1000.0)
    }
}

/// Formats a timeout budget for messages (`timed out after 2s`): measured a moment after
/// the timer started, so it is rounded to 10ms first, and to tenths above a second.
pub fn fmt_budget(d: std::time::Duration) -> String {
    let ms = (d.as_secs_f64() * 100.0).round() * 10.0;
    if ms >= 1000.0 {
        let tenths = (ms / 100.0).round() / 10.0;
        if tenths.fract() == 0.0 {
            format!("{}s", tenths as u64)
        } else {
            format!("{tenths}s")
        }
    } else {
        format!("{}ms", ms as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn budgets_read_like_timeouts() {
        assert_eq!(fmt_budget(Duration::from_millis(2000)), "2s");
        assert_eq!(fmt_budget(Duration::from_micros(1_999_700)), "2s");
        assert_eq!(fmt_budget(Duration::from_micros(999_800)), "1s");
        assert_eq!(fmt_budget(Duration::from_millis(300)), "300ms");
        assert_eq!(fmt_budget(Duration::from_millis(499)), "500ms");
        assert_eq!(fmt_budget(Duration::from_millis(1500)), "1.5s");
        assert_eq!(fmt_budget(Duration::from_secs(10)), "10s");
    }

    #[test]
    fn latencies_read_like_latencies() {
        assert_eq!(fmt_ms(Duration::from_millis(84)), "84ms");
        assert_eq!(fmt_ms(Duration::from_millis(1240)), "1.24s");
    }
}
