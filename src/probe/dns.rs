//! `dns` probe: ask for one record type (A, AAAA, CNAME, MX, TXT, NS) and check the answers.
//!
//! Every type goes through hickory-resolver, so NXDOMAIN, SERVFAIL, REFUSED, "the name
//! exists but has no such record" and a timeout can each be told apart and said plainly —
//! getaddrinfo folds them all into "name not known" and cannot be bounded by a deadline.
//! Without `server`, the system's configuration is used: `/etc/resolv.conf` (name servers,
//! search domains) and `/etc/hosts` for A/AAAA, read once per run. With `server`, only that
//! server is asked (UDP, TCP when the answer is truncated), with no hosts file and no
//! search domains: exactly what `dig @server` would see.

use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;

use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{Resolver, TokioResolver};
use serde_json::{Map, Value};
use tokio::time::{Instant, timeout_at};

use super::dbs::fmt_budget;
use super::{Layer, Outcome, ProbeCtx, fmt_ms, remaining};
use crate::suite::model::{DnsSpec, DnsType};

/// At most this many answers go to the details (a TXT-heavy zone can be large).
const MAX_DETAIL_ANSWERS: usize = 50;

pub async fn run(spec: &DnsSpec, _ctx: &ProbeCtx, deadline: Instant) -> Outcome {
    let started = Instant::now();
    let budget = remaining(deadline);
    let asked = Asked::new(spec);
    let resolver = match build_resolver(spec.server, budget) {
        Ok(r) => r,
        Err(msg) => return Outcome::fail(Layer::Config, msg),
    };
    let query_name = absolute_if_dotted(&spec.name);
    let answer = timeout_at(
        deadline,
        resolver.lookup(query_name.as_str(), record_type(spec.record_type)),
    )
    .await;
    let latency = started.elapsed();
    let mut details = Map::new();
    details.insert("name".into(), spec.name.clone().into());
    details.insert("type".into(), spec.record_type.as_str().into());
    details.insert("server".into(), asked.server.clone().into());
    details.insert(
        "latency_ms".into(),
        ((latency.as_secs_f64() * 100_000.0).round() / 100.0).into(),
    );

    let lookup = match answer {
        Err(_) => return with(Outcome::fail(Layer::Dns, asked.timed_out(budget)), details),
        Ok(Err(e)) => return with(Outcome::fail(Layer::Dns, asked.error(&e, budget)), details),
        Ok(Ok(lookup)) => lookup,
    };
    let wanted = record_type(spec.record_type);
    let answers: Vec<String> = lookup
        .answers()
        .iter()
        .filter(|r| r.record_type() == wanted)
        .filter_map(|r| render(&r.data))
        .collect();
    let ttl = lookup
        .answers()
        .iter()
        .filter(|r| r.record_type() == wanted)
        .map(|r| r.ttl)
        .min();
    let shown: Vec<Value> = answers
        .iter()
        .take(MAX_DETAIL_ANSWERS)
        .cloned()
        .map(Value::from)
        .collect();
    details.insert("answers".into(), shown.into());
    if let Some(ttl) = ttl {
        details.insert("ttl".into(), ttl.into());
    }

    if answers.is_empty() {
        // Only CNAMEs on the way, or an empty answer the resolver did not flag.
        return with(Outcome::fail(Layer::Dns, asked.no_records()), details);
    }
    let fact = fact(&answers, latency);
    if let Some(missing) = spec
        .expect
        .contains
        .iter()
        .find(|want| !contains(spec.record_type, &answers, want))
    {
        let msg = format!(
            "answers do not include {missing:?} (got {})",
            summary(&answers, 5)
        );
        return with(Outcome::fail(Layer::Assert, msg).with_fact(fact), details);
    }
    let min = u64::from(spec.expect.min_answers);
    if (answers.len() as u64) < min {
        let msg = format!("{}, expected at least {min}", count(answers.len()));
        return with(Outcome::fail(Layer::Assert, msg).with_fact(fact), details);
    }
    with(Outcome::pass(fact), details)
}

fn with(mut outcome: Outcome, details: Map<String, Value>) -> Outcome {
    outcome.details.extend(details);
    outcome
}

/// What was asked of whom, for the messages.
struct Asked {
    name: String,
    rtype: &'static str,
    /// `127.0.0.1:5353`, or `the system resolver (10.0.0.2)`.
    server: String,
}

impl Asked {
    fn new(spec: &DnsSpec) -> Self {
        let server = match spec.server {
            Some(addr) => addr.to_string(),
            None => match system_conf() {
                Ok((config, _)) => {
                    let ips: Vec<String> = config
                        .name_servers()
                        .iter()
                        .map(|ns| ns.ip.to_string())
                        .collect();
                    format!("the system resolver ({})", ips.join(", "))
                }
                Err(_) => "the system resolver".to_string(),
            },
        };
        Asked {
            name: spec.name.trim_end_matches('.').to_string(),
            rtype: spec.record_type.as_str(),
            server,
        }
    }

    fn timed_out(&self, budget: Duration) -> String {
        format!(
            "timed out after {} asking {} for {} {}",
            fmt_budget(budget),
            self.server,
            self.name,
            self.rtype
        )
    }

    fn no_records(&self) -> String {
        format!(
            "no {} records for {} (the name exists)",
            self.rtype, self.name
        )
    }

    fn error(&self, err: &NetError, budget: Duration) -> String {
        match err {
            NetError::Dns(DnsError::NoRecordsFound(no)) => match no.response_code {
                ResponseCode::NXDomain => format!("NXDOMAIN for {}", self.name),
                _ => self.no_records(),
            },
            NetError::Dns(DnsError::ResponseCode(code)) => match code {
                ResponseCode::ServFail => {
                    format!(
                        "SERVFAIL from {} for {} {}",
                        self.server, self.name, self.rtype
                    )
                }
                ResponseCode::Refused => {
                    format!("REFUSED: {} will not answer for {}", self.server, self.name)
                }
                other => format!(
                    "{other} from {} for {} {}",
                    self.server, self.name, self.rtype
                ),
            },
            NetError::Timeout => self.timed_out(budget),
            NetError::Io(io) => format!(
                "cannot reach {}: {}",
                self.server,
                super::dbs::io_reason(io)
            ),
            NetError::NoConnections => format!("no name server to ask ({})", self.server),
            other => format!(
                "{other} (asking {} for {} {})",
                self.server, self.name, self.rtype
            ),
        }
    }
}

/// The system configuration, read once per process (resolv.conf does not change under a
/// smoke-test run, and a 10,000-check suite should not re-read it 10,000 times).
fn system_conf() -> Result<&'static (ResolverConfig, ResolverOpts), String> {
    static CONF: OnceLock<Result<(ResolverConfig, ResolverOpts), String>> = OnceLock::new();
    CONF.get_or_init(|| {
        hickory_resolver::system_conf::read_system_conf().map_err(|e| {
            format!("cannot read the system DNS configuration (/etc/resolv.conf): {e}")
        })
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// A resolver for one attempt: no cache (a retry must ask again), one try per server, the
/// attempt's whole budget as the per-request timeout (the deadline bounds it from outside).
fn build_resolver(server: Option<SocketAddr>, budget: Duration) -> Result<TokioResolver, String> {
    let (config, mut opts) = match server {
        Some(addr) => {
            let mut udp = ConnectionConfig::udp();
            udp.port = addr.port();
            let mut tcp = ConnectionConfig::tcp();
            tcp.port = addr.port();
            let ns = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
            let mut opts = ResolverOpts::default();
            opts.use_hosts_file = ResolveHosts::Never;
            (ResolverConfig::from_name_servers(vec![ns]), opts)
        }
        None => system_conf()?.clone(),
    };
    opts.timeout = budget.max(Duration::from_millis(1));
    opts.attempts = 1;
    opts.cache_size = 0;
    opts.preserve_intermediates = true;
    let builder =
        Resolver::builder_with_config(config, TokioRuntimeProvider::default()).with_options(opts);
    builder
        .build()
        .map_err(|e| format!("cannot set up the DNS resolver: {e}"))
}

/// `api.shop.example` is asked as-is (`api.shop.example.`), never with a search domain
/// appended (Kubernetes' `ndots:5` would otherwise try `api.shop.example.svc…` first); a
/// single label like `db` keeps the search list, which is what it relies on.
fn absolute_if_dotted(name: &str) -> String {
    let trimmed = name.trim();
    if trimmed.contains('.') && !trimmed.ends_with('.') {
        format!("{trimmed}.")
    } else {
        trimmed.to_string()
    }
}

fn record_type(t: DnsType) -> RecordType {
    match t {
        DnsType::A => RecordType::A,
        DnsType::Aaaa => RecordType::AAAA,
        DnsType::Cname => RecordType::CNAME,
        DnsType::Mx => RecordType::MX,
        DnsType::Txt => RecordType::TXT,
        DnsType::Ns => RecordType::NS,
    }
}

/// One answer as text: `93.184.216.34`, `10 mail.example`, `v=spf1 -all`, names without
/// their trailing dot.
fn render(data: &RData) -> Option<String> {
    Some(match data {
        RData::A(a) => a.0.to_string(),
        RData::AAAA(a) => a.0.to_string(),
        RData::CNAME(c) => name(&c.0),
        RData::NS(n) => name(&n.0),
        RData::MX(mx) => format!("{} {}", mx.preference, name(&mx.exchange)),
        // The character-strings of one TXT record form one value (SPF, DKIM split long
        // values into 255-byte strings).
        RData::TXT(txt) => txt
            .txt_data
            .iter()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect(),
        _ => return None,
    })
}

fn name(n: &hickory_resolver::proto::rr::Name) -> String {
    n.to_string().trim_end_matches('.').to_string()
}

/// Whether `want` is among the answers. Names compare case-insensitively and without a
/// trailing dot; addresses as addresses (`::1` = `0:0::1`); an MX matches as `10 mx.example`
/// or as just the exchange; TXT values compare exactly.
fn contains(t: DnsType, answers: &[String], want: &str) -> bool {
    let want = want.trim();
    answers.iter().any(|got| match t {
        DnsType::A | DnsType::Aaaa => match (want.parse::<IpAddr>(), got.parse::<IpAddr>()) {
            (Ok(w), Ok(g)) => w == g,
            _ => false,
        },
        DnsType::Txt => got == want || got == want.trim_matches('"'),
        DnsType::Mx => {
            let exchange = got.split_once(' ').map_or(got.as_str(), |(_, e)| e);
            same_name(got, want) || same_name(exchange, want)
        }
        DnsType::Cname | DnsType::Ns => same_name(got, want),
    })
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

/// `3 answers · 93.184.216.34, 93.184.216.35, … · 4ms`.
fn fact(answers: &[String], latency: Duration) -> String {
    format!(
        "{} · {} · {}",
        count(answers.len()),
        summary(answers, 3),
        fmt_ms(latency)
    )
}

fn summary(answers: &[String], max: usize) -> String {
    let mut shown: Vec<String> = answers.iter().take(max).map(|a| short(a)).collect();
    if answers.len() > max {
        shown.push("…".to_string());
    }
    shown.join(", ")
}

/// A long TXT value shortened for one line.
fn short(answer: &str) -> String {
    match answer.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &answer[..cut]),
        None => answer.to_string(),
    }
}

fn count(n: usize) -> String {
    format!("{n} answer{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn matching_rules() {
        assert!(contains(DnsType::A, &v(&["10.0.0.1"]), "10.0.0.1"));
        assert!(!contains(DnsType::A, &v(&["10.0.0.1"]), "10.0.0.2"));
        assert!(contains(DnsType::Aaaa, &v(&["::1"]), "0:0::1"));
        assert!(contains(
            DnsType::Mx,
            &v(&["10 mail.example"]),
            "mail.example."
        ));
        assert!(contains(
            DnsType::Mx,
            &v(&["10 mail.example"]),
            "10 MAIL.example"
        ));
        assert!(!contains(
            DnsType::Mx,
            &v(&["10 mail.example"]),
            "20 mail.example"
        ));
        assert!(contains(
            DnsType::Cname,
            &v(&["Target.Example"]),
            "target.example."
        ));
        assert!(contains(DnsType::Txt, &v(&["v=spf1 -all"]), "v=spf1 -all"));
        assert!(!contains(DnsType::Txt, &v(&["v=spf1 -all"]), "V=SPF1 -ALL"));
    }

    #[test]
    fn names_with_a_dot_are_absolute() {
        assert_eq!(absolute_if_dotted("api.shop.example"), "api.shop.example.");
        assert_eq!(absolute_if_dotted("api.shop.example."), "api.shop.example.");
        assert_eq!(absolute_if_dotted("db"), "db");
    }

    #[test]
    fn facts() {
        let answers = v(&["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"]);
        assert_eq!(
            fact(&answers, Duration::from_millis(4)),
            "4 answers · 1.1.1.1, 2.2.2.2, 3.3.3.3, … · 4ms"
        );
        assert_eq!(
            fact(&v(&["1.1.1.1"]), Duration::from_millis(4)),
            "1 answer · 1.1.1.1 · 4ms"
        );
    }
}
