//! JUnit reports are checked against the Jenkins xUnit schema (`shared/schemas/junit-10.xsd`)
//! with `xmllint`. Without xmllint or the schema the check is skipped loudly, or fails
//! under `SMOKECHECK_REQUIRE_SERVICES=1` (CI installs libxml2-utils).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Asserts that `file` is valid JUnit per the schema.
pub fn assert_valid(file: &Path) {
    let Some(xsd) = xsd() else {
        return skip_or_fail(
            "the JUnit XSD (junit-10.xsd) was not found; set SMOKECHECK_JUNIT_XSD",
        );
    };
    let run = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(file)
        .output();
    match run {
        Err(e) => skip_or_fail(&format!(
            "xmllint could not be run ({e}); install libxml2-utils"
        )),
        Ok(out) => assert!(
            out.status.success(),
            "xmllint rejected the report:\n{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(file).unwrap_or_default()
        ),
    }
}

/// `SMOKECHECK_JUNIT_XSD`, else `shared/schemas/junit-10.xsd` next to the crate or next to
/// any directory above it (worktrees live deeper than the main checkout).
fn xsd() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SMOKECHECK_JUNIT_XSD") {
        return Some(PathBuf::from(path));
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .skip(1)
        .map(|dir| dir.join("shared/schemas/junit-10.xsd"))
        .find(|p| p.is_file())
}

fn skip_or_fail(why: &str) {
    if std::env::var("SMOKECHECK_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
        panic!("{why} (SMOKECHECK_REQUIRE_SERVICES=1)");
    }
    // Not `eprintln!`: the test harness would capture it, and the skip would be silent.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr().lock(),
        format!("\n!!!!! SKIPPED: JUnit schema validation: {why} !!!!!\n\n").as_bytes(),
    );
}
