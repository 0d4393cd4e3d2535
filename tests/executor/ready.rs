//! The readiness gate (SPEC §2.4).
use std::sync::Arc;
use std::time::Duration;

use smokecheck::exec::{Event, Status};
use smokecheck::plan::Masker;
use smokecheck::probe::Layer;

use crate::scripted::*;

#[tokio::test]
async fn ready_gate_opens_after_some_polls_then_checks_run() {
    let groups = vec![group(
        "shop",
        gate(
            "new build is live",
            Duration::from_secs(10),
            Duration::from_millis(1),
        ),
    )];
    let runner = Scripted::new(&[("new build is live", Script::FailThenPass(2))]);
    let r = run(
        plan_with(groups, checks(&["storefront"]), Masker::new()),
        opts(4),
        Arc::clone(&runner),
    )
    .await;

    assert_eq!(r.outcome.ready.len(), 1);
    let ready = &r.outcome.ready[0];
    assert!(ready.passed);
    assert_eq!(ready.polls, 3);
    assert_eq!(ready.group, 0);
    assert_eq!(r.status("storefront"), Status::Passed);
    assert_eq!(
        r.result("storefront").attempts.len(),
        1,
        "gate polls are not the check's retries"
    );
    assert!(runner.position("end new build is live") < runner.position("start storefront"));
    assert!(
        r.events
            .iter()
            .any(|e| matches!(e, Event::ReadyStarted { group: 0 }))
    );
    assert!(
        r.events
            .iter()
            .any(|e| matches!(e, Event::ReadyFinished(rr) if rr.passed && rr.polls == 3))
    );
}

#[tokio::test]
async fn a_gate_that_never_opens_skips_its_group_only() {
    let groups = vec![
        group(
            "shop",
            gate(
                "new build is live",
                Duration::from_millis(300),
                Duration::from_millis(10),
            ),
        ),
        group("billing", None),
    ];
    let cs = vec![
        check(0, 0, "storefront"),
        check(1, 0, "cart"),
        check(2, 1, "invoices"),
    ];
    let runner = Scripted::new(&[(
        "new build is live",
        Script::Fail(Layer::Http, "status 503, expected 2xx"),
    )]);
    let r = run(
        plan_with(groups, cs, Masker::new()),
        opts(4),
        Arc::clone(&runner),
    )
    .await;

    let ready = &r.outcome.ready[0];
    assert!(!ready.passed);
    assert!(ready.polls >= 1);
    assert!(ready.waited >= Duration::from_millis(300));
    assert_eq!(ready.message, "new build is live: status 503, expected 2xx");
    for name in ["storefront", "cart"] {
        assert_eq!(r.status(name), Status::Skipped);
        assert_eq!(
            r.message(name),
            "not ready: new build is live: status 503, expected 2xx (gave up after 300ms)"
        );
        assert_eq!(runner.attempts_of(name), 0);
    }
    // The other group did not wait for this gate.
    assert_eq!(r.status("invoices"), Status::Passed);
    let pos = |f: &dyn Fn(&Event) -> bool| r.events.iter().position(f).expect("event");
    let invoices_done = pos(&|e| matches!(e, Event::CheckFinished(c) if c.id == 2));
    let gate_done = pos(&|e| matches!(e, Event::ReadyFinished(_)));
    assert!(invoices_done < gate_done);
}
