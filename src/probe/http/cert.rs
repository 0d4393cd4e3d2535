//! The certificate side of an https check, through the `tls` kind's inspector (one code
//! path for every certificate judgement): `expect.cert_valid_for` on every presented
//! certificate, and the precise reason when the handshake rejected a certificate —
//! "certificate expired 3 days ago (notAfter …)" rather than rustls' enum name.

use serde_json::{Map, Value};
use tokio::time::Instant;

use crate::probe::{Layer, ProbeCtx, tls};
use crate::suite::model::HttpSpec;

fn target(spec: &HttpSpec) -> Option<tls::Target<'_>> {
    let host = spec.url.host_str()?;
    (spec.url.scheme() == "https").then(|| tls::Target {
        // `Url` keeps brackets around IPv6 literals; the inspector wants the bare address.
        host: host.trim_start_matches('[').trim_end_matches(']'),
        port: spec.url.port_or_known_default().unwrap_or(443),
        server_name: host.trim_start_matches('[').trim_end_matches(']'),
        ca_file: if spec.insecure {
            None
        } else {
            spec.ca_file.as_deref()
        },
        starttls: None,
        connect_to: spec.resolve,
    })
}

/// `cert_valid_for`: every certificate the server presents must stay valid this long.
/// Returns the chain summary for the details, or the failure.
pub(super) async fn check_valid_for(
    spec: &HttpSpec,
    ctx: &ProbeCtx,
    deadline: Instant,
) -> Result<Option<Map<String, Value>>, (Layer, String)> {
    let (Some(min), Some(target)) = (spec.expect.cert_valid_for, target(spec)) else {
        return Ok(None);
    };
    let insp = tls::inspect(&target, ctx, deadline)
        .await
        .map_err(|o| match o.verdict {
            crate::probe::Verdict::Fail { layer, message } => {
                (layer, format!("cert_valid_for: {message}"))
            }
            crate::probe::Verdict::Pass => (
                Layer::Tls,
                "cert_valid_for: no certificate seen".to_string(),
            ),
        })?;
    match tls::expiry_shortfall(&insp.chain, min, insp.checked_at) {
        Some(short) => Err((
            Layer::Tls,
            format!("{short}, expected at least {}", tls::fmt_duration(min)),
        )),
        None => Ok(Some(insp.details())),
    }
}

/// After a TLS failure of the request: look at the certificate with the inspector and say
/// what is wrong with it, in the `tls` kind's words. `None` when it has nothing better.
pub(super) async fn explain_failure(
    spec: &HttpSpec,
    ctx: &ProbeCtx,
    deadline: Instant,
) -> Option<String> {
    if spec.insecure {
        return None;
    }
    let target = target(spec)?;
    let insp = tls::inspect(&target, ctx, deadline).await.ok()?;
    tls::explain(&insp)
}
