//! Trust by team in a closed campaign, under the campaign's privacy rules and against
//! everything already shown of the campaign (the disclosure history: segment views of any
//! admin).

use crate::disclosures;
use crate::{Actor, App, Error, Result};
use std::collections::BTreeMap;
use trustloop_domain::analytics::{self, Heatmap, TeamTotals};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::segments::Answers;
use trustloop_storage::{Campaign, CampaignId, DisclosureKind};

/// The heatmap of a closed campaign under its privacy rules, as the domain decided it against
/// the campaign's disclosure history, recorded there.
///
/// Two paths. When no segment view was ever shown of the campaign and the heatmap already was,
/// it is the plain heatmap and nothing is recorded: only heatmaps were shown, of the same
/// answers under the same rules, so they were this one, and teams share no answer, so the
/// complementary suppression within the heatmap is all there is to check (a few index look-ups
/// in the history, no write on a repeated view). Otherwise it is decided against the
/// whole history, with the answers and their teams, inside the recording transaction, so that
/// a segment view decided at the same time is checked with it or against it, never without.
async fn campaign_heatmap(app: &App, campaign: &Campaign) -> Result<Heatmap<String>> {
    if campaign.status != CampaignStatus::Closed {
        return Err(Error::Conflict(
            "Team results are shown once the campaign has closed, so that nobody can watch them change as answers arrive.".into(),
        ));
    }
    let totals: BTreeMap<String, TeamTotals> = app
        .store
        .team_totals(campaign.id)
        .await?
        .into_iter()
        .collect();
    let k = campaign.rules.min_team;
    let kinds = app.store.disclosed_kinds(campaign.id).await?;
    let shown = |kind| kinds.iter().any(|(k, _)| *k == kind);
    let segments_shown = shown(DisclosureKind::Segment);
    if !segments_shown && (shown(DisclosureKind::Team) || shown(DisclosureKind::Total)) {
        return Ok(analytics::heatmap(k, &totals));
    }
    let mut answers: Option<Answers> = None;
    if segments_shown {
        answers = Some(disclosures::answers(app, campaign.id).await?);
    }
    loop {
        let decided = disclosures::record(app, campaign.id, |history| {
            let (map, shown) = match &answers {
                Some(answers) => analytics::heatmap_against(k, &totals, answers, &history.seen),
                None if !history.has_segments => {
                    let map = analytics::heatmap(k, &totals);
                    let shown = analytics::heatmap_populations(&map);
                    (map, shown)
                }
                // A segment view was recorded since the tallies were read: decide again, with
                // the answers.
                None => return (None, Vec::new()),
            };
            let record = disclosures::to_record(DisclosureKind::Team, &shown.teams)
                .chain(disclosures::to_record(DisclosureKind::Total, &shown.total))
                .collect();
            (Some(map), record)
        })
        .await?;
        match decided {
            Some(map) => return Ok(map),
            None => answers = Some(disclosures::answers(app, campaign.id).await?),
        }
    }
}

/// Shows an admin a closed campaign's team results, and records that they saw them: each team
/// is one leader's results. `detail` says where they were seen ("api" for the JSON API).
#[tracing::instrument(skip_all, fields(campaign = %id))]
pub async fn team_results(
    app: &App,
    actor: &Actor,
    id: CampaignId,
    detail: &str,
) -> Result<(Campaign, Heatmap<String>)> {
    let campaign = app.store.campaign(id).await?;
    let map = campaign_heatmap(app, &campaign).await?;
    app.audit(
        actor,
        "team_results_viewed",
        &format!("campaign {id}"),
        detail,
    )
    .await?;
    Ok((campaign, map))
}
