//! What a `postgres`/`mysql` query returned, and the `expect` checks on it.
//!
//! Queries run over the *text* protocol (`sqlx::raw_sql`: PostgreSQL's simple query,
//! MySQL's `COM_QUERY`), so the server renders every value itself, exactly as `psql` or
//! `mysql` would show it: `expect: { value: "42" }` works for an `int8`, a `numeric`, a
//! `text` or a date alike, with no type mapping on our side. Two deliberate exceptions:
//! SQL `NULL` reads as `NULL`, and PostgreSQL booleans read `true`/`false` (not `t`/`f`).

use futures_util::{Stream, StreamExt};
use serde_json::{Map, Value};
use sqlx::{Column, ColumnIndex, Decode, Row, TypeInfo, ValueRef};

use crate::suite::model::DbExpect;

/// Rows counted and the first column of the first row.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct QueryResult {
    pub rows: u64,
    pub first: Option<FirstValue>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FirstValue {
    pub column: String,
    pub type_name: String,
    /// `None` is SQL `NULL`.
    pub text: Option<String>,
}

/// Runs `sql` as written over the text protocol and collects the result.
pub(crate) async fn run_query<DB>(
    conn: &mut DB::Connection,
    sql: &str,
) -> Result<QueryResult, sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    for<'r> &'r str: Decode<'r, DB>,
    for<'r> &'r [u8]: Decode<'r, DB>,
{
    // The SQL comes from the suite, written by the people who own the database: it is
    // meant to run as-is (no parameters exist to bind).
    let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).fetch(conn);
    collect(rows).await
}

/// Drains the row stream: counts every row (so `rows_at_least` is exact) but keeps only
/// the first one's first column, so a large result costs time (bounded by the deadline),
/// never memory.
pub(crate) async fn collect<R, S>(mut rows: S) -> Result<QueryResult, sqlx::Error>
where
    R: Row,
    S: Stream<Item = Result<R, sqlx::Error>> + Unpin,
    usize: ColumnIndex<R>,
    for<'r> &'r str: Decode<'r, R::Database>,
    for<'r> &'r [u8]: Decode<'r, R::Database>,
{
    let mut result = QueryResult::default();
    while let Some(row) = rows.next().await {
        let row = row?;
        if result.rows == 0 {
            result.first = first_value(&row);
        }
        result.rows += 1;
    }
    Ok(result)
}

fn first_value<R>(row: &R) -> Option<FirstValue>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> &'r str: Decode<'r, R::Database>,
    for<'r> &'r [u8]: Decode<'r, R::Database>,
{
    let column = row.columns().first()?;
    let raw = row.try_get_raw(0usize).ok()?;
    let type_name = raw.type_info().name().to_string();
    let text = if raw.is_null() {
        None
    } else {
        // Unchecked: over the text protocol every value is text, whatever its SQL type.
        let text = match row.try_get_unchecked::<&str, usize>(0) {
            Ok(s) => s.to_string(),
            Err(_) => match row.try_get_unchecked::<&[u8], usize>(0) {
                Ok(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                Err(_) => format!("<{type_name} value that is not text>"),
            },
        };
        Some(normalize(&type_name, text))
    };
    Some(FirstValue {
        column: column.name().to_string(),
        type_name,
        text,
    })
}

/// PostgreSQL's text form of a boolean is `t`/`f`; YAML authors write `true`.
fn normalize(type_name: &str, text: String) -> String {
    match (type_name, text.as_str()) {
        ("BOOL", "t") => "true".to_string(),
        ("BOOL", "f") => "false".to_string(),
        _ => text,
    }
}

/// Checks `value` and `rows_at_least`; the error is the `assert` message.
pub(crate) fn check(expect: &DbExpect, result: &QueryResult) -> Result<(), String> {
    if let Some(want) = &expect.value {
        match &result.first {
            None => return Err(format!("query returned no rows, expected value {want:?}")),
            Some(first) if first.text.as_deref() != Some(want.as_str()) => {
                let got = match &first.text {
                    Some(t) => format!("{:?}", snippet(t)),
                    None => "NULL".to_string(),
                };
                // A NULL compared with `value: "NULL"` passes: that is how it is shown.
                if !(first.text.is_none() && want == "NULL") {
                    return Err(format!("first value was {got}, expected {want:?}"));
                }
            }
            Some(_) => {}
        }
    }
    if let Some(min) = expect.rows_at_least
        && result.rows < min
    {
        let rows = plural(result.rows, "row");
        return Err(format!("query returned {rows}, expected at least {min}"));
    }
    Ok(())
}

/// The details every database probe reports about its result.
pub(crate) fn details(result: &QueryResult, into: &mut Map<String, Value>) {
    into.insert("rows".into(), result.rows.into());
    if let Some(first) = &result.first {
        into.insert("column".into(), first.column.clone().into());
        into.insert("column_type".into(), first.type_name.clone().into());
        let value = first.text.as_deref().map(|t| Value::from(snippet(t)));
        into.insert("value".into(), value.unwrap_or(Value::Null));
    }
}

/// At most 200 characters of a value, for messages and details.
pub(crate) fn snippet(text: &str) -> String {
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

pub(crate) fn plural(n: u64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(rows: u64, text: Option<&str>) -> QueryResult {
        QueryResult {
            rows,
            first: (rows > 0).then(|| FirstValue {
                column: "c".into(),
                type_name: "TEXT".into(),
                text: text.map(String::from),
            }),
        }
    }

    fn expect(value: Option<&str>, rows: Option<u64>) -> DbExpect {
        DbExpect {
            value: value.map(String::from),
            rows_at_least: rows,
            latency_under: None,
        }
    }

    #[test]
    fn value_and_rows() {
        assert_eq!(
            check(&expect(Some("1"), Some(1)), &result(1, Some("1"))),
            Ok(())
        );
        assert_eq!(
            check(&expect(Some("ok"), None), &result(1, Some("degraded"))),
            Err(r#"first value was "degraded", expected "ok""#.into())
        );
        assert_eq!(
            check(&expect(Some("1"), None), &result(0, None)),
            Err(r#"query returned no rows, expected value "1""#.into())
        );
        assert_eq!(
            check(&expect(None, Some(3)), &result(1, Some("x"))),
            Err("query returned 1 row, expected at least 3".into())
        );
        assert_eq!(
            check(&expect(Some("x"), None), &result(1, None)),
            Err(r#"first value was NULL, expected "x""#.into())
        );
        assert_eq!(check(&expect(Some("NULL"), None), &result(1, None)), Ok(()));
    }

    #[test]
    fn booleans_read_as_yaml_writes_them() {
        assert_eq!(normalize("BOOL", "t".into()), "true");
        assert_eq!(normalize("TEXT", "t".into()), "t");
    }

    #[test]
    fn snippets_are_bounded_on_char_boundaries() {
        let long = "é".repeat(500);
        assert_eq!(snippet(&long).chars().count(), 201);
    }
}
