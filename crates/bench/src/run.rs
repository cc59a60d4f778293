//! `trustloop-bench run`: the figures of issue 6, printed as Markdown, for SQLite (a temporary
//! file) and, when given a server, PostgreSQL. Every HTTP figure comes from a real server (the
//! product's `trustloop` program run as `trustloop serve` in a child process) over loopback.
//!
//! Durable means: on SQLite, the answer's transaction is committed in write-ahead-log mode and
//! the log is flushed to disk before the reply (see `docs/benchmarks.md`); on PostgreSQL, the
//! commit returns after its WAL record is flushed (`fsync = on`, `synchronous_commit = on`).
//! The server replies only after that.

use crate::database::{ExistingDatabase, fresh_database, open_store, postgres_durability, settle};
use crate::generate::{GenerateOptions, generate};
use crate::import::import_csv;
use crate::intake::{Intake, intake};
use crate::load::percentile;
use crate::peers::{time_duckdb, time_heatmap, time_pg_group_by};
use crate::report::report_load;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::time::Instant;
use trustloop_domain::campaign::CampaignStatus;

/// Options of a benchmark run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// People in the generated organisation.
    pub people: usize,
    /// Team leaders in it.
    pub leaders: usize,
    /// Answers generated for the heatmap and report figures.
    pub responses: usize,
    /// A PostgreSQL server URL (a database per run is created on it).
    pub postgres: Option<String>,
    /// Seconds each load phase runs.
    pub seconds: u64,
    /// Concurrent requests of the load generator (report phase).
    pub concurrency: usize,
    /// Concurrent respondents sending answers (intake phase).
    pub intake_concurrency: usize,
    /// Timed repetitions of each query.
    pub runs: usize,
    /// The Python interpreter that has DuckDB.
    pub python: String,
    /// The parts to measure; all when empty.
    pub only: Vec<Phase>,
    /// What sends the survey answers and the repeated reads of one report.
    pub load_generator: LoadGenerator,
    /// A database generated earlier to measure the heatmap and the report on.
    pub database: Option<ExistingDatabase>,
    /// The `trustloop` program measured (see [`crate::server::product_binary`]).
    pub trustloop: PathBuf,
}

/// What sends the survey answers and the repeated reads of one report over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LoadGenerator {
    /// wrk (Debian's `wrk` package), driven by a script that sends each request to the next path
    /// of a list (each form to its own link).
    Wrk,
    /// The bench's own client (reqwest), which takes more of the shared cores per request.
    Builtin,
}

/// A part of the benchmark that can be run alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Phase {
    /// The heatmap, DuckDB's and PostgreSQL's GROUP BY on the same question.
    Heatmap,
    /// A leader's report under concurrent load.
    Report,
    /// Survey answers over HTTP.
    Intake,
    /// `trustloop import people`.
    Import,
    /// A leader's ledger page and the organisation's say-do association.
    Ledger,
    /// The team pulse: opening a round, a team's trend, the organisation roll-up, DuckDB.
    Pulse,
}

impl BenchOptions {
    pub(crate) fn runs(&self, phase: Phase) -> bool {
        let fresh = matches!(
            phase,
            Phase::Intake | Phase::Import | Phase::Ledger | Phase::Pulse
        );
        (self.only.is_empty() || self.only.contains(&phase)) && !(fresh && self.database.is_some())
    }
}

/// A target: a figure and whether it passed, printed as one line.
pub(crate) fn verdict(pass: bool, margin: String) -> String {
    if pass {
        format!("**PASS** ({margin})")
    } else {
        format!("**MISS** ({margin})")
    }
}

/// Runs every measurement and prints the results as Markdown.
pub async fn run(options: BenchOptions) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let binary_mb = std::fs::metadata(&options.trustloop)?.len() as f64 / 1e6;
    let mut backends = vec!["SQLite"];
    if let Some(existing) = &options.database {
        backends = vec![existing.backend()];
    } else if options.postgres.is_some() {
        backends.push("PostgreSQL");
    }
    println!(
        "Organisation: {} people, {} team leaders, {} answers (generated with seed 2026); load: {} \
         concurrent report requests, {} concurrent respondents sending answers, for {} s per phase; \
         {} timed runs per query. Binary: {binary_mb:.1} MB.\n",
        options.people,
        options.leaders,
        options.responses,
        options.concurrency,
        options.intake_concurrency,
        options.seconds,
        options.runs
    );
    let mut duck: Option<Vec<f64>> = None;
    for backend in backends {
        println!("## {backend}\n");
        if let ("PostgreSQL", Some(server)) = (backend, options.postgres.as_deref()) {
            println!("- {}", postgres_durability(server).await?);
        }
        let mut peaks = Vec::new();
        let mut ready = Vec::new();
        if (options.runs(Phase::Heatmap) || options.runs(Phase::Report))
            && let Some((peak, ms)) = big_database(backend, dir.path(), &options, &mut duck).await?
        {
            peaks.push(format!("report phase {peak:.0} MB"));
            ready.push((peak, format!("{ms:.0} ms on the big database")));
        }
        if options.runs(Phase::Intake) {
            let (peak, ms) = intake_phase(backend, dir.path(), &options).await?;
            peaks.push(format!("intake phase {peak:.0} MB"));
            ready.push((peak, format!("{ms:.0} ms on the intake one")));
        }

        // 4. memory and start-up
        if !ready.is_empty() {
            let peak = ready.iter().map(|(p, _)| *p).fold(0.0, f64::max);
            println!(
                "- server peak memory (VmHWM) {peak:.0} MB ({}): {}; start to ready {}; binary {binary_mb:.1} MB",
                peaks.join(", "),
                verdict(peak < 200.0, format!("target < 200 MB, {:.0}%", peak / 2.0)),
                ready
                    .iter()
                    .map(|(_, r)| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }

        // 6. the say-do ledger
        if options.runs(Phase::Ledger) {
            let figures = crate::ledger::ledger_phase(backend, dir.path(), &options).await?;
            crate::ledger::print(&figures, verdict);
        }

        // 7. the team pulse
        if options.runs(Phase::Pulse) {
            crate::pulse::pulse_phase(backend, dir.path(), &options).await?;
        }

        // 5. import
        if options.runs(Phase::Import) {
            let seconds = import_csv(backend, dir.path(), &options, 100_000, 10_000).await?;
            println!(
                "- `trustloop import people` of 100,000 people from CSV (new database, whole command): \
                 {seconds:.2} s: {}",
                verdict(
                    seconds < 3.0,
                    format!("target < 3 s, {:.0}%", seconds / 0.03)
                )
            );
        }
        println!();
    }
    Ok(())
}

/// Survey answers over HTTP. Returns the server's peak MB and its start-to-ready ms.
async fn intake_phase(
    backend: &str,
    dir: &Path,
    options: &BenchOptions,
) -> anyhow::Result<(f64, f64)> {
    // 1. answers over HTTP
    let Intake {
        load: answers,
        peak_mb,
        ready_ms,
        people,
        links,
    } = intake(backend, dir, options).await?;
    let rate = answers.ok as f64 / answers.seconds;
    println!(
        "- durable survey answers over HTTP (POST /s/{{token}}, 303 after commit; {}, {} \
         connections, {links} links in an organisation of {people} people): {rate:.0} answers/s \
         ({} stored in {:.1} s, {} failed), p50 {:.1} ms, p99 {:.1} ms: {}",
        match options.load_generator {
            LoadGenerator::Wrk => "wrk",
            LoadGenerator::Builtin => "the bench's own client",
        },
        options.intake_concurrency,
        answers.ok,
        answers.seconds,
        answers.failed,
        answers.p50_ms,
        answers.p99_ms,
        if backend == "SQLite" {
            verdict(
                rate >= 5000.0,
                format!("target ≥ 5,000/s, {:.0}%", rate / 50.0),
            )
        } else {
            "no target".into()
        }
    );
    Ok((peak_mb, ready_ms))
}

/// The generated organisation: the heatmap (with DuckDB's and PostgreSQL's GROUP BY on the same
/// question) and the report under load. Returns the report server's peak MB and start-to-ready
/// ms when the report was measured.
async fn big_database(
    backend: &str,
    dir: &Path,
    options: &BenchOptions,
    duck: &mut Option<Vec<f64>>,
) -> anyhow::Result<Option<(f64, f64)>> {
    let (url, seal_key_file, store, campaign, in_campaign) = match &options.database {
        Some(existing) => {
            let store = open_store(&existing.url, Some(&existing.seal_key_file)).await?;
            let campaign = store
                .campaigns()
                .await?
                .into_iter()
                .filter(|c| c.status == CampaignStatus::Closed)
                .map(|c| c.id)
                .max()
                .context("the database has no closed campaign")?;
            let answered: u32 = store
                .progress(campaign)
                .await?
                .iter()
                .map(|g| g.completed)
                .sum();
            println!(
                "- measured on {} (generated earlier)",
                crate::database::shown(&existing.url)
            );
            let url = existing.url.clone();
            (
                url,
                existing.seal_key_file.clone(),
                store,
                campaign,
                answered as usize,
            )
        }
        None => {
            let url = fresh_database(backend, dir, options.postgres.as_deref(), "big").await?;
            let seal_key_file = dir.join("seal.key");
            let store = open_store(&url, Some(&seal_key_file)).await?;
            let started = Instant::now();
            let generated = generate(
                &store,
                &GenerateOptions {
                    people: options.people,
                    leaders: options.leaders,
                    responses: options.responses,
                    seed: 2026,
                },
                true,
            )
            .await?;
            println!(
                "- generated {} answers in {} campaigns in {:.1} s (bulk load)",
                generated.answers_per_campaign.iter().sum::<usize>(),
                generated.campaigns.len(),
                started.elapsed().as_secs_f64()
            );
            if let Some(seconds) = settle(&url, true).await? {
                println!(
                    "- then, untimed, `VACUUM (ANALYZE)` and `CHECKPOINT` ({seconds:.1} s), as \
                     after any bulk load, so that the server does not write the load back while \
                     the figures below are measured"
                );
            }
            let campaign = *generated.campaigns.last().context("a campaign")?;
            let in_campaign = generated.answers_per_campaign.last().copied().unwrap_or(0);
            (url, seal_key_file, store, campaign, in_campaign)
        }
    };
    let k = store.campaign(campaign).await?.rules.min_team;

    // 2. the heatmap
    if options.runs(Phase::Heatmap) {
        let (heat, teams) = time_heatmap(&store, campaign, options.runs).await?;
        let (median, p99) = (percentile(&heat, 50.0), percentile(&heat, 99.0));
        println!(
            "- heatmap of the latest campaign ({in_campaign} answers, {teams} teams with answers; \
             {} answers in the database): median {median:.2} ms, p99 {p99:.2} ms: {}",
            options.responses,
            verdict(
                p99 < 50.0,
                format!("target < 50 ms, {:.1}x under", 50.0 / p99)
            )
        );
        if backend == "SQLite" {
            match time_duckdb(&url, campaign, dir, options, k).await {
                Ok(times) => {
                    let d = percentile(&times, 50.0);
                    println!(
                        "- DuckDB, same question over the raw ratings (CSV loaded into a table, \
                         untimed): median {d:.2} ms; Trustloop is {:.1}x faster: {}",
                        d / median,
                        verdict(median < d, "target: faster than DuckDB".into())
                    );
                    *duck = Some(times);
                }
                Err(e) => println!("- DuckDB could not run: {e:#}"),
            }
        } else {
            if let Some(times) = &*duck {
                let d = percentile(times, 50.0);
                println!(
                    "- DuckDB (from the SQLite run, same generated data): median {d:.2} ms; \
                     Trustloop on PostgreSQL is {:.1}x faster: {}",
                    d / median,
                    verdict(median < d, "target: faster than DuckDB".into())
                );
            }
            let times = time_pg_group_by(&url, campaign, options.runs, k).await?;
            let g = percentile(&times, 50.0);
            println!(
                "- plain PostgreSQL GROUP BY, same question over the raw ratings (one row per rating in a \
                 table, made untimed): median {g:.2} ms, p99 {:.2} ms; \
                 Trustloop's heatmap is {:.1}x faster",
                percentile(&times, 99.0),
                g / median
            );
        }
    }

    // 3. a leader's report under load
    if !options.runs(Phase::Report) {
        return Ok(None);
    }
    let (again, first, peak, ready) =
        report_load(&store, (&url, &seal_key_file), campaign, options, dir).await?;
    let p99 = again.p99_ms;
    println!(
        "- one leader's report read again and again (GET /api/v1/me/campaigns/{{id}}/report; \
         computed at the first read, then kept by the server) under load: {:.0} requests/s, \
         p50 {:.2} ms, p99 {p99:.2} ms, {} failed: {}",
        again.ok as f64 / again.seconds,
        again.p50_ms,
        again.failed,
        verdict(
            p99 < 20.0,
            format!("target p99 < 20 ms, {:.1}x under", 20.0 / p99)
        )
    );
    println!(
        "- first reads of other leaders' reports (each computed from the database; {} leaders \
         read in {:.1} s): {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, {} failed",
        first.ok + first.failed,
        first.seconds,
        first.ok as f64 / first.seconds,
        first.p50_ms,
        first.p99_ms,
        first.failed,
    );
    Ok(Some((peak, ready)))
}
