//! The scripted runner and the helpers that build plans and run them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use smokecheck::exec::{
    Cancel, CheckResult, Event, ExecOptions, RunOutcome, Runner, Status, execute,
};
use smokecheck::plan::{Group, Masker, Plan, PlannedCheck, ReadyPlan};
use smokecheck::probe::{Layer, Outcome};
use smokecheck::suite::model::{Kind, Severity, Spec, TcpExpect, TcpSpec};
use tokio::sync::Notify;
use tokio::time::Instant;

/// What a check's attempts do.
#[derive(Clone)]
pub enum Script {
    Pass,
    PassWithWarning(&'static str),
    /// Fails (connect refused) this many times, then passes.
    FailThenPass(u32),
    Fail(Layer, &'static str),
    /// Never returns.
    Hang,
    Panic,
    /// Waits until this many attempts are (or once were) in flight, at most 5s, then passes.
    WaitForPeers(usize),
    /// Sleeps, then passes.
    Slow(Duration),
    /// Fails with the secret in every string of the outcome.
    Leak(&'static str),
    /// Gives up when the attempt's timeout expires, naming its own layer (as probes do:
    /// `connect: timed out after 100ms …`).
    GiveUpAtDeadline(Layer, &'static str),
}

#[derive(Default)]
pub struct Scripted {
    pub scripts: HashMap<String, Script>,
    pub log: Mutex<Vec<(String, Instant)>>,
    pub attempts: Mutex<HashMap<String, u32>>,
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    /// Signalled when a `Hang` attempt starts.
    pub hanging: Notify,
}

pub struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Scripted {
    pub fn new(scripts: &[(&str, Script)]) -> Arc<Self> {
        let scripts = scripts
            .iter()
            .map(|(n, s)| (n.to_string(), s.clone()))
            .collect();
        Arc::new(Scripted {
            scripts,
            ..Default::default()
        })
    }

    pub fn log(&self, what: String) {
        self.log.lock().expect("log").push((what, Instant::now()));
    }

    pub fn events(&self) -> Vec<String> {
        self.log
            .lock()
            .expect("log")
            .iter()
            .map(|(w, _)| w.clone())
            .collect()
    }

    pub fn position(&self, what: &str) -> usize {
        let events = self.events();
        events
            .iter()
            .position(|w| w == what)
            .unwrap_or_else(|| panic!("{what} not in {events:?}"))
    }

    pub fn attempts_of(&self, name: &str) -> u32 {
        self.attempts
            .lock()
            .expect("attempts")
            .get(name)
            .copied()
            .unwrap_or(0)
    }

    pub fn start_times(&self, name: &str) -> Vec<Instant> {
        let log = self.log.lock().expect("log");
        log.iter()
            .filter(|(w, _)| *w == format!("start {name}"))
            .map(|(_, t)| *t)
            .collect()
    }
}

impl Runner for Scripted {
    async fn attempt(&self, check: &PlannedCheck, deadline: Instant) -> Outcome {
        let name = check.name.clone();
        let n = {
            let mut attempts = self.attempts.lock().expect("attempts");
            let n = attempts.entry(name.clone()).or_insert(0);
            *n += 1;
            *n
        };
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let _guard = InFlight(&self.in_flight);
        self.log(format!("start {name}"));
        let script = self.scripts.get(&name).cloned().unwrap_or(Script::Pass);
        let outcome = match script {
            Script::Pass => Outcome::pass("200 OK · 1ms"),
            Script::PassWithWarning(w) => {
                let mut o = Outcome::pass("expires in 20d");
                o.warnings.push(w.to_string());
                o
            }
            Script::FailThenPass(k) if n <= k => Outcome::fail(
                Layer::Connect,
                format!("connection refused to 127.0.0.1:{n}"),
            ),
            Script::FailThenPass(_) => Outcome::pass("200 OK · 1ms"),
            Script::Fail(layer, message) => Outcome::fail(layer, message),
            Script::Hang => {
                self.hanging.notify_one();
                std::future::pending().await
            }
            Script::Panic => panic!("scripted panic"),
            Script::WaitForPeers(peers) => {
                let give_up = Instant::now() + Duration::from_secs(5);
                while self.max_in_flight.load(Ordering::SeqCst) < peers && Instant::now() < give_up
                {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                // Stay in flight a little longer, so that a scheduler overshooting
                // its limit is caught in the act.
                tokio::time::sleep(Duration::from_millis(10)).await;
                Outcome::pass("200 OK · 1ms")
            }
            Script::Slow(d) => {
                tokio::time::sleep(d).await;
                Outcome::pass("200 OK · 1ms")
            }
            Script::GiveUpAtDeadline(layer, message) => {
                tokio::time::sleep_until(deadline).await;
                Outcome::fail(layer, message)
            }
            Script::Leak(secret) => {
                let mut o = Outcome::fail(Layer::Auth, format!("password {secret} rejected"))
                    .with_fact(format!("user {secret}"))
                    .with_detail("dsn", format!("postgres://smoke:{secret}@db/x"))
                    .with_detail(secret, serde_json::json!([secret]));
                o.warnings.push(format!("sent {secret}"));
                o
            }
        };
        self.log(format!("end {name}"));
        outcome
    }
}

pub fn check(id: usize, group: usize, name: &str) -> PlannedCheck {
    PlannedCheck {
        id,
        group,
        name: name.to_string(),
        description: None,
        kind: Kind::Tcp,
        target: "127.0.0.1:1".to_string(),
        spec: Arc::new(Spec::Tcp(TcpSpec {
            host: "127.0.0.1".to_string(),
            port: 1,
            tls: false,
            expect: TcpExpect::default(),
        })),
        tags: Vec::new(),
        severity: Severity::Critical,
        timeout: Duration::from_secs(5),
        retries: 0,
        retry_delay: Duration::from_millis(1),
        needs: Vec::new(),
        excluded: None,
        location: format!("suite.yaml:{}", id + 1),
        pos: Default::default(),
    }
}

/// One group, checks named by `names`, ids in order.
pub fn checks(names: &[&str]) -> Vec<PlannedCheck> {
    names
        .iter()
        .enumerate()
        .map(|(id, name)| check(id, 0, name))
        .collect()
}

pub fn group(suite: &str, ready: Option<ReadyPlan>) -> Group {
    Group {
        suite: suite.to_string(),
        env: None,
        ready,
    }
}

pub fn plan_of(checks: Vec<PlannedCheck>) -> Arc<Plan> {
    plan_with(vec![group("shop", None)], checks, Masker::new())
}

pub fn plan_with(groups: Vec<Group>, checks: Vec<PlannedCheck>, masker: Masker) -> Arc<Plan> {
    Arc::new(Plan {
        groups,
        checks,
        masker: Arc::new(masker),
    })
}

pub fn opts(concurrency: usize) -> ExecOptions {
    ExecOptions {
        concurrency,
        deadline: None,
        fail_fast: false,
    }
}

pub fn id_of(plan: &Plan, name: &str) -> usize {
    plan.checks
        .iter()
        .position(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name}"))
}

pub struct Run {
    pub outcome: RunOutcome,
    pub events: Vec<Event>,
    pub plan: Arc<Plan>,
}

impl Run {
    pub fn result(&self, name: &str) -> &CheckResult {
        &self.outcome.results[id_of(&self.plan, name)]
    }

    pub fn status(&self, name: &str) -> Status {
        self.result(name).status
    }

    pub fn message(&self, name: &str) -> &str {
        &self.result(name).message
    }
}

pub async fn run(plan: Arc<Plan>, opts: ExecOptions, runner: Arc<Scripted>) -> Run {
    run_with(plan, opts, runner, Cancel::new()).await
}

pub async fn run_with(
    plan: Arc<Plan>,
    opts: ExecOptions,
    runner: Arc<Scripted>,
    cancel: Cancel,
) -> Run {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let outcome = execute(&plan, &opts, runner, tx, cancel).await;
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    assert_invariants(&plan, &outcome, &events);
    Run {
        outcome,
        events,
        plan,
    }
}

/// What every run must satisfy: results in plan order, each check finished exactly once
/// (with the same result as the outcome), run events framing everything.
pub fn assert_invariants(plan: &Plan, outcome: &RunOutcome, events: &[Event]) {
    assert_eq!(outcome.results.len(), plan.checks.len());
    for (i, r) in outcome.results.iter().enumerate() {
        assert_eq!(r.id, i, "results must be in plan order");
    }
    assert!(
        matches!(events.first(), Some(Event::RunStarted { total, .. }) if *total == plan.checks.len())
    );
    assert!(matches!(events.last(), Some(Event::RunFinished)));
    let mut finished = vec![0; plan.checks.len()];
    for e in events {
        if let Event::CheckFinished(r) = e {
            finished[r.id] += 1;
            assert_eq!(r.status, outcome.results[r.id].status);
            assert_eq!(r.message, outcome.results[r.id].message);
        }
    }
    assert!(
        finished.iter().all(|&n| n == 1),
        "each check finishes exactly once: {finished:?}"
    );
    let started = |id: usize| {
        events
            .iter()
            .any(|e| matches!(e, Event::CheckStarted { id: i } if *i == id))
    };
    for r in &outcome.results {
        if r.status != Status::Skipped && !r.message.contains("before the check started") {
            assert!(started(r.id), "check {} ran without CheckStarted", r.id);
        }
    }
}

pub fn gate(name: &str, timeout: Duration, interval: Duration) -> Option<ReadyPlan> {
    Some(ReadyPlan {
        timeout,
        interval,
        checks: vec![check(0, 0, name)],
    })
}
