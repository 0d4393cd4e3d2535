//! Report files: renamed into place from a temp file in the same directory (nothing left
//! behind, an old report replaced whole), an unwritable path refused before any check
//! runs (`run` and `demo`), and a report lost at the end said loudly.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::harness::{Running, SuiteDir, assert_junit_valid, demo_url, q, run_bounded, smokecheck};
use crate::servers;

/// A server that counts connections and answers 200: did anything run?
fn counting_server() -> (SocketAddr, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let addr = servers::serve(move |mut s| {
        seen.fetch_add(1, Ordering::SeqCst);
        async move {
            use tokio::io::AsyncWriteExt;
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .await;
        }
    });
    (addr, count)
}

#[test]
fn reports_replace_old_ones_whole_and_leave_no_temp_file() {
    let suite = format!(
        "suite: files\nchecks:\n  - name: health\n    http: {{ url: {} }}\n",
        q(&format!("{}/health", demo_url()))
    );
    let dir = SuiteDir::new(&suite);
    std::fs::create_dir(dir.file("out")).unwrap();
    // Old reports, longer than the new ones: a report written in place would keep a tail.
    let old = "x".repeat(1 << 20);
    std::fs::write(dir.file("out/junit.xml"), &old).unwrap();
    std::fs::write(dir.file("out/report.json"), &old).unwrap();
    let mut cmd = smokecheck(dir.path());
    cmd.args([
        "run",
        "suite.yaml",
        "--junit",
        "out/junit.xml",
        "--json",
        "out/report.json",
    ]);
    let run = run_bounded(cmd, Duration::from_secs(30));
    assert_eq!(run.code, Some(0), "{}", run.show());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.file("out/report.json")).unwrap())
            .unwrap();
    assert_eq!(json["totals"]["passed"], 1);
    assert_junit_valid(&dir.file("out/junit.xml"));
    let mut left: Vec<String> = std::fs::read_dir(dir.file("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["junit.xml", "report.json"]);
    assert_eq!(dir.strays(&["out"]), Vec::<String>::new());
}

#[test]
fn unwritable_report_paths_stop_run_before_any_check() {
    let (addr, count) = counting_server();
    let suite = format!(
        "suite: files\nchecks:\n  - name: counted\n    http: {{ url: {} }}\n",
        q(&format!("http://{addr}/"))
    );
    let dir = SuiteDir::new(&suite);
    std::fs::write(dir.file("a-file"), "").unwrap();
    std::fs::create_dir(dir.file("a-dir")).unwrap();
    for (flag, path, why) in [
        ("--json", "a-dir", "it is a directory"),
        ("--junit", "a-file/junit.xml", "Not a directory"),
        ("--json", "missing/report.json", "No such file or directory"),
    ] {
        let mut cmd = smokecheck(dir.path());
        cmd.args(["run", "suite.yaml", flag, path]);
        let run = run_bounded(cmd, Duration::from_secs(30));
        assert_eq!(run.code, Some(2), "{path}: {}", run.show());
        assert!(
            run.stderr
                .starts_with(&format!("error: cannot write report {path}: ")),
            "{}",
            run.show()
        );
        assert!(run.stderr.contains(why), "{}", run.show());
        assert_eq!(run.stdout, "", "nothing ran: {}", run.show());
    }
    assert_eq!(count.load(Ordering::SeqCst), 0, "a check ran");
    assert_eq!(dir.strays(&["a-file", "a-dir"]), Vec::<String>::new());
    assert_eq!(std::fs::read_dir(dir.file("a-dir")).unwrap().count(), 0);
}

#[test]
fn unwritable_report_paths_stop_demo_before_the_target_starts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("a-dir")).unwrap();
    for (flag, path) in [("--junit", "a-dir"), ("--json", "missing/report.json")] {
        let mut cmd = smokecheck(dir.path());
        cmd.args(["demo", flag, path]);
        let run = run_bounded(cmd, Duration::from_secs(30));
        assert_eq!(run.code, Some(2), "{}", run.show());
        assert!(
            run.stderr
                .starts_with(&format!("error: cannot write report {path}: ")),
            "{}",
            run.show()
        );
        // `demo target: http://…` is the first thing a started demo prints.
        assert_eq!(run.stdout, "", "{}", run.show());
    }
}

#[test]
fn a_report_that_cannot_be_written_at_the_end_fails_a_green_run() {
    let suite = format!(
        "suite: files\nchecks:\n  - name: slow but fine\n    http: {{ url: {} }}\n",
        q(&format!("{}/slow?ms=1500", demo_url()))
    );
    let dir = SuiteDir::new(&suite);
    std::fs::create_dir(dir.file("out")).unwrap();
    let mut cmd = smokecheck(dir.path());
    cmd.args([
        "run",
        "suite.yaml",
        "--format",
        "plain",
        "--json",
        "out/report.json",
    ]);
    let running = Running::spawn(cmd);
    // The path was checked at the start; now the directory goes away mid-run.
    std::thread::sleep(Duration::from_millis(500));
    std::fs::remove_dir_all(dir.file("out")).unwrap();
    let run = running.finish(Duration::from_secs(30));
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert!(
        run.stdout.contains("PASS  files › slow but fine"),
        "{}",
        run.show()
    );
    assert!(
        run.stderr
            .starts_with("error: cannot write report out/report.json: "),
        "{}",
        run.show()
    );
    assert_eq!(dir.strays(&[]), Vec::<String>::new());
}
