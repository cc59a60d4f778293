//! The heatmap and its peers: Trustloop's own heatmap (kept-up-to-date sums, privacy rules
//! applied) against DuckDB and a plain PostgreSQL GROUP BY answering the same question over the
//! raw ratings.

use crate::load::sorted;
use crate::run::BenchOptions;
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use trustloop_domain::instrument::{Instrument, Measures};
use trustloop_domain::model::Element;
use trustloop_storage::{CampaignId, DynStore};

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
pub(crate) async fn time_heatmap(
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
pub(crate) async fn time_duckdb(
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
    run_duckdb(&options.python, &script)
}

/// Runs a Python `script` that prints DuckDB's times as a JSON list; returns them sorted, in ms.
pub(crate) fn run_duckdb(python: &str, script: &str) -> anyhow::Result<Vec<f64>> {
    let out = Command::new(python)
        .args(["-c", script])
        .output()
        .with_context(|| format!("running {python} with DuckDB"))?;
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
pub(crate) async fn time_pg_group_by(
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
