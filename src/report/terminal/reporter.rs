//! The terminal reporter: turns executor events into lines in **plan order**, whatever
//! order checks finish in (results are held back until every earlier check is done,
//! then the longest finished prefix is written), plus an optional live progress line.
//!
//! The progress line is redrawn in place with `\r`; before any other line it is wiped
//! with `\r`, an erase-line sequence *and* spaces, so it also disappears when the stream
//! strips escape sequences (colour off on a TTY).

use std::collections::BTreeSet;
use std::io::Write;

use super::lines;
use crate::exec::{CheckResult, Event, ReadyResult, RunOutcome};
use crate::plan::Plan;

/// Longest check name shown in the progress line (keeps it on one terminal row).
const PROGRESS_NAME_CHARS: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Status marks, colour, group headers; the progress line if enabled.
    Pretty,
    /// One stable line per check, no colour, no progress: for logs and grep.
    Plain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Only checks that need a look (failed, timed out, flaky, warned) and the summary.
    Quiet,
    Normal,
    /// Target, attempts and details of every check.
    Verbose,
}

#[derive(Debug, Clone, Copy)]
pub struct TermOptions {
    pub format: Format,
    pub verbosity: Verbosity,
    /// Draw the live progress line (pretty only). Set it when stdout is a terminal.
    pub progress: bool,
}

/// One position in the output: a group's readiness gate, or a check.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Ready(usize),
    Check(usize),
}

/// Writes results and progress to `out`. Give it an `anstream::AutoStream` so colour is
/// stripped when it must be (pipe, `NO_COLOR`, `--color never`).
pub struct Terminal<W: Write> {
    pub out: W,
    pub opts: TermOptions,
    /// Output positions in plan order; built on the first event.
    slots: Vec<Slot>,
    initialized: bool,
    /// Slots before this one are written.
    cursor: usize,
    checks: Vec<Option<CheckResult>>,
    ready: Vec<Option<ReadyResult>>,
    /// Group whose header was written last (pretty).
    header: Option<usize>,
    running: BTreeSet<usize>,
    waiting_ready: BTreeSet<usize>,
    total: usize,
    done: usize,
    /// Characters of the progress line currently on screen (0: none).
    progress_width: usize,
    /// Whether any result line was written (the summary is set apart by a blank line).
    wrote_lines: bool,
}

impl<W: Write> Terminal<W> {
    pub fn new(out: W, opts: TermOptions) -> Self {
        Terminal {
            out,
            opts,
            slots: Vec::new(),
            initialized: false,
            cursor: 0,
            checks: Vec::new(),
            ready: Vec::new(),
            header: None,
            running: BTreeSet::new(),
            waiting_ready: BTreeSet::new(),
            total: 0,
            done: 0,
            progress_width: 0,
            wrote_lines: false,
        }
    }

    /// Takes one executor event: writes whatever became writable in plan order.
    pub fn event(&mut self, plan: &Plan, event: &Event) {
        match event {
            Event::CheckFinished(r) => self.check_finished(plan, r.clone()),
            Event::ReadyFinished(r) => self.ready_finished(plan, r.clone()),
            other => self.other_event(plan, other),
        }
    }

    /// [`Self::event`] for an event the caller no longer needs: a result is kept as it
    /// is, not copied (one copy less per check).
    pub fn take_event(&mut self, plan: &Plan, event: Event) {
        match event {
            Event::CheckFinished(r) => self.check_finished(plan, r),
            Event::ReadyFinished(r) => self.ready_finished(plan, r),
            other => self.other_event(plan, &other),
        }
    }

    fn check_finished(&mut self, plan: &Plan, r: CheckResult) {
        self.init(plan);
        self.running.remove(&r.id);
        self.done += 1;
        if let Some(slot) = self.checks.get_mut(r.id) {
            *slot = Some(r);
        }
        self.flush(plan);
        self.draw_progress(plan);
    }

    fn ready_finished(&mut self, plan: &Plan, r: ReadyResult) {
        self.init(plan);
        self.waiting_ready.remove(&r.group);
        if let Some(slot) = self.ready.get_mut(r.group) {
            *slot = Some(r);
        }
        self.flush(plan);
        self.draw_progress(plan);
    }

    fn other_event(&mut self, plan: &Plan, event: &Event) {
        self.init(plan);
        match event {
            Event::RunStarted { total, .. } => self.total = *total,
            Event::ReadyStarted { group } => {
                self.waiting_ready.insert(*group);
            }
            Event::ReadyFinished(r) => return self.ready_finished(plan, r.clone()),
            Event::CheckFinished(r) => return self.check_finished(plan, r.clone()),
            Event::CheckStarted { id } => {
                self.running.insert(*id);
            }
            Event::AttemptFailed { .. } => {}
            Event::RunFinished => {
                self.clear_progress();
                let _ = self.out.flush();
                return;
            }
        }
        self.draw_progress(plan);
    }

    /// Writes everything not yet written (the outcome is the truth: checks cancelled by an
    /// interrupt or a deadline appear here), then the summary line.
    pub fn finish(&mut self, plan: &Plan, outcome: &RunOutcome) {
        self.init(plan);
        // Only slots not yet written can still need a result (a written slot is empty
        // again, and copying every result back into it would be for nothing).
        let mut unwritten_checks = vec![false; self.checks.len()];
        let mut unwritten_ready = vec![false; self.ready.len()];
        for slot in self.slots.get(self.cursor..).unwrap_or_default() {
            let flag = match *slot {
                Slot::Check(id) => unwritten_checks.get_mut(id),
                Slot::Ready(g) => unwritten_ready.get_mut(g),
            };
            if let Some(flag) = flag {
                *flag = true;
            }
        }
        for r in &outcome.results {
            if unwritten_checks.get(r.id) == Some(&true)
                && let Some(slot @ None) = self.checks.get_mut(r.id)
            {
                *slot = Some(r.clone());
            }
        }
        for r in &outcome.ready {
            if unwritten_ready.get(r.group) == Some(&true)
                && let Some(slot @ None) = self.ready.get_mut(r.group)
            {
                *slot = Some(r.clone());
            }
        }
        // A gate that never reported (interrupted before it ran) has nothing to say.
        self.flush_all(plan);
        self.clear_progress();
        let summary = lines::summary_line(plan, outcome, self.opts.format);
        if self.wrote_lines {
            let _ = writeln!(self.out);
        }
        let _ = writeln!(self.out, "{summary}");
        let _ = self.out.flush();
    }

    fn init(&mut self, plan: &Plan) {
        if self.initialized {
            return;
        }
        self.initialized = true;
        let mut by_group: Vec<Vec<usize>> = vec![Vec::new(); plan.groups.len()];
        let mut orphans = Vec::new();
        for c in &plan.checks {
            match by_group.get_mut(c.group) {
                Some(ids) => ids.push(c.id),
                None => orphans.push(c.id),
            }
        }
        for (g, (group, ids)) in plan.groups.iter().zip(by_group).enumerate() {
            if group.ready.is_some() {
                self.slots.push(Slot::Ready(g));
            }
            self.slots.extend(ids.into_iter().map(Slot::Check));
        }
        self.slots.extend(orphans.into_iter().map(Slot::Check));
        self.checks = vec![None; plan.checks.len()];
        self.ready = vec![None; plan.groups.len()];
        if self.total == 0 {
            self.total = plan.checks.len();
        }
    }

    /// Writes the longest prefix of finished slots.
    fn flush(&mut self, plan: &Plan) {
        while let Some(&slot) = self.slots.get(self.cursor) {
            if !self.is_ready(slot) {
                break;
            }
            self.write_slot(plan, slot);
            self.cursor += 1;
        }
    }

    /// Writes every remaining slot that has something to say.
    fn flush_all(&mut self, plan: &Plan) {
        while let Some(&slot) = self.slots.get(self.cursor) {
            if self.is_ready(slot) {
                self.write_slot(plan, slot);
            }
            self.cursor += 1;
        }
    }

    fn is_ready(&self, slot: Slot) -> bool {
        match slot {
            Slot::Ready(g) => matches!(self.ready.get(g), Some(Some(_))),
            Slot::Check(id) => matches!(self.checks.get(id), Some(Some(_))),
        }
    }

    fn write_slot(&mut self, plan: &Plan, slot: Slot) {
        let (group, block) = match slot {
            Slot::Ready(g) => match self.ready.get(g) {
                Some(Some(r)) if lines::ready_shown(r, self.opts.verbosity) => {
                    (g, vec![lines::ready_line(plan, r, self.opts.format)])
                }
                _ => return,
            },
            Slot::Check(id) => match self.checks.get_mut(id).and_then(Option::take) {
                // Taken: a written result is not needed again (memory stays flat).
                Some(r) if lines::shown(&r, self.opts.verbosity) => {
                    let group = plan.checks.get(id).map_or(usize::MAX, |c| c.group);
                    (
                        group,
                        lines::check_block(plan, &r, self.opts.format, self.opts.verbosity),
                    )
                }
                _ => return,
            },
        };
        self.clear_progress();
        if self.opts.format == Format::Pretty && self.header != Some(group) {
            if self.header.is_some() {
                let _ = writeln!(self.out);
            }
            self.header = Some(group);
            if let Some(h) = lines::group_header(plan, group) {
                let _ = writeln!(self.out, "{h}");
            }
        }
        for line in block {
            let _ = writeln!(self.out, "{line}");
        }
        self.wrote_lines = true;
    }

    fn progress_enabled(&self) -> bool {
        self.opts.progress && self.opts.format == Format::Pretty
    }

    fn draw_progress(&mut self, plan: &Plan) {
        if !self.progress_enabled() {
            return;
        }
        let line = if let Some(&id) = self.running.iter().next() {
            let name = plan
                .checks
                .get(id)
                .map(|c| crate::report::text::mask(plan, &c.name));
            let mut name = name.unwrap_or_default();
            if name.chars().count() > PROGRESS_NAME_CHARS {
                name = name
                    .chars()
                    .take(PROGRESS_NAME_CHARS - 1)
                    .collect::<String>()
                    + "…";
            }
            let more = self.running.len() - 1;
            let more = if more > 0 {
                format!(" (+{more} more)")
            } else {
                String::new()
            };
            format!("[{}/{}] running: {name}…{more}", self.done, self.total)
        } else if let Some(&g) = self.waiting_ready.iter().next() {
            let group = plan
                .groups
                .get(g)
                .map(|g| g.display_name())
                .unwrap_or_default();
            let group: String = crate::report::text::mask(plan, &group)
                .chars()
                .take(PROGRESS_NAME_CHARS)
                .collect();
            format!(
                "[{}/{}] waiting for {group} to be ready…",
                self.done, self.total
            )
        } else {
            self.clear_progress();
            let _ = self.out.flush();
            return;
        };
        self.clear_progress();
        let _ = write!(self.out, "{line}");
        let _ = self.out.flush();
        self.progress_width = line.chars().count();
    }

    fn clear_progress(&mut self) {
        if self.progress_width == 0 {
            return;
        }
        let _ = write!(self.out, "\r\x1b[2K{}\r", " ".repeat(self.progress_width));
        self.progress_width = 0;
    }
}
