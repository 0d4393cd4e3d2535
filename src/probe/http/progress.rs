//! Which step a request is in (resolving, connecting, waiting for headers), so a timeout
//! can name the step instead of blaming the application for a firewall dropping SYNs.
//!
//! reqwest gives no per-request hooks, but its DNS resolver and connector run inside the
//! future of the request that needs the connection (hyper-util polls them inline). A
//! task-local `Progress` set around that future is updated by a tracking resolver and a
//! tracking connector layer; a connection taken from the pool never touches it.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::errors::{DnsError, dns_reason};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Connected (or reused a pooled connection): the request is out, headers pending.
    Waiting,
    Resolving,
    /// TCP connect, then the TLS handshake for https.
    Connecting,
}

/// Shared between the probe and the hooks below.
#[derive(Default)]
pub(crate) struct Progress(AtomicU8);

impl Progress {
    pub fn get(&self) -> Step {
        match self.0.load(Ordering::Relaxed) {
            1 => Step::Resolving,
            2 => Step::Connecting,
            _ => Step::Waiting,
        }
    }

    fn set(&self, step: Step) {
        let v = match step {
            Step::Waiting => 0,
            Step::Resolving => 1,
            Step::Connecting => 2,
        };
        self.0.store(v, Ordering::Relaxed);
    }
}

tokio::task_local! {
    static PROGRESS: Arc<Progress>;
}

/// Runs `fut` with `progress` visible to the resolver and connector hooks.
pub(crate) async fn track<F: Future>(progress: Arc<Progress>, fut: F) -> F::Output {
    PROGRESS.scope(progress, fut).await
}

fn current() -> Option<Arc<Progress>> {
    PROGRESS.try_with(Arc::clone).ok()
}

/// The system resolver (getaddrinfo, like every other program on the host), marking
/// the resolving step and raising a `DnsError` the classifier recognises.
pub(crate) struct TrackingResolver;

impl Resolve for TrackingResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let progress = current();
        if let Some(p) = &progress {
            p.set(Step::Resolving);
        }
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: std::io::Result<Vec<SocketAddr>> =
                tokio::net::lookup_host((host.as_str(), 0))
                    .await
                    .map(|a| a.collect());
            if let Some(p) = &progress {
                p.set(Step::Connecting);
            }
            let addrs = match found {
                Ok(addrs) => addrs,
                Err(e) => {
                    let reason = dns_reason(&e);
                    return Err(Box::new(DnsError { host, reason }) as BoxError);
                }
            };
            if addrs.is_empty() {
                let reason = "no addresses found".to_string();
                return Err(Box::new(DnsError { host, reason }) as BoxError);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Wraps reqwest's connector (DNS + TCP + TLS) to mark the connecting step.
#[derive(Clone, Copy)]
pub(crate) struct TrackConnectLayer;

impl<S> tower_layer::Layer<S> for TrackConnectLayer {
    type Service = TrackConnect<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TrackConnect { inner }
    }
}

#[derive(Clone)]
pub(crate) struct TrackConnect<S> {
    inner: S,
}

impl<S, R> tower_service::Service<R> for TrackConnect<S>
where
    S: tower_service::Service<R>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: R) -> Self::Future {
        let progress = current();
        if let Some(p) = &progress {
            p.set(Step::Connecting);
        }
        let fut = self.inner.call(req);
        Box::pin(async move {
            let result = fut.await;
            if let Some(p) = progress {
                p.set(Step::Waiting);
            }
            result
        })
    }
}
