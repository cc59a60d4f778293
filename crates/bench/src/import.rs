//! The import phase: `trustloop import people` of a generated organisation's CSV, timed as the
//! whole command a user runs.

use crate::database::{fresh_database, open_store, settle};
use crate::generate::{GenerateOptions, organisation, people_csv};
use crate::run::BenchOptions;
use rand::SeedableRng;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Imports the generated organisation's people from CSV with `trustloop import people`.
pub(crate) async fn import_csv(
    backend: &str,
    dir: &Path,
    options: &BenchOptions,
    people: usize,
    leaders: usize,
) -> anyhow::Result<f64> {
    let url = fresh_database(backend, dir, options.postgres.as_deref(), "import").await?;
    open_store(&url, Some(&dir.join("seal.key"))).await?;
    let org = organisation(
        &GenerateOptions {
            people,
            leaders,
            responses: 0,
            seed: 11,
        },
        &mut rand::rngs::StdRng::seed_from_u64(11),
    );
    let file = dir.join("people.csv");
    std::fs::write(&file, people_csv(&org.file))?;
    settle(&url, false).await?;
    let started = Instant::now();
    let out = tokio::task::block_in_place(|| {
        Command::new(&options.trustloop)
            .args(["import", "people"])
            .arg(&file)
            .args(["--database", &url])
            .env("TRUSTLOOP_SEAL_KEY_FILE", dir.join("seal.key"))
            .output()
    })?;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        out.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(seconds)
}
