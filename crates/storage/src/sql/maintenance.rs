//! Health, clean closing and backups ([`HealthStore`], [`MaintenanceStore`]).

use super::*;
use crate::writable::check_file;
use crate::{Backup, StoreError};
use std::path::Path;

/// What a PostgreSQL database is backed up with instead of `trustloop backup`.
const POSTGRES_BACKUP: &str = "a PostgreSQL database is backed up with PostgreSQL's own tools, which take a consistent snapshot while Trustloop serves: `pg_dump --format=custom --file=trustloop.dump \"$DATABASE_URL\"`, restored with `pg_restore --dbname=\"$EMPTY_DATABASE_URL\" trustloop.dump` (or continuous archiving for point-in-time recovery). Keep the seal key file apart from the dump: a restored database needs the key it was used with. See docs/scaling.md";

#[sql_impl]
#[async_trait]
impl<DB> HealthStore for SqlStore<DB> {
    #[tracing::instrument(skip_all)]
    async fn health(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn writable(&self) -> StoreResult<()> {
        // A file that can no longer be opened for writing (its permissions or its file system
        // changed) is told even while the connections opened before still write to it.
        if let Some(file) = &self.file {
            check_file(file)?;
        }
        // A one-row write and its commit: what a read-only server (a standby) or a full disk
        // refuses.
        let place = self.file.as_ref().map_or("the database".to_string(), |f| {
            format!("the database {}", f.display())
        });
        sqlx::query("UPDATE seal_key SET checked_at = $1 WHERE id = 1")
            .bind(super::seal_key::unix_now())
            .execute(&self.pool)
            .await
            .map_err(|e| crate::writable::explained(e.into(), &place))?;
        Ok(())
    }
}

#[sql_impl]
#[async_trait]
impl<DB> MaintenanceStore for SqlStore<DB> {
    #[tracing::instrument(skip_all)]
    async fn close(&self) -> StoreResult<()> {
        // Without its sender the intake takes what was already sent, commits it, answers it
        // and ends.
        drop(self.intake.lock().expect("never poisoned").take());
        let task = self.intake_task.lock().await.take();
        let Some(task) = task else {
            return Ok(());
        };
        if let Err(error) = task.await {
            tracing::error!(%error, "the answer intake ended abnormally");
        }
        if let Some(native) = &self.native {
            native.close_idle();
        }
        if self.file.is_some() {
            self.truncate_log().await;
        }
        // A connection given back while the pool closes can land among the idle ones after
        // `close` took those (sqlx 0.8): it would be closed later by its own thread, with the
        // database's files still open and the log left behind. Closing again takes it.
        for _ in 0..100 {
            self.pool.close().await;
            if self.pool.size() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        if let Some(file) = self.file.clone() {
            let _ = tokio::task::spawn_blocking(move || remove_log(&file)).await;
        }
        tracing::info!("the database is closed");
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn backup(&self, to: &Path) -> StoreResult<Backup> {
        let Some(file) = &self.file else {
            return Err(StoreError::Config(if DB::TRUNCATE_LOG.is_none() {
                POSTGRES_BACKUP.to_string()
            } else {
                "an in-memory database has nothing to back up".to_string()
            }));
        };
        if to.exists() {
            return Err(StoreError::Config(format!(
                "{} already exists: name a new file for the backup",
                to.display()
            )));
        }
        if to.canonicalize().ok().as_deref() == file.canonicalize().ok().as_deref() {
            return Err(StoreError::Config(
                "a backup cannot replace the database itself".into(),
            ));
        }
        let mut partial = to.as_os_str().to_owned();
        partial.push(".partial");
        let partial = std::path::PathBuf::from(partial);
        let _ = std::fs::remove_file(&partial);
        let place = format!("the backup {}", to.display());
        // One read transaction: a copy of the last commit before it began, whatever is written
        // meanwhile; the copy holds the log's commits too, and no free pages.
        sqlx::query("VACUUM INTO $1")
            .bind(partial.to_string_lossy().into_owned())
            .execute(&self.pool)
            .await
            .map_err(|e| crate::writable::explained(e.into(), &place))?;
        let checked = partial.clone();
        let bytes = tokio::task::spawn_blocking(move || check_copy(&checked))
            .await
            .map_err(|e| StoreError::Corrupt(format!("the backup check stopped: {e}")))??;
        std::fs::rename(&partial, to).map_err(|e| {
            StoreError::Config(format!("cannot name the backup {}: {e}", to.display()))
        })?;
        if let Some(folder) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
            // The new name outlives a power cut too.
            let _ = std::fs::File::open(folder).and_then(|f| f.sync_all());
        }
        Ok(Backup {
            bytes,
            key_fingerprint: self.key.fingerprint(),
        })
    }

    fn key_fingerprint(&self) -> String {
        self.key.fingerprint()
    }

    fn sign(&self, purpose: &str, message: &[u8]) -> [u8; 32] {
        self.key.sign(purpose, message)
    }
}

/// Removes the database's log and its index once the pool is closed. SQLite removes them when
/// the last connection to close is one that had read through the log, and a connection of the
/// pool may never have: this one does, and is the last. When another process still has the
/// database open, they stay, as they must.
fn remove_log(file: &Path) {
    let closed = rusqlite::Connection::open_with_flags(
        file,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .and_then(|conn| {
        conn.query_row("SELECT COUNT(*) FROM sqlite_schema", [], |row| {
            row.get::<_, i64>(0)
        })?;
        conn.close().map_err(|(_, e)| e)
    });
    if let Err(error) = closed {
        tracing::debug!(%error, "the log was left for the next start to remove");
    }
}

/// Flushes the copy at `path` to disk, checks it (SQLite's `quick_check`: every page and index
/// readable and consistent) and returns its size.
fn check_copy(path: &Path) -> StoreResult<u64> {
    let file = std::fs::File::open(path)
        .map_err(|e| StoreError::Config(format!("cannot read the backup: {e}")))?;
    file.sync_all().map_err(|e| {
        crate::writable::explained(
            StoreError::Database(sqlx::Error::Io(e)),
            &format!("the backup {}", path.display()),
        )
    })?;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let verdict: String = conn.query_row("PRAGMA quick_check", [], |row| row.get(0))?;
    if verdict != "ok" {
        return Err(StoreError::Corrupt(format!(
            "the backup failed its check: {verdict}"
        )));
    }
    Ok(file.metadata().map(|m| m.len()).unwrap_or(0))
}
