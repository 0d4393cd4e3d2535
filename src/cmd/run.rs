//! `smokecheck run`: plan → executor → events → terminal; then the report files and the
//! exit code. Also used by `demo`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use smokecheck::exec::{self, Cancel, Event, ExecOptions, RunOutcome};
use smokecheck::exit;
use smokecheck::plan::vars::Mode;
use smokecheck::plan::{Plan, PlanError, Planned};
use smokecheck::probe::ProbeCtx;
use smokecheck::report::terminal::{Format as TermFormat, TermOptions, Terminal, Verbosity};
use smokecheck::report::{self, github, json, junit};

use crate::cli::{Color, Exec, Format, Output, RunArgs};

pub fn command(args: &RunArgs) -> u8 {
    if let Err(code) = check_report_paths(&args.output) {
        return code;
    }
    let opts = args
        .select
        .plan_options(Mode::Run, &args.filter, Some(&args.exec));
    match smokecheck::plan::build(&args.select.paths, &opts) {
        Ok(planned) => run_planned(planned, &args.exec, &args.output),
        Err(e) => suite_error(&e),
    }
}

/// Prints every suite problem (masked) to stderr: exit 2.
pub fn suite_error(e: &PlanError) -> u8 {
    let mut err = anstream::stderr();
    let _ = err.write_all(e.render().as_bytes());
    exit::USAGE
}

/// An unwritable report path is an error before anything runs, not after.
pub fn check_report_paths(output: &Output) -> Result<(), u8> {
    for path in [&output.junit, &output.json].into_iter().flatten() {
        if let Err(e) = probe_writable(path) {
            let _ = writeln!(
                anstream::stderr(),
                "error: cannot write report {}: {e}",
                path.display()
            );
            return Err(exit::USAGE);
        }
    }
    Ok(())
}

fn probe_writable(path: &Path) -> std::io::Result<()> {
    if path.is_dir() {
        return Err(std::io::Error::other("it is a directory"));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let probe = dir.join(format!(".smokecheck-write-test.{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

/// Runs a plan to the end (or interrupt) and writes every report.
pub fn run_planned(planned: Planned, exec_args: &Exec, output: &Output) -> u8 {
    print_warnings(&planned);
    let plan = planned.plan;
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let github = output.format == Format::Github
        || (!output.no_ci_annotations
            && std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"));
    let outcome = runtime.block_on(execute(&plan, exec_args, output));
    let code = report::run_exit_code(&plan, &outcome, exec_args.strict);

    let mut failed_write = false;
    if let Some(path) = &output.junit {
        failed_write |= write_report(path, &junit::render(&plan, &outcome));
    }
    if let Some(path) = &output.json {
        failed_write |= write_report(path, &json::render(&plan, &outcome));
    }
    if output.format == Format::Json {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(json::render(&plan, &outcome).as_bytes());
    }
    if github {
        // Under `--format json` stdout holds only the document; the Actions runner reads
        // workflow commands on stderr as well.
        let annotations = github::annotations(&plan, &outcome);
        let _ = if output.format == Format::Json {
            std::io::stderr().lock().write_all(annotations.as_bytes())
        } else {
            std::io::stdout().lock().write_all(annotations.as_bytes())
        };
        if let Ok(summary) = std::env::var("GITHUB_STEP_SUMMARY")
            && !summary.is_empty()
        {
            append(
                Path::new(&summary),
                &github::summary_markdown(&plan, &outcome),
            );
        }
    }
    super::inspect::exit_without_freeing((plan, outcome));
    // Keep the run's verdict; a lost report is said loudly and still fails a green run.
    if failed_write && code == exit::OK {
        exit::CHECK_FAILED
    } else {
        code
    }
}

async fn execute(plan: &Plan, exec_args: &Exec, output: &Output) -> RunOutcome {
    let ctx = Arc::new(ProbeCtx::new());
    let cancel = Cancel::default();
    exec::spawn_signal_handler(cancel.clone());
    let opts = ExecOptions {
        concurrency: exec_args.concurrency as usize,
        deadline: exec_args.deadline,
        fail_fast: exec_args.fail_fast,
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let mut terminal = terminal(output);
    let run = exec::execute(plan, &opts, ctx, tx, cancel);
    tokio::pin!(run);
    let outcome = loop {
        tokio::select! {
            biased;
            Some(event) = rx.recv() => {
                terminal.take_event(plan, event);
                // Whatever is already queued goes out in the same write: a burst of
                // finished checks is one write(2), not one per line, and still live.
                while let Ok(event) = rx.try_recv() {
                    terminal.take_event(plan, event);
                }
                let _ = terminal.out.flush();
            }
            outcome = &mut run => break outcome,
        }
    };
    while let Ok(event) = rx.try_recv() {
        terminal.take_event(plan, event);
    }
    terminal.finish(plan, &outcome);
    outcome
}

/// Room for the lines of one batch of events before a write.
const OUT_BUFFER: usize = 64 * 1024;

/// The terminal reporter: stderr under `--format json` (stdout holds only the JSON).
fn terminal(output: &Output) -> Terminal<Box<dyn Write + Send>> {
    let choice = match output.color {
        Color::Auto => anstream::ColorChoice::Auto,
        Color::Always => anstream::ColorChoice::Always,
        Color::Never => anstream::ColorChoice::Never,
    };
    let to_stderr = output.format == Format::Json;
    let is_tty = if to_stderr {
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    };
    let format = match output.format {
        Format::Pretty => TermFormat::Pretty,
        Format::Auto if is_tty => TermFormat::Pretty,
        _ => TermFormat::Plain,
    };
    let verbosity = if output.quiet {
        Verbosity::Quiet
    } else if output.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    // Buffered: the event loop flushes once per batch of events (see `execute`).
    let out: Box<dyn Write + Send> = if to_stderr {
        let stream = anstream::AutoStream::new(std::io::stderr(), choice);
        Box::new(std::io::BufWriter::with_capacity(OUT_BUFFER, stream))
    } else {
        let stream = anstream::AutoStream::new(std::io::stdout(), choice);
        Box::new(std::io::BufWriter::with_capacity(OUT_BUFFER, stream))
    };
    let progress = format == TermFormat::Pretty && is_tty;
    Terminal::new(
        out,
        TermOptions {
            format,
            verbosity,
            progress,
        },
    )
}

/// Writes a report atomically; on failure says so and returns true.
fn write_report(path: &Path, text: &str) -> bool {
    match report::write_atomic(path, text.as_bytes()) {
        Ok(()) => false,
        Err(e) => {
            let _ = writeln!(
                anstream::stderr(),
                "error: cannot write report {}: {e}",
                path.display()
            );
            true
        }
    }
}

fn append(path: &Path, text: &str) {
    let result = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    if let Err(e) = result {
        let _ = writeln!(
            anstream::stderr(),
            "warning: cannot append the step summary to {}: {e}",
            path.display()
        );
    }
}

/// Prints the planner's warnings (masked) to stderr.
pub fn print_warnings(planned: &Planned) {
    let mut err = anstream::stderr();
    for w in &planned.warnings {
        let _ = err.write_all(planned.sources.render(w, &planned.plan.masker).as_bytes());
    }
}

/// The runtime checks run on; failing to start one is said and is exit 2.
///
/// One thread: checks wait on the network, not the CPU. Measured against a local nginx on
/// 2 cores (bench/), the work-stealing pool cost ~30% more CPU and wall time than a single
/// thread (cross-thread wake-ups per check), TLS-heavy suites included. DNS lookups and
/// other blocking calls still go to tokio's blocking pool; probes must never block.
pub fn runtime() -> Result<tokio::runtime::Runtime, u8> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            let _ = writeln!(
                anstream::stderr(),
                "error: cannot start the async runtime: {e}"
            );
            exit::USAGE
        })
}
