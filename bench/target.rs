//! The benchmark's fallback target when nginx cannot be had: smokecheck's own demo target
//! (`/health` over HTTP and HTTPS with its own CA) as a process of its own, so the runner
//! under test shares nothing with it. Prints one line — `HTTP_URL HTTPS_URL CA_FILE` — and
//! serves until its stdin closes.

use std::io::{BufRead, Write};

fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "bench target: no runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let target = match runtime.block_on(smokecheck::demo::start()) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "bench target: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{} {} {}",
        target.http_url,
        target.https_url,
        target.ca_file.display()
    );
    let _ = out.flush();
    drop(out);
    // Serve until the benchmark closes our stdin (or dies).
    for line in std::io::stdin().lock().lines() {
        if line.is_err() {
            break;
        }
    }
    drop(target);
    runtime.shutdown_background();
    std::process::ExitCode::SUCCESS
}
