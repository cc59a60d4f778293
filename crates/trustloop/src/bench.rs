//! `trustloop bench`: the figures of issue 6, printed as Markdown, for SQLite (a temporary file)
//! and, when given a server, PostgreSQL. Every HTTP figure comes from a real server (this same
//! binary run as `trustloop serve` in a child process) over loopback.
//!
//! Durable means: on SQLite, the answer's transaction is committed in write-ahead-log mode and
//! the log is flushed to disk before the reply (see `docs/benchmarks.md`); on PostgreSQL, the
//! commit returns after its WAL record is flushed (`fsync = on`, `synchronous_commit = on`).
//! The server replies only after that.

use crate::generate::{GenerateOptions, generate, organisation, people_csv};
use anyhow::Context;
use rand::SeedableRng;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::instrument::{Instrument, Measures};
use trustloop_domain::model::{Element, RaterGroup};
use trustloop_domain::people::Email;
use trustloop_domain::privacy::PrivacyRules;
use trustloop_storage::{
    CampaignId, DynStore, LinkHolder, NewApiToken, NewCampaign, NewUser, Role,
};

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
}

/// A database made earlier by `trustloop generate`, and its seal key file.
#[derive(Debug, Clone)]
pub struct ExistingDatabase {
    url: String,
    seal_key_file: std::path::PathBuf,
}

impl ExistingDatabase {
    /// The database at `url` with its seal key: `seal_key_file`, or `PATH.key` beside an
    /// SQLite file.
    pub fn new(url: String, seal_key_file: Option<std::path::PathBuf>) -> anyhow::Result<Self> {
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
    fn backend(&self) -> &'static str {
        if self.url.starts_with("sqlite:") {
            "SQLite"
        } else {
            "PostgreSQL"
        }
    }
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
}

impl BenchOptions {
    fn runs(&self, phase: Phase) -> bool {
        let fresh = matches!(phase, Phase::Intake | Phase::Import);
        (self.only.is_empty() || self.only.contains(&phase)) && !(fresh && self.database.is_some())
    }
}

/// A target: a figure and whether it passed, printed as one line.
fn verdict(pass: bool, margin: String) -> String {
    if pass {
        format!("**PASS** ({margin})")
    } else {
        format!("**MISS** ({margin})")
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// The server, run as `trustloop serve` in a child process.
struct Server {
    child: Child,
    base: String,
    ready_ms: f64,
}

impl Server {
    fn start(url: &str, seal_key_file: &Path) -> anyhow::Result<Server> {
        let exe = std::env::current_exe().context("finding this program")?;
        let started = Instant::now();
        let mut child = Command::new(exe)
            .args([
                "serve",
                "--database",
                url,
                "--port",
                "0",
                "--host",
                "127.0.0.1",
            ])
            .env("TRUSTLOOP_LOG", "warn")
            .env("TRUSTLOOP_SEAL_KEY_FILE", seal_key_file)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the server")?;
        let stdout = child.stdout.take().context("server output")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let ready_ms = started.elapsed().as_secs_f64() * 1000.0;
        let address = line
            .trim()
            .rsplit(' ')
            .next()
            .filter(|a| a.starts_with("http://"))
            .with_context(|| format!("the server did not say where it runs: {line:?}"))?
            .to_string();
        Ok(Server {
            child,
            base: address,
            ready_ms,
        })
    }

    /// The server's peak resident memory so far, in MB.
    fn peak_mb(&self) -> anyhow::Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .context("VmHWM in /proc status")?;
        Ok(kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a load phase measured.
struct Load {
    ok: u64,
    failed: u64,
    seconds: f64,
    /// Median and 99th percentile of the successful requests' latency.
    p50_ms: f64,
    p99_ms: f64,
}

/// Runs `concurrency` tasks for `seconds`, each calling `request` in a loop until it returns
/// `None` (nothing left to send) or time is up.
async fn load<F, Fut>(concurrency: usize, seconds: u64, request: F) -> Load
where
    F: Fn(reqwest::Client) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Option<bool>> + Send,
{
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("a plain client builds");
    let request = Arc::new(request);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let failed = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, request, failed) = (client.clone(), request.clone(), failed.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let sent = Instant::now();
                match request(client.clone()).await {
                    None => break,
                    Some(true) => latencies.push(sent.elapsed().as_secs_f64() * 1000.0),
                    Some(false) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            latencies
        });
    }
    let mut latencies_ms = Vec::new();
    while let Some(done) = tasks.join_next().await {
        latencies_ms.extend(done.unwrap_or_default());
    }
    let seconds = started.elapsed().as_secs_f64();
    let latencies_ms = sorted(latencies_ms);
    Load {
        ok: latencies_ms.len() as u64,
        failed: failed.load(Ordering::Relaxed),
        seconds,
        p50_ms: percentile(&latencies_ms, 50.0),
        p99_ms: percentile(&latencies_ms, 99.0),
    }
}

/// A fresh database for one part of the run.
async fn fresh_database(
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

/// The element each item measures, as (item code, element index) rows.
fn item_elements(instrument: &Instrument) -> Vec<(String, usize)> {
    instrument
        .items
        .iter()
        .filter_map(|item| match item.measures {
            Measures::Element(e) => Element::ALL
                .iter()
                .position(|x| *x == e)
                .map(|i| (item.code.clone(), i)),
            Measures::Overall => None,
        })
        .collect()
}

/// The heatmap question as plain SQL over the raw ratings, one row per rating in a table
/// `ratings(response_id, team, item_code, value)` that holds the campaign's direct reports'
/// answers: per team and element, the number of direct reports who answered and the mean of
/// their element scores (0–100), teams under the privacy minimum left out. `{items}` is a
/// VALUES list of (item code, element).
fn group_by_sql(items: &str, min: u32, max: u32, k: u32) -> String {
    format!(
        "WITH items(item_code, element) AS (VALUES {items}),
         per_rater AS (
            SELECT rr.response_id, rr.team, i.element,
                   (AVG(rr.value) - {min}) * 100.0 / ({max} - {min}) AS score
            FROM ratings rr JOIN items i ON i.item_code = rr.item_code
            WHERE rr.value > 0
            GROUP BY rr.response_id, rr.team, i.element)
         SELECT team, element, COUNT(*) AS raters, AVG(score) AS mean
         FROM per_rater GROUP BY team, element HAVING COUNT(*) >= {k}"
    )
}

/// The SQL of [`group_by_sql`] for the current instrument.
fn group_by_current(k: u32) -> String {
    let instrument = Instrument::current();
    let items = item_elements(&instrument)
        .iter()
        .map(|(c, e)| format!("('{c}', {e})"))
        .collect::<Vec<_>>()
        .join(", ");
    group_by_sql(
        &items,
        u32::from(instrument.scale.min),
        u32::from(instrument.scale.max),
        k,
    )
}

/// Which responses the peers answer the heatmap question over: the campaign's direct reports'
/// answers that count for a team.
const PEER_RESPONSES: &str = "FROM responses r WHERE r.campaign_id = $1
     AND r.rater_group = 'direct_report' AND r.team IS NOT NULL AND r.ratings <> ''";

/// Times Trustloop's own heatmap: the kept-up-to-date sums and the privacy rules applied.
async fn time_heatmap(
    store: &DynStore,
    campaign: CampaignId,
    runs: usize,
) -> anyhow::Result<(Vec<f64>, usize)> {
    let k = store.campaign(campaign).await?.rules.min_team;
    let mut times = Vec::with_capacity(runs);
    let mut rows = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let totals: BTreeMap<String, _> = store.team_totals(campaign).await?.into_iter().collect();
        let map = trustloop_domain::analytics::heatmap(k, &totals);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        rows = totals.len();
        std::hint::black_box(map);
    }
    Ok((sorted(times), rows))
}

/// Exports the campaign's direct-report ratings from SQLite to CSV and times DuckDB on the same
/// question (the CSV is loaded into a DuckDB table first, untimed). Returns sorted times in ms.
async fn time_duckdb(
    sqlite_url: &str,
    campaign: CampaignId,
    dir: &Path,
    options: &BenchOptions,
    k: u32,
) -> anyhow::Result<Vec<f64>> {
    use sqlx::Row;
    let pool = sqlx::SqlitePool::connect(sqlite_url).await?;
    let rows = sqlx::query(&format!("SELECT r.id, r.team, r.ratings {PEER_RESPONSES}"))
        .bind(campaign.0)
        .fetch_all(&pool)
        .await?;
    let mut csv = String::from("response_id,team,item_code,value\n");
    for row in &rows {
        let (id, team, ratings): (String, String, String) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        for pair in ratings.split(',') {
            let (code, value) = pair.split_once('=').context("a stored rating")?;
            csv.push_str(&format!("{id},\"{team}\",{code},{value}\n"));
        }
    }
    pool.close().await;
    let csv_path = dir.join("ratings.csv");
    std::fs::write(&csv_path, csv)?;
    let sql = group_by_current(k);
    let script = format!(
        "import duckdb, json, time\n\
         con = duckdb.connect()\n\
         con.execute(\"CREATE TABLE ratings AS SELECT * FROM read_csv_auto('{csv}')\")\n\
         q = '''{sql}'''\n\
         con.execute(q).fetchall()\n\
         times = []\n\
         for _ in range({runs}):\n\
         \x20   t = time.perf_counter(); con.execute(q).fetchall(); times.append((time.perf_counter() - t) * 1000)\n\
         print(json.dumps(times))\n",
        csv = csv_path.display(),
        runs = options.runs
    );
    let out = Command::new(&options.python)
        .args(["-c", &script])
        .output()
        .with_context(|| format!("running {} with DuckDB", options.python))?;
    anyhow::ensure!(
        out.status.success(),
        "DuckDB failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let times: Vec<f64> = serde_json::from_slice(&out.stdout)?;
    Ok(sorted(times))
}

/// Times the plain PostgreSQL GROUP BY over the raw ratings, one row per rating in a table made
/// (untimed) from the stored answers, as DuckDB gets them.
async fn time_pg_group_by(
    url: &str,
    campaign: CampaignId,
    runs: usize,
    k: u32,
) -> anyhow::Result<Vec<f64>> {
    let pool = sqlx::PgPool::connect(url).await?;
    // The ratings as DuckDB gets them, one row per rating in a table of their own (untimed).
    sqlx::query("DROP TABLE IF EXISTS ratings")
        .execute(&pool)
        .await?;
    sqlx::query(&format!(
        "CREATE TABLE ratings AS
         SELECT r.id AS response_id, r.team, split_part(x, '=', 1) AS item_code,
                split_part(x, '=', 2)::int AS value
         FROM (SELECT r.id, r.team, r.ratings {PEER_RESPONSES}) r
         CROSS JOIN LATERAL unnest(string_to_array(r.ratings, ',')) AS x"
    ))
    .bind(campaign.0)
    .execute(&pool)
    .await?;
    sqlx::query("ANALYZE ratings").execute(&pool).await?;
    let sql = group_by_current(k);
    sqlx::query(&sql).fetch_all(&pool).await?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        sqlx::query(&sql).fetch_all(&pool).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    sqlx::query("DROP TABLE ratings").execute(&pool).await?;
    pool.close().await;
    Ok(sorted(times))
}

/// What the intake phase measured.
struct Intake {
    load: Load,
    /// Server peak MB and start-to-ready ms.
    peak_mb: f64,
    ready_ms: f64,
    /// People in the organisation, and the links to answer (each can be used once).
    people: usize,
    links: usize,
}

/// People per second of load in the intake's organisation: about 1.1 links each, so enough
/// links for 13,200 answers a second (6,000 ran out on this machine's 8 s runs at 6,500/s).
const INTAKE_PEOPLE_PER_SECOND: usize = 12_000;

/// Answers over HTTP: a fresh organisation (large enough that the links last the whole phase),
/// an open campaign with every leader, links issued, and the load generator posting survey
/// forms.
async fn intake(backend: &str, dir: &Path, options: &BenchOptions) -> anyhow::Result<Intake> {
    let url = fresh_database(backend, dir, options.postgres.as_deref(), "intake").await?;
    let store = crate::settings::open_store(&url, Some(&dir.join("seal.key"))).await?;
    let people = (options.seconds as usize * INTAKE_PEOPLE_PER_SECOND).max(40_000);
    let org = GenerateOptions {
        people,
        leaders: people / 10,
        responses: 0,
        seed: 7,
    };
    generate(&store, &org, false).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let campaign = store
        .create_campaign(&NewCampaign {
            name: "Intake".into(),
            instrument_version: Instrument::current().version,
            deadline: today + time::Duration::days(30),
            rules: PrivacyRules::default(),
            created_on: today,
        })
        .await?;
    let leaders = store
        .people(&trustloop_storage::PeopleQuery {
            search: None,
            offset: 0,
            limit: 100_000,
        })
        .await?
        .0;
    let managers: std::collections::HashSet<_> =
        leaders.iter().filter_map(|p| p.manager_id).collect();
    let mut adding = tokio::task::JoinSet::new();
    for leader in managers {
        if adding.len() >= 16 {
            adding.join_next().await.context("a task")???;
        }
        let store = store.clone();
        adding.spawn(async move { store.add_leader(campaign, leader).await });
    }
    while let Some(done) = adding.join_next().await {
        done??;
    }
    store
        .set_campaign_status(campaign, CampaignStatus::Open)
        .await?;
    let links = store
        .issue_links(campaign, false, LinkHolder::Program, &|| {
            let token = trustloop_web::auth::random_token();
            let hash = trustloop_web::auth::hash_token(&token);
            (token, hash)
        })
        .await?;
    let mut tokens: Vec<String> = links
        .links
        .into_iter()
        .filter(|(i, _)| i.group != RaterGroup::SelfRating)
        .map(|(_, t)| t)
        .collect();
    // Answers arrive in no particular order across the organisation, as they do in a real
    // campaign (not leader by leader, which would fill each rater group in one batch).
    rand::seq::SliceRandom::shuffle(
        tokens.as_mut_slice(),
        &mut rand::rngs::StdRng::seed_from_u64(17),
    );
    drop(store);
    settle(&url, false).await?;
    let server = Server::start(&url, &dir.join("seal.key"))?;
    let instrument = Instrument::current();
    // The form is encoded and the addresses written before the clock starts, so that the load
    // generator, which shares the 2 cores with the server, does as little as it can per answer.
    // (Field names are `item_` and a code of lower-case letters and `_`, values are digits:
    // nothing to escape.)
    let body = bytes::Bytes::from(
        instrument
            .items
            .iter()
            .enumerate()
            .map(|(n, item)| {
                format!(
                    "{}={}",
                    trustloop_domain::rating::item_field(&item.code),
                    u32::from(instrument.scale.min) + (n as u32 % 4)
                )
            })
            .collect::<Vec<_>>()
            .join("&"),
    );
    let links = tokens.len();
    let result = match options.load_generator {
        LoadGenerator::Wrk => {
            let requests = WrkRequests {
                method: "POST",
                paths: tokens.iter().map(|token| format!("/s/{token}")).collect(),
                body: Some(&body[..]),
                header: Some("Content-Type: application/x-www-form-urlencoded".into()),
                success: 303,
            };
            tokio::task::block_in_place(|| {
                wrk_load(
                    &server.base,
                    &requests,
                    options.intake_concurrency,
                    options,
                    dir,
                )
            })?
        }
        LoadGenerator::Builtin => {
            let addresses: Vec<String> = tokens
                .iter()
                .map(|token| format!("{}/s/{token}", server.base))
                .collect();
            let queue = Arc::new(std::sync::Mutex::new(addresses));
            load(options.intake_concurrency, options.seconds, move |client| {
                let address = queue.lock().expect("the queue is never poisoned").pop();
                let body = body.clone();
                async move {
                    let reply = client
                        .post(address?)
                        .header(
                            reqwest::header::CONTENT_TYPE,
                            "application/x-www-form-urlencoded",
                        )
                        .body(body)
                        .send()
                        .await;
                    Some(matches!(reply, Ok(r) if r.status() == reqwest::StatusCode::SEE_OTHER))
                }
            })
            .await
        }
    };
    Ok(Intake {
        load: result,
        peak_mb: server.peak_mb()?,
        ready_ms: server.ready_ms,
        people,
        links,
    })
}

/// The wrk script that sends each request to the next path of a list.
const WRK_SCRIPT: &str = include_str!("../assets/load.lua");

/// What wrk sends: each request to the next of `paths` (in turn, again from the first when all
/// were used), with `body` and one `header`, counting `success` as the status of a success.
struct WrkRequests<'a> {
    method: &'a str,
    paths: Vec<String>,
    body: Option<&'a [u8]>,
    header: Option<String>,
    success: u16,
}

/// Sends `requests` to the server at `base` with wrk, from `connections` connections for the
/// phase's seconds: two threads (one per core, as the load generator shares the machine with
/// the server).
fn wrk_load(
    base: &str,
    requests: &WrkRequests<'_>,
    connections: usize,
    options: &BenchOptions,
    dir: &Path,
) -> anyhow::Result<Load> {
    let (script, paths, body) = (
        dir.join("load.lua"),
        dir.join("paths.txt"),
        dir.join("body.txt"),
    );
    std::fs::write(&script, WRK_SCRIPT)?;
    std::fs::write(&paths, requests.paths.join("\n"))?;
    if let Some(bytes) = requests.body {
        std::fs::write(&body, bytes)?;
    }
    let threads = 2.min(connections);
    let out = Command::new("wrk")
        .arg(format!("--threads={threads}"))
        .arg(format!("--connections={connections}"))
        .arg(format!("--duration={}s", options.seconds))
        .arg("--timeout=10s")
        .arg("--script")
        .arg(&script)
        .arg(base)
        .arg("--")
        .arg(&paths)
        .arg(requests.method)
        .arg(if requests.body.is_some() {
            body.as_os_str()
        } else {
            "-".as_ref()
        })
        .arg(requests.header.as_deref().unwrap_or("-"))
        .arg(requests.success.to_string())
        .arg(threads.to_string())
        .output()
        .context("running wrk (`apt-get install wrk`, or `--load-generator builtin`)")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(
        out.status.success(),
        "wrk failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_wrk(&stdout).with_context(|| format!("reading wrk's output: {stdout}"))
}

/// The figures the wrk script prints in its last line.
fn parse_wrk(output: &str) -> anyhow::Result<Load> {
    let line = output
        .lines()
        .find_map(|line| line.strip_prefix("trustloop-load "))
        .context("no figures")?;
    let figures: BTreeMap<&str, f64> = line
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| Ok((name, value.parse::<f64>()?)))
        .collect::<Result<_, std::num::ParseFloatError>>()?;
    let figure = |name: &str| figures.get(name).copied().context(name.to_owned());
    Ok(Load {
        ok: figure("ok")? as u64,
        failed: figure("failed")? as u64,
        seconds: figure("seconds")?,
        p50_ms: figure("p50")?,
        p99_ms: figure("p99")?,
    })
}

/// Whether a report request succeeded, its body read whole.
async fn read_report(client: &reqwest::Client, address: &str, token: &str) -> bool {
    match client.get(address).bearer_auth(token).send().await {
        Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
        _ => false,
    }
}

/// Leaders whose reports are each read once in the first-read phase (more than the server
/// keeps, so that it cannot serve any of them from memory by the end).
const FIRST_READS: usize = 3000;

/// Reports under load, on the big database, through the API with a token per leader: one
/// leader's report read again and again (the issue's question: after the first read it comes
/// from the server's memory), then the reports of [`FIRST_READS`] other leaders, each read once
/// and so computed from the database.
async fn report_load(
    store: &DynStore,
    (url, seal_key_file): (&str, &Path),
    campaign: CampaignId,
    options: &BenchOptions,
    dir: &Path,
) -> anyhow::Result<(Load, Load, f64, f64)> {
    let leaders = store.campaign_leaders(campaign).await?;
    let mut team_leaders = leaders.iter().filter(|p| {
        p.manager_id.is_some() && p.team.as_deref().is_some_and(|t| t.contains("team"))
    });
    let mut tokens = Vec::new();
    for leader in team_leaders.by_ref().take(1 + FIRST_READS) {
        let email = Email::parse(&leader.email).map_err(|e| anyhow::anyhow!(e))?;
        // A database measured before already has its leaders' accounts.
        let user = match store.user_by_email(&email).await? {
            Some(user) => user.id,
            None => {
                store
                    .create_user(&NewUser {
                        email,
                        display_name: leader.name.clone(),
                        role: Role::Leader,
                        person_id: Some(leader.id),
                        password_hash: None,
                    })
                    .await?
            }
        };
        let token = trustloop_web::auth::random_token();
        store
            .create_api_token(&NewApiToken {
                user_id: user,
                name: "bench".into(),
                token_hash: trustloop_web::auth::hash_token(&token),
                scopes: vec!["reports:read".into()],
                created_at: trustloop_web::auth::now(),
            })
            .await?;
        tokens.push(token);
    }
    anyhow::ensure!(tokens.len() > 1, "the campaign has too few team leaders");
    let server = Server::start(url, seal_key_file)?;
    let address = format!("{}/api/v1/me/campaigns/{}/report", server.base, campaign.0);
    let one = tokens.remove(0);
    let check = reqwest::Client::new()
        .get(&address)
        .bearer_auth(&one)
        .send()
        .await?;
    anyhow::ensure!(
        check.status().is_success(),
        "the report answered {}",
        check.status()
    );
    let again = match options.load_generator {
        LoadGenerator::Wrk => {
            let requests = WrkRequests {
                method: "GET",
                paths: vec![address.trim_start_matches(&server.base).to_string()],
                body: None,
                header: Some(format!("Authorization: Bearer {one}")),
                success: 200,
            };
            tokio::task::block_in_place(|| {
                wrk_load(&server.base, &requests, options.concurrency, options, dir)
            })?
        }
        LoadGenerator::Builtin => {
            let address = address.clone();
            load(options.concurrency, options.seconds, move |client| {
                let (address, token) = (address.clone(), one.clone());
                async move { Some(read_report(&client, &address, &token).await) }
            })
            .await
        }
    };
    // Each of these leaders' reports is read once, so the bench's own client sends them: wrk
    // would start the list again when it ran out, and read reports the server keeps.
    let tokens = Arc::new(tokens);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let first = load(options.concurrency, options.seconds, move |client| {
        let (address, tokens, next) = (address.clone(), tokens.clone(), next.clone());
        async move {
            let token = tokens.get(next.fetch_add(1, Ordering::Relaxed))?.clone();
            Some(read_report(&client, &address, &token).await)
        }
    })
    .await;
    let peak = server.peak_mb()?;
    Ok((again, first, peak, server.ready_ms))
}

/// Imports the generated organisation's people from CSV with `trustloop import people`.
async fn import_csv(
    backend: &str,
    dir: &Path,
    options: &BenchOptions,
    people: usize,
    leaders: usize,
) -> anyhow::Result<f64> {
    let url = fresh_database(backend, dir, options.postgres.as_deref(), "import").await?;
    crate::settings::open_store(&url, Some(&dir.join("seal.key"))).await?;
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
        Command::new(std::env::current_exe()?)
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

/// Runs every measurement and prints the results as Markdown.
pub async fn run(options: BenchOptions) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let binary_mb = std::fs::metadata(std::env::current_exe()?)?.len() as f64 / 1e6;
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

/// Lets a PostgreSQL server finish the work earlier writes left it before a phase is timed:
/// with `vacuum`, the statistics and visibility maps of a bulk load (`VACUUM (ANALYZE)`, which
/// autovacuum would otherwise run during the timed phases); always, writing out the pages those
/// writes dirtied (`CHECKPOINT`, which needs a superuser or the `pg_checkpoint` role: without
/// it the phase runs anyway). Returns the seconds it took; `None` for SQLite.
async fn settle(url: &str, vacuum: bool) -> anyhow::Result<Option<f64>> {
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
async fn postgres_durability(server: &str) -> anyhow::Result<String> {
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
            let store =
                crate::settings::open_store(&existing.url, Some(&existing.seal_key_file)).await?;
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
                crate::settings::redact_url(&existing.url)
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
            let store = crate::settings::open_store(&url, Some(&seal_key_file)).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figures_of_the_wrk_script_are_read_from_its_last_line() {
        let output = "Running 8s test @ http://127.0.0.1:4000\n  2 threads and 128 connections\n\
                      trustloop-load ok=27962 failed=3 seconds=8.100000 p50=34.012000 p99=112.100000\n";
        let load = parse_wrk(output).expect("figures");
        assert_eq!((load.ok, load.failed), (27962, 3));
        assert_eq!(
            (load.seconds, load.p50_ms, load.p99_ms),
            (8.1, 34.012, 112.1)
        );
        assert!(parse_wrk("Running 8s test\n").is_err());
        assert!(parse_wrk("trustloop-load ok=1 failed=0 seconds=1\n").is_err());
    }
}
