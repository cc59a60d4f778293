//! The ledger phase: a leader's ledger page with 500 commitments read again and again from the
//! product's server, and the organisation's association between say-do ratio and consistency
//! over 10,000 leaders (the query and the correlation, as the organisation page asks them).

use crate::database::{fresh_database, open_store};
use crate::generate::{GenerateOptions, generate};
use crate::load::{percentile, sorted};
use crate::run::BenchOptions;
use crate::server::Server;
use anyhow::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::time::Instant;
use time::{Date, Duration};
use trustloop_domain::ledger::{Change, Confirmation};
use trustloop_domain::people::Email;
use trustloop_storage::{
    CommitmentChange, DynStore, NewCommitment, NewUser, PersonId, RecipientChoice, Role,
    SignedInConfirmation,
};

/// Commitments on the measured leader's ledger.
const COMMITMENTS: usize = 500;
/// Leaders in the organisation whose association is measured.
const LEADERS: usize = 10_000;
/// The password of the measured leader's account.
const PASSWORD: &str = "bench ledger password";

/// What the ledger phase measured, in milliseconds.
pub(crate) struct LedgerFigures {
    /// The ledger page, sorted.
    pub page_ms: Vec<f64>,
    /// The association, sorted.
    pub association_ms: Vec<f64>,
    /// The first association, which reads the consistency scores from the database.
    pub first_association_ms: f64,
    /// Leaders in the association.
    pub leaders: usize,
}

/// Makes a commitment `made` days before `today`, due `due` days from today, then kept or
/// broken (`kept`) the day before it was due, and confirmed by its recipient when `confirmed`.
async fn commitment(
    store: &DynStore,
    (leader, recipient): (PersonId, PersonId),
    today: Date,
    (made, due): (i64, i64),
    (kept, confirmed): (bool, Option<Confirmation>),
) -> anyhow::Result<()> {
    let made = store
        .make_commitment(&NewCommitment {
            leader_id: leader,
            what: "Send the weekly summary to the team".into(),
            to: RecipientChoice::People(vec![recipient]),
            due: today + Duration::days(due),
            action_id: None,
            today: today - Duration::days(made),
            min_team: trustloop_app::ledger::team_k(),
        })
        .await?;
    let on = today + Duration::days(due - 1);
    if on < made.commitment.made_on {
        return Ok(());
    }
    let change = if kept {
        Change::Kept { on }
    } else {
        Change::Broken { on }
    };
    store
        .change_commitment(&CommitmentChange {
            leader_id: leader,
            commitment: made.id,
            change,
            today: on,
        })
        .await?;
    if let Some(answer) = confirmed.filter(|_| kept) {
        store
            .confirm_signed_in(&SignedInConfirmation {
                person_id: recipient,
                commitment: made.id,
                answer,
                today: on,
            })
            .await?;
    }
    Ok(())
}

/// Runs the ledger phase on `backend`.
pub(crate) async fn ledger_phase(
    backend: &str,
    dir: &Path,
    options: &BenchOptions,
) -> anyhow::Result<LedgerFigures> {
    let url = fresh_database(backend, dir, options.postgres.as_deref(), "ledger").await?;
    // Apart from the database's folder, where the server would warn about it first.
    let keys = dir.join("ledger-key");
    std::fs::create_dir_all(&keys)?;
    let seal_key_file = keys.join("seal.key");
    let store = open_store(&url, Some(&seal_key_file)).await?;
    let started = Instant::now();
    // One closed campaign of 10,000 team leaders with about eight answers each.
    generate(
        &store,
        &GenerateOptions {
            people: LEADERS * 8,
            leaders: LEADERS,
            responses: LEADERS * 8,
            seed: 2026,
        },
        false,
    )
    .await
    .context("generating the organisation")?;
    let today = time::OffsetDateTime::now_utc().date();
    let mut rng = StdRng::seed_from_u64(2026);
    let leaders: Vec<PersonId> = {
        let (people, _) = store
            .people(&trustloop_storage::PeopleQuery {
                limit: u64::MAX / 2,
                ..Default::default()
            })
            .await?;
        let mut leaders: Vec<PersonId> = people.iter().filter_map(|p| p.manager_id).collect();
        leaders.sort();
        leaders.dedup();
        leaders
    };
    // The first leader's ledger is the measured one: theirs are made below.
    let mut made = 0;
    for leader in leaders.iter().skip(1) {
        let near = store.people_near(*leader).await?;
        let Some((recipient, _)) = near.first() else {
            continue;
        };
        for n in 0..3_i64 {
            let kept = rng.random_bool(0.75);
            let answer = match rng.random_range(0..10) {
                0 => None,
                1 => Some(Confirmation::NotKept),
                _ => Some(Confirmation::Kept),
            };
            commitment(
                &store,
                (*leader, *recipient),
                today,
                (80, -10 - 20 * n),
                (kept, answer),
            )
            .await
            .with_context(|| format!("a commitment of leader {leader}"))?;
            made += 1;
        }
    }
    // The measured leader's ledger: 500 commitments in every state, to their direct report.
    let leader = *leaders.first().context("no leader")?;
    let (recipient, _) = store
        .people_near(leader)
        .await?
        .into_iter()
        .next()
        .context("the leader has nobody near")?;
    for n in 0..COMMITMENTS as i64 {
        let due = 30 - (n % 120);
        let answer = [Some(Confirmation::Kept), None, Some(Confirmation::CantSay)][n as usize % 3];
        commitment(
            &store,
            (leader, recipient),
            today,
            (150, due),
            (n % 4 != 0, answer),
        )
        .await?;
    }
    println!(
        "- ledger data: {} leaders with a closed report, {made} commitments across them and \
         {COMMITMENTS} on one leader's ledger, made in {:.1} s (untimed)",
        leaders.len(),
        started.elapsed().as_secs_f64()
    );

    let person = store.person(leader).await?;
    let email = Email::parse(&person.email).map_err(|e| anyhow::anyhow!(e))?;
    store
        .create_user(&NewUser {
            email: email.clone(),
            display_name: person.name.clone(),
            role: Role::Leader,
            person_id: Some(leader),
            password_hash: Some(trustloop_web::auth::hash_password(PASSWORD.into()).await?),
        })
        .await?;
    let server = Server::start(&options.trustloop, &url, &seal_key_file)?;
    let client = reqwest::Client::builder().cookie_store(true).build()?;
    let form = client
        .get(format!("{}/sign-in", server.base))
        .send()
        .await?
        .text()
        .await?;
    let csrf = form
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("the sign-in page has no token")?;
    let signed = client
        .post(format!("{}/sign-in", server.base))
        .form(&[
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("next", "/"),
            ("csrf", csrf),
        ])
        .send()
        .await?;
    anyhow::ensure!(signed.status().is_success(), "sign-in: {}", signed.status());
    let page = format!("{}/me/ledger", server.base);
    let first = client.get(&page).send().await?;
    anyhow::ensure!(
        first.status().is_success(),
        "ledger page: {}",
        first.status()
    );
    let body = first.text().await?;
    anyhow::ensure!(
        body.matches("class=\"commitment\"").count() == COMMITMENTS,
        "the page shows every commitment ({} of {COMMITMENTS})",
        body.matches("class=\"commitment\"").count()
    );
    let mut page_ms = Vec::with_capacity(options.runs);
    for _ in 0..options.runs.max(101) {
        let started = Instant::now();
        let r = client.get(&page).send().await?;
        anyhow::ensure!(r.status().is_success());
        r.bytes().await?;
        page_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    drop(server);

    let app = trustloop_app::App::new(store.clone());
    let started = Instant::now();
    let association = trustloop_app::ledger::association(&app).await?;
    let first_association_ms = started.elapsed().as_secs_f64() * 1000.0;
    let n = match association {
        trustloop_domain::ledger::Association::Shown(c) => c.n,
        other => anyhow::bail!("the association is not shown: {other:?}"),
    };
    let mut association_ms = Vec::with_capacity(options.runs);
    for _ in 0..options.runs {
        let started = Instant::now();
        trustloop_app::ledger::association(&app).await?;
        association_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(LedgerFigures {
        page_ms: sorted(page_ms),
        association_ms: sorted(association_ms),
        first_association_ms,
        leaders: n,
    })
}

/// Prints the ledger phase's figures with their targets.
pub(crate) fn print(figures: &LedgerFigures, verdict: fn(bool, String) -> String) {
    let (median, p99) = (
        percentile(&figures.page_ms, 50.0),
        percentile(&figures.page_ms, 99.0),
    );
    println!(
        "- a leader's ledger page with {COMMITMENTS} commitments (GET /me/ledger, signed in, \
         {} reads one after another): median {median:.2} ms, p99 {p99:.2} ms: {}",
        figures.page_ms.len(),
        verdict(p99 < 20.0, format!("target p99 < 20 ms, {:.0}%", p99 / 0.2))
    );
    let (median, p99) = (
        percentile(&figures.association_ms, 50.0),
        percentile(&figures.association_ms, 99.0),
    );
    println!(
        "- the organisation's association between say-do ratio and consistency over {} leaders \
         (the day's say-do counts and Pearson's r with its interval; consistency scores from the \
         server's memory, as after the first request; {} runs): median {median:.2} ms, p99 \
         {p99:.2} ms: {}; the first request, reading the scores too: {:.2} ms",
        figures.leaders,
        figures.association_ms.len(),
        verdict(p99 < 100.0, format!("target < 100 ms, {:.0}%", p99)),
        figures.first_association_ms
    );
}
