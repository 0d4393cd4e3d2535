//! The certificate matrix of issue 4 through the binary: one suite, one run, against TLS
//! servers on 127.0.0.1 that pick the certificate by SNI from a PKI generated now. Every
//! row passes, warns or fails with the right words on its terminal line, and the JUnit
//! failure type is the layer.

use std::net::SocketAddr;

use crate::harness::Dir;
use crate::pki::{self, DAY, HOUR, Pki, TLS12_AND_13, TLS12_ONLY};

struct Servers {
    pki: Pki,
    both: SocketAddr,
    tls12: SocketAddr,
    _rt: tokio::runtime::Runtime,
}

fn start() -> Servers {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let pki = Pki::new();
    let both = rt.block_on(pki::serve_tls(pki::server_config(
        pki.resolver(),
        TLS12_AND_13,
    )));
    let tls12 = rt.block_on(pki::serve_tls(pki::server_config(
        pki.resolver(),
        TLS12_ONLY,
    )));
    Servers {
        pki,
        both,
        tls12,
        _rt: rt,
    }
}

/// One `tls` check of `server_name` on `addr`, trusting the test root.
fn check(name: &str, addr: SocketAddr, server_name: &str, ca: &str, expect: &str) -> String {
    format!(
        "  - name: {name}\n    tls: {{ host: 127.0.0.1, port: {}, server_name: \"{server_name}\", ca_file: \"{ca}\" }}\n    expect: {{ {expect} }}\n",
        addr.port()
    )
}

#[test]
fn every_row_of_the_certificate_matrix_through_the_binary() {
    let s = start();
    let ca = s.pki.ca_file.display().to_string();
    let rows = [
        (
            "wildcard covers one label",
            s.both,
            "www.example.test",
            "covers: [a.example.test, API.example.test.]",
        ),
        (
            "wildcard never covers two labels",
            s.both,
            "www.example.test",
            "covers: [a.b.example.test]",
        ),
        (
            "wildcard never covers the bare domain",
            s.both,
            "www.example.test",
            "covers: [example.test]",
        ),
        (
            "apex certificate",
            s.both,
            "example.test",
            "covers: [example.test]",
        ),
        (
            "ip address against IP SANs",
            s.both,
            "127.0.0.1",
            "covers: [127.0.0.1]",
        ),
        ("expired", s.both, "expired.test", ""),
        ("not yet valid", s.both, "future.test", ""),
        (
            "expires within valid_for",
            s.both,
            "soon.test",
            "valid_for: 14d",
        ),
        (
            "expires within warn_within",
            s.both,
            "soon.test",
            "valid_for: 3d, warn_within: 30d",
        ),
        ("wrong host", s.both, "wrong.test", ""),
        ("self-signed", s.both, "self.test", ""),
        (
            "self-signed, trust not required",
            s.both,
            "self.test",
            "trusted: false",
        ),
        ("missing intermediate", s.both, "nochain.test", ""),
        (
            "intermediate expires before the leaf",
            s.both,
            "shortint.test",
            "valid_for: 14d",
        ),
        (
            "tls 1.2 only, 1.3 required",
            s.tls12,
            "www.example.test",
            "min_version: \"1.3\"",
        ),
        (
            "tls 1.2 only, 1.2 enough",
            s.tls12,
            "www.example.test",
            "min_version: \"1.2\", issuer_contains: test intermediate",
        ),
    ];
    let mut suite = String::from("suite: certs\ndefaults: { timeout: 5s }\nchecks:\n");
    for (name, addr, server_name, expect) in rows {
        suite.push_str(&check(name, addr, server_name, &ca, expect));
    }
    let dir = Dir::with_suite(&suite);
    let run = dir.run().go();
    run.exits(1);

    let says = |name: &str| run.says(name).to_string();
    for name in [
        "wildcard covers one label",
        "apex certificate",
        "ip address against IP SANs",
        "self-signed, trust not required",
        "tls 1.2 only, 1.2 enough",
    ] {
        assert_eq!(run.word(name), "PASS", "{name}: {}", run.shown());
    }
    assert!(
        says("wildcard covers one label")
            .starts_with("expires in 90d · *.example.test · TLS1.3 · "),
        "{}",
        run.shown()
    );
    assert!(
        says("tls 1.2 only, 1.2 enough").contains(" · TLS1.2 · "),
        "{}",
        run.shown()
    );

    let fails = [
        ("wildcard never covers two labels", "tls: *.example.test does not cover a.b.example.test: a wildcard matches one label".to_string()),
        ("wildcard never covers the bare domain", "tls: *.example.test does not cover example.test: a wildcard never covers the bare domain".to_string()),
        ("expired", format!("tls: certificate expired 3 days ago (notAfter {})", pki::date_in(-3 * DAY - HOUR))),
        ("not yet valid", format!("tls: certificate not yet valid: starts in 3 days (notBefore {})", pki::date_in(3 * DAY + HOUR))),
        ("expires within valid_for", format!("tls: certificate expires in 5d ({}), expected at least 14d", pki::date_in(5 * DAY + HOUR))),
        ("wrong host", "tls: wrong.test does not match the certificate (SANs: a.example, *.b.example)".to_string()),
        ("tls 1.2 only, 1.3 required", "tls: negotiated TLS1.2, expected at least TLS1.3".to_string()),
    ];
    for (name, want) in &fails {
        assert_eq!(run.word(name), "FAIL", "{name}: {}", run.shown());
        assert_eq!(&says(name), want, "{name}");
    }
    let prefixes = [
        ("self-signed", "tls: self-signed certificate CN=self.test"),
        (
            "missing intermediate",
            "tls: server sent no intermediate: chain incomplete",
        ),
        (
            "intermediate expires before the leaf",
            "tls: intermediate \"CN=",
        ),
    ];
    for (name, want) in prefixes {
        assert_eq!(run.word(name), "FAIL", "{name}: {}", run.shown());
        assert!(says(name).starts_with(want), "{name}: {}", says(name));
    }
    assert_eq!(
        run.word("expires within warn_within"),
        "WARN",
        "{}",
        run.shown()
    );
    assert!(
        says("expires within warn_within").contains("within the 30d warning window"),
        "{}",
        says("expires within warn_within")
    );

    // The JUnit failure type is the layer, the message the same words.
    let junit = run.file("junit.xml");
    assert!(
        junit.contains("<failure message=\"*.example.test does not cover a.b.example.test: a wildcard matches one label\" type=\"tls\">"),
        "{junit}"
    );
    assert!(
        run.summary()
            .starts_with("5 passed, 10 failed, 1 warned in "),
        "{}",
        run.summary()
    );
}
