//! The table `smokecheck watch` redraws after every round: what each check did over the
//! last N rounds (a sparkline of status marks), how it ended last time and why.
//!
//! [`History`] remembers the rounds; [`render`] is a pure function from it to text, so the
//! table is pinned by unit tests and the command only decides where and how to draw it.
//! Everything shown comes from results the executor already masked, and goes through the
//! same masking and control-character cleaning as the other reporters.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use owo_colors::OwoColorize;

use crate::exec::{CheckResult, RunOutcome, Status};
use crate::plan::Plan;
use crate::probe::fmt_ms;
use crate::report::{summary, text};

/// Longest group and check names shown before they are cut with `…`: the last column,
/// the one that says what went wrong, needs the room more.
const MAX_GROUP_CHARS: usize = 24;
const MAX_NAME_CHARS: usize = 32;
/// The last column keeps at least this many characters, even on a narrow terminal
/// (the line wraps rather than hide why a check failed).
const MIN_LAST_CHARS: usize = 20;
/// Between columns.
const GAP: &str = "  ";

/// What a watch session remembers: the last `capacity` statuses of every check, its last
/// result, and the last round's summary.
#[derive(Debug)]
pub struct History {
    capacity: usize,
    rounds: usize,
    /// Index = check id in the plan.
    checks: Vec<CheckHistory>,
    last: Option<Round>,
}

#[derive(Debug, Default)]
struct CheckHistory {
    /// Oldest first.
    statuses: VecDeque<Status>,
    last: Option<CheckResult>,
}

#[derive(Debug)]
struct Round {
    started_at: SystemTime,
    summary: String,
    tone: Tone,
}

/// The colour of a summary line: how the round went as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Good,
    Shaky,
    Bad,
}

/// How to draw the table.
#[derive(Debug, Clone, Copy)]
pub struct View {
    /// Columns of the terminal: the last column is cut to fit.
    pub width: usize,
    /// ANSI colours (off for pipes, `NO_COLOR`, `--color never`).
    pub color: bool,
    /// The interval between rounds, for the header.
    pub every: Duration,
}

impl History {
    /// An empty history for `plan`, keeping the last `capacity` results of each check
    /// (at least one).
    pub fn new(plan: &Plan, capacity: usize) -> Self {
        History {
            capacity: capacity.max(1),
            rounds: 0,
            checks: plan
                .checks
                .iter()
                .map(|_| CheckHistory::default())
                .collect(),
            last: None,
        }
    }

    /// Adds a finished round.
    pub fn record(&mut self, plan: &Plan, outcome: &RunOutcome) {
        self.rounds += 1;
        for r in &outcome.results {
            let Some(check) = self.checks.get_mut(r.id) else {
                continue;
            };
            if check.statuses.len() == self.capacity {
                check.statuses.pop_front();
            }
            check.statuses.push_back(r.status);
            check.last = Some(r.clone());
        }
        let t = summary::totals(outcome);
        let tone = if t.failed + t.timed_out > 0
            || outcome.ready.iter().any(|r| !r.passed)
            || outcome.interrupted
        {
            Tone::Bad
        } else if t.flaky + t.warned > 0 {
            Tone::Shaky
        } else {
            Tone::Good
        };
        self.last = Some(Round {
            started_at: outcome.started_at,
            summary: summary::summary_line(plan, outcome),
            tone,
        });
    }

    /// Rounds recorded so far.
    pub fn rounds(&self) -> usize {
        self.rounds
    }
}

/// The mark of one result in the sparkline (the same marks as the pretty terminal).
fn mark(status: Status) -> &'static str {
    match status {
        Status::Passed => "✔",
        Status::Flaky => "↻",
        Status::Warned => "⚠",
        Status::Failed => "✖",
        Status::TimedOut => "⏱",
        Status::Skipped => "○",
    }
}

/// The status column: the JSON report's word, readable.
fn word(status: Status) -> &'static str {
    match status {
        Status::TimedOut => "timed out",
        other => other.as_str(),
    }
}

/// Paints `text` in the colour of `status`: each status its own.
fn paint(text: &str, status: Status, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    match status {
        Status::Passed => text.green().to_string(),
        Status::Flaky => text.yellow().to_string(),
        Status::Warned => text.magenta().to_string(),
        Status::Failed => text.red().bold().to_string(),
        Status::TimedOut => text.bright_red().to_string(),
        Status::Skipped => text.dimmed().to_string(),
    }
}

fn paint_tone(text: &str, tone: Tone, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    match tone {
        Tone::Good => text.green().bold().to_string(),
        Tone::Shaky => text.yellow().bold().to_string(),
        Tone::Bad => text.red().bold().to_string(),
    }
}

fn dim(text: &str, color: bool) -> String {
    if color {
        text.dimmed().to_string()
    } else {
        text.to_string()
    }
}

/// `text` cut to `max` characters, the cut said with `…`.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// `text` cut to `width` characters and padded with spaces to exactly that many.
fn cell(text: &str, width: usize) -> String {
    let text = truncate(text, width);
    let pad = width.saturating_sub(text.chars().count());
    format!("{text}{}", " ".repeat(pad))
}

/// One row before it is laid out: plain text, measured in characters.
struct Row {
    group: String,
    name: String,
    statuses: Vec<Status>,
    status: Option<Status>,
    duration: String,
    last: String,
}

/// The whole screen: a header (round count, when the last round started, its summary
/// line), then one row per selected check in plan order — group, check, the sparkline of
/// its last results (oldest first), its last status, duration and key fact or failure.
pub fn render(plan: &Plan, history: &History, view: View) -> String {
    let color = view.color;
    let mut out = String::new();
    let every = humantime::format_duration(view.every);
    match &history.last {
        Some(round) => {
            let at = humantime::format_rfc3339_seconds(round.started_at);
            let runs = if history.rounds == 1 { "run" } else { "runs" };
            out.push_str(&format!(
                "smokecheck watch · {} {runs} · last {at} · every {every}\n",
                history.rounds
            ));
            out.push_str(&paint_tone(&round.summary, round.tone, color));
            out.push('\n');
        }
        None => out.push_str(&format!(
            "smokecheck watch · waiting for the first run · every {every}\n"
        )),
    }

    // Checks the plan leaves out (filters, `skip:`, `only:`) would only ever show `○`.
    let rows: Vec<Row> = plan
        .checks
        .iter()
        .filter(|c| c.excluded.is_none())
        .map(|c| {
            let h = history.checks.get(c.id);
            let last = h.and_then(|h| h.last.as_ref());
            Row {
                group: plan
                    .groups
                    .get(c.group)
                    .map(|g| text::mask(plan, &g.display_name()))
                    .unwrap_or_default(),
                name: text::mask(plan, &c.name),
                statuses: h
                    .map(|h| h.statuses.iter().copied().collect())
                    .unwrap_or_default(),
                status: last.map(|r| r.status),
                duration: last.map(|r| fmt_ms(r.duration)).unwrap_or_default(),
                last: last.map(|r| text::headline(plan, r)).unwrap_or_default(),
            }
        })
        .collect();
    if rows.is_empty() {
        out.push_str("\nno check selected\n");
        return out;
    }

    let widest =
        |f: fn(&Row) -> usize, title: &str| rows.iter().map(f).max().unwrap_or(0).max(title.len());
    let group_w = widest(|r| r.group.chars().count(), "GROUP").min(MAX_GROUP_CHARS);
    let name_w = widest(|r| r.name.chars().count(), "CHECK").min(MAX_NAME_CHARS);
    let history_w = history.capacity.max("HISTORY".len());
    let status_w = word(Status::TimedOut).len();
    let time_w = widest(|r| r.duration.len(), "TIME");
    let before_last = group_w + name_w + history_w + status_w + time_w + 5 * GAP.len();
    let last_w = view.width.saturating_sub(before_last).max(MIN_LAST_CHARS);

    out.push('\n');
    let heading = [
        cell("GROUP", group_w),
        cell("CHECK", name_w),
        cell("HISTORY", history_w),
        cell("STATUS", status_w),
        format!("{:>time_w$}", "TIME"),
        "LAST".to_string(),
    ]
    .join(GAP);
    out.push_str(&dim(&heading, color));
    out.push('\n');

    for row in &rows {
        let sparkline: String = row
            .statuses
            .iter()
            .map(|s| paint(mark(*s), *s, color))
            .collect();
        let pad = history_w.saturating_sub(row.statuses.len());
        let (status, last) = match row.status {
            Some(s) => (
                paint(&cell(word(s), status_w), s, color),
                paint(&truncate(&row.last, last_w), s, color),
            ),
            None => (cell("", status_w), String::new()),
        };
        let line = [
            cell(&row.group, group_w),
            cell(&row.name, name_w),
            format!("{sparkline}{}", " ".repeat(pad)),
            status,
            format!("{:>time_w$}", row.duration),
            last,
        ]
        .join(GAP);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::UNIX_EPOCH;

    use crate::exec::Attempt;
    use crate::plan::{Group, Masker, PlannedCheck};
    use crate::probe::Layer;
    use crate::suite::model::{Kind, Severity, Spec, TcpExpect, TcpSpec};
    use crate::suite::raw::Pos;

    const SECRET: &str = "hunter2-token";

    fn planned(id: usize, group: usize, name: &str) -> PlannedCheck {
        PlannedCheck {
            id,
            group,
            name: name.to_string(),
            description: None,
            kind: Kind::Http,
            target: format!("http://shop.example/{id}"),
            spec: Arc::new(Spec::Tcp(TcpSpec {
                host: "shop.example".into(),
                port: 443,
                tls: false,
                expect: TcpExpect::default(),
            })),
            tags: Vec::new(),
            severity: Severity::Critical,
            timeout: Duration::from_secs(5),
            retries: 0,
            retry_delay: Duration::from_millis(500),
            needs: Vec::new(),
            excluded: None,
            location: String::new(),
            pos: Pos::default(),
        }
    }

    fn plan() -> Plan {
        let mut masker = Masker::new();
        masker.add(SECRET);
        let mut checks = vec![
            planned(0, 0, "storefront"),
            planned(1, 0, "checkout flaky"),
            planned(2, 0, "orders database"),
            planned(3, 1, "storefront"),
            planned(4, 1, "nightly report"),
        ];
        checks[4].excluded = Some("only: production".into());
        Plan {
            groups: vec![
                Group {
                    suite: "shop".into(),
                    env: Some("production".into()),
                    ready: None,
                },
                Group {
                    suite: "shop".into(),
                    env: Some("staging".into()),
                    ready: None,
                },
            ],
            checks,
            masker: Arc::new(masker),
        }
    }

    fn result(
        id: usize,
        status: Status,
        millis: u64,
        fact: &str,
        fail: Option<(Layer, &str)>,
    ) -> CheckResult {
        let (layer, message) = match fail {
            Some((layer, message)) => (Some(layer), message.to_string()),
            None => (None, String::new()),
        };
        let attempt = Attempt {
            status,
            duration: Duration::from_millis(millis),
            layer,
            message: message.clone(),
        };
        CheckResult {
            id,
            status,
            duration: Duration::from_millis(millis),
            layer,
            message,
            fact: fact.to_string(),
            warnings: Vec::new(),
            attempts: vec![attempt],
            details: serde_json::Map::new(),
        }
    }

    const HTTP_503: Option<(Layer, &str)> = Some((Layer::Http, "status 503, expected 2xx"));

    /// A round where check 1 ends as `flaky_as` and check 2 as `db_as`.
    fn round(n: u64, flaky_as: Status, db_as: Status) -> RunOutcome {
        let db = match db_as {
            Status::TimedOut => result(
                2,
                db_as,
                5000,
                "",
                Some((Layer::Connect, "timed out after 5s to 10.0.0.7:5432")),
            ),
            Status::Failed => result(2, db_as, 12, "", HTTP_503),
            Status::Warned => result(
                2,
                db_as,
                9,
                "200 OK · 9ms",
                Some((Layer::Tls, "certificate expires in 12 days")),
            ),
            _ => result(2, db_as, 9, "200 OK · 9ms", None),
        };
        let flaky = match flaky_as {
            Status::Failed => result(1, flaky_as, 4, "", HTTP_503),
            Status::Flaky => {
                let mut r = result(1, flaky_as, 7, "200 OK · 3ms", HTTP_503);
                r.attempts[0].status = Status::Failed;
                r.attempts.push(Attempt {
                    status: Status::Passed,
                    duration: Duration::from_millis(3),
                    layer: None,
                    message: String::new(),
                });
                r
            }
            _ => result(1, flaky_as, 7, "200 OK · 3ms", None),
        };
        RunOutcome {
            started_at: UNIX_EPOCH + Duration::from_secs(1_750_000_000 + 30 * n),
            duration: Duration::from_millis(250),
            results: vec![
                result(0, Status::Passed, 84, "200 OK · 84ms", None),
                flaky,
                db,
                result(3, Status::Passed, 91, "200 OK · 91ms", None),
                CheckResult::skipped(4, "only: production"),
            ],
            ready: Vec::new(),
            interrupted: false,
        }
    }

    fn view(width: usize) -> View {
        View {
            width,
            color: false,
            every: Duration::from_secs(30),
        }
    }

    #[test]
    fn table_shows_history_last_status_and_fact() {
        let plan = plan();
        let mut h = History::new(&plan, 5);
        h.record(&plan, &round(0, Status::Failed, Status::Passed));
        h.record(&plan, &round(1, Status::Failed, Status::Failed));
        h.record(&plan, &round(2, Status::Passed, Status::TimedOut));
        h.record(&plan, &round(3, Status::Flaky, Status::Warned));
        let text = render(&plan, &h, view(120));
        assert_eq!(
            text,
            "\
smokecheck watch · 4 runs · last 2025-06-15T15:08:10Z · every 30s
2 passed, 1 flaky, 1 warned, 1 skipped in 0.25s — production, staging

GROUP              CHECK            HISTORY  STATUS     TIME  LAST
shop [production]  storefront       ✔✔✔✔     passed     84ms  200 OK · 84ms
shop [production]  checkout flaky   ✖✖✔↻     flaky       7ms  200 OK · 3ms (passed on attempt 2 of 2)
shop [production]  orders database  ✔✖⏱⚠     warned      9ms  tls: certificate expires in 12 days
shop [staging]     storefront       ✔✔✔✔     passed     91ms  200 OK · 91ms
"
        );
    }

    #[test]
    fn history_keeps_only_the_last_n_results() {
        let plan = plan();
        let mut h = History::new(&plan, 3);
        for (n, s) in [
            Status::Failed,
            Status::Failed,
            Status::Passed,
            Status::Passed,
        ]
        .into_iter()
        .enumerate()
        {
            h.record(&plan, &round(n as u64, s, Status::Passed));
        }
        assert_eq!(h.rounds(), 4);
        let text = render(&plan, &h, view(120));
        let row = text.lines().find(|l| l.contains("checkout flaky")).unwrap();
        assert!(row.contains(" ✖✔✔ "), "{row}");
        assert!(text.contains("· 4 runs ·"), "{text}");
    }

    #[test]
    fn failures_say_layer_and_reason_cut_to_the_width() {
        let plan = plan();
        let mut h = History::new(&plan, 20);
        h.record(&plan, &round(0, Status::Failed, Status::TimedOut));
        let wide = render(&plan, &h, view(200));
        assert!(
            wide.contains("✖                     failed       4ms  http: status 503, expected 2xx"),
            "{wide}"
        );
        assert!(
            wide.contains("⏱                     timed out  5.00s  connect: timed out after 5s to"),
            "{wide}"
        );
        let narrow = render(&plan, &h, view(100));
        for line in narrow.lines().skip(3) {
            assert!(line.chars().count() <= 100, "{line:?}");
        }
        assert!(narrow.contains("  http: status 503, expec…\n"), "{narrow}");
        // Too narrow to fit: the last column keeps a readable minimum and the line wraps.
        let tiny = render(&plan, &h, view(10));
        assert!(tiny.contains("  http: status 503, e…\n"), "{tiny}");
    }

    #[test]
    fn secrets_and_control_characters_never_reach_the_screen() {
        let plan = plan();
        let mut h = History::new(&plan, 5);
        let mut outcome = round(0, Status::Failed, Status::Passed);
        outcome.results[1].message = format!("token {SECRET} rejected\x1b[2J\nnext");
        h.record(&plan, &outcome);
        let text = render(&plan, &h, view(200));
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.contains('\x1b'), "{text:?}");
        assert!(
            text.contains("http: token **** rejected\\u{1b}[2J next"),
            "{text}"
        );
    }

    #[test]
    fn every_status_has_its_own_mark_and_colour() {
        let marks: Vec<&str> = Status::ALL.iter().map(|s| mark(*s)).collect();
        let colours: Vec<String> = Status::ALL.iter().map(|s| paint("x", *s, true)).collect();
        for i in 0..Status::ALL.len() {
            for j in i + 1..Status::ALL.len() {
                assert_ne!(marks[i], marks[j]);
                assert_ne!(colours[i], colours[j]);
            }
            assert!(colours[i].starts_with('\x1b'), "{:?}", colours[i]);
        }
        let plan = plan();
        let mut h = History::new(&plan, 5);
        h.record(&plan, &round(0, Status::Failed, Status::Passed));
        let text = render(
            &plan,
            &h,
            View {
                color: true,
                ..view(120)
            },
        );
        assert!(text.contains(&paint("✖", Status::Failed, true)), "{text:?}");
        assert!(text.contains(&paint_tone(
            "3 passed, 1 failed, 1 skipped in 0.25s — production, staging",
            Tone::Bad,
            true
        )));
    }

    #[test]
    fn before_the_first_round_and_with_nothing_selected() {
        let plan = plan();
        let h = History::new(&plan, 5);
        let text = render(&plan, &h, view(120));
        assert!(text.starts_with("smokecheck watch · waiting for the first run · every 30s\n"));
        assert!(text.contains("\nshop [staging]     storefront\n"), "{text}");
        let mut nothing = plan;
        for c in &mut nothing.checks {
            c.excluded = Some("--tag web".into());
        }
        let h = History::new(&nothing, 5);
        assert!(render(&nothing, &h, view(120)).ends_with("\nno check selected\n"));
    }
}
