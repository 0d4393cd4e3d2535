//! Concurrency, plan order, needs, retries, statuses, masking.
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use smokecheck::exec::{Event, Runner, Status, retry};
use smokecheck::plan::Masker;
use smokecheck::probe::{Layer, ProbeCtx};
use smokecheck::suite::model::Severity;

use crate::scripted::*;

#[test]
fn probe_ctx_is_the_real_runner() {
    fn is_runner<R: Runner>() {}
    is_runner::<ProbeCtx>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_limit_holds_across_groups() {
    let mut all = Vec::new();
    for g in 0..2 {
        for i in 0..8 {
            all.push(check(all.len(), g, &format!("c{g}-{i}")));
        }
    }
    let scripts: Vec<(String, Script)> = all
        .iter()
        .map(|c| (c.name.clone(), Script::WaitForPeers(3)))
        .collect();
    let scripts: Vec<(&str, Script)> = scripts
        .iter()
        .map(|(n, s)| (n.as_str(), s.clone()))
        .collect();
    let runner = Scripted::new(&scripts);
    let plan = plan_with(vec![group("a", None), group("b", None)], all, Masker::new());
    let r = run(plan, opts(3), Arc::clone(&runner)).await;
    assert!(r.outcome.results.iter().all(|c| c.status == Status::Passed));
    assert_eq!(
        runner.max_in_flight.load(Ordering::SeqCst),
        3,
        "limit reached, never exceeded"
    );
}

#[tokio::test]
async fn checks_start_in_plan_order_and_results_stay_in_plan_order() {
    let names: Vec<String> = (0..12).map(|i| format!("c{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    // Earlier checks take longer, so they finish last.
    let scripts: Vec<(&str, Script)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (*n, Script::Slow(Duration::from_millis(2 * (12 - i as u64)))))
        .collect();
    let runner = Scripted::new(&scripts);
    let r = run(plan_of(checks(&names)), opts(4), Arc::clone(&runner)).await;
    let starts: Vec<String> = runner
        .events()
        .into_iter()
        .filter(|e| e.starts_with("start"))
        .collect();
    let expected: Vec<String> = names.iter().map(|n| format!("start {n}")).collect();
    assert_eq!(starts, expected);
    assert!(r.outcome.results.iter().all(|c| c.status == Status::Passed));
}

#[tokio::test]
async fn needs_wait_for_prerequisites_and_skip_when_they_do_not_pass() {
    let mut cs = checks(&[
        "orders database",
        "checkout",
        "receipts",
        "slow cache",
        "after cache",
        "dns",
        "after dns",
        "optional",
        "after optional",
        "both",
    ]);
    cs[1].needs = vec![0];
    cs[2].needs = vec![1];
    cs[4].needs = vec![3];
    cs[6].needs = vec![5];
    cs[7].severity = Severity::Warning;
    cs[8].needs = vec![7];
    cs[9].needs = vec![3, 0];
    let runner = Scripted::new(&[
        (
            "orders database",
            Script::Fail(Layer::Query, "relation \"orders\" does not exist"),
        ),
        ("slow cache", Script::Slow(Duration::from_millis(30))),
        (
            "dns",
            Script::Fail(Layer::Timeout, "dns: timed out after 5s"),
        ),
        (
            "optional",
            Script::Fail(Layer::Http, "status 503, expected 2xx"),
        ),
    ]);
    let r = run(plan_of(cs), opts(8), Arc::clone(&runner)).await;

    assert_eq!(r.status("orders database"), Status::Failed);
    assert_eq!(r.status("checkout"), Status::Skipped);
    assert_eq!(
        r.message("checkout"),
        "needs \"orders database\", which failed"
    );
    assert_eq!(
        r.message("receipts"),
        "needs \"checkout\", which was skipped"
    );
    assert_eq!(r.message("after dns"), "needs \"dns\", which timed out");
    assert_eq!(r.message("both"), "needs \"orders database\", which failed");
    for skipped in ["checkout", "receipts", "after dns", "both"] {
        assert_eq!(runner.attempts_of(skipped), 0, "{skipped} must not run");
    }
    // Waited for its prerequisite, then ran.
    assert_eq!(r.status("after cache"), Status::Passed);
    assert!(runner.position("end slow cache") < runner.position("start after cache"));
    // A warned prerequisite counts as passed.
    assert_eq!(r.status("optional"), Status::Warned);
    assert_eq!(r.status("after optional"), Status::Passed);
}

#[tokio::test]
async fn retries_make_a_check_flaky_and_keep_every_failed_attempt() {
    let mut cs = checks(&["storefront", "broken"]);
    for c in &mut cs {
        c.retries = 3;
        c.retry_delay = Duration::from_millis(10);
    }
    cs[1].retries = 2;
    let runner = Scripted::new(&[
        ("storefront", Script::FailThenPass(2)),
        (
            "broken",
            Script::Fail(Layer::Http, "status 503, expected 2xx"),
        ),
    ]);
    let r = run(plan_of(cs), opts(2), Arc::clone(&runner)).await;

    let flaky = r.result("storefront");
    assert_eq!(flaky.status, Status::Flaky);
    let statuses: Vec<Status> = flaky.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Status::Failed, Status::Failed, Status::Passed]);
    assert_eq!(
        flaky.attempts[1].message,
        "connection refused to 127.0.0.1:2"
    );
    assert_eq!(flaky.attempts[0].layer, Some(Layer::Connect));
    assert_eq!(
        flaky.message, "connection refused to 127.0.0.1:2",
        "the last failure"
    );
    assert_eq!(flaky.fact, "200 OK · 1ms");
    assert!(
        flaky.duration >= Duration::from_millis(30),
        "duration covers every attempt and wait"
    );

    // The waits double (10ms, then 20ms): the executor sleeps what retry::schedule says.
    let waits: Vec<Duration> = retry::schedule(Duration::from_millis(10), 3).collect();
    assert_eq!(waits, [10, 20, 40].map(Duration::from_millis));
    let starts = runner.start_times("storefront");
    assert_eq!(starts.len(), 3);
    assert!(starts[1] - starts[0] >= waits[0]);
    assert!(starts[2] - starts[1] >= waits[1]);

    let failed = r.result("broken");
    assert_eq!(failed.status, Status::Failed);
    assert_eq!(failed.attempts.len(), 3, "1 attempt + 2 retries");
    assert_eq!(failed.layer, Some(Layer::Http));
    assert_eq!(failed.message, "status 503, expected 2xx");

    // AttemptFailed only for failures that will be retried.
    let retried = |id| {
        r.events
            .iter()
            .filter(|e| matches!(e, Event::AttemptFailed { id: i, .. } if *i == id))
            .count()
    };
    assert_eq!(retried(0), 2);
    assert_eq!(retried(1), 2);
}

#[tokio::test]
async fn severity_warnings_and_timeouts_fold_into_the_right_status() {
    let mut cs = checks(&[
        "cert soon",
        "optional",
        "probe timeout",
        "hangs",
        "hangs retried",
    ]);
    cs[1].severity = Severity::Warning;
    cs[3].timeout = Duration::from_millis(50);
    cs[4].timeout = Duration::from_millis(20);
    cs[4].retries = 1;
    let runner = Scripted::new(&[
        (
            "cert soon",
            Script::PassWithWarning("certificate expires in 20d (warn_within 30d)"),
        ),
        (
            "optional",
            Script::Fail(Layer::Http, "status 503, expected 2xx"),
        ),
        (
            "probe timeout",
            Script::Fail(
                Layer::Timeout,
                "connect: timed out after 5s to 10.0.0.4:443",
            ),
        ),
        ("hangs", Script::Hang),
        ("hangs retried", Script::Hang),
    ]);
    let r = run(plan_of(cs), opts(5), runner).await;

    assert_eq!(r.status("cert soon"), Status::Warned);
    assert_eq!(
        r.message("cert soon"),
        "certificate expires in 20d (warn_within 30d)"
    );
    assert_eq!(r.result("cert soon").layer, None);

    assert_eq!(r.status("optional"), Status::Warned);
    assert_eq!(r.message("optional"), "status 503, expected 2xx");
    assert_eq!(r.result("optional").layer, Some(Layer::Http));

    assert_eq!(r.status("probe timeout"), Status::TimedOut);
    assert_eq!(
        r.result("probe timeout").attempts[0].status,
        Status::TimedOut
    );

    let hung = r.result("hangs");
    assert_eq!(hung.status, Status::TimedOut);
    assert_eq!(hung.layer, Some(Layer::Timeout));
    assert_eq!(hung.message, "timed out after 50ms");
    let retried = r.result("hangs retried");
    assert_eq!(retried.status, Status::TimedOut);
    assert_eq!(retried.attempts.len(), 2);
}

#[tokio::test]
async fn excluded_checks_never_run_and_their_dependents_are_skipped() {
    let mut cs = checks(&["legacy api", "uses legacy", "other"]);
    cs[0].excluded = Some("only: [production] excludes staging".to_string());
    cs[1].needs = vec![0];
    let runner = Scripted::new(&[]);
    let r = run(plan_of(cs), opts(2), Arc::clone(&runner)).await;
    assert_eq!(r.status("legacy api"), Status::Skipped);
    assert_eq!(
        r.message("legacy api"),
        "only: [production] excludes staging"
    );
    assert_eq!(
        r.message("uses legacy"),
        "needs \"legacy api\", which was skipped"
    );
    assert_eq!(runner.attempts_of("legacy api"), 0);
    assert_eq!(r.status("other"), Status::Passed);
    assert!(r.outcome.ready.is_empty());
}

#[tokio::test]
async fn a_panicking_attempt_fails_its_check_not_the_run() {
    let runner = Scripted::new(&[("boom", Script::Panic)]);
    let r = run(plan_of(checks(&["boom", "fine"])), opts(2), runner).await;
    assert_eq!(r.status("boom"), Status::Failed);
    assert!(
        r.message("boom")
            .starts_with("internal error: the check panicked: scripted panic")
    );
    assert_eq!(r.status("fine"), Status::Passed);
}

#[tokio::test]
async fn a_needs_cycle_is_reported_not_hung() {
    let mut cs = checks(&["a", "b", "c"]);
    cs[0].needs = vec![1];
    cs[1].needs = vec![0];
    let r = tokio::time::timeout(
        Duration::from_secs(5),
        run(plan_of(cs), opts(2), Scripted::new(&[])),
    )
    .await
    .expect("no hang");
    assert_eq!(r.status("a"), Status::Skipped);
    assert_eq!(r.message("a"), "not run: its needs could not be resolved");
    assert_eq!(r.status("c"), Status::Passed);
}

#[tokio::test]
async fn secrets_are_masked_in_events_results_and_ready_results() {
    let mut masker = Masker::new();
    masker.add("hunter2");
    let groups = vec![
        group(
            "shop",
            gate(
                "gate hunter2",
                Duration::from_millis(50),
                Duration::from_millis(5),
            ),
        ),
        group("other", None),
    ];
    let mut cs = vec![
        check(0, 0, "db"),
        check(1, 1, "skipped"),
        check(2, 1, "dependent"),
        check(3, 1, "leaks"),
    ];
    cs[1].excluded = Some("skip: token hunter2 revoked".to_string());
    cs[2].needs = vec![1];
    cs[3].retries = 1;
    let runner = Scripted::new(&[
        ("gate hunter2", Script::Leak("hunter2")),
        ("leaks", Script::Leak("hunter2")),
    ]);
    let r = run(plan_with(groups, cs, masker), opts(4), Arc::clone(&runner)).await;

    assert_eq!(
        runner.attempts_of("leaks"),
        2,
        "the leak was really produced"
    );
    let everything = format!("{:?} {:?}", r.events, r.outcome);
    assert!(!everything.contains("hunter2"), "{everything}");
    let leaks = r.result("leaks");
    assert_eq!(leaks.message, "password **** rejected");
    assert_eq!(leaks.fact, "user ****");
    assert_eq!(leaks.warnings, ["sent ****"]);
    assert_eq!(
        leaks.details.get("dsn").and_then(|v| v.as_str()),
        Some("postgres://smoke:****@db/x")
    );
    assert_eq!(leaks.attempts[0].message, "password **** rejected");
    assert_eq!(r.message("skipped"), "skip: token **** revoked");
    assert!(
        r.outcome.ready[0]
            .message
            .starts_with("gate ****: password **** rejected")
    );
}
