//! Running the real `smokecheck` binary: a demo target in this process, suites written to
//! a temp dir, the child's exit code, plain terminal lines and report files read back
//! (the JUnit file validated against the Jenkins xUnit schema every time it is read).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use smokecheck::demo::{self, Target};
use tempfile::TempDir;

use crate::xml::{self, Element};

/// The demo target on 127.0.0.1, served by a runtime of its own: the binary under test
/// is a separate process, so the target must keep serving while the test thread waits.
pub struct Demo {
    // Dropped before the runtime: stops the listeners and removes the PEM files.
    pub target: Target,
    _rt: tokio::runtime::Runtime,
}

impl Demo {
    pub fn start() -> Demo {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let target = rt.block_on(demo::start()).unwrap();
        Demo { target, _rt: rt }
    }

    /// `--var k=v` for every variable of the target (`base_url`, `tls_url`, `ca_file`,
    /// `hang_port`…).
    pub fn vars(&self) -> Vec<String> {
        self.target
            .vars()
            .into_iter()
            .flat_map(|(k, v)| ["--var".to_string(), format!("{k}={v}")])
            .collect()
    }
}

/// A temp dir holding the suite files of one test.
pub struct Dir {
    pub dir: TempDir,
}

impl Dir {
    /// A temp dir with `suite.yaml`.
    pub fn with_suite(yaml: &str) -> Dir {
        Dir::with_files(&[("suite.yaml", yaml)])
    }

    pub fn with_files(files: &[(&str, &str)]) -> Dir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        Dir { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `smokecheck run suite.yaml --format plain --color never --junit junit.xml
    /// --json report.json`, in this directory.
    pub fn run(&self) -> Sc {
        self.run_as("plain")
    }

    /// The same with another `--format`.
    pub fn run_as(&self, format: &str) -> Sc {
        let mut sc = Sc::new(self.path());
        sc.args(["run", "suite.yaml", "--format", format, "--color", "never"])
            .args(["--junit", "junit.xml", "--json", "report.json"]);
        sc
    }
}

/// A `smokecheck` invocation being put together.
pub struct Sc {
    cmd: Command,
    dir: PathBuf,
}

impl Sc {
    /// The binary in `dir`, with every variable that could change its behaviour removed
    /// (the tests may themselves run under GitHub Actions or with SMOKECHECK_* set).
    pub fn new(dir: &Path) -> Sc {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_smokecheck"));
        cmd.current_dir(dir);
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy().to_ascii_uppercase();
            if k.starts_with("SMOKECHECK_")
                || k.starts_with("GITHUB_")
                || k.ends_with("_PROXY")
                || matches!(k.as_str(), "NO_COLOR" | "CLICOLOR" | "CLICOLOR_FORCE")
            {
                cmd.env_remove(&key);
            }
        }
        Sc {
            cmd,
            dir: dir.to_path_buf(),
        }
    }

    pub fn args<I, S>(&mut self, args: I) -> &mut Sc
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn arg(&mut self, arg: impl AsRef<std::ffi::OsStr>) -> &mut Sc {
        self.cmd.arg(arg);
        self
    }

    pub fn env(&mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> &mut Sc {
        self.cmd.env(key, value);
        self
    }

    /// Passes the demo target's URLs and ports as `--var`.
    pub fn target(&mut self, demo: &Demo) -> &mut Sc {
        self.args(demo.vars())
    }

    pub fn go(&mut self) -> Ran {
        let start = Instant::now();
        let out = self.cmd.output().unwrap();
        Ran {
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
            elapsed: start.elapsed(),
            dir: self.dir.clone(),
        }
    }
}

/// What a finished invocation left behind.
pub struct Ran {
    /// `None` if killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    pub dir: PathBuf,
}

impl Ran {
    /// Everything the run printed, for assertion messages.
    pub fn shown(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// Asserts the exit code, showing the output when it differs.
    pub fn exits(&self, code: i32) -> &Ran {
        assert_eq!(self.code, Some(code), "{}", self.shown());
        self
    }

    /// The one terminal line of check `name` (`PASS  suite › name — …`).
    pub fn line(&self, name: &str) -> &str {
        let needle = format!(" › {name} — ");
        let found: Vec<&str> = self
            .stdout
            .lines()
            .filter(|l| l.contains(&needle) && !l.starts_with(' '))
            .collect();
        assert_eq!(found.len(), 1, "one line for {name:?}:\n{}", self.shown());
        found[0]
    }

    /// The status word of check `name` (`PASS`, `FAIL`, `TIME`, `FLAKY`, `WARN`, `SKIP`).
    pub fn word(&self, name: &str) -> &str {
        self.line(name).split(' ').next().unwrap()
    }

    /// What follows ` — ` on the check's line: its fact, `layer: reason`, or skip reason.
    pub fn says(&self, name: &str) -> &str {
        self.line(name).split_once(" — ").unwrap().1
    }

    /// The indented lines under the check's line.
    pub fn under(&self, name: &str) -> Vec<&str> {
        let line = self.line(name);
        self.stdout
            .lines()
            .skip_while(|l| *l != line)
            .skip(1)
            .take_while(|l| l.starts_with("      "))
            .map(str::trim)
            .collect()
    }

    /// The closing summary line.
    pub fn summary(&self) -> &str {
        self.stdout.lines().rev().find(|l| !l.is_empty()).unwrap()
    }

    pub fn file(&self, name: &str) -> String {
        let path = self.dir.join(name);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", path.display(), self.shown()))
    }

    /// `report.json`, parsed.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.file("report.json")).unwrap()
    }

    /// The JSON report's entry for check `name` (the only one of that name).
    pub fn check(&self, name: &str) -> Value {
        let doc = self.json();
        let found: Vec<&Value> = doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["name"] == name)
            .collect();
        assert_eq!(found.len(), 1, "one JSON entry for {name:?}: {doc:#}");
        found[0].clone()
    }

    /// `junit.xml`, validated against the schema and parsed.
    pub fn junit(&self) -> Element {
        let text = self.file("junit.xml");
        crate::junit_xsd::assert_valid(&self.dir.join("junit.xml"));
        xml::parse(&text)
    }
}

/// A port nothing listens on (bound, then released): connection refused.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A name no other run of the target has used (for `/flaky?key=`).
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}
