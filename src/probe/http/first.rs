//! The first request to an HTTPS origin goes alone; the checks that want the same origin
//! at the same moment wait (briefly) for it to come back.
//!
//! Why: whether a connection speaks HTTP/2 is only known after its TLS handshake (ALPN),
//! so a burst of 64 checks to one host opened 64 connections — 64 handshakes for the
//! runner and the server — although one HTTP/2 connection carries them all. Once the
//! first request is back, its connection is in the client's pool: HTTP/2 multiplexes the
//! others onto it; over HTTP/1.1 they open their own connections, as before, one round
//! trip later. Against a local nginx this made 1,000 HTTPS checks ~30% faster (bench/).
//!
//! A follower waits at most [`PATIENCE`] (and at most half its remaining time), so a first
//! request that hangs costs the others a bounded delay, never their own diagnosis: they
//! then connect on their own and fail, if they fail, naming their own step.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, timeout_at};

/// The longest a check waits for the first request to its origin.
pub(crate) const PATIENCE: Duration = Duration::from_secs(1);

/// Per client configuration, per origin: has a first request come back?
#[derive(Default)]
pub(crate) struct FirstRequests {
    origins: Mutex<HashMap<String, watch::Receiver<bool>>>,
}

/// Held by the first request of an origin; dropping it (answer, error, timeout or
/// cancellation alike) lets the others go.
pub(crate) struct Leader(watch::Sender<bool>);

impl Drop for Leader {
    fn drop(&mut self) {
        self.0.send_replace(true);
    }
}

impl FirstRequests {
    /// Returns at once with the [`Leader`] guard for the first caller of `origin`;
    /// later callers get `None` once that first request is back, or once they waited
    /// long enough (see the module doc).
    pub(crate) async fn turn(&self, origin: &str, deadline: Instant) -> Option<Leader> {
        let mut done = {
            let mut origins = self.origins.lock().unwrap_or_else(|e| e.into_inner());
            match origins.get(origin) {
                Some(rx) => rx.clone(),
                None => {
                    let (tx, rx) = watch::channel(false);
                    origins.insert(origin.to_string(), rx);
                    return Some(Leader(tx));
                }
            }
        };
        if *done.borrow() {
            return None;
        }
        let now = Instant::now();
        let half_left = deadline.saturating_duration_since(now) / 2;
        let until = now + PATIENCE.min(half_left);
        // An error means the leader is gone without a word: it is back, as far as we care.
        let _ = timeout_at(until, done.wait_for(|back| *back)).await;
        None
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn the_first_leads_the_others_follow_once_it_is_back() {
        let first = Arc::new(FirstRequests::default());
        let deadline = Instant::now() + Duration::from_secs(10);
        let leader = first.turn("https://a:443", deadline).await;
        assert!(leader.is_some());
        // Another origin has its own leader.
        assert!(first.turn("https://b:443", deadline).await.is_some());

        let follower = {
            let first = first.clone();
            tokio::spawn(async move { first.turn("https://a:443", deadline).await.is_none() })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!follower.is_finished(), "a follower waits for the leader");
        drop(leader);
        assert!(follower.await.unwrap());
        // Once back, nobody waits.
        let t = std::time::Instant::now();
        assert!(first.turn("https://a:443", deadline).await.is_none());
        assert!(t.elapsed() < Duration::from_millis(500));
    }

    #[tokio::test]
    async fn a_stuck_leader_holds_the_others_for_a_bounded_time() {
        let first = FirstRequests::default();
        let far = Instant::now() + Duration::from_secs(60);
        let _stuck = first.turn("https://a:443", far).await;
        // Plenty of time left: the patience bounds the wait (generous bound: busy CI).
        let t = Instant::now();
        assert!(first.turn("https://a:443", far).await.is_none());
        assert!(t.elapsed() < PATIENCE * 5, "{:?}", t.elapsed());
        // Little time left: at most half of it goes to waiting.
        let t = Instant::now();
        let near = t + Duration::from_millis(100);
        assert!(first.turn("https://a:443", near).await.is_none());
        assert!(t.elapsed() < PATIENCE, "{:?}", t.elapsed());
    }
}
