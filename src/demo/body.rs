//! Response bodies of the demo target without boxing: a static payload (the hot path of
//! the benchmark), an endless body produced lazily from one static buffer, and a body
//! that trickles one byte per second.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use hyper::body::{Body, Bytes, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

/// `/huge` sends 5 GiB in chunks of this static buffer: nothing is allocated per chunk.
static CHUNK: [u8; 64 * 1024] = [b'x'; 64 * 1024];
pub(crate) const HUGE_BYTES: u64 = 5 * 1024 * 1024 * 1024;
/// `/trickle` gives up after ten minutes.
const TRICKLE_BYTES: u32 = 600;

pub(crate) enum DemoBody {
    Full(Option<Bytes>),
    Huge { remaining: u64 },
    Trickle { sleep: Pin<Box<Sleep>>, left: u32 },
}

impl DemoBody {
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        DemoBody::Full(Some(bytes.into()))
    }

    pub fn huge() -> Self {
        DemoBody::Huge {
            remaining: HUGE_BYTES,
        }
    }

    pub fn trickle() -> Self {
        let sleep = Box::pin(tokio::time::sleep(Duration::from_secs(1)));
        DemoBody::Trickle {
            sleep,
            left: TRICKLE_BYTES,
        }
    }
}

impl Body for DemoBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            DemoBody::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            DemoBody::Huge { remaining } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                let n = (*remaining).min(CHUNK.len() as u64) as usize;
                *remaining -= n as u64;
                Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(&CHUNK[..n])))))
            }
            DemoBody::Trickle { sleep, left } => {
                if *left == 0 {
                    return Poll::Ready(None);
                }
                ready!(sleep.as_mut().poll(cx));
                *left -= 1;
                sleep
                    .as_mut()
                    .reset(Instant::now() + Duration::from_secs(1));
                Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b".")))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            DemoBody::Full(bytes) => bytes.as_ref().is_none_or(|b| b.is_empty()),
            DemoBody::Huge { remaining } => *remaining == 0,
            DemoBody::Trickle { left, .. } => *left == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            DemoBody::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            DemoBody::Huge { remaining } => SizeHint::with_exact(*remaining),
            // Unknown length: sent chunked, as a slow streaming endpoint would be.
            DemoBody::Trickle { .. } => SizeHint::default(),
        }
    }
}
