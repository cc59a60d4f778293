//! Keeping the database safe: whether it can be reached and written to, closing it cleanly,
//! backing it up while it serves, and what its seal key signs.

use crate::StoreResult;
use async_trait::async_trait;
use std::path::Path;

/// Whether the database can be reached and written to.
#[async_trait]
pub trait HealthStore: Send + Sync {
    /// Answers when the database can be reached.
    async fn health(&self) -> StoreResult<()>;
    /// Answers when the database can be written to; otherwise
    /// [`StoreError::Unwritable`](crate::StoreError::Unwritable) saying why (a read-only file,
    /// file system or server, or a full disk). Writes and commits one small row.
    async fn writable(&self) -> StoreResult<()>;
}

/// A copy of the database made by [`MaintenanceStore::backup`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    /// Its size in bytes.
    pub bytes: u64,
    /// The fingerprint of the seal key it needs (the key of the database it was copied from).
    pub key_fingerprint: String,
}

/// Closing the database cleanly, backing it up, and the seal key's uses outside the store.
#[async_trait]
pub trait MaintenanceStore: Send + Sync {
    /// Stops taking answers, waits until those already handed to the intake are committed and
    /// answered, then, on SQLite, copies the write-ahead log into the database file and empties
    /// it (so that the file alone holds every commit), and closes the connections. Every later
    /// call to the store fails. Calling it again does nothing.
    async fn close(&self) -> StoreResult<()>;
    /// Writes a consistent copy of the database to the new file `to` while it serves (SQLite;
    /// the copy is checked before this answers). On PostgreSQL it is refused with a message
    /// naming the tools to use instead (`pg_dump`).
    async fn backup(&self, to: &Path) -> StoreResult<Backup>;
    /// The fingerprint of the seal key (see [`SealKey::fingerprint`](crate::SealKey::fingerprint)).
    fn key_fingerprint(&self) -> String;
    /// HMAC-SHA-256 of `message` for `purpose` under a key derived from the seal key (see
    /// [`SealKey::sign`](crate::SealKey::sign)): what every server of the database can check,
    /// and no reader of the database can make.
    fn sign(&self, purpose: &str, message: &[u8]) -> [u8; 32];
}
