//! Trust by team in a closed campaign, under the campaign's privacy rules and against
//! everything already shown of the campaign (the disclosure history: segment views of any
//! admin).

use crate::disclosures;
use crate::{Actor, App, Error, Result};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use trustloop_domain::analytics::{self, Heatmap, HeatmapShown, TeamTotals};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::segments::Answers;
use trustloop_storage::{Campaign, CampaignId, Disclosed, DisclosureKind};

/// The heatmap of a closed campaign under its privacy rules, as the domain decided it against
/// the campaign's disclosure history, recorded there.
///
/// Two paths. When no segment view was ever shown of the campaign and this very heatmap was
/// already recorded (by its digest), it is the plain heatmap and nothing is recorded: teams
/// share no answer, so the complementary suppression within the heatmap is all there is to
/// check (a few index look-ups in the history, no write on a repeated view). Otherwise it is
/// decided against the whole history (with the answers and their teams once a segment view was
/// shown) inside the recording transaction, so that a segment view decided at the same time is
/// checked with it or against it, never without; a plain heatmap whose rules changed since the
/// last one recorded (a new version of the product) is recorded again.
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
    let plain = analytics::heatmap(k, &totals);
    let plain_digest = digest(&plain);
    let summary = app.store.disclosure_summary(campaign.id).await?;
    let segments_shown = summary.shown(DisclosureKind::Segment);
    if !segments_shown && summary.heatmap_digest.as_deref() == Some(plain_digest.as_str()) {
        return Ok(plain);
    }
    let mut answers: Option<Answers> = None;
    if segments_shown {
        answers = Some(disclosures::answers(app, campaign.id).await?);
    }
    loop {
        let decided = disclosures::record(app, campaign.id, |history| match &answers {
            Some(answers) => {
                let (map, shown) = analytics::heatmap_against(k, &totals, answers, &history.seen);
                (Some(map), to_record(&shown, None))
            }
            None if !history.has_segments => {
                let shown = analytics::heatmap_populations(&plain);
                (Some(plain.clone()), to_record(&shown, Some(&plain_digest)))
            }
            // A segment view was recorded since the summary was read: decide again, with the
            // answers.
            None => (None, Disclosed::default()),
        })
        .await?;
        match decided {
            Some(map) => return Ok(map),
            None => answers = Some(disclosures::answers(app, campaign.id).await?),
        }
    }
}

/// What to record for a heatmap showing `shown`, with its digest when it is the plain heatmap.
fn to_record(shown: &HeatmapShown, digest: Option<&str>) -> Disclosed {
    Disclosed {
        populations: disclosures::to_record(DisclosureKind::Team, &shown.teams)
            .chain(disclosures::to_record(DisclosureKind::Total, &shown.total))
            .collect(),
        heatmap_digest: digest.map(String::from),
    }
}

/// A digest of what a heatmap shows: each row's team, whether the row is shown and which of its
/// means, and the same of the total. Two heatmaps of a campaign with the same digest show the
/// same populations.
fn digest(map: &Heatmap<String>) -> String {
    let shown = |hidden: bool, means: &[Option<f64>; 4]| -> u8 {
        if hidden {
            0xFF
        } else {
            (0..4).fold(0, |mask, m| mask | (u8::from(means[m].is_some()) << m))
        }
    };
    let mut hasher = Sha256::new();
    for row in &map.rows {
        hasher.update(row.team.as_bytes());
        hasher.update([0, shown(row.hidden.is_some(), &row.means)]);
    }
    match &map.total {
        Some(total) => hasher.update([1, shown(total.hidden.is_some(), &total.means)]),
        None => hasher.update([2]),
    }
    hex::encode(hasher.finalize())
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
    crate::campaign_edits::record_result_read(app, campaign.id).await?;
    app.audit(
        actor,
        "team_results_viewed",
        &format!("campaign {id}"),
        detail,
    )
    .await?;
    Ok((campaign, map))
}
