//! The `tls` kind: inspect the server, then hold what it presented against the check's
//! `expect` — dates of every certificate, trust, names (RFC 6125), protocol version,
//! issuer. The first problem is the failure; all of them are in `details.problems`.

use serde_json::{Value, json};
use tokio::time::Instant;

use super::diagnose::{self, chain_trusted, fmt_duration, span_short, span_words};
use super::inspect::{Inspection, Target, inspect};
use super::names::find_cover;
use crate::probe::{Layer, Outcome, ProbeCtx};
use crate::suite::model::{TlsSpec, TlsVersion};

/// Runs one attempt of a `tls` check.
pub async fn run(spec: &TlsSpec, ctx: &ProbeCtx, deadline: Instant) -> Outcome {
    let target = Target {
        host: &spec.host,
        port: spec.port,
        server_name: &spec.server_name,
        ca_file: spec.ca_file.as_deref(),
        starttls: spec.starttls,
        connect_to: None,
    };
    match inspect(&target, ctx, deadline).await {
        Ok(insp) => evaluate(spec, &insp),
        Err(outcome) => outcome,
    }
}

/// Applies `expect` to a finished inspection.
pub fn evaluate(spec: &TlsSpec, insp: &Inspection) -> Outcome {
    let expect = &spec.expect;
    let now = insp.checked_at;
    let leaf = insp.leaf();
    let mut problems: Vec<String> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();

    problems.extend(diagnose::date_problem(&insp.chain, now));
    let trust = diagnose::trust_problem(insp);
    if expect.trusted {
        problems.extend(trust.clone());
    }
    let server_name_cover = find_cover(&insp.server_name, &leaf.sans);
    if expect.trusted {
        problems.extend(diagnose::name_problem(insp));
    }

    let mut covers = Vec::with_capacity(expect.covers.len());
    for name in &expect.covers {
        match find_cover(name, &leaf.sans) {
            Ok(san) => covers.push(json!({ "name": name, "matched_by": san.to_string() })),
            Err(reason) => {
                covers.push(json!({ "name": name, "matched_by": Value::Null, "reason": reason }));
                problems.push(reason);
            }
        }
    }

    if let Some(min) = expect.min_version {
        let got = insp.version_name();
        let ok = match min {
            TlsVersion::V1_2 => matches!(got.as_str(), "TLS1.2" | "TLS1.3"),
            TlsVersion::V1_3 => got == "TLS1.3",
        };
        if !ok {
            problems.push(format!(
                "negotiated {got}, expected at least {}",
                version_name(min)
            ));
        }
    }

    if let Some(want) = &expect.issuer_contains
        && !leaf.issuer.to_lowercase().contains(&want.to_lowercase())
    {
        problems.push(format!(
            "issuer \"{}\" does not contain {want:?}",
            leaf.issuer
        ));
    }

    let mut short = false;
    if let Some(min) = expect.valid_for
        && let Some(s) = diagnose::expiry_shortfall(&insp.chain, min, now)
    {
        problems.push(format!("{s}, expected at least {}", fmt_duration(min)));
        short = true;
    }
    // A check already failing on valid_for does not also warn about the same certificate.
    if let (Some(window), false) = (expect.warn_within, short)
        && let Some(s) = diagnose::expiry_shortfall(&insp.chain, window, now)
    {
        warnings.push(format!(
            "{s}, within the {} warning window",
            fmt_duration(window)
        ));
    }

    let mut outcome = Outcome::pass(fact(insp));
    outcome.details = insp.details();
    outcome
        .details
        .insert("trusted".into(), json!(chain_trusted(&insp.verdict)));
    outcome.details.insert(
        "verification_error".into(),
        json!(trust.or_else(|| insp.verdict.as_ref().err().map(|e| e.to_string()))),
    );
    outcome.details.insert(
        "server_name_matched_by".into(),
        json!(server_name_cover.as_ref().ok().map(ToString::to_string)),
    );
    if !expect.covers.is_empty() {
        outcome
            .details
            .insert("covers".into(), Value::Array(covers));
    }
    if !problems.is_empty() {
        outcome.details.insert("problems".into(), json!(problems));
    }
    outcome.warnings = warnings;
    match problems.into_iter().next() {
        Some(first) => outcome.into_fail(Layer::Tls, first),
        None => outcome,
    }
}

/// `expires in 61d · *.shop.example · TLS1.3 · Acme CA`.
fn fact(insp: &Inspection) -> String {
    let soonest = insp.soonest_expiring();
    let left = soonest.secs_left(insp.checked_at);
    let expiry = if left < 0 {
        format!("expired {} ago", span_words(-left))
    } else {
        format!("expires in {}", span_short(left))
    };
    let leaf = insp.leaf();
    let issuer = leaf
        .issuer_cn
        .clone()
        .unwrap_or_else(|| leaf.issuer.clone());
    format!(
        "{expiry} · {} · {} · {issuer}",
        leaf.display_name(),
        insp.version_name()
    )
}

fn version_name(v: TlsVersion) -> &'static str {
    match v {
        TlsVersion::V1_2 => "TLS1.2",
        TlsVersion::V1_3 => "TLS1.3",
    }
}
