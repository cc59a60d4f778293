//! The people import, as a job: the file is checked row by row by the domain, then saved in one
//! transaction, and the job's progress and outcome are recorded in the database so that any
//! server can show them. The admin's upload page runs a job in the background and shows its
//! record; the command line runs one in the foreground and draws its progress.

use crate::{App, Result};
use std::sync::Arc;
use tokio::sync::watch;
use tracing::Instrument;
use trustloop_domain::people::{Email, ImportRefused, parse_people_csv};
use trustloop_storage::{ImportJob, ImportStatus, ImportSummary, StoreError};

/// What an import is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the file, before the first row is checked.
    Starting,
    /// Checking rows.
    Checking,
    /// Saving the checked rows.
    Saving,
}

impl Stage {
    /// What the admin's page says about it.
    pub fn message(self) -> &'static str {
        match self {
            Stage::Starting => "Checking the file…",
            Stage::Checking => "Checking rows…",
            Stage::Saving => "Saving…",
        }
    }
}

/// How far an import has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// What it is doing.
    pub stage: Stage,
    /// Rows done in this stage.
    pub rows: u64,
    /// Rows to do in this stage (the file's lines while checking, its people while saving).
    pub total: u64,
}

/// What became of an import that ran to its end.
#[derive(Debug)]
pub enum Outcome {
    /// Every row was saved.
    Imported {
        /// Rows in the file.
        rows: u64,
        /// What changed.
        summary: ImportSummary,
    },
    /// The file has problems; nothing was imported.
    Refused(ImportRefused),
    /// The file clashes with what is stored; nothing was imported. The message says why.
    Clash(String),
}

/// How often, at most, a running job's progress is written.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// Records a new import job and returns its id, before its file is read.
pub async fn start(app: &App) -> Result<i64> {
    Ok(app.store.create_import_job(crate::now()).await?)
}

/// Runs import job `id` on `file` to its end, recording its progress (at most about five times
/// a second) and its outcome in the job, and telling `watch` of each step as it happens. The
/// outcome is returned too; a failure on our side is recorded as one and returned as the error.
#[tracing::instrument(skip_all, fields(job = id, bytes = file.len()))]
pub async fn run(
    app: App,
    id: i64,
    file: Vec<u8>,
    watch: impl Fn(Progress) + Send + Sync + 'static,
) -> Result<Outcome> {
    let lines = data_lines(&file);
    let (progress, mut watched) = watch::channel(Progress {
        stage: Stage::Starting,
        rows: 0,
        total: lines,
    });
    let reporter = {
        let store = app.store.clone();
        tokio::spawn(
            async move {
                // Writes the latest progress until the work ends.
                while watched.changed().await.is_ok() {
                    let now = *watched.borrow_and_update();
                    let job = ImportJob {
                        id,
                        status: ImportStatus::Running,
                        total_rows: now.total,
                        processed: now.rows,
                        message: now.stage.message().into(),
                        problems: Vec::new(),
                    };
                    if let Err(e) = store.update_import_job(&job).await {
                        tracing::warn!(error = %e, "import progress not recorded");
                    }
                    tokio::time::sleep(PROGRESS_EVERY).await;
                }
            }
            .in_current_span(),
        )
    };
    let tell = Arc::new(move |now: Progress| {
        progress.send_replace(now);
        watch(now);
    });
    let outcome = import_file(&app, id, file, lines, tell).await;
    let _ = reporter.await;
    let mut job = ImportJob {
        id,
        status: ImportStatus::Failed,
        total_rows: lines,
        processed: 0,
        message: String::new(),
        problems: Vec::new(),
    };
    match &outcome {
        Ok(Outcome::Imported { rows, summary }) => {
            job.status = ImportStatus::Done;
            job.total_rows = *rows;
            job.processed = *rows;
            job.message = format!(
                "Imported {rows} people: {} added, {} updated, {} new teams.",
                summary.added, summary.updated, summary.teams_created
            );
        }
        Ok(Outcome::Refused(refused)) => {
            job.message = format!(
                "The file has {} problem(s); nothing was imported.",
                refused.total
            );
            job.problems = refused.problems.iter().map(ToString::to_string).collect();
        }
        Ok(Outcome::Clash(message)) => job.message = message.clone(),
        Err(e) => {
            tracing::error!(error = ?e, "import failed");
            job.message =
                "The import failed on our side; nothing was imported. Please try again.".into();
        }
    }
    if let Err(e) = app.store.update_import_job(&job).await {
        tracing::error!(error = %e, "import result not recorded");
    }
    outcome
}

async fn import_file(
    app: &App,
    id: i64,
    file: Vec<u8>,
    lines: u64,
    tell: Arc<dyn Fn(Progress) + Send + Sync>,
) -> Result<Outcome> {
    let known = app.store.known_emails().await?;
    let checking = tell.clone();
    let started = std::time::Instant::now();
    let parsed = tokio::task::spawn_blocking(move || {
        parse_people_csv(
            file.as_slice(),
            |e: &Email| known.contains(e),
            |n| {
                checking(Progress {
                    stage: Stage::Checking,
                    rows: n as u64,
                    total: lines,
                })
            },
        )
    })
    .await
    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tracing::debug!(ms = started.elapsed().as_millis() as u64, "file checked");
    let people = match parsed {
        Ok(people) => people,
        Err(refused) => return Ok(Outcome::Refused(refused)),
    };
    let rows = people.rows.len() as u64;
    let saving = |n: u64| Progress {
        stage: Stage::Saving,
        rows: n,
        total: rows,
    };
    // On SQLite the import's transaction keeps other writers waiting, progress records included:
    // say "Saving" before it starts, so the page does not sit on the last checked row.
    tell(saving(0));
    app.store
        .update_import_job(&ImportJob {
            id,
            status: ImportStatus::Running,
            total_rows: rows,
            processed: 0,
            message: Stage::Saving.message().into(),
            problems: Vec::new(),
        })
        .await?;
    match app
        .store
        .import_people(&people, &|n| tell(saving(n as u64)))
        .await
    {
        Ok(summary) => Ok(Outcome::Imported { rows, summary }),
        Err(StoreError::Conflict(message)) => Ok(Outcome::Clash(message)),
        Err(e) => Err(e.into()),
    }
}

/// The rows of a CSV file with a header line, as its line breaks count them (a first guess at
/// the work, before the file is read).
fn data_lines(file: &[u8]) -> u64 {
    file.iter()
        .filter(|b| **b == b'\n')
        .count()
        .saturating_sub(1) as u64
}
