//! Terminal reporter (stub: to be implemented).

use std::io::Write;

use crate::exec::{Event, RunOutcome};
use crate::plan::Plan;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pretty,
    Plain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

#[derive(Debug, Clone, Copy)]
pub struct TermOptions {
    pub format: Format,
    pub verbosity: Verbosity,
}

/// Writes progress and results to `out` (an `anstream` stream decides about colour).
pub struct Terminal<W: Write> {
    pub out: W,
    pub opts: TermOptions,
}

impl<W: Write> Terminal<W> {
    pub fn new(out: W, opts: TermOptions) -> Self {
        Terminal { out, opts }
    }

    pub fn event(&mut self, _plan: &Plan, _event: &Event) {}

    pub fn finish(&mut self, _plan: &Plan, _outcome: &RunOutcome) {}
}
