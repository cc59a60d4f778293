//! The databases a run measures: fresh ones per phase, one generated earlier, and what a
//! PostgreSQL server is asked before and between phases.

use anyhow::Context;
use std::path::{Path, PathBuf};
use std::time::Instant;
use trustloop_storage::DynStore;

/// Opens the database at `url` with the seal key in `key_file`, or the default key for that
/// database (`PATH.key` beside an SQLite file).
pub async fn open_store(url: &str, key_file: Option<&Path>) -> anyhow::Result<DynStore> {
    let key = match key_file {
        Some(path) => trustloop_storage::SealKey::load_or_create(path)?,
        None => trustloop_storage::default_seal_key(url)?,
    };
    let store = trustloop_storage::connect_with_key(url, key).await;
    store.with_context(|| format!("cannot open {}", shown(url)))
}

/// A database URL as it may be printed: a PostgreSQL URL without its password.
pub fn shown(url: &str) -> String {
    use std::str::FromStr;
    match sqlx::postgres::PgConnectOptions::from_str(url) {
        Ok(pg) if !url.starts_with("sqlite:") => format!(
            "postgres://{}@{}:{}/{}",
            pg.get_username(),
            pg.get_host(),
            pg.get_port(),
            pg.get_database().unwrap_or_default()
        ),
        _ => url.to_string(),
    }
}

/// A database made earlier by `trustloop-bench generate`, and its seal key file.
#[derive(Debug, Clone)]
pub struct ExistingDatabase {
    /// Its URL.
    pub url: String,
    /// Its seal key file.
    pub seal_key_file: PathBuf,
}

impl ExistingDatabase {
    /// The database at `url` with its seal key: `seal_key_file`, or `PATH.key` beside an
    /// SQLite file.
    pub fn new(url: String, seal_key_file: Option<PathBuf>) -> anyhow::Result<Self> {
        let seal_key_file = match seal_key_file {
            Some(file) => file,
            None => {
                let path = url
                    .strip_prefix("sqlite://")
                    .map(|rest| rest.split('?').next().unwrap_or(rest))
                    .context("a PostgreSQL database needs --seal-key-file")?;
                format!("{path}.key").into()
            }
        };
        Ok(ExistingDatabase { url, seal_key_file })
    }

    /// The backend, as the bench names it.
    pub fn backend(&self) -> &'static str {
        if self.url.starts_with("sqlite:") {
            "SQLite"
        } else {
            "PostgreSQL"
        }
    }
}

/// A fresh database for one part of the run.
pub(crate) async fn fresh_database(
    backend: &str,
    dir: &Path,
    postgres: Option<&str>,
    name: &str,
) -> anyhow::Result<String> {
    Ok(match (backend, postgres) {
        ("PostgreSQL", Some(server)) => {
            let database = format!(
                "bench_{name}_{}",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
            );
            trustloop_storage::PgStore::create_database(server, &database).await?
        }
        _ => format!("sqlite://{}", dir.join(format!("{name}.db")).display()),
    })
}

/// Lets a PostgreSQL server finish the work earlier writes left it before a phase is timed:
/// with `vacuum`, the statistics and visibility maps of a bulk load (`VACUUM (ANALYZE)`, which
/// autovacuum would otherwise run during the timed phases); always, writing out the pages those
/// writes dirtied (`CHECKPOINT`, which needs a superuser or the `pg_checkpoint` role: without
/// it the phase runs anyway). Returns the seconds it took; `None` for SQLite.
pub(crate) async fn settle(url: &str, vacuum: bool) -> anyhow::Result<Option<f64>> {
    if !url.starts_with("postgres") {
        return Ok(None);
    }
    let started = Instant::now();
    let pool = sqlx::PgPool::connect(url).await?;
    if vacuum {
        sqlx::raw_sql("VACUUM (ANALYZE)").execute(&pool).await?;
    }
    if let Err(error) = sqlx::raw_sql("CHECKPOINT").execute(&pool).await {
        eprintln!("CHECKPOINT before a phase failed ({error}); measuring without it");
    }
    pool.close().await;
    Ok(Some(started.elapsed().as_secs_f64()))
}

/// What durable means on the PostgreSQL server measured, from its own settings.
pub(crate) async fn postgres_durability(server: &str) -> anyhow::Result<String> {
    let pool = sqlx::PgPool::connect(server).await?;
    let fsync: String = sqlx::query_scalar("SHOW fsync").fetch_one(&pool).await?;
    let commit: String = sqlx::query_scalar("SHOW synchronous_commit")
        .fetch_one(&pool)
        .await?;
    pool.close().await;
    let durable = fsync == "on" && commit != "off";
    Ok(format!(
        "server settings: `fsync = {fsync}`, `synchronous_commit = {commit}`: {}",
        if durable {
            "**durable** (a commit returns after its WAL is flushed to disk)"
        } else {
            "**not durable** (a test server: commits are not flushed to disk, so the answers-per-second \
             figure is not a durable one; start it with `scripts/postgres start DIR --durable`)"
        }
    ))
}
