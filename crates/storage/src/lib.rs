//! Trustloop's storage: the store's traits, one per aggregate of the model (see [`store`]), and
//! [`Store`], their sum, which the web layer and the command line use; the records they return;
//! and their backends. The backend is chosen from the database URL's scheme by [`connect`]; each
//! backend runs its own embedded migrations at start-up.
//!
//! `use trustloop_storage::prelude::*` brings every aggregate's trait into scope, which calling
//! their methods on a [`DynStore`] needs.

mod postgres;
mod records;
mod seal;
mod sql;
mod sqlite;
pub mod store;
mod writable;

pub use postgres::{IDLE_CHECK as POSTGRES_IDLE_CHECK, PgStore};
pub use records::*;
pub use seal::SealKey;
pub use sql::{Backend, SqlStore};
pub use sqlite::SqliteStore;
pub use store::*;
pub use writable::Unwritable;

/// Every aggregate's trait and [`Store`], their sum: what calling the store's methods needs in
/// scope.
pub mod prelude {
    pub use crate::store::CampaignEditStore;
    pub use crate::store::FeedbackStore;
    pub use crate::store::{
        AccountStore, AnswerStore, AuditStore, CampaignStore, DisclosureStore, DynStore,
        HealthStore, ImportJobStore, InstrumentStore, LearningStore, LedgerStore, MaintenanceStore,
        OutcomeStore, PeopleStore, PlanStore, PulseStore, RaterListStore, ResultStore,
        SegmentViewStore, Store,
    };
    // Breach repair.
    pub use crate::store::RepairStore;
}

use std::sync::Arc;
use trustloop_domain::instrument::Instrument;

/// What went wrong in the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("{0} was not found")]
    NotFound(&'static str),
    /// The change clashes with what is stored (a duplicate, a used link, a closed campaign).
    #[error("{0}")]
    Conflict(String),
    /// The database URL names a backend this build does not have.
    #[error("unsupported database URL: {0}")]
    UnsupportedUrl(String),
    /// A database to create was given a name Trustloop does not use.
    #[error(
        "{0:?} is not a database name Trustloop creates: use a-z, 0-9 and _, starting with a letter, at most 63"
    )]
    InvalidDatabaseName(String),
    /// The database failed; the cause is logged, never shown to users.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The database failed on a read made through SQLite's own interface (see
    /// `SqliteStore::open`); the cause is logged, never shown to users.
    #[error("database error: {0}")]
    Native(#[from] rusqlite::Error),
    /// Migrations could not be applied.
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// Stored data could not be read back (a bug or a hand-edited database).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The store was set up wrongly (an unreadable seal key file, an unusable database path).
    #[error("{0}")]
    Config(String),
    /// The seal key does not fit the database: missing, another database's, or unable to open
    /// what is sealed in it. The message says what to do.
    #[error("{0}")]
    SealKey(String),
    /// The database cannot be written to (read-only, or its disk is full); the message says
    /// what to do.
    #[error("{1}")]
    Unwritable(Unwritable, String),
}

/// The result type of every storage call.
pub type StoreResult<T> = Result<T, StoreError>;

/// Where a database's seal key comes from.
#[derive(Debug)]
pub enum KeySource {
    /// A key in hand (tests, in-memory databases).
    Given(SealKey),
    /// A key file, read when it exists. When it does not, a new key is written there only for
    /// a new, empty database; for any other, opening the database is refused.
    File(std::path::PathBuf),
}

/// Opens the database named by `url` with the seal key that [`default_key_source`] finds for
/// it.
pub async fn connect(url: &str) -> StoreResult<DynStore> {
    connect_with(url, default_key_source(url)?).await
}

/// Opens the database named by `url` with `key` (see [`connect_with`]).
pub async fn connect_with_key(url: &str, key: SealKey) -> StoreResult<DynStore> {
    connect_with(url, KeySource::Given(key)).await
}

/// The seal key of a database when none is configured: for an SQLite file, the file `PATH.key`
/// beside it; for an in-memory database, a random key. A PostgreSQL database has no place
/// beside it, so its key file must be named (`seal_key_file`).
pub fn default_key_source(url: &str) -> StoreResult<KeySource> {
    if let Some(path) = sqlite::database_path(url) {
        let mut key_path = path.into_os_string();
        key_path.push(".key");
        Ok(KeySource::File(key_path.into()))
    } else if url.starts_with("sqlite:") {
        Ok(KeySource::Given(SealKey::random()))
    } else if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        Err(StoreError::UnsupportedUrl(
            url.split(':').next().unwrap_or_default().to_string(),
        ))
    } else {
        Err(StoreError::Config(
            "a PostgreSQL database needs a seal key file outside the database: set seal_key_file (TRUSTLOOP_SEAL_KEY_FILE)".into(),
        ))
    }
}

/// Opens the database named by `url` and brings its schema up to date: `sqlite://PATH` (created
/// when missing), `sqlite::memory:`, or `postgres://…` / `postgresql://…` (an existing
/// database). The built-in instrument versions are registered in either. The seal key (from
/// `key`) seals answers waiting for their batch and raters' attributes; the database records
/// its fingerprint, and opening it with another key, or without its key file, is refused with a
/// [`StoreError::SealKey`] that says what to do. A database that cannot be written to (a
/// read-only file, a full disk) is refused too, with [`StoreError::Unwritable`].
pub async fn connect_with(url: &str, key: KeySource) -> StoreResult<DynStore> {
    let store: DynStore = if url.starts_with("sqlite:") {
        Arc::new(SqliteStore::open(url, key).await?)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(PgStore::open(url, key).await?)
    } else {
        return Err(StoreError::UnsupportedUrl(
            url.split(':').next().unwrap_or_default().to_string(),
        ));
    };
    for instrument in Instrument::built_in() {
        store.register_instrument(&instrument).await?;
    }
    Ok(store)
}
