//! Fault-injection peers on 127.0.0.1, run on the shared test runtime. Each is the kind of
//! broken server a post-deploy check meets for real: one that hangs, resets, answers
//! garbage, never stops sending, or never answers DNS. The TLS ones reuse the test PKI and
//! the hostile TLS peers of `tests/support/pki.rs`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

use crate::harness::rt;
use crate::pki::{self, Hostile, LeafSpec, Pki, SniResolver, TLS12_AND_13};

/// 5 GiB: more than any runner may buffer.
pub const FIVE_GIB: u64 = 5 * 1024 * 1024 * 1024;

/// Accepts and never sends a byte (reads and discards what comes).
pub fn silent() -> SocketAddr {
    rt().block_on(pki::serve_hostile(Hostile::Silent))
}

/// Reads the ClientHello, then resets the connection (RST) in the middle of the handshake.
pub fn reset_mid_handshake() -> SocketAddr {
    rt().block_on(pki::serve_hostile(Hostile::Reset))
}

/// Reads whatever the client sends first, answers 4 KiB of binary noise, and hangs up.
pub fn garbage_once() -> SocketAddr {
    serve(|mut s| async move {
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf).await;
        let _ = s.write_all(&noise(4096, 7)).await;
        let _ = s.shutdown().await;
    })
}

/// Sends binary noise from the first instant, without end, never reading.
pub fn garbage_stream() -> SocketAddr {
    serve(|mut s| async move {
        let chunk = noise(64 * 1024, 11);
        while s.write_all(&chunk).await.is_ok() {}
    })
}

/// A status line, then header lines without end: the response head never finishes.
pub fn endless_headers() -> SocketAddr {
    serve(|mut s| async move {
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf).await;
        if s.write_all(b"HTTP/1.1 200 OK\r\n").await.is_err() {
            return;
        }
        let line = format!("X-Junk: {}\r\n", "a".repeat(1000));
        while s.write_all(line.as_bytes()).await.is_ok() {}
    })
}

/// Answers 200 with a `Content-Length` of 1 MiB, sends `sent` bytes of it, then resets.
pub fn reset_mid_body(sent: usize) -> SocketAddr {
    serve(move |mut s| async move {
        if respond_partially(&mut s, sent).await {
            let _ = s.set_zero_linger();
            drop(s);
        }
    })
}

/// The same over TLS (the TCP connection under the TLS session is reset). Returns the
/// PKI too: its `ca_file` is what the check must trust.
pub fn reset_mid_body_tls(sent: usize) -> (Pki, SocketAddr) {
    let pki = Pki::new();
    let leaf = pki.leaf(LeafSpec::new(&["localhost"]));
    let config = pki::server_config(SniResolver::new(Some(leaf)), TLS12_AND_13);
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let addr = serve(move |tcp| {
        let acceptor = acceptor.clone();
        async move {
            let Ok(mut tls) = acceptor.accept(tcp).await else {
                return;
            };
            if respond_partially(&mut tls, sent).await {
                let _ = tls.get_ref().0.set_zero_linger();
                drop(tls);
            }
        }
    });
    (pki, addr)
}

/// Reads a request head, writes a 200 head promising 1 MiB and `sent` bytes of body.
async fn respond_partially<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, sent: usize) -> bool {
    if !read_head(s).await {
        return false;
    }
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1048576\r\n\r\n";
    s.write_all(head.as_bytes()).await.is_ok()
        && s.write_all(&vec![b'x'; sent]).await.is_ok()
        && s.flush().await.is_ok()
        && {
            // Let the bytes leave before the reset, so the client sees a body cut short.
            tokio::time::sleep(Duration::from_millis(100)).await;
            true
        }
}

/// A 200 with no length, `Connection: close`, and 5 GiB of body streamed as fast as the
/// client reads (the body ends only when the server closes).
pub fn five_gib_until_close() -> SocketAddr {
    serve(|mut s| async move {
        if !read_head(&mut s).await {
            return;
        }
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n";
        if s.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = vec![b'z'; 64 * 1024];
        let mut left = FIVE_GIB;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            if s.write_all(&chunk[..n]).await.is_err() {
                return;
            }
            left -= n as u64;
        }
    })
}

/// A DNS server that reads every query and never answers (UDP).
pub fn dns_blackhole() -> SocketAddr {
    rt().block_on(async {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            while socket.recv_from(&mut buf).await.is_ok() {}
        });
        addr
    })
}

/// A PostgreSQL-protocol peer that reads the startup message (length-prefixed) and drops
/// the connection without a word.
pub fn postgres_hangs_up() -> SocketAddr {
    serve(|mut s| async move {
        let mut len = [0u8; 4];
        if s.read_exact(&mut len).await.is_err() {
            return;
        }
        let n = u32::from_be_bytes(len).saturating_sub(4).min(1 << 16) as usize;
        let mut rest = vec![0u8; n];
        let _ = s.read_exact(&mut rest).await;
        drop(s);
    })
}

/// Every request is answered by a redirect to a new, longer URL: no loop to detect.
pub fn redirects_forever() -> SocketAddr {
    serve(|mut s| async move {
        loop {
            let mut head = Vec::new();
            if !read_head_into(&mut s, &mut head).await {
                return;
            }
            let path = String::from_utf8_lossy(&head)
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .to_string();
            let next = format!("{path}x");
            let resp =
                format!("HTTP/1.1 302 Found\r\nLocation: {next}\r\nContent-Length: 0\r\n\r\n");
            if s.write_all(resp.as_bytes()).await.is_err() {
                return;
            }
        }
    })
}

/// Accepts on 127.0.0.1 and runs `handle` for every connection.
pub fn serve<F, Fut>(handle: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let handle = Arc::new(handle);
    rt().block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                tokio::spawn(handle(s));
            }
        });
        addr
    })
}

/// Reads up to the end of a request head (`\r\n\r\n`); false if the client left first.
async fn read_head<S: AsyncRead + Unpin>(s: &mut S) -> bool {
    read_head_into(s, &mut Vec::new()).await
}

async fn read_head_into<S: AsyncRead + Unpin>(s: &mut S, head: &mut Vec<u8>) -> bool {
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return false,
        }
        if head.len() > 64 * 1024 {
            return false;
        }
    }
    true
}

/// Deterministic binary noise (never valid HTTP, TLS or UTF-8 for long).
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A port on 127.0.0.1 where nothing listens (connections are refused).
pub fn refused_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Answers 200 to anything and keeps every request head it saw (lowercased).
pub fn recording() -> (SocketAddr, Arc<std::sync::Mutex<Vec<String>>>) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    let addr = serve(move |mut s| {
        let sink = sink.clone();
        async move {
            let mut head = Vec::new();
            if !read_head_into(&mut s, &mut head).await {
                return;
            }
            sink.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&head).to_ascii_lowercase());
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                .await;
        }
    });
    (addr, seen)
}

/// Redirects every request to `to` (another origin).
pub fn redirect_to(to: String) -> SocketAddr {
    serve(move |mut s| {
        let to = to.clone();
        async move {
            if !read_head(&mut s).await {
                return;
            }
            let resp = format!(
                "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = s.write_all(resp.as_bytes()).await;
        }
    })
}

/// A DNS server that answers every query with noise: a datagram that starts with the
/// query's id (so it is read as the answer) and continues with random bytes.
pub fn dns_noise() -> SocketAddr {
    rt().block_on(async {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            let mut seed = 1;
            while let Ok((n, from)) = socket.recv_from(&mut buf).await {
                let mut answer = buf[..n.min(2)].to_vec();
                answer.extend(noise(200, seed));
                seed += 1;
                let _ = socket.send_to(&answer, from).await;
            }
        });
        addr
    })
}

/// A PostgreSQL-protocol peer that reads the startup message (or SSLRequest) and answers
/// 4 KiB of noise.
pub fn postgres_noise() -> SocketAddr {
    serve(|mut s| async move {
        let mut len = [0u8; 4];
        if s.read_exact(&mut len).await.is_err() {
            return;
        }
        let n = u32::from_be_bytes(len).saturating_sub(4).min(1 << 16) as usize;
        let mut rest = vec![0u8; n];
        if s.read_exact(&mut rest).await.is_err() {
            return;
        }
        let _ = s.write_all(&noise(4096, 5)).await;
        let _ = s.shutdown().await;
    })
}
