//! The embedded SQLite backend: one file, write-ahead log, `synchronous = FULL` so that a
//! commit survives a power cut (the answer intake flushes the log itself after its commits:
//! see `SqlStore::new`). Its queries are shared with PostgreSQL in [`crate::sql`].

use crate::sql::{NativeReads, SAY_DO_COUNTS, SqlStore, team_sum_list, team_sums_from};
use crate::writable::{cannot_open, check_file, explained, io_failure};
use crate::{KeySource, StoreError, StoreResult};
use sqlx::Sqlite;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use trustloop_domain::analytics::TeamSums;

/// A Trustloop database in one SQLite file.
pub type SqliteStore = SqlStore<Sqlite>;

impl SqlStore<Sqlite> {
    /// Opens (creating when missing) the database at `url`, applies pending migrations and
    /// settles its seal key (see `crate::connect_with`).
    pub async fn open(url: &str, key: KeySource) -> StoreResult<SqliteStore> {
        let path = database_path(url);
        let place = path.as_ref().map_or("the database".to_string(), |p| {
            format!("the database {}", p.display())
        });
        let opened = async {
            if let Some(path) = &path {
                private_file(path)?;
                // A write that fits in space SQLite already holds would pass on a full disk.
                check_file(path)?;
            }
            let pool = Self::pool(url).await.map_err(|e| match &path {
                Some(path) => cannot_open(e, path),
                None => e,
            })?;
            sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
            let key = Self::settle_key(&pool, key).await?;
            Ok::<_, StoreError>((pool, key))
        };
        let (pool, key) = opened.await.map_err(|e| match &path {
            Some(path) => explained(io_failure(e, path), &place),
            None => explained(e, &place),
        })?;
        let native = path
            .clone()
            .map(|path| Arc::new(Reader::new(path)) as Arc<dyn NativeReads>);
        let store = SqlStore::new(pool, key, path, native);
        store.read_instruments().await?;
        store.mark_answered_flags().await?;
        Ok(store)
    }

    /// The connection pool of the database at `url`, created when missing.
    async fn pool(url: &str) -> StoreResult<sqlx::SqlitePool> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            // While answers arrive, the intake runs checkpoints in the background (a commit
            // that has to checkpoint takes ten times as long); this is the backstop for other
            // writes: a checkpoint within a commit once the log passes ~40 MB.
            .pragma("wal_autocheckpoint", "10000")
            // Statement journals (a multi-row write inside a transaction keeps one, to undo
            // just that statement) and temporary tables stay in memory instead of temporary
            // files: writing them out was 6% of the answer intake's database time.
            .pragma("temp_store", "memory")
            // Deleted rows (answers that waited sealed, then were released) are overwritten
            // with zeros in the file, not left in free pages for a copy of the file to show.
            .pragma("secure_delete", "on");
        let in_memory = url.contains(":memory:");
        Ok(SqlitePoolOptions::new()
            // An in-memory database exists once per connection: keep to one.
            .max_connections(if in_memory { 1 } else { 8 })
            // A failed COMMIT (a full disk) can leave SQLite's transaction rolled back while
            // the connection still counts it open, after which every BEGIN IMMEDIATE on it
            // fails; a connection given back inside a transaction is closed, not reused.
            .after_release(|conn, _| {
                Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) })
            })
            .connect_with(options)
            .await?)
    }
}

/// Reads through SQLite's own interface (rusqlite, on the same bundled SQLite as the pool):
/// values come out as the numbers they are stored as, with no hand-off between threads per row.
/// Its connections only read (`query_only`), each sees the last commit as any reader of the
/// write-ahead log does, and a few are kept open for the next reads.
struct Reader {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

/// Connections a [`Reader`] keeps open between reads.
const READERS_KEPT: usize = 4;

impl Reader {
    fn new(path: PathBuf) -> Self {
        Reader {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `read` on an idle connection, or a new one, and keeps the connection afterwards
    /// unless the read failed.
    fn with_connection<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> StoreResult<T> {
        let idle = self.idle.lock().expect("never poisoned").pop();
        let conn = match idle {
            Some(conn) => conn,
            None => open_reader(&self.path)?,
        };
        let result = read(&conn)?;
        let mut idle = self.idle.lock().expect("never poisoned");
        if idle.len() < READERS_KEPT {
            idle.push(conn);
        }
        Ok(result)
    }
}

/// A connection to the database file that can only read.
fn open_reader(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

impl NativeReads for Reader {
    fn team_sums(&self, campaign: i64) -> StoreResult<Vec<(String, TeamSums)>> {
        self.with_connection(|conn| {
            let mut select = conn.prepare_cached(&format!(
                "SELECT {} FROM team_aggregates WHERE campaign_id = ?1 ORDER BY team",
                team_sum_list(true)
            ))?;
            let rows = select.query_map([campaign], |row| {
                let sums = team_sums_from(true, |n| row.get(n), |n| row.get(n))?;
                Ok((row.get(0)?, sums))
            })?;
            rows.collect()
        })
    }

    // 10,000 leaders' rows through the pool's driver cost more than the query itself.
    fn say_do_counts(&self, from: &str, to: &str, k: i64) -> StoreResult<Vec<crate::SayDoCount>> {
        self.with_connection(|conn| {
            // `$n` is a named parameter to SQLite's own interface, numbered by first use;
            // `?n` is bound by its number.
            let mut select = conn.prepare_cached(&SAY_DO_COUNTS.replace('$', "?"))?;
            let rows = select.query_map(rusqlite::params![from, to, k], |row| {
                Ok(crate::SayDoCount {
                    leader_id: crate::PersonId(row.get(0)?),
                    due: row.get::<_, i64>(1)? as u64,
                    kept_confirmed: row.get::<_, i64>(2)? as u64,
                })
            })?;
            rows.collect()
        })
    }

    fn close_idle(&self) {
        let idle = std::mem::take(&mut *self.idle.lock().expect("never poisoned"));
        for conn in idle {
            if let Err((_, error)) = conn.close() {
                tracing::warn!(%error, "a reading connection did not close cleanly");
            }
        }
    }
}

/// The file an `sqlite:` URL names, or `None` for an in-memory database or another scheme.
/// Makes the database file readable and writable by its owner only, creating it empty when it
/// does not exist. SQLite gives its log and shared-memory files the database file's
/// permissions, so they are private too.
fn private_file(path: &Path) -> StoreResult<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let unable = |e: std::io::Error| {
            StoreError::Config(format!("cannot make {} private: {e}", path.display()))
        };
        if !path.exists() {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
            {
                Ok(_) => return Ok(()),
                // Made meanwhile by another server or an earlier failed start: check it below.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                // A folder that does not exist yet: sqlx reports it clearly.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(unable(e)),
            }
        }
        let mode = std::fs::metadata(path)
            .map_err(unable)?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))
                .map_err(unable)?;
            tracing::info!(path = %path.display(), "the database file was readable by others; it is now private to its owner");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

pub(crate) fn database_path(url: &str) -> Option<std::path::PathBuf> {
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let options = SqliteConnectOptions::from_str(url).ok()?;
    Some(options.get_filename().to_path_buf())
}
