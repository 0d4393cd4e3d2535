//! Everything that ends a run early: `--deadline`, `--fail-fast`, interrupts.
use std::sync::Arc;
use std::time::Duration;

use smokecheck::exec::{Cancel, Event, ExecOptions, Status};
use smokecheck::plan::Masker;
use smokecheck::probe::Layer;
use smokecheck::suite::model::Severity;
use tokio::time::Instant;

use crate::scripted::*;

#[tokio::test]
async fn deadline_stops_running_and_pending_checks_promptly() {
    let mut cs = checks(&["quick", "hangs", "never started", "optional never started"]);
    cs[1].timeout = Duration::from_secs(3600);
    cs[3].severity = Severity::Warning;
    let runner = Scripted::new(&[("hangs", Script::Hang)]);
    let opts = ExecOptions {
        concurrency: 1,
        deadline: Some(Duration::from_millis(200)),
        fail_fast: false,
    };
    let began = Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(5), run(plan_of(cs), opts, runner))
        .await
        .expect("execute returns soon after the deadline");
    assert!(began.elapsed() < Duration::from_secs(5));

    assert_eq!(r.status("quick"), Status::Passed);
    let hung = r.result("hangs");
    assert_eq!(hung.status, Status::TimedOut);
    assert_eq!(hung.layer, Some(Layer::Timeout));
    assert_eq!(hung.message, "run deadline of 200ms reached");
    assert_eq!(hung.attempts.len(), 1);
    assert_eq!(hung.attempts[0].status, Status::TimedOut);
    assert_eq!(r.status("never started"), Status::TimedOut);
    assert_eq!(
        r.message("never started"),
        "run deadline reached before the check started"
    );
    // A warning check never fails the run, whatever stopped it.
    assert_eq!(r.status("optional never started"), Status::Warned);
    assert!(!r.outcome.interrupted);
}

#[tokio::test]
async fn fail_fast_stops_scheduling_after_the_first_critical_failure() {
    let names = ["optional", "orders database", "checkout", "search"];
    let build = || {
        let mut cs = checks(&names);
        cs[0].severity = Severity::Warning;
        cs
    };
    let scripts = [
        (
            "optional",
            Script::Fail(Layer::Http, "status 500, expected 2xx"),
        ),
        (
            "orders database",
            Script::Fail(
                Layer::Auth,
                "password authentication failed for user \"smoke\"",
            ),
        ),
    ];
    let fast = ExecOptions {
        concurrency: 1,
        deadline: None,
        fail_fast: true,
    };
    let runner = Scripted::new(&scripts);
    let r = run(plan_of(build()), fast, Arc::clone(&runner)).await;
    assert_eq!(
        r.status("optional"),
        Status::Warned,
        "a warning failure does not trip fail-fast"
    );
    assert_eq!(r.status("orders database"), Status::Failed);
    for name in ["checkout", "search"] {
        assert_eq!(r.status(name), Status::Skipped);
        assert_eq!(
            r.message(name),
            "not run: --fail-fast after \"orders database\" failed"
        );
        assert_eq!(runner.attempts_of(name), 0);
    }

    // Control: without --fail-fast the rest runs.
    let r = run(plan_of(build()), opts(1), Scripted::new(&scripts)).await;
    assert_eq!(r.status("checkout"), Status::Passed);
    assert_eq!(r.status("search"), Status::Passed);
}

#[tokio::test]
async fn cancel_keeps_finished_results_and_skips_the_rest_as_interrupted() {
    let cs = checks(&["a", "b", "hangs", "d"]);
    let runner = Scripted::new(&[("hangs", Script::Hang)]);
    let cancel = Cancel::new();
    let interrupt = {
        let (runner, cancel) = (Arc::clone(&runner), cancel.clone());
        async move {
            runner.hanging.notified().await;
            cancel.cancel();
        }
    };
    let (r, ()) = tokio::time::timeout(Duration::from_secs(5), async {
        tokio::join!(
            run_with(plan_of(cs), opts(1), Arc::clone(&runner), cancel),
            interrupt
        )
    })
    .await
    .expect("execute returns promptly after cancel");

    assert!(r.outcome.interrupted);
    assert_eq!(r.status("a"), Status::Passed);
    assert_eq!(r.status("b"), Status::Passed);
    for name in ["hangs", "d"] {
        assert_eq!(r.status(name), Status::Skipped);
        assert_eq!(r.message(name), "interrupted");
    }
    assert_eq!(runner.attempts_of("d"), 0);
}

#[tokio::test]
async fn a_run_cancelled_before_it_starts_runs_nothing() {
    let runner = Scripted::new(&[]);
    let cancel = Cancel::new();
    cancel.cancel();
    let r = run_with(
        plan_of(checks(&["a", "b"])),
        opts(4),
        Arc::clone(&runner),
        cancel,
    )
    .await;
    assert!(r.outcome.interrupted);
    assert!(
        r.outcome
            .results
            .iter()
            .all(|c| c.status == Status::Skipped && c.message == "interrupted")
    );
    assert_eq!(runner.attempts_of("a"), 0);
}

#[tokio::test]
async fn deadline_stops_a_gate_that_is_still_polling() {
    let groups = vec![group(
        "shop",
        gate(
            "new build is live",
            Duration::from_secs(3600),
            Duration::from_millis(5),
        ),
    )];
    let runner = Scripted::new(&[(
        "new build is live",
        Script::Fail(Layer::Http, "status 404, expected 2xx"),
    )]);
    let opts = ExecOptions {
        concurrency: 4,
        deadline: Some(Duration::from_millis(100)),
        fail_fast: false,
    };
    let r = tokio::time::timeout(
        Duration::from_secs(5),
        run(
            plan_with(groups, checks(&["storefront"]), Masker::new()),
            opts,
            runner,
        ),
    )
    .await
    .expect("execute returns soon after the deadline");
    let ready = &r.outcome.ready[0];
    assert!(!ready.passed);
    assert_eq!(ready.message, "run deadline of 100ms reached");
    assert_eq!(r.status("storefront"), Status::TimedOut);
    assert_eq!(
        r.message("storefront"),
        "run deadline reached before the check started"
    );
    assert!(
        r.events
            .iter()
            .any(|e| matches!(e, Event::ReadyFinished(rr) if !rr.passed))
    );
}

#[tokio::test]
async fn fail_fast_in_one_group_stops_another_group_gate() {
    let groups = vec![
        group(
            "shop",
            gate(
                "new build is live",
                Duration::from_secs(3600),
                Duration::from_millis(5),
            ),
        ),
        group("billing", None),
    ];
    let cs = vec![check(0, 0, "storefront"), check(1, 1, "invoices")];
    let runner = Scripted::new(&[
        (
            "new build is live",
            Script::Fail(Layer::Http, "status 404, expected 2xx"),
        ),
        (
            "invoices",
            Script::Fail(Layer::Connect, "connection refused to 127.0.0.1:9"),
        ),
    ]);
    let fast = ExecOptions {
        concurrency: 4,
        deadline: None,
        fail_fast: true,
    };
    let r = tokio::time::timeout(
        Duration::from_secs(5),
        run(plan_with(groups, cs, Masker::new()), fast, runner),
    )
    .await
    .expect("fail-fast stops the gate");
    let reason = "not run: --fail-fast after \"invoices\" failed";
    assert_eq!(r.status("invoices"), Status::Failed);
    assert_eq!(r.status("storefront"), Status::Skipped);
    assert_eq!(r.message("storefront"), reason);
    assert!(!r.outcome.ready[0].passed);
    assert_eq!(r.outcome.ready[0].message, reason);
}

#[tokio::test]
async fn the_first_sigterm_cancels_the_run() {
    let cancel = Cancel::new();
    smokecheck::exec::spawn_signal_handler(cancel.clone());
    let status = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    tokio::time::timeout(Duration::from_secs(5), cancel.cancelled())
        .await
        .expect("SIGTERM cancels the run");
}

/// One rule for every kind: an attempt that ran into its timeout is `timed_out`, and keeps
/// the layer and words of the probe that gave up; a fast failure of the same layer is not.
#[tokio::test]
async fn an_attempt_that_uses_its_whole_timeout_is_timed_out_with_its_layer() {
    let mut cs = checks(&["gives up at the deadline", "refused at once"]);
    cs[0].timeout = Duration::from_millis(100);
    let msg = "timed out after 100ms connecting to 127.0.0.1:5432";
    let runner = Scripted::new(&[
        (
            "gives up at the deadline",
            Script::GiveUpAtDeadline(Layer::Connect, msg),
        ),
        (
            "refused at once",
            Script::Fail(Layer::Connect, "connection refused to 127.0.0.1:1"),
        ),
    ]);
    let r = run(plan_of(cs), opts(2), runner).await;
    let timed = r.result("gives up at the deadline");
    assert_eq!(timed.status, Status::TimedOut);
    assert_eq!(timed.layer, Some(Layer::Connect));
    assert_eq!(timed.message, msg);
    assert_eq!(timed.attempts[0].status, Status::TimedOut);
    assert_eq!(r.status("refused at once"), Status::Failed);
}
