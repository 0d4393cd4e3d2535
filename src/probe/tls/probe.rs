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

    let dated = diagnose::date_problem(&insp.chain, now);
    problems.extend(dated.clone());
    let trust = diagnose::trust_problem(insp);
    let name = diagnose::name_problem(insp);
    if expect.trusted {
        // A date problem also breaks the chain: said once.
        for p in trust.iter().chain(name.iter()) {
            if !problems.contains(p) {
                problems.push(p.clone());
            }
        }
    }

    let mut covers = Vec::with_capacity(expect.covers.len());
    for name in &expect.covers {
        match diagnose::cover(insp, name) {
            Ok(san) => covers.push(json!({ "name": name, "matched_by": san })),
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

    // An expired certificate already failed above: valid_for would only repeat it.
    let mut short = dated.is_some();
    if let (Some(min), false) = (expect.valid_for, short)
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
    let d = &mut outcome.details;
    d.insert("trusted".into(), json!(chain_trusted(&insp.verdict)));
    let verification_error = match &insp.verdict {
        Ok(()) => None,
        Err(e) => Some(trust.or(name).unwrap_or_else(|| e.to_string())),
    };
    d.insert("verification_error".into(), json!(verification_error));
    let matched_by = find_cover(&insp.server_name, &leaf.sans)
        .ok()
        .map(ToString::to_string);
    d.insert("server_name_matched_by".into(), json!(matched_by));
    if !expect.covers.is_empty() {
        d.insert("covers".into(), Value::Array(covers));
    }
    if !problems.is_empty() {
        d.insert("problems".into(), json!(problems));
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
