//! The JSON Schema in docs/ is up to date, and agrees with the validator: every property
//! it names is accepted (no "unknown field"), so editors and smokecheck never disagree.

use std::path::Path;

use smokecheck::plan::vars::Mode;
use smokecheck::plan::{PlanOptions, build_loaded};
use smokecheck::suite::load::{Loaded, load_str};
use smokecheck::suite::model::Kind;
use smokecheck::suite::schema;

#[test]
fn committed_schema_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/suite.schema.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let current = schema::render();
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, format!("{current}\n")).unwrap();
        return;
    }
    assert_eq!(
        committed.trim_end(),
        current,
        "docs/suite.schema.json is stale: run `smokecheck schema > docs/suite.schema.json`"
    );
}

/// Diagnostics that would mean the schema names a field the validator does not know.
fn unknown_field_messages(yaml: &str) -> Vec<String> {
    let mut loaded = Loaded::default();
    load_str(Path::new("s.yaml"), yaml, &mut loaded);
    let opts = PlanOptions {
        mode: Mode::Validate,
        ..PlanOptions::default()
    };
    let diags = match build_loaded(loaded, &opts, &|_| None) {
        Ok(p) => p.warnings,
        Err(e) => e.diags,
    };
    diags
        .into_iter()
        .map(|d| d.message)
        .filter(|m| {
            m.contains("unknown field")
                || m.contains("does not apply")
                || m.contains("is an `expect` key")
        })
        .collect()
}

#[test]
fn every_schema_property_is_accepted_by_the_validator() {
    let schema = schema::schema();
    let mut problems = Vec::new();
    for kind in Kind::ALL {
        let target = schema::target(kind);
        let expect = schema::expect(kind);
        let fields = |v: &serde_json::Value| -> Vec<String> {
            v["properties"]
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default()
        };
        let target_fields = fields(&target);
        let expect_fields = fields(&expect);
        assert!(!target_fields.is_empty(), "{kind:?}");
        let mut yaml = format!("checks:\n  - name: x\n    {}:\n", kind.as_str());
        for f in &target_fields {
            yaml.push_str(&format!("      {f}: \"1\"\n"));
        }
        yaml.push_str("    expect:\n");
        for f in &expect_fields {
            yaml.push_str(&format!("      {f}: \"1\"\n"));
        }
        problems.extend(
            unknown_field_messages(&yaml)
                .into_iter()
                .map(|m| format!("{kind:?}: {m}")),
        );
    }
    for top in [
        "suite",
        "description",
        "defaults",
        "vars",
        "environments",
        "checks",
        "ready",
    ] {
        assert!(
            schema["properties"].get(top).is_some(),
            "top-level {top} missing from the schema"
        );
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_field_the_schema_lacks_is_rejected() {
    // The cross-check above can fail: an unknown field is reported.
    let msgs =
        unknown_field_messages("checks:\n  - name: x\n    tcp: { host: h, port: 1, nope: 1 }\n");
    assert_eq!(msgs.len(), 1, "{msgs:?}");
}
