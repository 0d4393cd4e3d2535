//! `validate`, `list`, `schema`, `completions`, `man`: commands that look at suites (or at
//! the CLI itself) without touching the network.

use std::io::Write;

use clap::CommandFactory;
use smokecheck::exit;
use smokecheck::plan::build;
use smokecheck::plan::vars::Mode;
use smokecheck::suite::duration;

use crate::cli::{Cli, Filter, ListArgs, ValidateArgs};

pub fn validate(args: &ValidateArgs) -> u8 {
    let opts = args
        .select
        .plan_options(Mode::Validate, &Filter::default(), None);
    let planned = match build(&args.select.paths, &opts) {
        Ok(p) => p,
        Err(e) => return super::run::suite_error(&e),
    };
    super::run::print_warnings(&planned);
    let plan = &planned.plan;
    let suites: std::collections::BTreeSet<&str> =
        plan.groups.iter().map(|g| g.suite.as_str()).collect();
    let envs = if planned.declared_envs.is_empty() {
        "no environments".to_string()
    } else {
        format!("environments: {}", planned.declared_envs.join(", "))
    };
    let per_env = plan.checks.len()
        / plan
            .groups
            .iter()
            .map(|g| g.env.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            .max(1);
    let _ = writeln!(
        anstream::stdout(),
        "ok: {} suite{}, {per_env} check{} ({envs})",
        suites.len(),
        plural(suites.len()),
        plural(per_env),
    );
    exit_without_freeing(planned);
    exit::OK
}

/// The process ends right after: freeing a large plan (10,000 checks: ~7 ms) one
/// allocation at a time would only delay the exit; the OS takes the memory back at once.
pub fn exit_without_freeing<T>(value: T) {
    std::mem::forget(value);
}

pub fn list(args: &ListArgs) -> u8 {
    let opts = args.select.plan_options(Mode::Validate, &args.filter, None);
    let planned = match build(&args.select.paths, &opts) {
        Ok(p) => p,
        Err(e) => return super::run::suite_error(&e),
    };
    super::run::print_warnings(&planned);
    let plan = &planned.plan;
    // One line per check: buffered, not one write(2) per line.
    let mut out = std::io::BufWriter::new(anstream::stdout().lock());
    for (gi, group) in plan.groups.iter().enumerate() {
        // Names may hold secrets (`name: deploy ${secret:X}`): masked like every output.
        let _ = writeln!(out, "{}", plan.masker.mask(&group.display_name()));
        if let Some(ready) = &group.ready {
            let _ = writeln!(
                out,
                "  ready gate: {} check{}, polled every {} for up to {}",
                ready.checks.len(),
                plural(ready.checks.len()),
                duration::format(ready.interval),
                duration::format(ready.timeout)
            );
        }
        for c in plan.checks.iter().filter(|c| c.group == gi) {
            let policy = format!(
                "timeout {}, retries {}",
                duration::format(c.timeout),
                c.retries
            );
            let state = match &c.excluded {
                Some(reason) => format!("skipped: {reason}"),
                None => "run".to_string(),
            };
            let _ = writeln!(
                out,
                "  {:<8} {} · {:<5} {} · {policy}",
                state_mark(&c.excluded),
                plan.masker.mask(&c.name),
                c.kind.as_str(),
                c.target
            );
            if c.excluded.is_some() {
                let _ = writeln!(out, "           {}", plan.masker.mask(&state));
            }
        }
    }
    let running = plan.checks.iter().filter(|c| c.excluded.is_none()).count();
    let _ = writeln!(
        out,
        "{running} to run, {} skipped, in {} group{}",
        plan.checks.len() - running,
        plan.groups.len(),
        plural(plan.groups.len())
    );
    let _ = out.flush();
    drop(out);
    exit_without_freeing(planned);
    exit::OK
}

fn state_mark(excluded: &Option<String>) -> &'static str {
    if excluded.is_some() { "skip" } else { "run" }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub fn schema() -> u8 {
    let _ = writeln!(
        anstream::stdout(),
        "{}",
        smokecheck::suite::schema::render()
    );
    exit::OK
}

pub fn completions(shell: clap_complete::Shell) -> u8 {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "smokecheck",
        &mut std::io::stdout(),
    );
    exit::OK
}

pub fn man() -> u8 {
    let man = clap_mangen::Man::new(Cli::command());
    match man.render(&mut std::io::stdout()) {
        Ok(()) => exit::OK,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "error: {e}");
            exit::USAGE
        }
    }
}
