//! What every hostile test needs: one tokio runtime hosting the servers (and a shared
//! demo target), the binary started as a bounded child process, suites in temp dirs,
//! reports read back, and a seeded random source that says how to replay it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use smokecheck::demo;

/// The runtime the fault servers and the demo target run on, for the whole test binary.
pub fn rt() -> &'static tokio::runtime::Runtime {
    static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    });
    &RT
}

/// One demo target shared by every test (`/health`, `/slow`, `/trickle`, `/huge`…).
pub fn target() -> &'static demo::Target {
    static TARGET: LazyLock<demo::Target> = LazyLock::new(|| rt().block_on(demo::start()).unwrap());
    &TARGET
}

/// `http://127.0.0.1:PORT` of the demo target.
pub fn demo_url() -> &'static str {
    &target().http_url
}

/// The binary, in `dir`, with an environment that cannot change what the test sees.
pub fn smokecheck(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_smokecheck"));
    c.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SMOKECHECK_") {
            c.env_remove(key);
        }
    }
    c
}

/// A finished child process.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    /// Peak resident set (VmHWM) seen while it ran, in KiB.
    pub peak_rss_kib: Option<u64>,
    /// Stdout lines with the time each arrived.
    pub lines: Vec<(Instant, String)>,
}

impl Run {
    /// For assertion messages.
    pub fn show(&self) -> String {
        format!(
            "exit {:?} after {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.elapsed, self.stdout, self.stderr
        )
    }
}

/// A running child whose output is collected by threads (so a full pipe never blocks it)
/// with the time each stdout line arrived.
pub struct Running {
    pub child: Child,
    pub started: Instant,
    lines: Arc<Mutex<Vec<(Instant, String)>>>,
    readers: Vec<std::thread::JoinHandle<String>>,
    peak: Option<u64>,
}

impl Running {
    pub fn spawn(mut cmd: Command) -> Running {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = cmd.spawn().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let mut readers = Vec::new();
        let stdout = child.stdout.take().unwrap();
        let sink = lines.clone();
        readers.push(std::thread::spawn(move || read_lines(stdout, &sink)));
        let mut stderr = child.stderr.take().unwrap();
        readers.push(std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stderr.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        }));
        Running {
            child,
            started,
            lines,
            readers,
            peak: None,
        }
    }

    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).unwrap()
    }

    /// Stdout lines so far, with when they arrived.
    pub fn lines(&self) -> Vec<(Instant, String)> {
        self.lines.lock().unwrap().clone()
    }

    /// Waits until a stdout line satisfies `pred` (true), or `limit` passes or the child
    /// exits (false).
    pub fn wait_line(&mut self, limit: Duration, pred: impl Fn(&str) -> bool) -> bool {
        let until = Instant::now() + limit;
        while Instant::now() < until {
            if self.lines().iter().any(|(_, l)| pred(l)) {
                return true;
            }
            if self.child.try_wait().unwrap().is_some() {
                return self.lines().iter().any(|(_, l)| pred(l));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }

    /// Waits for the exit, at most `limit` from the start; kills the child and fails the
    /// test past that.
    pub fn finish(mut self, limit: Duration) -> Run {
        let status = loop {
            self.sample_rss();
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if self.started.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let out = self.collect();
                panic!(
                    "smokecheck still running after {limit:?}: killed\n--- stdout\n{}\n--- stderr\n{}",
                    out.0, out.1
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let elapsed = self.started.elapsed();
        let peak = self.peak;
        let (stdout, stderr) = self.collect();
        Run {
            code: status.code(),
            stdout,
            stderr,
            elapsed,
            peak_rss_kib: peak,
            lines: self.lines(),
        }
    }

    fn collect(&mut self) -> (String, String) {
        let outs: Vec<String> = self
            .readers
            .drain(..)
            .map(|r| r.join().unwrap_or_default())
            .collect();
        let stderr = outs.get(1).cloned().unwrap_or_default();
        let stdout: String = self.lines().into_iter().map(|(_, l)| l + "\n").collect();
        (stdout, stderr)
    }

    /// VmHWM only grows, so the last sample before the exit is (nearly) the peak.
    fn sample_rss(&mut self) {
        let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
        else {
            return;
        };
        let hwm = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
        if let Some(kib) = hwm {
            self.peak = Some(self.peak.map_or(kib, |p| p.max(kib)));
        }
    }
}

fn read_lines(mut from: impl Read, sink: &Mutex<Vec<(Instant, String)>>) -> String {
    let mut pending = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        pending.extend_from_slice(&buf[..n]);
        while let Some(i) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=i).collect();
            let text = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
            sink.lock().unwrap().push((Instant::now(), text));
        }
    }
    if !pending.is_empty() {
        let text = String::from_utf8_lossy(&pending).into_owned();
        sink.lock().unwrap().push((Instant::now(), text));
    }
    String::new()
}

/// Runs `cmd` to the end, failing the test if it takes longer than `limit`.
pub fn run_bounded(cmd: Command, limit: Duration) -> Run {
    Running::spawn(cmd).finish(limit)
}

/// A temp dir holding `suite.yaml`.
pub struct SuiteDir {
    pub dir: tempfile::TempDir,
}

impl SuiteDir {
    pub fn new(suite: &str) -> SuiteDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("suite.yaml"), suite).unwrap();
        SuiteDir { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `smokecheck run suite.yaml --junit junit.xml --json report.json --format plain` + `args`.
    pub fn run_cmd(&self, args: &[&str]) -> Command {
        let mut c = smokecheck(self.path());
        c.args([
            "run",
            "suite.yaml",
            "--junit",
            "junit.xml",
            "--json",
            "report.json",
            "--format",
            "plain",
        ])
        .args(args);
        c
    }

    pub fn json(&self) -> Value {
        let text = std::fs::read_to_string(self.file("report.json"))
            .unwrap_or_else(|e| panic!("no JSON report: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON report ({e}):\n{text}"))
    }

    pub fn junit(&self) -> String {
        std::fs::read_to_string(self.file("junit.xml"))
            .unwrap_or_else(|e| panic!("no JUnit report: {e}"))
    }

    /// Files in the dir that are not `keep` (temp files left behind, stray reports).
    pub fn strays(&self, keep: &[&str]) -> Vec<String> {
        std::fs::read_dir(self.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "suite.yaml" && !keep.contains(&n.as_str()))
            .collect()
    }
}

/// The JSON report's entry for check `name`.
pub fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("check {name:?} missing from the report"))
}

/// `(status, layer, message, duration_ms)` of check `name`.
pub fn verdict(report: &Value, name: &str) -> (String, String, String, u64) {
    let c = check(report, name);
    (
        c["status"].as_str().unwrap_or_default().to_string(),
        c["layer"].as_str().unwrap_or_default().to_string(),
        c["message"].as_str().unwrap_or_default().to_string(),
        c["duration_ms"].as_u64().unwrap_or_default(),
    )
}

/// YAML double-quoted scalar.
pub fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// A small seeded generator (xorshift64*): the seed is printed, so any run can be replayed
/// with `SMOKECHECK_HOSTILE_SEED=N`.
pub struct Rng(u64);

impl Rng {
    #[expect(
        clippy::print_stderr,
        reason = "the seed is shown with a failure, to replay it"
    )]
    pub fn seeded(what: &str) -> Rng {
        let seed = std::env::var("SMOKECHECK_HOSTILE_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("{what}: SMOKECHECK_HOSTILE_SEED={seed}");
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The JUnit file is well-formed and valid against the Jenkins schema (xmllint). Without
/// xmllint or the schema: fails under `SMOKECHECK_REQUIRE_SERVICES=1`, says SKIPPED loudly
/// otherwise (and still checks the basics by hand).
pub fn assert_junit_valid(file: &Path) {
    let xml = std::fs::read_to_string(file).unwrap();
    assert!(xml.starts_with("<?xml"), "not XML:\n{xml}");
    assert!(
        xml.trim_end().ends_with("</testsuites>"),
        "cut short:\n{xml}"
    );
    crate::junit_xsd::assert_valid(file);
}

/// Checks that can run at most `n` at a time across the whole test binary: each one is a
/// child process with a wall-clock bound, and the machine is small.
pub fn heavy() -> std::sync::MutexGuard<'static, ()> {
    static HEAVY: Mutex<()> = Mutex::new(());
    HEAVY.lock().unwrap_or_else(|e| e.into_inner())
}
