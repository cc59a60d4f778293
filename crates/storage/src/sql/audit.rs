//! The audit log ([`AuditStore`]).

use super::*;
use crate::AuditStore;

/// Audit events per multi-row INSERT (6 values each, well under both databases' limit on bound
/// values: 32,766 for SQLite, 65,535 for PostgreSQL).
const AUDIT_BATCH: usize = 2000;

/// The statement that writes `events` audit events (6 values each).
fn audit_insert<DB: Backend>(events: usize) -> String {
    format!(
        "INSERT INTO audit_events (at, actor, action, target, address, detail) VALUES {}",
        row_placeholders::<DB>(events, 6)
    )
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// Binds each event's six values to an [`audit_insert`] statement.
    fn bind_audit_events<'q>(
        mut insert: sqlx::query::Query<'q, DB, DB::Arguments<'q>>,
        events: &'q [AuditEvent],
    ) -> sqlx::query::Query<'q, DB, DB::Arguments<'q>> {
        for event in events {
            insert = insert
                .bind(event.at)
                .bind(event.actor.as_str())
                .bind(event.action.as_str())
                .bind(event.target.as_str())
                .bind(event.address.as_str())
                .bind(event.detail.as_str());
        }
        insert
    }
}

#[sql_impl]
#[async_trait]
impl<DB> AuditStore for SqlStore<DB> {
    #[tracing::instrument(skip_all)]
    async fn record_audit(&self, event: &AuditEvent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_events (at, actor, action, target, address, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(event.at)
        .bind(&event.actor)
        .bind(&event.action)
        .bind(&event.target)
        .bind(&event.address)
        .bind(&event.detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(events = events.len()))]
    async fn record_audits(&self, events: &[AuditEvent]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        // One statement is a transaction of its own: one round trip to the database instead
        // of three (BEGIN, INSERT, COMMIT) for the usual group of events.
        if events.len() <= AUDIT_BATCH {
            let sql = audit_insert::<DB>(events.len());
            Self::bind_audit_events(sqlx::query(&sql), events)
                .execute(&self.pool)
                .await?;
            return Ok(());
        }
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        for chunk in events.chunks(AUDIT_BATCH) {
            let sql = audit_insert::<DB>(chunk.len());
            Self::bind_audit_events(sqlx::query(&sql), chunk)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(limit))]
    async fn audit_events(
        &self,
        limit: u32,
        before: Option<i64>,
    ) -> StoreResult<Vec<(i64, AuditEvent)>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, target, address, detail FROM audit_events
             WHERE ($1 IS NULL OR id < $1) ORDER BY id DESC LIMIT $2",
        )
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("id")?,
                    AuditEvent {
                        at: row.try_get("at")?,
                        actor: row.try_get("actor")?,
                        action: row.try_get("action")?,
                        target: row.try_get("target")?,
                        address: row.try_get("address")?,
                        detail: row.try_get("detail")?,
                    },
                ))
            })
            .collect()
    }
}
