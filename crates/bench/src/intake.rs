//! The intake phase: durable survey answers over HTTP to a fresh organisation's open campaign.

use crate::database::{fresh_database, open_store, settle};
use crate::generate::{GenerateOptions, generate, open_with_leaders};
use crate::load::{Load, WrkRequests, load, wrk_load};
use crate::run::{BenchOptions, LoadGenerator};
use crate::server::Server;
use rand::SeedableRng;
use std::path::Path;
use std::sync::Arc;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::privacy::PrivacyRules;
use trustloop_storage::{LinkHolder, NewCampaign};

/// What the intake phase measured.
pub(crate) struct Intake {
    /// The answers sent.
    pub load: Load,
    /// Server peak MB and start-to-ready ms.
    pub peak_mb: f64,
    /// See `peak_mb`.
    pub ready_ms: f64,
    /// People in the organisation, and the links to answer (each can be used once).
    pub people: usize,
    /// See `people`.
    pub links: usize,
}

/// People per second of load in the intake's organisation: about 1.1 links each, so enough
/// links for 13,200 answers a second (6,000 ran out on this machine's 8 s runs at 6,500/s).
const INTAKE_PEOPLE_PER_SECOND: usize = 12_000;

/// Answers over HTTP: a fresh organisation (large enough that the links last the whole phase),
/// an open campaign with every leader, links issued, and the load generator posting survey
/// forms.
pub(crate) async fn intake(
    backend: &str,
    dir: &Path,
    options: &BenchOptions,
) -> anyhow::Result<Intake> {
    let url = fresh_database(backend, dir, options.postgres.as_deref(), "intake").await?;
    let store = open_store(&url, Some(&dir.join("seal.key"))).await?;
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
    open_with_leaders(&store, campaign, managers).await?;
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
    let server = Server::start(&options.trustloop, &url, &dir.join("seal.key"))?;
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
                    options.seconds,
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
