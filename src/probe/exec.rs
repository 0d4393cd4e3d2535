//! `exec` probe: run a command (argv, no shell unless the suite writes `sh -c`) and check
//! its exit code and output.
//!
//! The command runs in its own process group, so that on timeout — and after it exits —
//! the whole group is killed: a `sh -c 'server & sleep 30'` leaves nothing behind, and a
//! background child holding the output pipes cannot keep the check waiting. Output is
//! captured concurrently, bounded (the last 1 MiB of each stream is kept), so a chatty
//! command can neither fill a pipe and stall nor exhaust memory.

use std::io::ErrorKind;
use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio::time::{Instant, timeout, timeout_at};

use super::dbs::fmt_budget;
use super::{Layer, Outcome, ProbeCtx, fmt_ms, remaining};
use crate::suite::model::ExecSpec;

/// Bytes kept per stream (the tail: a command's verdict is usually its last words).
const CAPTURE: usize = 1024 * 1024;
/// Bytes of each stream shown in the details.
const SNIPPET: usize = 2 * 1024;
/// How long the pipes may stay open once the process group is gone (a daemon that
/// escaped into its own session may hold them forever).
const DRAIN_GRACE: Duration = Duration::from_millis(500);

pub async fn run(spec: &ExecSpec, _ctx: &ProbeCtx, deadline: Instant) -> Outcome {
    let started = Instant::now();
    let budget = remaining(deadline);
    let Some(program) = spec.command.first() else {
        return Outcome::fail(Layer::Config, "exec needs a command (an argv list)");
    };
    if let Some(cwd) = &spec.cwd
        && !cwd.is_dir()
    {
        let msg = format!("working directory {} does not exist", cwd.display());
        return Outcome::fail(Layer::Config, msg);
    }
    let mut cmd = Command::new(program);
    cmd.args(&spec.command[1..])
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    if let Some(cwd) = &spec.cwd {
        cmd.current_dir(cwd);
    }
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => return Outcome::fail(Layer::Exec, spawn_error(&e, program)),
    };
    // process_group(0): the group id is the child's pid.
    let group = child.id();
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let mut out = Capture::default();
    let mut err = Capture::default();

    let finished = timeout_at(deadline, async {
        let mut reading =
            std::pin::pin!(async { tokio::join!(out.fill(stdout), err.fill(stderr)) });
        let status = tokio::select! {
            status = child.wait() => {
                // Whatever the command left running in its group goes too, so that a
                // background child cannot hold the pipes open...
                kill_group(group);
                // ...and a daemon that escaped the group gets a moment, not forever.
                let _ = timeout(DRAIN_GRACE, &mut reading).await;
                status
            }
            _ = &mut reading => {
                let status = child.wait().await;
                kill_group(group);
                status
            }
        };
        status
    })
    .await;
    let latency = started.elapsed();

    let mut details = Map::new();
    details.insert(
        "latency_ms".into(),
        ((latency.as_secs_f64() * 100_000.0).round() / 100.0).into(),
    );
    if let Some(pid) = group {
        details.insert("pid".into(), pid.into());
    }
    let status = match finished {
        Err(_) => {
            kill_group(group);
            // Reap the leader (SIGKILL cannot be ignored; this is quick).
            let _ = timeout(Duration::from_secs(2), child.wait()).await;
            out.add_details("stdout", &mut details);
            err.add_details("stderr", &mut details);
            let msg = format!(
                "timed out after {}; killed process group {} ({})",
                fmt_budget(budget),
                group.map_or_else(|| "?".to_string(), |g| g.to_string()),
                program
            );
            return with(
                Outcome::fail(Layer::Exec, msg)
                    .with_fact(format!("timed out · {}", fmt_ms(latency))),
                details,
            );
        }
        Ok(Err(e)) => {
            return with(
                Outcome::fail(Layer::Exec, format!("cannot wait for {program}: {e}")),
                details,
            );
        }
        Ok(Ok(status)) => status,
    };
    out.add_details("stdout", &mut details);
    err.add_details("stderr", &mut details);
    with(judge(spec, status, &out, &err, latency), details)
}

fn with(mut outcome: Outcome, details: Map<String, Value>) -> Outcome {
    outcome.details.extend(details);
    outcome
}

/// Exit code first (a failed command is an `exec` failure, like a bad status is `http`),
/// then the output assertions.
fn judge(
    spec: &ExecSpec,
    status: ExitStatus,
    out: &Capture,
    err: &Capture,
    latency: Duration,
) -> Outcome {
    let expect = &spec.expect;
    let code = match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(sig)) => {
            let fact = format!("signal {sig} · {}", fmt_ms(latency));
            let msg = format!("killed by signal {sig} ({})", signal_name(sig));
            return Outcome::fail(Layer::Exec, msg)
                .with_fact(fact)
                .with_detail("signal", sig);
        }
        (None, None) => {
            return Outcome::fail(
                Layer::Exec,
                format!("ended without an exit code ({status})"),
            );
        }
    };
    let fact = format!("exit {code} · {}", fmt_ms(latency));
    let outcome = Outcome::pass(fact).with_detail("exit_code", code);
    if code != expect.exit_code {
        let mut msg = format!("exit {code}, expected {}", expect.exit_code);
        if let Some(line) = err.last_line().or_else(|| out.last_line()) {
            msg.push_str(": ");
            msg.push_str(&line);
        }
        return outcome.into_fail(Layer::Exec, msg);
    }
    let stdout = out.text();
    if let Some(missing) = expect
        .stdout_contains
        .iter()
        .find(|s| !stdout.contains(s.as_str()))
    {
        return outcome.into_fail(
            Layer::Assert,
            format!("stdout does not contain {missing:?}"),
        );
    }
    let stderr = err.text();
    if let Some(found) = expect
        .stderr_not_contains
        .iter()
        .find(|s| stderr.contains(s.as_str()))
    {
        let line = stderr
            .lines()
            .find(|l| l.contains(found.as_str()))
            .unwrap_or_default();
        let msg = format!("stderr contains {found:?}: {}", one_line(line));
        return outcome.into_fail(Layer::Assert, msg);
    }
    outcome
}

/// The tail of one output stream, bounded.
#[derive(Default)]
struct Capture {
    buf: Vec<u8>,
    total: u64,
}

impl Capture {
    /// Reads `pipe` to EOF, keeping the last `CAPTURE` bytes. (The caller bounds it.)
    async fn fill<R: AsyncRead + Unpin>(&mut self, pipe: Option<R>) {
        let Some(mut pipe) = pipe else { return };
        let mut chunk = vec![0u8; 16 * 1024];
        loop {
            let n = match pipe.read(&mut chunk).await {
                Ok(n) if n > 0 => n,
                _ => break,
            };
            self.total += n as u64;
            self.buf.extend_from_slice(&chunk[..n]);
            // Trim in batches, so a long stream costs O(total), not O(total × CAPTURE).
            if self.buf.len() > 2 * CAPTURE {
                let excess = self.buf.len() - CAPTURE;
                self.buf.drain(..excess);
            }
        }
        if self.buf.len() > CAPTURE {
            let excess = self.buf.len() - CAPTURE;
            self.buf.drain(..excess);
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.buf).into_owned()
    }

    fn last_line(&self) -> Option<String> {
        let text = self.text();
        text.lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(one_line)
    }

    fn add_details(&self, name: &str, details: &mut Map<String, Value>) {
        let text = self.text();
        let start = text.len().saturating_sub(SNIPPET);
        let start = (start..=text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(text.len());
        details.insert(name.into(), text[start..].to_string().into());
        details.insert(format!("{name}_bytes"), self.total.into());
        if self.total > self.buf.len() as u64 {
            details.insert(format!("{name}_truncated"), true.into());
        }
    }
}

/// A line for a one-line message: trimmed, at most 200 characters.
fn one_line(line: &str) -> String {
    let line = line.trim();
    match line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

fn spawn_error(err: &std::io::Error, program: &str) -> String {
    let is_path = program.contains('/');
    match err.kind() {
        ErrorKind::NotFound if is_path => {
            format!("cannot run {program}: no such file (or its #! interpreter is missing)")
        }
        ErrorKind::NotFound => format!("command not found: {program}"),
        ErrorKind::PermissionDenied => {
            format!("permission denied running {program} (is it executable?)")
        }
        _ => format!("cannot run {program}: {}", super::dbs::io_reason(err)),
    }
}

/// SIGKILL to the whole process group. `pgid` comes from our own `process_group(0)`
/// child, so it is that child's pid; 0 and 1 are refused outright (kill(0) is our own
/// group, kill(-1) every process we may signal).
#[expect(
    unsafe_code,
    reason = "kill(2) has no memory-safety preconditions; libc is already a dependency and \
              a crate or a `kill` subprocess for one syscall would be heavier"
)]
fn kill_group(pgid: Option<u32>) {
    let Some(pgid) = pgid.and_then(|p| i32::try_from(p).ok()).filter(|p| *p > 1) else {
        return;
    };
    // SAFETY: plain syscall on integers; an already-empty group just yields ESRCH.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGABRT => "SIGABRT",
        libc::SIGKILL => "SIGKILL, out of memory?",
        libc::SIGSEGV => "SIGSEGV, it crashed",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGTERM => "SIGTERM",
        libc::SIGBUS => "SIGBUS",
        _ => "signal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spawn_errors_read_plainly() {
        let nf = std::io::Error::from(ErrorKind::NotFound);
        assert_eq!(spawn_error(&nf, "pg_dump"), "command not found: pg_dump");
        assert!(spawn_error(&nf, "./x.sh").starts_with("cannot run ./x.sh: no such file"));
        let pd = std::io::Error::from(ErrorKind::PermissionDenied);
        assert_eq!(
            spawn_error(&pd, "./x.sh"),
            "permission denied running ./x.sh (is it executable?)"
        );
    }

    #[test]
    fn never_signals_our_own_group_or_everyone() {
        // Would kill the test process (0) or everything (1) if the guard were missing.
        kill_group(Some(0));
        kill_group(Some(1));
        kill_group(None);
    }

    #[test]
    fn last_line_skips_blank_lines() {
        let c = Capture {
            buf: b"first\nboom: bad thing\n\n".to_vec(),
            total: 23,
        };
        assert_eq!(c.last_line().as_deref(), Some("boom: bad thing"));
    }
}
