//! The campaign's disclosure history as the use cases meet it: one per campaign, shared by
//! every admin, page and API token. Every figure shown of a closed campaign's answers (the team
//! heatmap, segment views) is decided against the whole history and recorded in it in one
//! transaction ([`record`]), so that no two figures decided at once are checked without each
//! other.

use crate::{App, Result};
use std::sync::Mutex;
use trustloop_domain::segments::{Answer, Answers, SeenPopulation};
use trustloop_storage::{CampaignId, Disclosed, DisclosureKind, NewDisclosure};

/// A closed campaign's direct-report answers, with the team each counts for, indexed for the
/// privacy engine. Read before a recording transaction starts, so that it stays short.
pub(crate) async fn answers(app: &App, campaign: CampaignId) -> Result<Answers> {
    let answers = app
        .store
        .segment_answers(campaign)
        .await?
        .into_iter()
        .map(|a| Answer {
            team: a.team,
            attributes: a.attributes,
            scores: a.scores,
        })
        .collect();
    Ok(Answers::new(answers))
}

/// The populations to add to the history for what a figure shows.
pub(crate) fn to_record<'a>(
    kind: DisclosureKind,
    shown: impl IntoIterator<Item = &'a (SeenPopulation, u32)>,
) -> impl Iterator<Item = NewDisclosure> {
    shown.into_iter().map(move |(population, n)| NewDisclosure {
        population: population.to_canonical_json(),
        kind,
        respondents: *n,
    })
}

/// A campaign's disclosure history, as read in the recording transaction.
pub(crate) struct History {
    /// Every population shown, oldest first.
    pub(crate) seen: Vec<SeenPopulation>,
    /// Whether some of them were shown by segment views.
    pub(crate) has_segments: bool,
}

/// Decides a figure of `campaign` against its whole disclosure history and records what it
/// shows, in one transaction that no other figure of the campaign interleaves with. `decide`
/// gets the history and returns the outcome with what to record (nothing for a refusal).
pub(crate) async fn record<T: Send>(
    app: &App,
    campaign: CampaignId,
    decide: impl Fn(&History) -> (T, Disclosed) + Send + Sync,
) -> Result<T> {
    let decided: Mutex<Option<std::result::Result<T, String>>> = Mutex::new(None);
    app.store
        .record_disclosures(campaign, crate::today(), &|entries| {
            let seen = entries
                .iter()
                .map(|d| SeenPopulation::from_canonical_json(&d.population))
                .collect::<std::result::Result<Vec<_>, _>>();
            let (outcome, record) = match seen {
                Ok(seen) => {
                    let history = History {
                        seen,
                        has_segments: entries.iter().any(|d| d.kind == DisclosureKind::Segment),
                    };
                    let (outcome, record) = decide(&history);
                    (Ok(outcome), record)
                }
                Err(e) => (Err(e), Disclosed::default()),
            };
            if let Ok(mut slot) = decided.lock() {
                *slot = Some(outcome);
            }
            record
        })
        .await?;
    let outcome = decided
        .into_inner()
        .ok()
        .flatten()
        .ok_or_else(|| anyhow::anyhow!("the figure was not decided"))?
        .map_err(|e| anyhow::anyhow!("a disclosure history entry is unreadable: {e}"))?;
    Ok(outcome)
}
