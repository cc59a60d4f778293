//! The embedded SQLite backend: one file, write-ahead log, `synchronous = FULL` so that a
//! commit survives a power cut (the answer intake flushes the log itself after its commits:
//! see `SqlStore::new`). Its queries are shared with PostgreSQL in [`crate::sql`].

use crate::sql::SqlStore;
use crate::{SealKey, StoreResult};
use sqlx::Sqlite;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// A Trustloop database in one SQLite file.
pub type SqliteStore = SqlStore<Sqlite>;

impl SqlStore<Sqlite> {
    /// Opens (creating when missing) the database at `url` and applies pending migrations.
    pub async fn open(url: &str, key: SealKey) -> StoreResult<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // While answers arrive, the intake runs checkpoints in the background (a commit
            // that has to checkpoint takes ten times as long); this is the backstop for other
            // writes: a checkpoint within a commit once the log passes ~40 MB.
            .pragma("wal_autocheckpoint", "10000")
            // Statement journals (a multi-row write inside a transaction keeps one, to undo
            // just that statement) and temporary tables stay in memory instead of temporary
            // files: writing them out was 6% of the answer intake's database time.
            .pragma("temp_store", "memory");
        let in_memory = url.contains(":memory:");
        let pool = SqlitePoolOptions::new()
            // An in-memory database exists once per connection: keep to one.
            .max_connections(if in_memory { 1 } else { 8 })
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        // The log beside the file, which the intake flushes itself (see `SqlStore::new`).
        let log = database_path(url).map(|path| {
            let mut log = path.into_os_string();
            log.push("-wal");
            std::path::PathBuf::from(log)
        });
        Ok(SqlStore::new(pool, key, log))
    }
}

/// The file an `sqlite:` URL names, or `None` for an in-memory database or another scheme.
pub(crate) fn database_path(url: &str) -> Option<std::path::PathBuf> {
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let options = SqliteConnectOptions::from_str(url).ok()?;
    Some(options.get_filename().to_path_buf())
}
