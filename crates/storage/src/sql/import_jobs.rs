//! Background imports ([`ImportJobStore`]).

use super::*;
use crate::ImportJobStore;

#[sql_impl]
#[async_trait]
impl<DB> ImportJobStore for SqlStore<DB> {
    #[tracing::instrument(skip_all)]
    async fn create_import_job(&self, now: i64) -> StoreResult<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO import_jobs (status, created_at) VALUES ($1, $2) RETURNING id",
        )
        .bind(ImportStatus::Running.slug())
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    #[tracing::instrument(skip_all, fields(job = job.id))]
    async fn update_import_job(&self, job: &ImportJob) -> StoreResult<()> {
        let problems = serde_json::to_string(&job.problems)
            .map_err(|e| StoreError::Corrupt(format!("problems: {e}")))?;
        sqlx::query(
            "UPDATE import_jobs SET status = $1, total_rows = $2, processed = $3, message = $4, problems = $5 WHERE id = $6",
        )
        .bind(job.status.slug())
        .bind(job.total_rows as i64)
        .bind(job.processed as i64)
        .bind(&job.message)
        .bind(problems)
        .bind(job.id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(job = id))]
    async fn import_job(&self, id: i64) -> StoreResult<ImportJob> {
        let row = sqlx::query("SELECT * FROM import_jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("import"))?;
        Self::import_job_from_row(id, &row)
    }

    async fn latest_import_job(&self) -> StoreResult<Option<ImportJob>> {
        let row = sqlx::query("SELECT * FROM import_jobs ORDER BY id DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| Self::import_job_from_row(row.try_get("id")?, &row))
            .transpose()
    }
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// An import job from its row (read with `SELECT *`).
    fn import_job_from_row(id: i64, row: &DB::Row) -> StoreResult<ImportJob> {
        let status: String = row.try_get("status")?;
        let problems: String = row.try_get("problems")?;
        Ok(ImportJob {
            id,
            status: ImportStatus::from_slug(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("import status {status:?}")))?,
            total_rows: row.try_get::<i64, _>("total_rows")? as u64,
            processed: row.try_get::<i64, _>("processed")? as u64,
            message: row.try_get("message")?,
            problems: serde_json::from_str(&problems)
                .map_err(|e| StoreError::Corrupt(format!("problems: {e}")))?,
        })
    }
}
