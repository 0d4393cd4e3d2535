//! The `smokecheck` binary: parses the command line and hands over to a command.

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // One crypto provider for every TLS client (reqwest, sqlx, redis, our own).
    let _ = rustls::crypto::ring::default_provider().install_default();
    // A panic's message could hold a secret (the executor reports it masked): say only where.
    #[expect(clippy::print_stderr, reason = "the panic hook has no other way out")]
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("smokecheck: internal error{at} (this is a bug; the run goes on where it can)");
    }));
    let cli = cli::Cli::parse();
    let code = match cli.command {
        cli::Command::Run(args) => cmd::run::command(&args),
        cli::Command::Validate(args) => cmd::inspect::validate(&args),
        cli::Command::List(args) => cmd::inspect::list(&args),
        cli::Command::Watch(args) => cmd::watch::command(&args),
        cli::Command::Demo(args) => cmd::demo::command(&args),
        cli::Command::Init { dir } => cmd::init::command(dir.as_deref()),
        cli::Command::Schema => cmd::inspect::schema(),
        cli::Command::Completions { shell } => cmd::inspect::completions(shell),
        cli::Command::Man => cmd::inspect::man(),
    };
    ExitCode::from(code)
}
