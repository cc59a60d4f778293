//! The store both SQL backends share ([`SqlStore`]). The schemas of SQLite and PostgreSQL are
//! kept alike (same tables, columns and constraints; integers that Rust reads as `i64` are
//! `BIGINT` in PostgreSQL, days are `'YYYY-MM-DD'` text in both), so one set of statements
//! serves both. Placeholders are written `$1`, `$2`…, which both accept, except in statements
//! with many values, where [`Backend::push_placeholder`] writes them. What differs lives behind
//! [`Backend`] (`dialect.rs`), and in each backend's module (how to connect, its migrations).
//!
//! One module per aggregate implements that aggregate's trait of [`crate::store`]: `people.rs`,
//! `accounts.rs`, `campaigns.rs`, `answers.rs` (with the answer intake in `intake.rs` and the
//! release of sealed answers in `release.rs`), `rater_lists.rs` (nominations and each leader's
//! change list), `plans.rs` and `ledger.rs` (development plans and the say-do ledger),
//! `results.rs`, `audit.rs`, `import_jobs.rs`, `segments.rs`, `disclosures.rs`,
//! `instruments.rs` and `learning.rs`. What their statements share is in `rows.rs` (days, ratings,
//! placeholders, column lists, row mappers) and `team_sums.rs` (the running sums of each
//! team's answers).
//!
//! To add an aggregate: write its trait in `store/NAME.rs`, then `sql/NAME.rs` holding
//! `#[sql_impl] #[async_trait] impl<DB> NameStore for SqlStore<DB> { … }`. `#[sql_impl]` (from
//! `crates/storage/macros`) adds the bounds on `DB` that every statement needs, so that they
//! are written once; helpers of the module go in a `#[sql_impl] impl<DB> SqlStore<DB>` block
//! beside it. Its tables come with a new migration in each backend's folder.

mod accounts;
mod answers;
mod audit;
mod campaign_edits;
mod campaigns;
mod dialect;
mod disclosures;
mod feedback;
mod import_jobs;
mod instruments;
mod intake;
mod learning;
mod ledger;
mod maintenance;
mod outcomes;
mod people;
mod plans;
mod pulse;
mod pulse_answers;
mod pulse_reads;
mod rater_lists;
mod release;
mod results;
mod rows;
mod seal_key;
mod segments;
mod team_sums;
// Breach repair and its recovery pulse.
mod recovery;
mod repair;

pub use dialect::Backend;
pub(crate) use instruments::Instruments;
pub(crate) use ledger::SAY_DO_COUNTS;
pub(crate) use rows::*;
pub(crate) use team_sums::*;

// What the aggregates' modules use, taken by each with `use super::*`.
use crate::prelude::*;
use crate::records::*;
use crate::seal::{Purpose, SealKey};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use intake::{IntakeJob, Sent};
use sqlx::{Database, Pool, Row};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use trustloop_domain::analytics::{Contribution, TeamSums, TeamTotals};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::rating::SurveyAnswers;
use trustloop_domain::report::{Comment, Response};
use trustloop_storage_macros::sql_impl;

/// A Trustloop database behind an SQL connection pool: [`SqliteStore`](crate::SqliteStore) or
/// [`PgStore`](crate::PgStore).
pub struct SqlStore<DB: Database> {
    pub(crate) pool: Pool<DB>,
    /// Seals answers waiting for their batch and raters' attributes.
    pub(crate) key: Arc<SealKey>,
    /// Answers on their way to the intake task, which commits those that arrive together in
    /// one transaction; `None` once the store is closed.
    intake: Arc<std::sync::Mutex<Option<mpsc::Sender<IntakeJob>>>>,
    /// The intake task, awaited when the store is closed.
    intake_task: Arc<tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>>,
    /// Instrument versions already read.
    instruments: Instruments,
    /// The reads the backend answers faster outside the pool, where it has such a way.
    native: Option<Arc<dyn NativeReads>>,
    /// The database's file, where it is one (SQLite).
    file: Option<std::path::PathBuf>,
}

/// Reads that a backend answers faster outside the pool's driver, made on a blocking thread.
/// SQLite's driver hands every row of a result between threads (about 4 µs a row): reading
/// the ~9,000 teams of an organisation's heatmap through it cost more than the query itself.
pub(crate) trait NativeReads: Send + Sync {
    /// Every team's running sums in a campaign, ordered by team.
    fn team_sums(&self, campaign: i64) -> StoreResult<Vec<(String, TeamSums)>>;
    /// Each leader's say-do counts (`SAY_DO_COUNTS` with its three values: the first
    /// and last day of the window and k), ordered by leader: one row per leader.
    fn say_do_counts(&self, from: &str, to: &str, k: i64) -> StoreResult<Vec<SayDoCount>>;
    /// Closes the connections kept open between reads, so that the pool's last connection is
    /// the database's last one when the store is closed (the one that checkpoints the log and
    /// removes it): nothing is left holding the files.
    fn close_idle(&self);
}

impl<DB: Database> Clone for SqlStore<DB> {
    fn clone(&self) -> Self {
        SqlStore {
            pool: self.pool.clone(),
            key: self.key.clone(),
            intake: self.intake.clone(),
            intake_task: self.intake_task.clone(),
            instruments: self.instruments.clone(),
            native: self.native.clone(),
            file: self.file.clone(),
        }
    }
}

impl<DB: Database> std::fmt::Debug for SqlStore<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &DB::NAME)
            .field("connections", &self.pool.size())
            .finish()
    }
}
