//! Whether the database can be written to, and why not, told plainly: a database on a
//! read-only file or file system, a standby PostgreSQL server, or a full disk. Found at start-up
//! (the server then refuses to start) and by the health check while serving.

use crate::{StoreError, StoreResult};
use std::path::Path;

/// Why a database cannot be written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unwritable {
    /// The database, its file or its file system is read-only.
    ReadOnly,
    /// No space is left on the device.
    Full,
}

/// SQLite's primary result codes for a read-only database, a full disk and a file it cannot
/// open (a read-only folder where the log must be made).
const SQLITE_READONLY: i64 = 8;
const SQLITE_FULL: i64 = 13;
const SQLITE_CANTOPEN: i64 = 14;
/// SQLite's primary result code for a failed read or write of a file ("disk I/O error"), which
/// is what it says when it cannot grow its shared-memory file on a full disk.
const SQLITE_IOERR: i64 = 10;

/// PostgreSQL's codes for a write in a read-only transaction and a full disk.
const PG_READ_ONLY: &str = "25006";
const PG_DISK_FULL: &str = "53100";

/// The system's error numbers for a full device (ENOSPC) and a read-only file system (EROFS).
const ENOSPC: i32 = 28;
const EROFS: i32 = 30;

impl Unwritable {
    /// Why `error` happened, when it is because the database cannot be written to.
    pub fn of(error: &StoreError) -> Option<Unwritable> {
        match error {
            StoreError::Database(e) => Self::of_sqlx(e),
            StoreError::Migration(sqlx::migrate::MigrateError::Execute(e)) => Self::of_sqlx(e),
            StoreError::Native(rusqlite::Error::SqliteFailure(e, _)) => {
                Self::of_sqlite_code(i64::from(e.extended_code))
            }
            StoreError::Unwritable(why, _) => Some(*why),
            _ => None,
        }
    }

    fn of_sqlx(error: &sqlx::Error) -> Option<Unwritable> {
        match error {
            sqlx::Error::Database(e) => {
                let code = e.code()?;
                match code.as_ref() {
                    PG_READ_ONLY => Some(Unwritable::ReadOnly),
                    PG_DISK_FULL => Some(Unwritable::Full),
                    other => Self::of_sqlite_code(other.parse().ok()?),
                }
            }
            sqlx::Error::Io(e) => Self::of_io(e),
            _ => None,
        }
    }

    fn of_sqlite_code(extended: i64) -> Option<Unwritable> {
        match extended & 0xff {
            SQLITE_READONLY => Some(Unwritable::ReadOnly),
            SQLITE_FULL => Some(Unwritable::Full),
            _ => None,
        }
    }

    /// Why an input or output error happened, when it is a full device or a read-only file
    /// system.
    pub fn of_io(error: &std::io::Error) -> Option<Unwritable> {
        match error.raw_os_error() {
            Some(ENOSPC) => Some(Unwritable::Full),
            Some(EROFS) => Some(Unwritable::ReadOnly),
            _ if error.kind() == std::io::ErrorKind::StorageFull => Some(Unwritable::Full),
            _ if error.kind() == std::io::ErrorKind::ReadOnlyFilesystem => {
                Some(Unwritable::ReadOnly)
            }
            _ => None,
        }
    }

    /// What to tell the operator about the database at `place` (its file, or "the database").
    pub fn explain(self, place: &str) -> String {
        match self {
            Unwritable::ReadOnly => format!(
                "{place} is read-only, and Trustloop must write to it (answers, sign-ins, the audit log). Make the file, its -wal and -shm files and their folder writable by the user Trustloop runs as, mount the file system read-write, or, on PostgreSQL, connect to the primary server rather than a standby"
            ),
            Unwritable::Full => format!(
                "no space left on the device that holds {place}: free some space there (or move the database to a larger disk) and start again"
            ),
        }
    }
}

/// `error` restated plainly when it happened because the database at `place` cannot be
/// written to; otherwise `error` as it is.
pub(crate) fn explained(error: StoreError, place: &str) -> StoreError {
    match Unwritable::of(&error) {
        Some(why) if !matches!(error, StoreError::Unwritable(..)) => {
            StoreError::Unwritable(why, why.explain(place))
        }
        _ => error,
    }
}

/// An SQLite database opening failed because its file or folder cannot be created or opened
/// for writing (SQLite says only "unable to open database file"): tells which, when the file
/// system says so.
pub(crate) fn cannot_open(error: StoreError, path: &Path) -> StoreError {
    if sqlite_code(&error).is_none_or(|c| c & 0xff != SQLITE_CANTOPEN) {
        return error;
    }
    let place = format!("the database {}", path.display());
    match file_accepts_writes(path) {
        Err(why) => StoreError::Unwritable(why, why.explain(&place)),
        Ok(()) => error,
    }
}

/// An SQLite database failed with an input or output error (SQLite says only "disk I/O
/// error"): tells a full device or a read-only file system when writing a little beside the
/// database finds one.
pub(crate) fn io_failure(error: StoreError, path: &Path) -> StoreError {
    if sqlite_code(&error).is_none_or(|c| c & 0xff != SQLITE_IOERR) {
        return error;
    }
    match room_beside(path) {
        Err(why) => StoreError::Unwritable(
            why,
            why.explain(&format!("the database {}", path.display())),
        ),
        Ok(()) => error,
    }
}

/// SQLite's extended result code of `error`, when SQLite failed.
fn sqlite_code(error: &StoreError) -> Option<i64> {
    match error {
        StoreError::Database(sqlx::Error::Database(e))
        | StoreError::Migration(sqlx::migrate::MigrateError::Execute(sqlx::Error::Database(e))) => {
            e.code().and_then(|c| c.parse().ok())
        }
        _ => None,
    }
}

/// Whether the folder of `path` has room for what SQLite adds to its files at once (its
/// shared-memory file grows by 32 KiB): writes, flushes and removes 64 KiB there.
fn room_beside(path: &Path) -> Result<(), Unwritable> {
    use std::io::Write;
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let probe = folder.join(format!(".trustloop-space-check-{}", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .and_then(|mut file| {
            file.write_all(&[0; 64 * 1024])?;
            file.sync_all()
        });
    let _ = std::fs::remove_file(&probe);
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Err(Unwritable::ReadOnly),
        Err(e) => Unwritable::of_io(&e).map_or(Ok(()), Err),
    }
}

/// Whether the file at `path` (or, when it does not exist, its folder) can be opened for
/// writing: no data is written.
pub(crate) fn file_accepts_writes(path: &Path) -> Result<(), Unwritable> {
    let opened = if path.exists() {
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map(|_| ())
    } else {
        let folder = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        tempfile_in(folder)
    };
    match opened {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Err(Unwritable::ReadOnly),
        Err(e) => match Unwritable::of_io(&e) {
            Some(why) => Err(why),
            None => Ok(()),
        },
    }
}

/// Creates and removes an empty file in `folder`.
fn tempfile_in(folder: &Path) -> std::io::Result<()> {
    let probe = folder.join(format!(".trustloop-write-check-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    std::fs::remove_file(&probe)
}

/// Answers with [`StoreError::Unwritable`] when `path` cannot be opened for writing or its
/// folder has no room left.
pub(crate) fn check_file(path: &Path) -> StoreResult<()> {
    file_accepts_writes(path)
        .and_then(|()| room_beside(path))
        .map_err(|why| {
            StoreError::Unwritable(
                why,
                why.explain(&format!("the database {}", path.display())),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_and_read_only_devices_are_told_apart_from_other_failures() {
        let io = |n| StoreError::Database(sqlx::Error::Io(std::io::Error::from_raw_os_error(n)));
        assert_eq!(Unwritable::of(&io(ENOSPC)), Some(Unwritable::Full));
        assert_eq!(Unwritable::of(&io(EROFS)), Some(Unwritable::ReadOnly));
        assert_eq!(Unwritable::of(&io(2)), None);
        assert_eq!(Unwritable::of_sqlite_code(13), Some(Unwritable::Full));
        assert_eq!(Unwritable::of_sqlite_code(1032), Some(Unwritable::ReadOnly));
        assert_eq!(Unwritable::of_sqlite_code(5), None);
        let told = Unwritable::Full.explain("the database /srv/t.db");
        assert!(told.starts_with("no space left"), "{told}");
        assert!(told.contains("/srv/t.db"), "{told}");
    }
}
