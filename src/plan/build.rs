//! From suite paths to a [`Plan`]: load, merge environments, substitute variables per
//! environment, validate, apply defaults and filters, shard. Every problem is collected;
//! any error means nothing runs (exit 2).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::vars::{Mode, Resolver, VarSource};
use super::{Filters, Group, Masker, Plan, PlannedCheck, ReadyPlan, Shard};
use crate::suite::diag::{Diagnostic, Level, SourceMap, did_you_mean, sort_dedup};
use crate::suite::load::{self, Document, Loaded};
use crate::suite::model::{Check, Spec};
use crate::suite::raw::{Node, Pos, Value};
use crate::suite::read::Cx;
use crate::suite::validate::{self, Defaults, SuiteNodes};

/// Which environments to plan for.
#[derive(Debug, Clone, Default)]
pub enum EnvSelection {
    /// None named: the only one, or none; several declared is an error under `run`.
    #[default]
    Default,
    Named(Vec<String>),
    All,
}

#[derive(Debug, Clone)]
pub struct PlanOptions {
    pub mode: Mode,
    pub envs: EnvSelection,
    /// `--var KEY=VALUE`, highest precedence.
    pub vars: Vec<(String, String)>,
    pub filters: Filters,
    pub shard: Option<Shard>,
    /// Defaults for checks that set nothing (neither the check nor the suite's `defaults`).
    pub timeout: Duration,
    pub retries: u32,
    pub retry_delay: Duration,
    /// `--ready-timeout`: overrides every `ready.timeout`.
    pub ready_timeout: Option<Duration>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            mode: Mode::Run,
            envs: EnvSelection::Default,
            vars: Vec::new(),
            filters: Filters::default(),
            shard: None,
            timeout: Duration::from_secs(10),
            retries: 0,
            retry_delay: Duration::from_millis(500),
            ready_timeout: None,
        }
    }
}

pub const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(300);
pub const DEFAULT_READY_INTERVAL: Duration = Duration::from_secs(5);

/// A plan, the sources it came from (to point at lines) and the warnings found.
#[derive(Debug)]
pub struct Planned {
    pub plan: Plan,
    pub sources: SourceMap,
    pub warnings: Vec<Diagnostic>,
    /// Every declared environment, in declaration order.
    pub declared_envs: Vec<String>,
}

/// The suite is wrong: nothing may run.
#[derive(Debug)]
pub struct PlanError {
    pub sources: SourceMap,
    /// Errors and warnings, sorted by place.
    pub diags: Vec<Diagnostic>,
    pub masker: Masker,
}

impl PlanError {
    /// Every diagnostic rendered, secrets masked, then a count line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for d in &self.diags {
            out.push_str(&self.sources.render(d, &self.masker));
        }
        let errors = self
            .diags
            .iter()
            .filter(|d| d.level == Level::Error)
            .count();
        out.push_str(&format!(
            "{errors} error{} found; nothing was run\n",
            if errors == 1 { "" } else { "s" }
        ));
        out
    }
}

/// Loads the suites under `paths` and plans them.
pub fn build(paths: &[PathBuf], opts: &PlanOptions) -> Result<Planned, PlanError> {
    build_loaded(load::load(paths), opts, &|name| std::env::var(name).ok())
}

/// Plans already loaded documents; `getenv` reads the process environment.
pub fn build_loaded(
    loaded: Loaded,
    opts: &PlanOptions,
    getenv: &dyn Fn(&str) -> Option<String>,
) -> Result<Planned, PlanError> {
    let Loaded {
        sources,
        mut docs,
        mut diags,
    } = loaded;
    let mut masker = Masker::new();
    let envs = merge_environments(&docs, &sources, &mut diags);
    let shared_vars = merge_shared_vars(&docs, &sources, &mut diags);
    let declared: Vec<String> = envs.iter().map(|(name, _)| name.clone()).collect();
    let selected = select_envs(&declared, opts, &mut diags);

    let has_checks = docs.iter().any(|d| !d.checks.is_empty());
    if !has_checks && !diags.iter().any(|d| d.level == Level::Error) {
        let msg = "no checks found: a suite file needs a `checks:` list (see `smokecheck init`)";
        match docs.first() {
            Some(d) => diags.push(Diagnostic::error(d.pos, msg)),
            None => diags.push(Diagnostic::global(msg)),
        }
    }

    let mut plan = Plan {
        groups: Vec::new(),
        checks: Vec::new(),
        masker: Arc::new(Masker::new()),
    };
    for (env_index, env) in selected.iter().enumerate() {
        // The last environment substitutes the trees in place instead of copying them.
        let last = env_index + 1 == selected.len();
        let env_vars = env
            .as_ref()
            .and_then(|e| envs.iter().find(|(n, _)| n == e))
            .map(|(_, v)| v);
        for doc in docs
            .iter_mut()
            .filter(|d| !d.checks.is_empty() || d.ready.is_some())
        {
            let mut vars: HashMap<String, VarSource> = HashMap::new();
            let layers = [
                shared_vars.iter().collect::<Vec<_>>(),
                doc.vars.iter().map(|(k, v)| (&k.name, v)).collect(),
                env_vars.map(|m| m.iter().collect()).unwrap_or_default(),
            ];
            for layer in layers {
                for (name, node) in layer {
                    vars.insert(name.clone(), VarSource::Suite(scalar_text(node), node.pos));
                }
            }
            for (k, v) in &opts.vars {
                vars.insert(k.clone(), VarSource::Cli(v.clone()));
            }
            let elsewhere = |name: &str| -> Vec<String> {
                envs.iter()
                    .filter(|(_, vars)| vars.contains_key(name))
                    .map(|(n, _)| n.clone())
                    .collect()
            };
            let mut resolver = Resolver::new(
                &vars,
                opts.mode,
                getenv,
                &elsewhere,
                env.as_deref(),
                &mut masker,
            );
            let (defaults, checks, ready) = if last {
                let mut own = |n: Node| resolver.substitute_owned(n);
                (
                    doc.defaults.take().map(&mut own),
                    std::mem::take(&mut doc.checks)
                        .into_iter()
                        .map(&mut own)
                        .collect(),
                    doc.ready.take().map(&mut own),
                )
            } else {
                let checks: Vec<Node> = doc.checks.iter().map(|n| resolver.substitute(n)).collect();
                (
                    doc.defaults.as_ref().map(|n| resolver.substitute(n)),
                    checks,
                    doc.ready.as_ref().map(|n| resolver.substitute(n)),
                )
            };
            diags.append(&mut resolver.diags);

            let mut cx = Cx::default();
            let nodes = SuiteNodes {
                name: &doc.name,
                description: doc.description.as_deref(),
                path: &doc.path,
                defaults: defaults.as_ref(),
                checks: &checks,
                ready: ready.as_ref(),
            };
            let suite = validate::suite(&mut cx, &nodes, &declared);
            diags.append(&mut cx.diags);
            add_group(&mut plan, &sources, suite, env.clone(), opts);
        }
    }

    sort_dedup(&mut diags);
    if diags.iter().any(|d| d.level == Level::Error) {
        return Err(PlanError {
            sources,
            diags,
            masker,
        });
    }
    for check in plan.checks.iter().chain(
        plan.groups
            .iter()
            .filter_map(|g| g.ready.as_ref())
            .flat_map(|r| &r.checks),
    ) {
        register_credentials(&mut masker, &check.spec);
    }
    plan.masker = Arc::new(masker);
    for check in &mut plan.checks {
        plan.masker.mask_in_place(&mut check.target);
    }
    Ok(Planned {
        plan,
        sources,
        warnings: diags,
        declared_envs: declared,
    })
}

/// Credentials written in plain sight (not as `${secret:…}`) are masked all the same:
/// URL passwords, and the values of credential headers (SPEC §2.1).
fn register_credentials(masker: &mut Masker, spec: &Spec) {
    match spec {
        Spec::Http(s) => {
            masker.add_url_credentials(s.url.as_str());
            for (name, value) in &s.headers {
                if super::is_sensitive_header(name) {
                    // `Bearer abc…`: the token alone may be echoed too.
                    masker.add_credential(value);
                    if let Some((_, token)) = value.split_once(' ') {
                        masker.add_credential(token.trim());
                    }
                }
            }
        }
        Spec::Postgres(s) | Spec::Mysql(s) => masker.add_url_credentials(&s.url),
        Spec::Redis(s) => masker.add_url_credentials(&s.url),
        Spec::Tls(_) | Spec::Tcp(_) | Spec::Dns(_) | Spec::Exec(_) => {}
    }
}

/// Text of a scalar variable value.
fn scalar_text(node: &Node) -> String {
    match &node.value {
        Value::Str { text, .. } => text.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// Environments of every file, merged by name; the same variable with two values is an error.
fn merge_environments(
    docs: &[Document],
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(String, HashMap<String, Node>)> {
    let mut envs: Vec<(String, HashMap<String, Node>)> = Vec::new();
    for doc in docs {
        for (env_key, vars) in &doc.environments {
            let idx = match envs.iter().position(|(n, _)| *n == env_key.name) {
                Some(i) => i,
                None => {
                    envs.push((env_key.name.clone(), HashMap::new()));
                    envs.len() - 1
                }
            };
            for (k, v) in vars {
                let map = &mut envs[idx].1;
                match map.get(&k.name) {
                    Some(prev) if scalar_text(prev) != scalar_text(v) => diags.push(conflict(
                        k.pos,
                        &format!("environment `{}` sets `{}`", env_key.name, k.name),
                        &sources.location(prev.pos),
                    )),
                    Some(_) => {}
                    None => {
                        map.insert(k.name.clone(), v.clone());
                    }
                }
            }
        }
    }
    envs
}

/// `vars:` of files that hold no checks are shared by every suite.
fn merge_shared_vars(
    docs: &[Document],
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> HashMap<String, Node> {
    let mut shared: HashMap<String, Node> = HashMap::new();
    for doc in docs
        .iter()
        .filter(|d| d.checks.is_empty() && d.ready.is_none())
    {
        for (k, v) in &doc.vars {
            match shared.get(&k.name) {
                Some(prev) if scalar_text(prev) != scalar_text(v) => {
                    diags.push(conflict(
                        k.pos,
                        &format!("shared variable `{}`", k.name),
                        &sources.location(prev.pos),
                    ));
                }
                Some(_) => {}
                None => {
                    shared.insert(k.name.clone(), v.clone());
                }
            }
        }
    }
    shared
}

fn conflict(pos: Pos, what: &str, prev: &str) -> Diagnostic {
    Diagnostic::error(
        pos,
        format!(
            "{what} to a different value than {prev} does: definitions of the same environment must agree"
        ),
    )
}

fn select_envs(
    declared: &[String],
    opts: &PlanOptions,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Option<String>> {
    let all = || -> Vec<Option<String>> {
        if declared.is_empty() {
            vec![None]
        } else {
            declared.iter().cloned().map(Some).collect()
        }
    };
    match &opts.envs {
        EnvSelection::All => all(),
        EnvSelection::Named(names) => {
            let mut out = Vec::new();
            for name in names {
                if declared.contains(name) {
                    if !out.contains(&Some(name.clone())) {
                        out.push(Some(name.clone()));
                    }
                } else if declared.is_empty() {
                    diags.push(Diagnostic::global(format!(
                        "unknown environment `{name}`: no suite declares `environments:`"
                    )));
                } else {
                    let hint = did_you_mean(name, declared.iter().map(String::as_str))
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    diags.push(Diagnostic::global(format!(
                        "unknown environment `{name}`{hint}; declared: {}",
                        declared.join(", ")
                    )));
                }
            }
            out
        }
        EnvSelection::Default => match (declared.len(), opts.mode) {
            (0 | 1, _) | (_, Mode::Validate) => all(),
            _ => {
                diags.push(Diagnostic::global(format!(
                    "several environments are declared ({}): choose one with --env NAME, or run them all with --all-envs",
                    declared.join(", ")
                )));
                Vec::new()
            }
        },
    }
}

fn add_group(
    plan: &mut Plan,
    sources: &SourceMap,
    suite: validate::Suite,
    env: Option<String>,
    opts: &PlanOptions,
) {
    let group = plan.groups.len();
    let d = &suite.defaults;
    let ready = suite.ready.map(|r| ReadyPlan {
        timeout: opts
            .ready_timeout
            .or(r.timeout)
            .unwrap_or(DEFAULT_READY_TIMEOUT),
        interval: r.interval.unwrap_or(DEFAULT_READY_INTERVAL),
        checks: r
            .checks
            .into_iter()
            .enumerate()
            .map(|(i, c)| planned(c, i, group, d, opts, sources))
            .collect(),
    });
    let first = plan.checks.len();
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut pending_needs = Vec::new();
    for check in suite.checks {
        if opts
            .shard
            .is_some_and(|s| !s.contains(&suite.name, &check.name))
        {
            continue;
        }
        let id = plan.checks.len();
        let excluded = exclusion(&check, env.as_deref(), &opts.filters);
        names.insert(check.name.clone(), id);
        pending_needs.push(check.needs.clone());
        let mut p = planned(check, id, group, d, opts, sources);
        p.excluded = excluded;
        plan.checks.push(p);
    }
    for (offset, needs) in pending_needs.into_iter().enumerate() {
        // Prerequisites outside this run (another shard) do not hold a check back.
        let ids = needs.iter().filter_map(|n| names.get(n).copied()).collect();
        plan.checks[first + offset].needs = ids;
    }
    plan.groups.push(Group {
        suite: suite.name,
        env,
        ready,
    });
}

fn exclusion(check: &Check, env: Option<&str>, filters: &Filters) -> Option<String> {
    if let Some(reason) = &check.skip {
        return Some(format!("skip: {reason}"));
    }
    if !check.only.is_empty() && !env.is_some_and(|e| check.only.iter().any(|o| o == e)) {
        return Some(format!("only runs in {}", check.only.join(", ")));
    }
    filters.exclude_reason(&check.name, &check.tags)
}

fn planned(
    check: Check,
    id: usize,
    group: usize,
    d: &Defaults,
    opts: &PlanOptions,
    sources: &SourceMap,
) -> PlannedCheck {
    PlannedCheck {
        id,
        group,
        kind: check.spec.kind(),
        target: target(&check.spec),
        timeout: check.timeout.or(d.timeout).unwrap_or(opts.timeout),
        retries: check.retries.or(d.retries).unwrap_or(opts.retries),
        retry_delay: check
            .retry_delay
            .or(d.retry_delay)
            .unwrap_or(opts.retry_delay),
        location: sources.line_location(check.pos),
        pos: check.pos,
        name: check.name,
        description: check.description,
        tags: check.tags,
        severity: check.severity,
        needs: Vec::new(),
        excluded: None,
        spec: Arc::new(check.spec),
    }
}

/// What a check talks to, for humans. Not masked: the plan's masker does that (secrets
/// first, then URL passwords — the other order would hide a secret URL only in part).
fn target(spec: &Spec) -> String {
    match spec {
        Spec::Http(s) => format!("{} {}", s.method, s.url),
        Spec::Tls(s) if s.server_name != s.host => {
            format!("{}:{} (SNI {})", s.host, s.port, s.server_name)
        }
        Spec::Tls(s) => format!("{}:{}", s.host, s.port),
        Spec::Postgres(s) | Spec::Mysql(s) => s.url.clone(),
        Spec::Redis(s) => format!("{} {}", s.url, s.command.join(" ")),
        Spec::Tcp(s) => format!("{}:{}{}", s.host, s.port, if s.tls { " (TLS)" } else { "" }),
        Spec::Dns(s) => match s.server {
            Some(server) => format!("{} {} @{server}", s.record_type.as_str(), s.name),
            None => format!("{} {}", s.record_type.as_str(), s.name),
        },
        Spec::Exec(s) => s.command.join(" "),
    }
}
