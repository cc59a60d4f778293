//! Trust by team in a closed campaign, under the campaign's privacy rules.

use crate::{Actor, App, Error, Result};
use std::collections::BTreeMap;
use trustloop_domain::analytics::{Heatmap, TeamTotals};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_storage::{Campaign, CampaignId};

/// The heatmap of a closed campaign under its privacy rules, as the domain decided.
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
    Ok(trustloop_domain::analytics::heatmap(
        campaign.rules.min_team,
        &totals,
    ))
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
