//! The team pulse at scale: the generated organisation (the same as the 360's) asked by one
//! weekly series over every team, 26 rounds run by the scheduler with the day advanced week by
//! week and about 85% of members answering (bulk loaded under the intake's sealing rule). Times
//! opening a round (links minted), a team's trend and the organisation's roll-up with the change
//! since the last round, and DuckDB answering the roll-up's question over the same answers.

use crate::database::{fresh_database, open_store};
use crate::generate::{GenerateOptions, organisation};
use crate::load::{percentile, sorted};
use crate::run::{BenchOptions, verdict};
use anyhow::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Instant;
use time::Duration;
use trustloop_app::App;
use trustloop_app::pulse::trend;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::pulse::{Cadence, PulseMeasure, Schedule};
use trustloop_domain::rating::{Rating, SurveyAnswers};
use trustloop_storage::{
    DynStore, NewPulseSeries, PulseSeriesId, Role, RoundStatus, TeamId, User, UserId,
};

/// Weekly rounds measured.
const ROUNDS: i64 = 26;

/// Answers per bulk load.
const LOAD_BATCH: usize = 5_000;

/// A member's answers around `level` (0–100), each statement on the 1–5 scale.
fn answers(rng: &mut StdRng, pulse: &Instrument, level: f64) -> SurveyAnswers {
    SurveyAnswers {
        ratings: pulse
            .items
            .iter()
            .map(|item| {
                let noise: f64 = (0..3).map(|_| rng.random_range(-0.6..0.6)).sum();
                let point = (1.0 + level / 25.0 + noise).round().clamp(1.0, 5.0) as u8;
                (item.code.clone(), Rating::Score(point))
            })
            .collect(),
        comments: BTreeMap::new(),
    }
}

/// Runs the pulse phase on `backend` and prints its figures.
pub(crate) async fn pulse_phase(
    backend: &str,
    dir: &Path,
    options: &BenchOptions,
) -> anyhow::Result<()> {
    let url = fresh_database(backend, dir, options.postgres.as_deref(), "pulse").await?;
    let store = open_store(&url, Some(&dir.join("pulse-seal.key"))).await?;
    let mut rng = StdRng::seed_from_u64(2026);
    let org = organisation(
        &GenerateOptions {
            people: options.people,
            leaders: options.leaders,
            responses: 0,
            seed: 2026,
        },
        &mut rng,
    );
    store.import_people(&org.file, &|_| {}).await?;
    let teams: Vec<TeamId> = store
        .pulse_teams()
        .await?
        .into_iter()
        .filter(|t| t.leader.is_some() && t.members > 0)
        .map(|t| t.id)
        .collect();
    let today = time::OffsetDateTime::now_utc().date();
    let start = today - Duration::weeks(ROUNDS);
    let series = store
        .create_pulse_series(&NewPulseSeries {
            name: "Weekly pulse".into(),
            teams: teams.clone(),
            schedule: Schedule {
                start,
                cadence: Cadence::Weekly,
                window_days: 3,
            },
            k: 5,
            alert_points: 5.0,
            members_see_results: false,
            created_by: "bench".into(),
            created_on: start,
        })
        .await?;
    let levels: HashMap<TeamId, f64> = teams
        .iter()
        .map(|t| (*t, rng.random_range(50.0..85.0)))
        .collect();
    let pulse = Instrument::pulse_current();
    let mut openings = Vec::new();
    let mut first_links = 0;
    let mut loaded = 0usize;
    let load_started = Instant::now();
    let mut load_seconds = 0.0;
    for week in 0..=ROUNDS {
        let day = start + Duration::weeks(week);
        let started = Instant::now();
        let done = store
            .advance_pulses(day, &trustloop_app::tokens::new_link)
            .await?;
        openings.push(started.elapsed().as_secs_f64());
        let links = done
            .opened
            .into_iter()
            .flat_map(|o| o.links)
            .collect::<Vec<_>>();
        if week == 0 {
            first_links = links.len();
        }
        if week == ROUNDS {
            break;
        }
        let loading = Instant::now();
        let mut given = Vec::with_capacity(links.len());
        for link in &links {
            if rng.random_bool(0.85) {
                let level = levels[&link.team] + rng.random_range(-3.0..3.0);
                given.push((link.invitation, answers(&mut rng, &pulse, level)));
            }
        }
        for chunk in given.chunks(LOAD_BATCH) {
            store.load_pulse_answers(chunk, day).await?;
        }
        loaded += given.len();
        load_seconds += loading.elapsed().as_secs_f64();
    }
    println!(
        "- pulse: {} teams, {ROUNDS} weekly rounds, {loaded} answers bulk loaded in {load_seconds:.1} s \
         ({:.1} s with the openings)",
        teams.len(),
        load_started.elapsed().as_secs_f64()
    );
    let first = openings[0];
    let worst = openings.iter().copied().fold(0.0, f64::max);
    let middle = percentile(&sorted(openings.clone()), 50.0);
    println!(
        "- opening a round (scheduler pass: links minted for {first_links} members, one \
         transaction): first {first:.2} s, median {middle:.2} s, slowest of {} passes \
         {worst:.2} s (closing the round before and releasing what waits included): {}",
        openings.len(),
        verdict(worst < 5.0, format!("target < 5 s, {:.0}%", worst / 0.05))
    );
    measure_pages(&store, series, &teams, dir, options, &url, backend).await
}

/// Times the team trend, the organisation roll-up and DuckDB on the roll-up's question.
async fn measure_pages(
    store: &DynStore,
    series: PulseSeriesId,
    teams: &[TeamId],
    dir: &Path,
    options: &BenchOptions,
    url: &str,
    backend: &str,
) -> anyhow::Result<()> {
    let app = App::new(store.clone());
    let admin = User {
        id: UserId(0),
        email: "bench@example.org".into(),
        display_name: "Bench".into(),
        role: Role::Admin,
        person_id: None,
        password_hash: None,
    };
    let started = Instant::now();
    trend::team_trend(&app, &admin, series, teams[0], None).await?;
    println!(
        "- first team trend after the rounds closed (decides every team's {ROUNDS} rounds in the \
         series' people ledger, once): {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let mut rng = StdRng::seed_from_u64(7);
    let mut times = Vec::with_capacity(options.runs);
    for _ in 0..options.runs {
        let team = teams[rng.random_range(0..teams.len())];
        let started = Instant::now();
        let found = trend::team_trend(&app, &admin, series, team, Some(0)).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(found);
    }
    let times = sorted(times);
    let p99 = percentile(&times, 99.0);
    println!(
        "- a team's trend ({ROUNDS} weekly rounds: scores, intervals, change since the previous \
         round and a baseline, alert, events; random teams, in process): median {:.2} ms, p99 \
         {p99:.2} ms: {}",
        percentile(&times, 50.0),
        verdict(p99 < 20.0, format!("target p99 < 20 ms, {:.0}%", p99 * 5.0))
    );
    let started = Instant::now();
    let org = trend::org_pulse(&app, series).await?;
    println!(
        "- first organisation roll-up after the rounds closed ({} managers' organisations \
         decided): {:.2} s",
        org.roll_ups.len(),
        started.elapsed().as_secs_f64()
    );
    let mut times = Vec::with_capacity(options.runs);
    for _ in 0..options.runs {
        let started = Instant::now();
        let again = trend::org_pulse(&app, series).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(again);
    }
    let times = sorted(times);
    let median = percentile(&times, 50.0);
    let p99 = percentile(&times, 99.0);
    println!(
        "- the organisation roll-up with the change since the last round (every team and every \
         manager's organisation, ledger applied): median {median:.1} ms, p99 {p99:.1} ms: {}",
        verdict(p99 < 100.0, format!("target < 100 ms, {:.0}%", p99))
    );
    if backend == "SQLite" {
        match duckdb_roll_up(&org, store, series, dir, options).await {
            Ok(duck) => {
                let d = percentile(&duck, 50.0);
                println!(
                    "- DuckDB, the same question over the same answers (per team and per \
                     manager's organisation, the last two rounds' Trust Index count, mean and \
                     spread; CSV loaded into tables, untimed): median {d:.1} ms; Trustloop is \
                     {:.1}x {}: {}",
                    if median < d { d / median } else { median / d },
                    if median < d { "faster" } else { "slower" },
                    verdict(median < d, "target: faster than DuckDB".into())
                );
            }
            Err(e) => println!("- DuckDB could not run: {e:#}"),
        }
    }
    let _ = url;
    Ok(())
}

/// Times DuckDB on the roll-up's question over the last two rounds' answers.
async fn duckdb_roll_up(
    org_pulse: &trend::OrgPulse,
    store: &DynStore,
    series: PulseSeriesId,
    dir: &Path,
    options: &BenchOptions,
) -> anyhow::Result<Vec<f64>> {
    let latest = store
        .pulse_rounds(series)
        .await?
        .iter()
        .rev()
        .find(|r| r.status == RoundStatus::Closed)
        .map(|r| r.dates.index)
        .context("a closed round")?;
    let answers = store
        .pulse_answers(series, None, latest.saturating_sub(1))
        .await?;
    let mut csv = String::from("round,team,trust_index\n");
    for a in &answers {
        if let Some(ti) = a.scores.get(&PulseMeasure::TrustIndex) {
            csv.push_str(&format!("{},{},{ti}\n", a.index, a.team));
        }
    }
    let answers_path = dir.join("pulse_answers.csv");
    std::fs::write(&answers_path, csv)?;
    let mut org = String::from("manager,team\n");
    for roll_up in &org_pulse.roll_ups {
        for team in &roll_up.teams {
            org.push_str(&format!("{},{team}\n", roll_up.manager));
        }
    }
    let org_path = dir.join("pulse_org.csv");
    std::fs::write(&org_path, org)?;
    let script = format!(
        "import duckdb, json, time\n\
         con = duckdb.connect()\n\
         con.execute(\"CREATE TABLE answers AS SELECT * FROM read_csv_auto('{answers}')\")\n\
         con.execute(\"CREATE TABLE org AS SELECT * FROM read_csv_auto('{org}')\")\n\
         teams = 'SELECT team, round, count(*), avg(trust_index), stddev_samp(trust_index) FROM answers GROUP BY team, round'\n\
         orgs = 'SELECT o.manager, a.round, count(*), avg(a.trust_index), stddev_samp(a.trust_index) FROM answers a JOIN org o ON o.team = a.team GROUP BY o.manager, a.round'\n\
         con.execute(teams).fetchall(); con.execute(orgs).fetchall()\n\
         times = []\n\
         for _ in range({runs}):\n\
         \x20   t = time.perf_counter(); con.execute(teams).fetchall(); con.execute(orgs).fetchall(); times.append((time.perf_counter() - t) * 1000)\n\
         print(json.dumps(times))\n",
        answers = answers_path.display(),
        org = org_path.display(),
        runs = options.runs
    );
    crate::peers::run_duckdb(&options.python, &script)
}
