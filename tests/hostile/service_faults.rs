//! DNS and database peers that misbehave, through the real binary: a DNS server that
//! never answers or answers noise, a PostgreSQL peer that hangs up after the startup
//! message or answers noise. Same rules as `faults.rs`: within the timeout, the right layer
//! and words, and the healthy checks of the run still pass.

use crate::faults::{FAILED, TIMED_OUT, run_between_healthy, want};
use crate::harness::q;
use crate::servers;

#[test]
fn dns_server_that_never_answers() {
    let dns = servers::dns_blackhole();
    let server = q(&dns.to_string());
    let checks = format!(
        "  - name: a record from a silent server\n    dns: {{ name: shop.example, server: {server} }}\n\
         \x20 - name: txt record from a silent server\n    dns: {{ name: shop.example, type: TXT, server: {server} }}\n"
    );
    run_between_healthy(
        &checks,
        &[
            want(
                "a record from a silent server",
                TIMED_OUT,
                "dns",
                &["timed out after 2s", "shop.example", &dns.to_string()],
            ),
            want(
                "txt record from a silent server",
                TIMED_OUT,
                "dns",
                &["timed out after 2s", "shop.example", &dns.to_string()],
            ),
        ],
    );
}

#[test]
fn postgres_peer_that_hangs_up_after_the_startup_message() {
    let pg = servers::postgres_hangs_up();
    let url = |mode: &str| {
        q(&format!(
            "postgres://u@127.0.0.1:{}/db?sslmode={mode}",
            pg.port()
        ))
    };
    let checks = format!(
        "  - name: postgres without tls\n    postgres: {{ url: {} }}\n\
         \x20 - name: postgres preferring tls\n    postgres: {{ url: {} }}\n\
         \x20 - name: postgres requiring tls\n    postgres: {{ url: {} }}\n",
        url("disable"),
        url("prefer"),
        url("require"),
    );
    let addr = pg.to_string();
    run_between_healthy(
        &checks,
        &[
            want(
                "postgres without tls",
                FAILED,
                "connect",
                &[&format!("connection reset by {addr} while connecting")],
            ),
            want(
                "postgres preferring tls",
                FAILED,
                "connect",
                &[&format!("connection reset by {addr} while connecting")],
            ),
            want(
                "postgres requiring tls",
                FAILED,
                "connect",
                &[&format!("connection reset by {addr} while connecting")],
            ),
        ],
    );
}

#[test]
fn dns_and_postgres_peers_that_answer_noise() {
    let dns = servers::dns_noise();
    let pg = servers::postgres_noise();
    let checks = format!(
        "  - name: dns answered with noise\n    dns: {{ name: shop.example, server: {} }}\n\
         \x20 - name: postgres answered with noise\n    postgres: {{ url: {} }}\n\
         \x20 - name: postgres answered with noise, tls preferred\n    postgres: {{ url: {} }}\n",
        q(&dns.to_string()),
        q(&format!("postgres://u@{pg}/db?sslmode=disable")),
        q(&format!("postgres://u@{pg}/db?sslmode=prefer")),
    );
    let reply = format!("unexpected reply from {pg} (");
    run_between_healthy(
        &checks,
        &[
            want(
                "dns answered with noise",
                FAILED,
                "dns",
                &[
                    "decoding error",
                    &format!("asking {dns} for shop.example A"),
                ],
            ),
            want(
                "postgres answered with noise",
                FAILED,
                "connect",
                &[&reply, "is it a PostgreSQL server?"],
            ),
            want(
                "postgres answered with noise, tls preferred",
                FAILED,
                "connect",
                &[&reply, "is it a PostgreSQL server?"],
            ),
        ],
    );
}
