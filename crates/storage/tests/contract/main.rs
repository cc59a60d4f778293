//! The storage contract: what every backend behind [`Store`] must do, written once and run on
//! each backend.
//!
//! `contract!` turns every `async fn(DynStore)` below into two tests, `sqlite::NAME` and
//! `postgres::NAME`, each with a fresh, empty database:
//! - the SQLite variant always runs, on a file in a temporary folder;
//! - the PostgreSQL variant is marked `#[ignore]`, so a plain `cargo test` reports it as
//!   *ignored* rather than passing it without a server. Run it with `-- --ignored` (only these)
//!   or `-- --include-ignored` (all) and `TRUSTLOOP_TEST_POSTGRES` set to a server URL such as
//!   the one `scripts/postgres start DIR` prints; each test then creates its own database
//!   `t_<random>` on that server. Asked to run without that variable, it fails and says why.
//!
//! Cargo cannot make `#[ignore]` depend on an environment variable without rebuilding the crate
//! whenever the variable changes, hence an ignore that is always there and a run-time check.
//!
//! One file per aggregate of the store, each listing its tests in `contract!`; what they share
//! is in `helpers.rs`.

/// Turns each `async fn(DynStore)` named into a test on SQLite (`sqlite::NAME`) and one on
/// PostgreSQL (`postgres::NAME`, ignored unless asked for), each on a fresh database.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let fixture = crate::helpers::sqlite_fixture().await;
                    super::$name(fixture.store.clone()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                #[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
                async fn $name() {
                    let fixture = crate::helpers::postgres_fixture().await;
                    super::$name(fixture.store.clone()).await;
                }
            )*
        }
    };
}

mod accounts;
mod answers;
mod audit;
mod campaigns;
mod database;
mod helpers;
mod import_jobs;
mod instruments;
mod intake;
mod people;
mod results;
mod segments;
mod upgrades;
