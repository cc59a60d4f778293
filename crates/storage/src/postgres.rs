//! The PostgreSQL backend, for organisations that outgrow one machine: several Trustloop
//! servers can share one database, since the servers keep no state of their own. Durable with
//! PostgreSQL's defaults (`fsync = on`, `synchronous_commit = on`): a commit returns once its
//! write-ahead log is flushed. Its queries are shared with SQLite in [`crate::sql`].

use crate::sql::SqlStore;
use crate::{StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, Postgres};
use std::str::FromStr;

/// How long a pooled PostgreSQL connection may sit unused before it is checked (a round trip)
/// before its next use. Under load every connection is used many times a second and none is.
pub const IDLE_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// A Trustloop database on a PostgreSQL server.
pub type PgStore = SqlStore<Postgres>;

impl SqlStore<Postgres> {
    /// Connects to the database at `url` (`postgres://…` or `postgresql://…`), applies
    /// pending migrations and settles its seal key (see `crate::connect_with`). The database
    /// must exist.
    pub async fn open(url: &str, key: crate::KeySource) -> StoreResult<PgStore> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .test_before_acquire(false)
            .before_acquire(|connection, meta| {
                Box::pin(async move {
                    // A connection used a moment ago is alive: the pool's check on every
                    // acquire (a round trip, and a wake-up of the server's backend, per
                    // query) cost ~10% of a report's requests per second. One that sat
                    // idle, as after a server restart or failover, is checked and, when
                    // dead, replaced before the query is sent.
                    if meta.idle_for >= IDLE_CHECK {
                        connection.ping().await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await?;
        let settled = async {
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
            Self::settle_key(&pool, key).await
        };
        let key = settled
            .await
            .map_err(|e| crate::writable::explained(e, "the database"))?;
        let store = SqlStore::new(pool, key, None, None);
        store.read_instruments().await?;
        store.mark_answered_flags().await?;
        Ok(store)
    }

    /// Creates the empty database `name` on the server that `server_url` reaches (through
    /// any database the account may connect to, such as `postgres`), and returns the URL of
    /// the new database. For tests, benchmarks and generated organisations: `name` is limited
    /// to lower-case letters, digits and `_`, at most 63 characters.
    pub async fn create_database(server_url: &str, name: &str) -> StoreResult<String> {
        let valid = !name.is_empty()
            && name.len() <= 63
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !name.as_bytes()[0].is_ascii_digit();
        if !valid {
            return Err(StoreError::InvalidDatabaseName(name.to_string()));
        }
        let mut server: PgConnection = PgConnectOptions::from_str(server_url)?.connect().await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut server)
            .await?;
        server.close().await?;
        Ok(with_database(server_url, name))
    }
}

/// `url` with its database (the path) replaced by `name`, keeping any `?parameters`.
fn with_database(url: &str, name: &str) -> String {
    let (base, parameters) = match url.split_once('?') {
        Some((base, parameters)) => (base, Some(parameters)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match parameters {
        Some(parameters) => format!("{base}/{name}?{parameters}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn a_database_url_names_the_new_database_and_keeps_its_parameters() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t_1"),
            "postgres://postgres@127.0.0.1:5432/t_1"
        );
        assert_eq!(
            with_database("postgresql://u:p@db:5432", "t_1"),
            "postgresql://u:p@db:5432/t_1"
        );
        assert_eq!(
            with_database("postgres:///postgres?host=/tmp&sslmode=disable", "t_1"),
            "postgres:///t_1?host=/tmp&sslmode=disable"
        );
    }
}
