//! `dns` probe against a real DNS server started here on 127.0.0.1 (UDP and TCP, written
//! with hickory-proto: real wire format, real resolver), and `exec` probe against real
//! processes.

#![allow(clippy::unwrap_used, reason = "a test may panic on what it set up")]

#[path = "support/db_fixtures.rs"]
mod db_fixtures;
#[path = "support/services.rs"]
mod services;

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use db_fixtures::{assert_fail, assert_pass};
use hickory_resolver::proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_resolver::proto::rr::rdata::{A, AAAA, CNAME, MX, NS, TXT};
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use smokecheck::probe::{self, Layer, Outcome, ProbeCtx};
use smokecheck::suite::model::{DnsExpect, DnsSpec, DnsType, ExecExpect, ExecSpec, Spec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::time::Instant;

// ------------------------------------------------------------------ helpers

async fn run(spec: Spec, timeout: Duration) -> Outcome {
    probe::run(&spec, &ProbeCtx::new(), Instant::now() + timeout).await
}

// ------------------------------------------------------------------ a DNS server

/// The zone our server answers for. Names not in it are NXDOMAIN; `servfail.test` answers
/// SERVFAIL; a name that has records, but none of the asked type, answers NOERROR/empty.
fn zone() -> Vec<Record> {
    let n = |s: &str| Name::from_str(s).unwrap();
    let rec = |name: &str, data: RData| Record::from_rdata(n(name), 300, data);
    vec![
        rec("shop.test.", RData::A(A::from_str("10.0.0.1").unwrap())),
        rec("shop.test.", RData::A(A::from_str("10.0.0.2").unwrap())),
        rec("shop.test.", RData::A(A::from_str("10.0.0.3").unwrap())),
        rec(
            "shop.test.",
            RData::AAAA(AAAA::from_str("2001:db8::1").unwrap()),
        ),
        rec("shop.test.", RData::MX(MX::new(10, n("mail.shop.test.")))),
        rec("shop.test.", RData::MX(MX::new(20, n("backup.shop.test.")))),
        rec(
            "shop.test.",
            RData::TXT(TXT::new(vec![
                "v=spf1 ".into(),
                "include:mail.test -all".into(),
            ])),
        ),
        rec(
            "shop.test.",
            RData::TXT(TXT::new(vec!["verification=abc123".into()])),
        ),
        rec("shop.test.", RData::NS(NS(n("ns1.shop.test.")))),
        rec("www.shop.test.", RData::CNAME(CNAME(n("shop.test.")))),
        rec(
            "mail.shop.test.",
            RData::A(A::from_str("10.0.0.25").unwrap()),
        ),
    ]
}

fn answer(query: &[u8], zone: &[Record]) -> Option<Vec<u8>> {
    let request = Message::from_vec(query).ok()?;
    let q = request.queries.first()?.clone();
    let mut response = Message::new(request.metadata.id, MessageType::Response, OpCode::Query);
    response.metadata.recursion_desired = request.metadata.recursion_desired;
    response.metadata.recursion_available = true;
    response.metadata.authoritative = true;
    response.add_query(q.clone());
    let name = q.name().to_lowercase();
    if name == Name::from_str("servfail.test.").unwrap() {
        response.metadata.response_code = ResponseCode::ServFail;
        return response.to_vec().ok();
    }
    let mut target = name.clone();
    // Follow a CNAME, as a recursive resolver would, unless the CNAME itself is asked for.
    for r in zone.iter().filter(|r| r.name == name) {
        if let RData::CNAME(c) = &r.data {
            response.add_answer(r.clone());
            if q.query_type() != RecordType::CNAME {
                target = c.0.clone();
            }
        }
    }
    for r in zone
        .iter()
        .filter(|r| r.name == target && r.record_type() == q.query_type())
    {
        if q.query_type() != RecordType::CNAME || target == name {
            response.add_answer(r.clone());
        }
    }
    if !zone.iter().any(|r| r.name == name) {
        response.metadata.response_code = ResponseCode::NXDomain;
    }
    response.to_vec().ok()
}

/// Serves `zone()` on UDP and TCP on the same 127.0.0.1 port.
async fn dns_server() -> SocketAddr {
    let zone = Arc::new(zone());
    let (udp, tcp) = loop {
        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = udp.local_addr().unwrap().port();
        if let Ok(tcp) = TcpListener::bind(("127.0.0.1", port)).await {
            break (udp, tcp);
        }
    };
    let addr = udp.local_addr().unwrap();
    let udp_zone = zone.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        while let Ok((n, peer)) = udp.recv_from(&mut buf).await {
            if let Some(reply) = answer(&buf[..n], &udp_zone) {
                let _ = udp.send_to(&reply, peer).await;
            }
        }
    });
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = tcp.accept().await {
            let zone = zone.clone();
            tokio::spawn(async move {
                loop {
                    let mut len = [0u8; 2];
                    if sock.read_exact(&mut len).await.is_err() {
                        return;
                    }
                    let mut query = vec![0u8; u16::from_be_bytes(len) as usize];
                    if sock.read_exact(&mut query).await.is_err() {
                        return;
                    }
                    let Some(reply) = answer(&query, &zone) else {
                        return;
                    };
                    let mut framed = (reply.len() as u16).to_be_bytes().to_vec();
                    framed.extend(reply);
                    if sock.write_all(&framed).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// A UDP "server" that reads every query and never answers (TCP: nobody listens).
async fn black_hole() -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = udp.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        while udp.recv_from(&mut buf).await.is_ok() {}
    });
    (addr, task)
}

fn dns(name: &str, t: DnsType, server: SocketAddr) -> DnsSpec {
    DnsSpec {
        name: name.to_string(),
        record_type: t,
        server: Some(server),
        expect: DnsExpect {
            contains: Vec::new(),
            min_answers: 1,
        },
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ------------------------------------------------------------------ dns

#[tokio::test]
async fn dns_a_records_with_contains_and_min_answers() {
    let server = dns_server().await;
    let mut spec = dns("shop.test", DnsType::A, server);
    spec.expect.contains = strings(&["10.0.0.2", "10.0.0.1"]);
    spec.expect.min_answers = 3;
    let out = run(Spec::Dns(spec.clone()), Duration::from_secs(5)).await;
    assert_pass(&out);
    assert!(
        out.fact
            .starts_with("3 answers · 10.0.0.1, 10.0.0.2, 10.0.0.3 · "),
        "{}",
        out.fact
    );
    assert_eq!(out.details["ttl"], 300);

    spec.expect.min_answers = 4;
    let out = run(Spec::Dns(spec.clone()), Duration::from_secs(5)).await;
    assert_fail(&out, Layer::Assert, "3 answers, expected at least 4");

    spec.expect.min_answers = 1;
    spec.expect.contains = strings(&["10.9.9.9"]);
    let out = run(Spec::Dns(spec), Duration::from_secs(5)).await;
    assert_fail(
        &out,
        Layer::Assert,
        r#"answers do not include "10.9.9.9" (got 10.0.0.1, 10.0.0.2, 10.0.0.3)"#,
    );
}

#[tokio::test]
async fn dns_aaaa_mx_txt_ns_cname() {
    let server = dns_server().await;
    let cases: [(&str, DnsType, &[&str]); 6] = [
        ("shop.test", DnsType::Aaaa, &["2001:db8:0::1"]),
        (
            "shop.test",
            DnsType::Mx,
            &["10 mail.shop.test.", "backup.shop.test"],
        ),
        (
            "shop.test",
            DnsType::Txt,
            &["v=spf1 include:mail.test -all", "verification=abc123"],
        ),
        ("shop.test", DnsType::Ns, &["NS1.shop.test."]),
        ("www.shop.test", DnsType::Cname, &["shop.test"]),
        // An A lookup through the CNAME counts only the A records.
        ("www.shop.test", DnsType::A, &["10.0.0.3"]),
    ];
    for (name, t, want) in cases {
        let mut spec = dns(name, t, server);
        spec.expect.contains = strings(want);
        let out = run(Spec::Dns(spec), Duration::from_secs(5)).await;
        assert!(
            out.is_pass(),
            "{name} {}: {:?} {:?}",
            t.as_str(),
            out.verdict,
            out.details
        );
    }
    let out = run(
        Spec::Dns(dns("www.shop.test", DnsType::A, server)),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(
        out.details["answers"].as_array().map(Vec::len),
        Some(3),
        "{:?}",
        out.details
    );
}

#[tokio::test]
async fn dns_failures_are_said_plainly() {
    let server = dns_server().await;
    let out = run(
        Spec::Dns(dns("nope.test", DnsType::A, server)),
        Duration::from_secs(5),
    )
    .await;
    assert_fail(&out, Layer::Dns, "NXDOMAIN for nope.test");

    let out = run(
        Spec::Dns(dns("servfail.test", DnsType::A, server)),
        Duration::from_secs(5),
    )
    .await;
    assert_fail(
        &out,
        Layer::Dns,
        &format!("SERVFAIL from {server} for servfail.test A"),
    );

    // The name exists, but has no record of this type.
    let out = run(
        Spec::Dns(dns("mail.shop.test", DnsType::Txt, server)),
        Duration::from_secs(5),
    )
    .await;
    assert_fail(
        &out,
        Layer::Dns,
        "no TXT records for mail.shop.test (the name exists)",
    );
}

#[tokio::test]
async fn dns_silent_server_times_out_within_the_deadline() {
    let (server, _task) = black_hole().await;
    let started = std::time::Instant::now();
    let out = run(
        Spec::Dns(dns("shop.test", DnsType::A, server)),
        Duration::from_secs(1),
    )
    .await;
    assert_fail(
        &out,
        Layer::Dns,
        &format!("timed out after 1s asking {server} for shop.test A"),
    );
    // Generous bound: the point is that the deadline, not a resolver default, ends it.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn dns_system_resolver_reads_hosts_file() {
    // /etc/hosts names localhost on every system we run on.
    let mut spec = dns("localhost", DnsType::A, "127.0.0.1:53".parse().unwrap());
    spec.server = None;
    spec.expect.contains = strings(&["127.0.0.1"]);
    let out = run(Spec::Dns(spec), Duration::from_secs(5)).await;
    assert_pass(&out);
    assert!(
        out.details["server"]
            .as_str()
            .unwrap_or("")
            .starts_with("the system resolver")
    );
}

// ------------------------------------------------------------------ exec

fn exec(argv: &[&str]) -> ExecSpec {
    ExecSpec {
        command: strings(argv),
        env: Vec::new(),
        cwd: None,
        expect: ExecExpect {
            exit_code: 0,
            stdout_contains: Vec::new(),
            stderr_not_contains: Vec::new(),
        },
    }
}

fn sh(script: &str) -> ExecSpec {
    exec(&["sh", "-c", script])
}

/// Whether `pid` still runs (a zombie waiting for a reaper does not count: it is dead).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit(')')
                .next()
                .and_then(|rest| rest.split_whitespace().next());
            !matches!(state, Some("Z") | Some("X"))
        }
        Err(_) => false,
    }
}

#[tokio::test]
async fn exec_success_with_output_checks() {
    let mut spec = sh("echo hello; echo 'a warning' >&2");
    spec.expect.stdout_contains = strings(&["hello"]);
    spec.expect.stderr_not_contains = strings(&["ERROR"]);
    let out = run(Spec::Exec(spec), Duration::from_secs(10)).await;
    assert_pass(&out);
    assert!(out.fact.starts_with("exit 0 · "), "{}", out.fact);
    assert_eq!(out.details["exit_code"], 0);
    assert_eq!(out.details["stdout"], "hello\n");
    assert_eq!(out.details["stderr"], "a warning\n");
}

#[tokio::test]
async fn exec_exit_code_and_output_failures() {
    let out = run(
        Spec::Exec(sh("echo 'partial'; echo 'boom: disk full' >&2; exit 3")),
        Duration::from_secs(10),
    )
    .await;
    assert_fail(&out, Layer::Exec, "exit 3, expected 0: boom: disk full");
    assert_eq!(out.fact.split(" · ").next(), Some("exit 3"));

    let mut spec = sh("exit 3");
    spec.expect.exit_code = 3;
    assert_pass(&run(Spec::Exec(spec), Duration::from_secs(10)).await);

    let mut spec = sh("echo degraded");
    spec.expect.stdout_contains = strings(&["ok"]);
    let out = run(Spec::Exec(spec), Duration::from_secs(10)).await;
    assert_fail(&out, Layer::Assert, r#"stdout does not contain "ok""#);

    let mut spec = sh("echo 'line 1' >&2; echo 'ERROR: replica lag 40s' >&2");
    spec.expect.stderr_not_contains = strings(&["ERROR"]);
    let out = run(Spec::Exec(spec), Duration::from_secs(10)).await;
    assert_fail(
        &out,
        Layer::Assert,
        r#"stderr contains "ERROR": ERROR: replica lag 40s"#,
    );
}

#[tokio::test]
async fn exec_is_argv_not_a_shell() {
    let mut spec = exec(&["echo", "$HOME", "a;b"]);
    spec.expect.stdout_contains = strings(&["$HOME a;b"]);
    assert_pass(&run(Spec::Exec(spec), Duration::from_secs(10)).await);
}

#[tokio::test]
async fn exec_env_is_added_and_cwd_applies() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = sh("echo \"var=$SMOKECHECK_TEST_VAR\"; echo \"path=${PATH:+set}\"; pwd");
    spec.env = vec![("SMOKECHECK_TEST_VAR".into(), "v1".into())];
    spec.cwd = Some(dir.path().to_path_buf());
    let real = std::fs::canonicalize(dir.path()).unwrap();
    spec.expect.stdout_contains = strings(&["var=v1", "path=set", real.to_str().unwrap()]);
    assert_pass(&run(Spec::Exec(spec), Duration::from_secs(10)).await);

    let mut spec = exec(&["true"]);
    spec.cwd = Some("/nonexistent/smokecheck".into());
    let out = run(Spec::Exec(spec), Duration::from_secs(10)).await;
    assert_fail(
        &out,
        Layer::Config,
        "working directory /nonexistent/smokecheck does not exist",
    );
}

#[tokio::test]
async fn exec_not_installed_and_not_executable() {
    let out = run(
        Spec::Exec(exec(&["smokecheck-no-such-command", "--version"])),
        Duration::from_secs(10),
    )
    .await;
    assert_fail(
        &out,
        Layer::Exec,
        "command not found: smokecheck-no-such-command",
    );

    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("check.sh");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    let path = script.to_str().unwrap().to_string();
    let out = run(Spec::Exec(exec(&[&path])), Duration::from_secs(10)).await;
    assert_fail(
        &out,
        Layer::Exec,
        &format!("permission denied running {path}"),
    );
}

#[tokio::test]
async fn exec_killed_by_signal() {
    let out = run(
        Spec::Exec(sh("kill -TERM $$; sleep 5")),
        Duration::from_secs(10),
    )
    .await;
    assert_fail(&out, Layer::Exec, "killed by signal 15 (SIGTERM)");
}

/// A command that outlives its deadline is killed with its whole process group — the
/// background `sleep` too — and the check ends at the deadline, not 30 seconds later.
#[tokio::test]
async fn exec_timeout_kills_the_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script = format!(
        "echo $$ > {p}; sleep 30 & echo $! >> {p}; wait",
        p = pids.display()
    );
    let started = std::time::Instant::now();
    let out = run(Spec::Exec(sh(&script)), Duration::from_secs(1)).await;
    assert_fail(
        &out,
        Layer::Exec,
        "timed out after 1s; killed process group ",
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );

    let pids: Vec<u32> = std::fs::read_to_string(&pids)
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 2, "{pids:?}");
    // SIGKILL is delivered at once, but the kernel may take a moment to tear down.
    for _ in 0..50 {
        if !pids.iter().any(|p| alive(*p)) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    for pid in pids {
        assert!(!alive(pid), "process {pid} survived the timeout");
    }
}

/// A background child that keeps stdout open must not keep the check waiting: once the
/// command exits, its group is killed and the check ends.
#[tokio::test]
async fn exec_background_child_does_not_hold_the_check() {
    let started = std::time::Instant::now();
    let mut spec = sh("sleep 30 & echo started");
    spec.expect.stdout_contains = strings(&["started"]);
    let out = run(Spec::Exec(spec), Duration::from_secs(20)).await;
    assert_pass(&out);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

/// Output beyond the cap is discarded from the front: the tail (where verdicts are) stays.
#[tokio::test]
async fn exec_output_is_bounded() {
    let mut spec = sh("head -c 3000000 /dev/zero | tr '\\0' 'a'; echo; echo END");
    spec.expect.stdout_contains = strings(&["END"]);
    let out = run(Spec::Exec(spec), Duration::from_secs(20)).await;
    assert_pass(&out);
    assert_eq!(out.details["stdout_bytes"], 3_000_005);
    assert_eq!(out.details["stdout_truncated"], true);
    assert!(out.details["stdout"].as_str().unwrap().len() <= 2048);
}
