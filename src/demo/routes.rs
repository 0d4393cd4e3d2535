//! The demo target's routes: the healthy, flaky, slow, degraded and hostile endpoints the
//! demo suite, the tests and the benchmark check. `/health` is the hot path: a static
//! body and one static header, nothing allocated but the response itself.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue, LOCATION};
use hyper::{Request, Response, StatusCode};

use super::body::DemoBody;

const HOME: &str = "<!doctype html>\n<html><head><title>Demo shop</title></head>\n\
<body><h1>Demo shop</h1><p>A fine teapot, 12 EUR.</p><button>Add to cart</button></body></html>\n";
const HEALTH: &str = r#"{"status":"ok","checks":{"db":"up"}}"#;
const VERSION: &str = r#"{"build":"demo"}"#;
const DEGRADED: &str = r#"{"status":"degraded","checks":{"db":"slow"}}"#;
/// `/flaky?key=K` fails this many times per key before it recovers.
const FLAKY_FAILURES: u32 = 2;
/// `/slow?ms=N` sleeps at most this long.
const MAX_SLOW_MS: u64 = 60_000;
/// `/echo` reads at most this much of the request body.
const MAX_ECHO_BYTES: usize = 1 << 20;

/// State shared by every connection of one target.
#[derive(Default)]
pub(crate) struct State {
    flaky: Mutex<HashMap<String, u32>>,
}

/// What the connection knows that the request does not.
#[derive(Clone, Copy)]
pub(crate) struct ConnInfo {
    /// The client presented a certificate the demo CA signed (https only).
    pub client_cert: bool,
}

pub(crate) async fn handle(
    req: Request<Incoming>,
    state: Arc<State>,
    conn: ConnInfo,
) -> Result<Response<DemoBody>, Infallible> {
    let path = req.uri().path();
    let resp = match path {
        "/" => text(StatusCode::OK, "text/html; charset=utf-8", HOME),
        "/health" | "/healthz" => json(StatusCode::OK, HEALTH),
        "/version" => json(StatusCode::OK, VERSION),
        "/degraded" => json(StatusCode::OK, DEGRADED),
        "/flaky" => flaky(&state, query(&req, "key").unwrap_or_default()),
        "/slow" => {
            let ms = query(&req, "ms")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1000u64);
            tokio::time::sleep(Duration::from_millis(ms.min(MAX_SLOW_MS))).await;
            json(StatusCode::OK, r#"{"status":"ok","slow":true}"#)
        }
        "/headers" => {
            let mut resp = json(StatusCode::OK, r#"{"headers":"set"}"#);
            resp.headers_mut()
                .insert("x-demo", HeaderValue::from_static("yes"));
            // A credential in a response header: reports must show it masked.
            let cookie = HeaderValue::from_static("demo_session=s3cr3t-cookie; HttpOnly");
            resp.headers_mut().insert(hyper::header::SET_COOKIE, cookie);
            resp
        }
        "/echo" => return Ok(echo(req).await),
        "/huge" => with_type(Response::new(DemoBody::huge()), "application/octet-stream"),
        "/trickle" => with_type(Response::new(DemoBody::trickle()), "text/plain"),
        "/mtls" if conn.client_cert => json(StatusCode::OK, r#"{"client_cert":"verified"}"#),
        "/mtls" => json(
            StatusCode::FORBIDDEN,
            r#"{"error":"client certificate required"}"#,
        ),
        "/redirect/loop" => redirect("/redirect/loop2"),
        "/redirect/loop2" => redirect("/redirect/loop"),
        _ => {
            if let Some(code) = path.strip_prefix("/status/") {
                status(code)
            } else if let Some(n) = path.strip_prefix("/redirect/") {
                match n.parse::<u32>() {
                    Ok(n) if n > 1 => redirect(&format!("/redirect/{}", n - 1)),
                    Ok(_) => redirect("/health"),
                    Err(_) => not_found(),
                }
            } else {
                not_found()
            }
        }
    };
    Ok(resp)
}

fn flaky(state: &State, key: String) -> Response<DemoBody> {
    let seen = {
        let mut map = state.flaky.lock().unwrap_or_else(|e| e.into_inner());
        let count = map.entry(key).or_insert(0);
        *count = count.saturating_add(1);
        *count
    };
    if seen <= FLAKY_FAILURES {
        json(StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"starting"}"#)
    } else {
        json(StatusCode::OK, r#"{"status":"ok"}"#)
    }
}

fn status(code: &str) -> Response<DemoBody> {
    match code
        .parse::<u16>()
        .ok()
        .filter(|c| (200..=599).contains(c))
        .map(StatusCode::from_u16)
    {
        Some(Ok(code)) => {
            let mut resp = text(code, "text/plain", "");
            *resp.body_mut() = DemoBody::full(format!("status {}\n", code.as_u16()));
            resp
        }
        _ => text(
            StatusCode::BAD_REQUEST,
            "text/plain",
            "status must be 200..599\n",
        ),
    }
}

async fn echo(req: Request<Incoming>) -> Response<DemoBody> {
    let (parts, body) = req.into_parts();
    let mut headers = serde_json::Map::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers.insert(name.as_str().to_string(), value.into());
    }
    let body = match Limited::new(body, MAX_ECHO_BYTES).collect().await {
        Ok(collected) => String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
        Err(_) => {
            return text(
                StatusCode::PAYLOAD_TOO_LARGE,
                "text/plain",
                "body too large\n",
            );
        }
    };
    let doc = serde_json::json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query(),
        "headers": headers,
        "body": body,
    });
    let mut resp = Response::new(DemoBody::full(doc.to_string()));
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

fn query(req: &Request<Incoming>, key: &str) -> Option<String> {
    let q = req.uri().query()?;
    url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn json(code: StatusCode, body: &'static str) -> Response<DemoBody> {
    text(code, "application/json", body)
}

fn text(code: StatusCode, content_type: &'static str, body: &'static str) -> Response<DemoBody> {
    let mut resp = Response::new(DemoBody::full(Bytes::from_static(body.as_bytes())));
    *resp.status_mut() = code;
    with_type(resp, content_type)
}

fn with_type(mut resp: Response<DemoBody>, content_type: &'static str) -> Response<DemoBody> {
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

fn redirect(to: &str) -> Response<DemoBody> {
    let mut resp = text(StatusCode::FOUND, "text/plain", "");
    if let Ok(location) = HeaderValue::from_str(to) {
        resp.headers_mut().insert(LOCATION, location);
    }
    resp
}

fn not_found() -> Response<DemoBody> {
    text(StatusCode::NOT_FOUND, "text/plain", "not found\n")
}
