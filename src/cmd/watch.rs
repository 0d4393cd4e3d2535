//! `smokecheck watch`: plans once, then runs the plan round after round (every `--every`,
//! start to start) and redraws one table of each check's recent history — the on-call
//! view of "is it healthy, and since when". Until Ctrl-C/SIGTERM (exit 130), or for
//! `--count N` rounds (exit code of the last round).
//!
//! One [`ProbeCtx`] serves the whole session — trust roots are loaded once, certificate
//! inspection configs built once — but every round gets fresh HTTP clients: a connection
//! kept alive from the last round would skip DNS, connect and the TLS handshake, and so
//! hide a rotated bad certificate or a dead address for as long as the server keeps it.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::SystemTime;

use smokecheck::exec::{self, Cancel, ExecOptions};
use smokecheck::exit;
use smokecheck::plan::Plan;
use smokecheck::plan::vars::Mode;
use smokecheck::probe::ProbeCtx;
use smokecheck::report;
use smokecheck::report::watch::{History, View, render};
use tokio::time::Instant;

use crate::cli::{Color, WatchArgs};

/// Terminal width when `COLUMNS` does not say (the table's last column is cut to fit).
const DEFAULT_WIDTH: usize = 120;
/// Clear the screen and move the cursor home: the table is redrawn in place on a TTY.
const CLEAR: &str = "\x1b[H\x1b[2J";
/// Erase the current line (the footer) before rewriting it.
const ERASE_LINE: &str = "\r\x1b[2K";

pub fn command(args: &WatchArgs) -> u8 {
    let opts = args
        .select
        .plan_options(Mode::Run, &args.filter, Some(&args.exec));
    let planned = match smokecheck::plan::build(&args.select.paths, &opts) {
        Ok(planned) => planned,
        Err(e) => return super::run::suite_error(&e),
    };
    super::run::print_warnings(&planned);
    let plan = planned.plan;
    let runtime = match super::run::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let code = runtime.block_on(watch(&plan, args));
    // A probe stuck in a blocking call (DNS) must not hold the exit up.
    runtime.shutdown_background();
    code
}

/// The session: rounds until interrupted or `--count` is reached.
async fn watch(plan: &Plan, args: &WatchArgs) -> u8 {
    let mut ctx = Arc::new(ProbeCtx::new());
    let cancel = Cancel::new();
    exec::spawn_signal_handler(cancel.clone());
    let opts = ExecOptions {
        concurrency: args.exec.concurrency as usize,
        deadline: args.exec.deadline,
        fail_fast: args.exec.fail_fast,
    };
    let mut history = History::new(plan, usize::from(args.history));
    let mut screen = Screen::new(args);
    loop {
        let started = Instant::now();
        let next = started + args.every;
        if history.rounds() > 0 {
            ctx = fresh_connections(ctx);
        }
        screen.running(history.rounds() + 1);
        // The table is drawn from the outcome; per-check events are not needed (dropping
        // the receiver makes the executor's sends no-ops rather than a growing queue).
        let (events, _) = tokio::sync::mpsc::unbounded_channel();
        let outcome = exec::execute(plan, &opts, ctx.clone(), events, cancel.clone()).await;
        if outcome.interrupted || cancel.is_cancelled() {
            // A round cut short says nothing about the target: it stays out of the table.
            return screen.stopped(history.rounds());
        }
        history.record(plan, &outcome);
        let code = report::run_exit_code(plan, &outcome, args.exec.strict);
        screen.draw(plan, &history);
        if args
            .count
            .is_some_and(|count| history.rounds() >= count as usize)
        {
            return code;
        }
        screen.waiting(next);
        tokio::select! {
            () = cancel.cancelled() => return screen.stopped(history.rounds()),
            // A round that overran its interval is followed at once, never skipped.
            () = tokio::time::sleep_until(next) => {}
        }
    }
}

/// The session's context with new HTTP clients (so new connections): what is costly and
/// holds no connection (trust roots, certificate inspection configs) is kept. Dropping
/// the old clients closes their pooled connections.
fn fresh_connections(ctx: Arc<ProbeCtx>) -> Arc<ProbeCtx> {
    match Arc::try_unwrap(ctx) {
        Ok(ProbeCtx { trust, tls, .. }) => Arc::new(ProbeCtx {
            http: Default::default(),
            trust,
            tls,
        }),
        // A check abandoned by the last round (deadline) still holds it: start afresh
        // rather than let the next round ride on its connections.
        Err(_) => Arc::new(ProbeCtx::new()),
    }
}

/// Where the table goes: redrawn in place on a terminal, appended (blank line between
/// tables) to a pipe or file.
struct Screen {
    tty: bool,
    view: View,
    /// Whether a table was written already (a pipe gets a blank line before the next).
    drawn: bool,
}

impl Screen {
    fn new(args: &WatchArgs) -> Self {
        let tty = std::io::stdout().is_terminal();
        let choice = match args.color {
            Color::Auto => anstream::ColorChoice::Auto,
            Color::Always => anstream::ColorChoice::Always,
            Color::Never => anstream::ColorChoice::Never,
        };
        // Resolved once (NO_COLOR, CLICOLOR_FORCE, TTY); the table is written raw so the
        // screen-control sequences survive even when colour is off.
        let color = anstream::AutoStream::new(std::io::stdout(), choice).current_choice()
            != anstream::ColorChoice::Never;
        Screen {
            tty,
            view: View {
                width: width(std::env::var("COLUMNS").ok().as_deref()),
                color,
                every: args.every,
            },
            drawn: false,
        }
    }

    /// A round begins: say so at the foot of the screen (terminal only; a log gets tables).
    fn running(&mut self, round: usize) {
        if !self.tty {
            return;
        }
        let text = format!("running round {round}…");
        let text = if self.drawn {
            format!("{ERASE_LINE}{}", self.dim(&text))
        } else {
            format!("{CLEAR}{}", self.dim(&text))
        };
        write_out(&text);
    }

    fn draw(&mut self, plan: &Plan, history: &History) {
        let table = render(plan, history, self.view);
        let text = if self.tty {
            format!("{CLEAR}{table}")
        } else if self.drawn {
            format!("\n{table}")
        } else {
            table
        };
        self.drawn = true;
        write_out(&text);
    }

    /// Between rounds, on a terminal: when the next one starts and how to stop.
    fn waiting(&self, next: Instant) {
        if !self.tty {
            return;
        }
        let at = SystemTime::now() + next.saturating_duration_since(Instant::now());
        let at = humantime::format_rfc3339_seconds(at);
        let text = format!("\n{}", self.dim(&format!("next run {at} · Ctrl-C to stop")));
        write_out(&text);
    }

    /// Interrupted: leave the table as it is, end the footer line, say how far we got.
    fn stopped(&self, rounds: usize) -> u8 {
        if self.tty {
            write_out("\n");
        }
        let runs = if rounds == 1 { "run" } else { "runs" };
        let _ = writeln!(
            anstream::stderr(),
            "watch stopped after {rounds} complete {runs}"
        );
        exit::INTERRUPTED
    }

    fn dim(&self, text: &str) -> String {
        if self.view.color {
            format!("\x1b[2m{text}\x1b[22m")
        } else {
            text.to_string()
        }
    }
}

/// The table's width: `COLUMNS` if it holds a sensible number, else 120.
fn width(columns: Option<&str>) -> usize {
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|w| (20..=1000).contains(w))
        .unwrap_or(DEFAULT_WIDTH)
}

fn write_out(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_comes_from_columns_when_sensible() {
        assert_eq!(width(None), DEFAULT_WIDTH);
        assert_eq!(width(Some("80")), 80);
        assert_eq!(width(Some(" 200 ")), 200);
        assert_eq!(width(Some("abc")), DEFAULT_WIDTH);
        assert_eq!(width(Some("0")), DEFAULT_WIDTH);
        assert_eq!(width(Some("99999999999999999999999")), DEFAULT_WIDTH);
    }
}
