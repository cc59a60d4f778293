//! The audit log: security-relevant events, appended and read newest first.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an event to the audit log.
    async fn record_audit(&self, event: &AuditEvent) -> StoreResult<()>;
    /// Appends several events in one transaction, in order: one commit for the events of many
    /// requests at once (the web layer's group commit of the audit log).
    async fn record_audits(&self, events: &[AuditEvent]) -> StoreResult<()>;
    /// The newest audit events first, at most `limit`, optionally only those before event id
    /// `before`; with their ids.
    async fn audit_events(
        &self,
        limit: u32,
        before: Option<i64>,
    ) -> StoreResult<Vec<(i64, AuditEvent)>>;
}
