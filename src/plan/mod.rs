//! The plan: for each selected environment, the resolved checks with every default
//! applied, every variable substituted and every filter decided (with its reason).
//!
//! Built by [`build`] from loaded suites; consumed by the executor and the reporters.

mod build;
mod filter;
mod mask;
mod shard;
pub mod vars;

pub use build::{EnvSelection, PlanError, PlanOptions, Planned, build, build_loaded};
pub use filter::{Filters, glob_match};
pub use mask::{Masker, is_sensitive_header, mask_url_password};
pub use shard::Shard;

use std::sync::Arc;
use std::time::Duration;

use crate::suite::model::{Kind, Severity, Spec};
use crate::suite::raw::Pos;

/// Everything one run will do, in report order.
#[derive(Debug)]
pub struct Plan {
    /// One per (suite, environment): a JUnit `testsuite` each.
    pub groups: Vec<Group>,
    /// Every check of every group, in plan order (group by group, suite order);
    /// `PlannedCheck::id` is the index here.
    pub checks: Vec<PlannedCheck>,
    /// Masks secret values (and URL passwords) in anything shown to a human or a file.
    pub masker: Arc<Masker>,
}

#[derive(Debug)]
pub struct Group {
    pub suite: String,
    /// `None` when no environment is declared anywhere.
    pub env: Option<String>,
    pub ready: Option<ReadyPlan>,
}

impl Group {
    /// `shop [production]`, or `shop` without environments.
    pub fn display_name(&self) -> String {
        match &self.env {
            Some(env) => format!("{} [{env}]", self.suite),
            None => self.suite.clone(),
        }
    }

    /// JUnit classname: `suite.env` (or `suite`).
    pub fn classname(&self) -> String {
        match &self.env {
            Some(env) => format!("{}.{env}", self.suite),
            None => self.suite.clone(),
        }
    }
}

/// The readiness gate of one group (SPEC §2.4).
#[derive(Debug)]
pub struct ReadyPlan {
    pub timeout: Duration,
    pub interval: Duration,
    /// Polled until all pass; their ids are *not* indices into `Plan::checks`.
    pub checks: Vec<PlannedCheck>,
}

#[derive(Debug, Clone)]
pub struct PlannedCheck {
    pub id: usize,
    pub group: usize,
    pub name: String,
    pub description: Option<String>,
    pub kind: Kind,
    /// What the check talks to, for humans, secrets already masked (`https://shop.example/`).
    pub target: String,
    pub spec: Arc<Spec>,
    pub tags: Vec<String>,
    pub severity: Severity,
    /// Per attempt.
    pub timeout: Duration,
    pub retries: u32,
    pub retry_delay: Duration,
    /// Ids of the prerequisites that are part of this run.
    pub needs: Vec<usize>,
    /// Set when the check does not run, with the reason (`skip:`, `only:`, a filter…).
    pub excluded: Option<String>,
    /// Where the check is defined, `file:line`.
    pub location: String,
    pub pos: Pos,
}
