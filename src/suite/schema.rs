//! The JSON Schema of suite files (`smokecheck schema`, committed as
//! `docs/suite.schema.json` for editors). A test feeds every property named here to the
//! validator, so the schema cannot drift from what the parser accepts.

use serde_json::{Map, Value, json};

use super::kinds::EXPECT_KEYS;
use super::model::Kind;

fn string() -> Value {
    json!({ "type": "string" })
}

fn duration() -> Value {
    json!({ "type": "string", "pattern": "^([0-9]+(\\.[0-9]+)?(ms|s|m|h|d))+$", "description": "500ms, 5s, 2m, 1h30m, 14d" })
}

fn strings() -> Value {
    json!({ "oneOf": [{ "type": "string" }, { "type": "array", "items": { "type": "string" } }] })
}

fn string_map() -> Value {
    json!({ "type": "object", "additionalProperties": { "type": ["string", "number", "boolean"] } })
}

fn boolean() -> Value {
    json!({ "type": "boolean" })
}

fn uint() -> Value {
    json!({ "type": "integer", "minimum": 0 })
}

fn port() -> Value {
    json!({ "type": "integer", "minimum": 1, "maximum": 65535 })
}

fn object(props: &[(&str, Value)], required: &[&str]) -> Value {
    let properties: Map<String, Value> = props
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let mut o =
        json!({ "type": "object", "additionalProperties": false, "properties": properties });
    if !required.is_empty() {
        o["required"] = json!(required);
    }
    o
}

/// Target fields of each kind.
pub fn target(kind: Kind) -> Value {
    match kind {
        Kind::Http => object(
            &[
                ("url", json!({ "type": "string", "format": "uri" })),
                ("method", string()),
                ("headers", string_map()),
                ("body", string()),
                (
                    "json",
                    json!({ "description": "request body sent as JSON" }),
                ),
                ("follow_redirects", boolean()),
                ("insecure", boolean()),
                ("ca_file", string()),
                ("client_cert", string()),
                ("client_key", string()),
                ("http_version", json!({ "enum": ["1.1", "2", 2] })),
                (
                    "resolve",
                    json!({ "type": "string", "description": "connect to this IP; Host and SNI stay the URL's" }),
                ),
                (
                    "max_body",
                    json!({ "type": ["integer", "string"], "description": "bytes read at most: 1048576 or 1MiB" }),
                ),
            ],
            &["url"],
        ),
        Kind::Tls => object(
            &[
                ("host", string()),
                ("port", port()),
                ("server_name", string()),
                ("ca_file", string()),
                ("starttls", json!({ "enum": ["postgres", "smtp"] })),
            ],
            &["host"],
        ),
        Kind::Postgres | Kind::Mysql => object(&[("url", string()), ("query", string())], &["url"]),
        Kind::Redis => object(
            &[
                ("url", string()),
                ("command", strings()),
                ("ca_file", string()),
            ],
            &["url"],
        ),
        Kind::Tcp => object(
            &[("host", string()), ("port", port()), ("tls", boolean())],
            &["host", "port"],
        ),
        Kind::Dns => object(
            &[
                ("name", string()),
                (
                    "type",
                    json!({ "enum": ["A", "AAAA", "CNAME", "MX", "TXT", "NS"] }),
                ),
                ("server", string()),
            ],
            &["name"],
        ),
        Kind::Exec => object(
            &[
                (
                    "command",
                    json!({ "type": "array", "items": { "type": "string" }, "minItems": 1 }),
                ),
                ("env", string_map()),
                ("cwd", string()),
            ],
            &["command"],
        ),
    }
}

fn expect_key(key: &str) -> Value {
    match key {
        "status" => json!({ "description": "200, [200, 204] or a class like 2xx", "oneOf": [
            { "type": ["integer", "string"] }, { "type": "array", "items": { "type": ["integer", "string"] } }] }),
        "headers" => {
            json!({ "type": "object", "additionalProperties": { "type": "string" }, "description": "exact value or /regex/" })
        }
        "json" => json!({ "type": "object", "description": "RFC 9535 JSONPath → expected value" }),
        "body_matches" => json!({ "type": "string", "description": "regular expression" }),
        "latency_under" | "cert_valid_for" | "valid_for" | "warn_within" => duration(),
        "trusted" => boolean(),
        "min_version" => json!({ "enum": ["1.2", "1.3", 1.2, 1.3] }),
        "rows_at_least" | "min_answers" => uint(),
        "exit_code" => json!({ "type": "integer" }),
        "value" | "issuer_contains" => string(),
        _ => strings(),
    }
}

/// `expect` of each kind.
pub fn expect(kind: Kind) -> Value {
    let keys = EXPECT_KEYS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, keys)| *keys)
        .unwrap_or(&[]);
    let props: Vec<(&str, Value)> = keys.iter().map(|k| (*k, expect_key(k))).collect();
    object(&props, &[])
}

fn check() -> Value {
    let common = [
        ("name", string()),
        ("description", string()),
        ("tags", strings()),
        ("needs", strings()),
        ("severity", json!({ "enum": ["critical", "warning"] })),
        ("only", strings()),
        (
            "skip",
            json!({ "type": "string", "description": "reason; the check is reported as skipped" }),
        ),
        ("timeout", duration()),
        ("retries", uint()),
        ("retry_delay", duration()),
    ];
    let variants: Vec<Value> = Kind::ALL
        .iter()
        .map(|&kind| {
            let mut props: Vec<(&str, Value)> = common.to_vec();
            props.push((kind.as_str(), target(kind)));
            props.push(("expect", expect(kind)));
            object(&props, &["name", kind.as_str()])
        })
        .collect();
    json!({ "oneOf": variants })
}

fn vars() -> Value {
    json!({ "type": "object", "additionalProperties": { "type": ["string", "number", "boolean"] } })
}

/// The whole schema.
pub fn schema() -> Value {
    let mut root = object(
        &[
            ("suite", string()),
            ("description", string()),
            (
                "defaults",
                object(
                    &[
                        ("timeout", duration()),
                        ("retries", uint()),
                        ("retry_delay", duration()),
                    ],
                    &[],
                ),
            ),
            ("vars", vars()),
            (
                "environments",
                json!({ "type": "object", "additionalProperties": vars() }),
            ),
            (
                "checks",
                json!({ "type": "array", "items": { "$ref": "#/$defs/check" } }),
            ),
            (
                "ready",
                object(
                    &[
                        ("timeout", duration()),
                        ("interval", duration()),
                        (
                            "checks",
                            json!({ "type": "array", "items": { "$ref": "#/$defs/check" } }),
                        ),
                    ],
                    &["checks"],
                ),
            ),
        ],
        &[],
    );
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    root["title"] = json!("smokecheck suite");
    root["$defs"] = json!({ "check": check() });
    root
}

/// Pretty JSON, as committed in `docs/suite.schema.json`.
pub fn render() -> String {
    serde_json::to_string_pretty(&schema()).unwrap_or_default()
}
