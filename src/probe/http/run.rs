//! One attempt of an http check: send the request on the shared client, read the body up
//! to `max_body` (streaming, never more), then apply the expectations. Every step is
//! bounded by the attempt's deadline and a timeout names the step it hit.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Version};
use serde_json::{Map, Value};
use tokio::time::{Instant, timeout_at};

use super::assert::{self, status_text};
use super::cert;
use super::errors::{
    ErrorContext, body_timeout_message, classify_body, classify_send, timeout_message,
};
use super::progress::{self, Progress};
use crate::plan::{is_sensitive_header, mask_url_password};
use crate::probe::{Layer, Outcome, ProbeCtx, fmt_ms, remaining};
use crate::suite::model::{HttpSpec, HttpVersion, RequestBody};

/// How much of the body goes into the details (the rest is only counted).
const SNIPPET_BYTES: usize = 512;

pub const INSECURE_WARNING: &str = "TLS verification disabled (insecure: true)";

/// Runs one attempt of an http check.
pub async fn run(spec: &HttpSpec, ctx: &ProbeCtx, deadline: Instant) -> Outcome {
    let mut outcome = attempt(spec, ctx, deadline).await;
    if spec.insecure {
        outcome.warnings.push(INSECURE_WARNING.to_string());
    }
    outcome
}

async fn attempt(spec: &HttpSpec, ctx: &ProbeCtx, deadline: Instant) -> Outcome {
    let budget = remaining(deadline);
    let shared = match ctx.http.get(spec, &ctx.trust) {
        Ok(shared) => shared,
        Err(msg) => return Outcome::fail(Layer::Config, msg),
    };
    let client = shared.client;
    let request = match build_request(&client, spec, budget) {
        Ok(request) => request,
        Err(msg) => return Outcome::fail(Layer::Config, msg),
    };
    let target = target_of(spec);
    let mut cx = ErrorContext {
        target: &target,
        host: spec.url.host_str().unwrap_or_default(),
        https: spec.url.scheme() == "https",
        step: progress::Step::Waiting,
        budget,
    };
    let url_shown = mask_url_password(spec.url.as_str()).into_owned();

    // HTTPS that may turn out to be HTTP/2: the first request of a burst goes alone, so the
    // others can share its connection (see `first`). Not part of the latency.
    let leader = match may_multiplex(spec) {
        true => {
            shared
                .first
                .turn(spec.url.origin().ascii_serialization().as_str(), deadline)
                .await
        }
        false => None,
    };
    let progress = Arc::new(Progress::default());
    let started = Instant::now();
    let sent = timeout_at(deadline, progress::track(progress.clone(), request.send())).await;
    drop(leader);
    cx.step = progress.get();
    let mut resp = match sent {
        Ok(Ok(resp)) => resp,
        Ok(Err(e)) => {
            let (layer, mut msg) = classify_send(&e, &cx);
            if layer == Layer::Tls
                && let Some(why) = cert::explain_failure(spec, ctx, deadline).await
            {
                msg = why;
            }
            return Outcome::fail(layer, msg).with_detail("url", url_shown);
        }
        Err(_) => {
            let (layer, msg) = timeout_message(&cx);
            return Outcome::fail(layer, msg).with_detail("url", url_shown);
        }
    };
    let to_headers = started.elapsed();

    let status = resp.status();
    let version = resp.version();
    let headers = std::mem::take(resp.headers_mut());
    let remote = resp.remote_addr();
    let final_url =
        (resp.url() != &spec.url).then(|| mask_url_password(resp.url().as_str()).into_owned());
    let body = read_body(&mut resp, spec.max_body, deadline, &cx).await;
    drop(resp);
    let latency = started.elapsed();

    let mut details = Map::new();
    details.insert("url".into(), url_shown.into());
    if let Some(final_url) = final_url {
        details.insert("final_url".into(), final_url.into());
    }
    details.insert("status".into(), status.as_u16().into());
    details.insert("http_version".into(), version_text(version).into());
    details.insert("latency_ms".into(), ms(latency).into());
    details.insert("headers_ms".into(), ms(to_headers).into());
    if let Some(addr) = remote {
        details.insert("remote_addr".into(), addr.to_string().into());
    }
    details.insert("headers".into(), headers_json(&headers));
    let (bytes, truncated) = match &body {
        Ok((bytes, truncated)) => (bytes.as_slice(), *truncated),
        Err((_, _, partial)) => (partial.as_slice(), false),
    };
    let snippet = &bytes[..bytes.len().min(SNIPPET_BYTES)];
    details.insert(
        "body".into(),
        String::from_utf8_lossy(snippet).into_owned().into(),
    );
    details.insert("body_bytes".into(), bytes.len().into());
    details.insert("body_truncated".into(), truncated.into());

    let mut fact = format!("{} · {}", status_text(status), fmt_ms(latency));
    if version == Version::HTTP_2 {
        fact.push_str(" · HTTP/2");
    }
    let mut outcome = Outcome {
        details,
        ..Outcome::pass(fact)
    };

    if let Err((layer, msg, _)) = body {
        return outcome.into_fail(layer, msg);
    }
    if spec.http_version == Some(HttpVersion::Http2) && version != Version::HTTP_2 {
        let msg = format!(
            "server did not negotiate HTTP/2 (answered {}), but http_version is 2",
            version_text(version)
        );
        return outcome.into_fail(Layer::Http, msg);
    }
    let view = assert::Response {
        status,
        headers: &headers,
        body: bytes,
        truncated,
    };
    if let Some((layer, msg)) = assert::check(&spec.expect, &view) {
        return outcome.into_fail(layer, msg);
    }
    match cert::check_valid_for(spec, ctx, deadline).await {
        Ok(Some(tls)) => {
            outcome.details.insert("tls".into(), Value::Object(tls));
        }
        Ok(None) => {}
        Err((layer, msg)) => return outcome.into_fail(layer, msg),
    }
    outcome
}

fn build_request(
    client: &reqwest::Client,
    spec: &HttpSpec,
    budget: Duration,
) -> Result<reqwest::RequestBuilder, String> {
    let method = Method::from_bytes(spec.method.as_bytes())
        .map_err(|_| format!("invalid HTTP method {:?}", spec.method))?;
    let mut headers = HeaderMap::with_capacity(spec.headers.len() + 1);
    for (name, value) in &spec.headers {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("invalid header name {name:?}"))?;
        // The value may hold a secret: never echo it.
        let value = HeaderValue::from_str(value)
            .map_err(|_| format!("invalid value for header {name:?} (control characters?)"))?;
        headers.append(header, value);
    }
    let mut request = client.request(method, spec.url.clone());
    match &spec.body {
        Some(RequestBody::Text(text)) => request = request.body(text.clone()),
        Some(RequestBody::Json(json)) => {
            if !headers.contains_key(CONTENT_TYPE) {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            let bytes = serde_json::to_vec(json)
                .map_err(|e| format!("cannot encode the json body: {e}"))?;
            request = request.body(bytes);
        }
        None => {}
    }
    Ok(request.headers(headers).timeout(budget))
}

type BodyError = (Layer, String, Vec<u8>);

/// Reads at most `max` bytes; the rest is never read (the connection is dropped).
/// `Ok((bytes, truncated))`, or the error with what had arrived.
async fn read_body(
    resp: &mut reqwest::Response,
    max: u64,
    deadline: Instant,
    cx: &ErrorContext<'_>,
) -> Result<(Vec<u8>, bool), BodyError> {
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    let expected = resp.content_length().and_then(|n| usize::try_from(n).ok());
    let mut body = Vec::with_capacity(expected.unwrap_or(16 * 1024).min(max).min(1 << 20));
    loop {
        let chunk = match timeout_at(deadline, resp.chunk()).await {
            Ok(Ok(Some(chunk))) => chunk,
            Ok(Ok(None)) => return Ok((body, false)),
            Ok(Err(e)) => {
                let (layer, msg) = classify_body(&e, cx, body.len());
                return Err((layer, msg, body));
            }
            Err(_) => {
                return Err((
                    Layer::Timeout,
                    body_timeout_message(cx.budget, body.len()),
                    body,
                ));
            }
        };
        let room = max - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
        // Full, and the length says more is coming: stop here rather than wait for it.
        if body.len() == max && expected.is_none_or(|n| n > max) && max > 0 {
            return Ok((body, true));
        }
    }
}

/// Whether the connection may be HTTP/2 (and so carry concurrent requests), which only
/// its TLS handshake tells: https without `http_version: 1.1`.
fn may_multiplex(spec: &HttpSpec) -> bool {
    spec.url.scheme() == "https" && spec.http_version != Some(HttpVersion::Http1)
}

/// `host:port` as used in messages; with `resolve`, the address actually dialled.
fn target_of(spec: &HttpSpec) -> String {
    let port = spec.url.port_or_known_default().unwrap_or(0);
    match (spec.resolve, spec.url.host_str()) {
        (Some(std::net::IpAddr::V6(ip)), _) => format!("[{ip}]:{port}"),
        (Some(ip), _) => format!("{ip}:{port}"),
        (None, Some(host)) => format!("{host}:{port}"),
        (None, None) => spec.url.to_string(),
    }
}

fn headers_json(headers: &HeaderMap) -> Value {
    let mut out = Map::new();
    for name in headers.keys() {
        let value = if is_sensitive_header(name.as_str()) {
            "****".to_string()
        } else {
            let values: Vec<String> = headers
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            values.join(", ")
        };
        out.insert(name.as_str().to_string(), value.into());
    }
    Value::Object(out)
}

fn version_text(v: Version) -> &'static str {
    match v {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_11 => "HTTP/1.1",
        Version::HTTP_2 => "HTTP/2",
        Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/?",
    }
}

fn ms(d: Duration) -> f64 {
    // Microsecond precision is plenty, and keeps the reports readable.
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}
