//! The report phase: leaders' reports read through the API under load, one again and again and
//! others once each.

use crate::load::{Load, WrkRequests, load, wrk_load};
use crate::run::{BenchOptions, LoadGenerator};
use crate::server::Server;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use trustloop_domain::people::Email;
use trustloop_storage::{CampaignId, DynStore, NewApiToken, NewUser, Role};

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
/// leader's report read again and again (the question: after the first read it comes
/// from the server's memory), then the reports of [`FIRST_READS`] other leaders, each read once
/// and so computed from the database.
pub(crate) async fn report_load(
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
    let server = Server::start(&options.trustloop, url, seal_key_file)?;
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
                wrk_load(
                    &server.base,
                    &requests,
                    options.concurrency,
                    options.seconds,
                    dir,
                )
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
