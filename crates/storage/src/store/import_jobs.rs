//! Imports of people files running in the background, and where each stands.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;

/// Background imports and their progress.
#[async_trait]
pub trait ImportJobStore: Send + Sync {
    /// Starts tracking an import running in the background.
    async fn create_import_job(&self, now: i64) -> StoreResult<i64>;
    /// Records progress of an import.
    async fn update_import_job(&self, job: &ImportJob) -> StoreResult<()>;
    /// Reads an import job.
    async fn import_job(&self, id: i64) -> StoreResult<ImportJob>;
    /// The latest import job, if any was ever started: whether the people were last loaded
    /// cleanly.
    async fn latest_import_job(&self) -> StoreResult<Option<ImportJob>>;
}
