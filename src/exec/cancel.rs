//! Interrupting a run: the [`Cancel`] handle the executor watches, and the signal glue the
//! CLI installs (first Ctrl-C/SIGTERM cancels gracefully, a second one exits at once).
//!
//! It lives apart from the executor so that the executor never touches process signals:
//! tests cancel a run by calling [`Cancel::cancel`], the binary by a signal.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

/// Cancels a run (first Ctrl-C): stop scheduling, abort running checks, keep what finished.
///
/// Cheap to clone; every clone cancels the same run. Cancelling is sticky: a run started
/// with an already-cancelled handle stops at once.
#[derive(Clone, Default)]
pub struct Cancel {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    cancelled: AtomicBool,
    notify: Notify,
}

impl std::fmt::Debug for Cancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cancel")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl Cancel {
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests cancellation. Idempotent.
    pub fn cancel(&self) {
        if !self.inner.cancelled.swap(true, Ordering::SeqCst) {
            self.inner.notify.notify_waiters();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Completes once [`cancel`](Self::cancel) has been called (at once if it already was).
    pub async fn cancelled(&self) {
        let notified = self.inner.notify.notified();
        tokio::pin!(notified);
        // Register as a waiter *before* reading the flag, so a `cancel` racing with this
        // call is never missed (`notify_waiters` only wakes registered waiters).
        notified.as_mut().enable();
        if self.is_cancelled() {
            return;
        }
        notified.await;
    }
}

/// Installs the CLI's signal handling: the first SIGINT or SIGTERM calls `cancel.cancel()`
/// (the run stops and reports what finished); a second one exits the process immediately
/// with code 130.
///
/// The handler lives on a thread of its own, with its own small runtime: the run's
/// runtime has a single thread, and when that thread is blocked (writing to a pipe nobody
/// reads) a second Ctrl-C must still get the process out. The handlers are registered
/// before this returns, so a signal arriving right after is not lost.
pub fn spawn_signal_handler(cancel: Cancel) {
    let (registered, wait_registered) = std::sync::mpsc::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name("smokecheck-signals".into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                // No signal handling is still a run: the default action applies.
                let _ = registered.send(());
                return;
            };
            runtime.block_on(async move {
                let mut signals = Signals::new();
                let _ = registered.send(());
                let mut received = 0u32;
                while signals.next().await {
                    received += 1;
                    if received > 1 {
                        exit_now();
                    }
                    cancel.cancel();
                }
            });
        });
    if spawned.is_ok() {
        let _ = wait_registered.recv();
    }
}

/// The second signal: out at once. Not `std::process::exit`: it flushes stdout first, and
/// waits for ever when the main thread is blocked writing to a pipe nobody reads.
#[expect(
    unsafe_code,
    reason = "_exit(2) is async-signal-safe and flushes nothing: the only way out that cannot block"
)]
fn exit_now() -> ! {
    // SAFETY: `_exit` takes a plain integer and never returns; no Rust state is touched.
    unsafe { libc::_exit(i32::from(crate::exit::INTERRUPTED)) }
}

/// SIGINT and SIGTERM as one stream.
#[cfg(unix)]
struct Signals {
    interrupt: Option<tokio::signal::unix::Signal>,
    terminate: Option<tokio::signal::unix::Signal>,
}

#[cfg(unix)]
impl Signals {
    fn new() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        // Registration only fails if the runtime has no signal driver; a run without
        // signal handling is still a run, so carry on without it.
        Signals {
            interrupt: signal(SignalKind::interrupt()).ok(),
            terminate: signal(SignalKind::terminate()).ok(),
        }
    }

    /// Waits for the next signal; `false` once no signal can arrive any more.
    async fn next(&mut self) -> bool {
        async fn recv(sig: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
            match sig {
                Some(s) => s.recv().await,
                None => std::future::pending().await,
            }
        }
        if self.interrupt.is_none() && self.terminate.is_none() {
            return false;
        }
        tokio::select! {
            got = recv(&mut self.interrupt) => got.is_some(),
            got = recv(&mut self.terminate) => got.is_some(),
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> Self {
        Signals
    }

    async fn next(&mut self) -> bool {
        tokio::signal::ctrl_c().await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn cancelled_completes_for_waiters_and_late_callers() {
        let cancel = Cancel::new();
        assert!(!cancel.is_cancelled());
        let waiter = tokio::spawn({
            let cancel = cancel.clone();
            async move { cancel.cancelled().await }
        });
        tokio::task::yield_now().await;
        cancel.clone().cancel();
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("waiter woken")
            .expect("waiter did not panic");
        assert!(cancel.is_cancelled());
        // Sticky: a later call returns at once.
        tokio::time::timeout(Duration::from_secs(5), cancel.cancelled())
            .await
            .expect("already cancelled");
        cancel.cancel();
        assert!(cancel.is_cancelled());
    }

    #[tokio::test]
    async fn not_cancelled_stays_pending() {
        let cancel = Cancel::new();
        let waited = tokio::time::timeout(Duration::from_millis(20), cancel.cancelled()).await;
        assert!(waited.is_err());
    }
}
