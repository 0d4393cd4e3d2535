//! The command line (SPEC §1): clap derive structs only, turned into library options by
//! [`Select::plan_options`]. No logic lives here.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use smokecheck::plan::vars::Mode;
use smokecheck::plan::{EnvSelection, Filters, PlanOptions, Shard};

#[derive(Parser, Debug)]
#[command(
    name = "smokecheck",
    version,
    about = "Post-deploy smoke checks over real protocols: HTTP, TLS, databases, DNS, exec"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run suites against an environment (the main job)
    Run(RunArgs),
    /// Parse and resolve suites without touching the network
    Validate(ValidateArgs),
    /// Print the resolved plan: what would run, against what, and what is skipped and why
    List(ListArgs),
    /// Re-run suites every interval and redraw one table of their history (for on-call)
    Watch(WatchArgs),
    /// Run the bundled example suite against a built-in local target
    Demo(DemoArgs),
    /// Scaffold suites/ (and a CI snippet) in DIR
    Init {
        /// Where to create suites/ (default: the current directory)
        dir: Option<PathBuf>,
    },
    /// Print the JSON Schema of suite files (for editors)
    Schema,
    /// Print shell completions
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    Man,
}

/// Which suites, environments and variables.
#[derive(Args, Debug, Clone)]
pub struct Select {
    /// Suite files or directories (all *.yaml/*.yml inside, sorted)
    #[arg(default_value = "suites")]
    pub paths: Vec<PathBuf>,
    /// Environment(s) to use; repeatable or comma-separated
    #[arg(long = "env", env = "SMOKECHECK_ENV", value_delimiter = ',')]
    pub envs: Vec<String>,
    /// Every declared environment
    #[arg(long, conflicts_with = "envs")]
    pub all_envs: bool,
    /// Override a variable (highest precedence); repeatable
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
}

/// Which checks.
#[derive(Args, Debug, Clone, Default)]
pub struct Filter {
    /// Run only checks with this tag; repeatable
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Skip checks with this tag; repeatable
    #[arg(long = "skip-tag", value_name = "TAG")]
    pub skip_tags: Vec<String>,
    /// Run only checks whose name matches this glob; repeatable
    #[arg(long = "check", value_name = "PATTERN")]
    pub checks: Vec<String>,
    /// Run only the K-th of N deterministic partitions (1-based)
    #[arg(long, value_name = "K/N", env = "SMOKECHECK_SHARD")]
    pub shard: Option<Shard>,
}

/// How to execute.
#[derive(Args, Debug, Clone)]
pub struct Exec {
    /// Max checks in flight
    #[arg(long, default_value_t = 32, env = "SMOKECHECK_CONCURRENCY", value_parser = clap::value_parser!(u32).range(1..))]
    pub concurrency: u32,
    /// Default per-attempt timeout
    #[arg(long, value_name = "DUR", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Default retries after a failed attempt
    #[arg(long, default_value_t = 0)]
    pub retries: u32,
    /// Hard wall-clock budget for the whole run
    #[arg(long, value_name = "DUR", env = "SMOKECHECK_DEADLINE", value_parser = parse_duration)]
    pub deadline: Option<Duration>,
    /// Override the suites' ready.timeout
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub ready_timeout: Option<Duration>,
    /// Flaky and warned checks fail the run too
    #[arg(long)]
    pub strict: bool,
    /// Stop scheduling new checks after the first critical failure
    #[arg(long)]
    pub fail_fast: bool,
}

/// Where results go.
#[derive(Args, Debug, Clone)]
pub struct Output {
    /// Write JUnit XML to FILE
    #[arg(long, value_name = "FILE", env = "SMOKECHECK_JUNIT")]
    pub junit: Option<PathBuf>,
    /// Write the JSON report to FILE
    #[arg(long, value_name = "FILE", env = "SMOKECHECK_JSON")]
    pub json: Option<PathBuf>,
    /// Terminal output
    #[arg(long, value_enum, default_value_t = Format::Auto, env = "SMOKECHECK_FORMAT")]
    pub format: Format,
    /// Colours (NO_COLOR and CLICOLOR_FORCE are honoured under auto)
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Only failures and the summary
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Details of every check
    #[arg(short, long)]
    pub verbose: bool,
    /// No GitHub Actions annotations/step summary even when GITHUB_ACTIONS=true
    #[arg(long)]
    pub no_ci_annotations: bool,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub select: Select,
    #[command(flatten)]
    pub filter: Filter,
    #[command(flatten)]
    pub exec: Exec,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Args, Debug)]
pub struct WatchArgs {
    #[command(flatten)]
    pub select: Select,
    #[command(flatten)]
    pub filter: Filter,
    #[command(flatten)]
    pub exec: Exec,
    /// Time from the start of one round to the start of the next (at least 100ms)
    #[arg(long, value_name = "DUR", default_value = "30s", value_parser = parse_interval)]
    pub every: Duration,
    /// Results shown per check in the history column
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=200))]
    pub history: u16,
    /// Stop after N rounds and exit with the last round's exit code (default: until Ctrl-C)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub count: Option<u32>,
    /// Colours (NO_COLOR and CLICOLOR_FORCE are honoured under auto)
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub select: Select,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub select: Select,
    #[command(flatten)]
    pub filter: Filter,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    pub exec: Exec,
    #[command(flatten)]
    pub output: Output,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Auto,
    Pretty,
    Plain,
    Json,
    Github,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

impl Select {
    /// The one place where command-line flags become plan options.
    pub fn plan_options(&self, mode: Mode, filter: &Filter, exec: Option<&Exec>) -> PlanOptions {
        let envs = if self.all_envs {
            EnvSelection::All
        } else if self.envs.is_empty() {
            EnvSelection::Default
        } else {
            EnvSelection::Named(self.envs.clone())
        };
        let defaults = PlanOptions::default();
        PlanOptions {
            mode,
            envs,
            vars: self.vars.clone(),
            filters: Filters {
                tags: filter.tags.clone(),
                skip_tags: filter.skip_tags.clone(),
                checks: filter.checks.clone(),
            },
            shard: filter.shard,
            timeout: exec.map_or(defaults.timeout, |e| e.timeout),
            retries: exec.map_or(defaults.retries, |e| e.retries),
            retry_delay: defaults.retry_delay,
            ready_timeout: exec.and_then(|e| e.ready_timeout),
        }
    }
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, found {s:?}")),
    }
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    smokecheck::suite::duration::parse(s)
}

/// A watch interval: a duration of at least 100ms (a tighter loop would hammer the target).
fn parse_interval(s: &str) -> Result<Duration, String> {
    let every = parse_duration(s)?;
    if every < Duration::from_millis(100) {
        return Err(format!(
            "`{s}` is too short: watch runs at most every 100ms"
        ));
    }
    Ok(every)
}
