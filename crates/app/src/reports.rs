//! A leader's report: computed when their campaign has closed, compared with their previous
//! closed campaign, and kept in memory once computed (it can no longer change).

use crate::cache::{FinishedReport, FinishedReportKey};
use crate::{App, Error, Result};
use std::sync::Arc;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::report::{CampaignContext, ChangeRow, Report, compare};
use trustloop_storage::{Campaign, CampaignId, PersonId};

/// A leader's report with what it is compared against.
pub struct LoadedReport {
    /// The campaign.
    pub campaign: Campaign,
    /// The leader's previous closed campaign, which the change is measured from.
    pub previous: Option<Campaign>,
    /// The report, its instrument and the change since `previous`.
    pub finished: Arc<FinishedReport>,
}

impl LoadedReport {
    /// The report.
    pub fn report(&self) -> &Report {
        &self.finished.report
    }

    /// The previous campaign and the change since, if there is one.
    pub fn change(&self) -> Option<(&Campaign, &[ChangeRow])> {
        self.previous.as_ref().zip(self.finished.change.as_deref())
    }
}

async fn build_report(
    app: &App,
    campaign: &Campaign,
    leader_id: PersonId,
) -> Result<(Arc<Instrument>, Report)> {
    let (instrument, context, (responses, comments), answered) = tokio::try_join!(
        app.instrument(campaign.instrument_version),
        campaign_context(app, campaign),
        async { Ok(app.store.responses(campaign.id, leader_id).await?) },
        async { Ok(app.store.answered_by_group(campaign.id, leader_id).await?) },
    )?;
    let report = Report::build(
        &instrument,
        &campaign.rules,
        &context,
        &answered,
        &responses,
        &comments,
    );
    Ok((instrument, report))
}

/// The campaign-wide context of a campaign. A closed campaign's never changes: it is kept in
/// memory once read (or computed and stored, the first time), so several servers agree on it
/// without telling each other anything.
async fn campaign_context(app: &App, campaign: &Campaign) -> Result<Arc<CampaignContext>> {
    if campaign.status == CampaignStatus::Closed {
        app.cache
            .closed_campaign_context(campaign.id, || stored_campaign_context(app, campaign))
            .await
    } else {
        stored_campaign_context(app, campaign).await.map(Arc::new)
    }
}

/// The context read when it was computed before, otherwise computed from each response's stored
/// scores and kept when the campaign is closed.
async fn stored_campaign_context(app: &App, campaign: &Campaign) -> Result<CampaignContext> {
    if let Some(json) = app.store.campaign_context(campaign.id).await? {
        match serde_json::from_str(&json) {
            Ok(context) => return Ok(context),
            Err(e) => {
                tracing::warn!(error = %e, campaign = %campaign.id, "stored context unreadable; recomputing")
            }
        }
    }
    let scores = app.store.campaign_rater_scores(campaign.id).await?;
    let context = CampaignContext::from_scores(&campaign.rules, &scores);
    if campaign.status == CampaignStatus::Closed {
        let json = serde_json::to_string(&context).map_err(anyhow::Error::from)?;
        app.store.save_campaign_context(campaign.id, &json).await?;
    }
    Ok(context)
}

/// Computes a leader's report in a closed campaign, and the change since their previous closed
/// campaign. Reports are released only when a campaign closes: a report that changed with every
/// answer would let its reader see each answer. Only the leader's own campaigns are found: any
/// other is "not found", so that ids of other leaders' campaigns reveal nothing.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id, leader = %leader_id))]
pub async fn load(app: &App, campaign_id: CampaignId, leader_id: PersonId) -> Result<LoadedReport> {
    // The leader's own campaigns, not the campaign's leaders: a campaign may have thousands.
    let led = app.store.campaigns_led_by(leader_id).await?;
    let Some(campaign) = led.iter().find(|c| c.id == campaign_id).cloned() else {
        return Err(Error::NotFound("report"));
    };
    if campaign.status != CampaignStatus::Closed {
        return Err(Error::Conflict(format!(
            "The report for {} is released when the campaign closes (deadline {}), so that no single answer can be seen arriving.",
            campaign.name, campaign.deadline
        )));
    }
    let previous = led
        .into_iter()
        .filter(|c| c.status == CampaignStatus::Closed && c.id.0 < campaign.id.0)
        .max_by_key(|c| c.id.0);
    // Read from now on: neither campaign may reopen (see `trustloop_domain::closing`).
    crate::campaign_edits::record_result_read(app, campaign.id).await?;
    if let Some(previous) = &previous {
        crate::campaign_edits::record_result_read(app, previous.id).await?;
    }
    // Everything the report is made of is fixed once its campaign (and so the earlier one it is
    // compared with) has closed: it is computed once per server.
    let key = FinishedReportKey {
        campaign: campaign.id,
        leader: leader_id,
        previous: previous.as_ref().map(|p| p.id),
    };
    let finished = app
        .cache
        .finished_report(key, || async {
            let before = async {
                match &previous {
                    Some(previous) => Ok(Some(build_report(app, previous, leader_id).await?.1)),
                    None => Ok(None),
                }
            };
            let ((instrument, report), before) =
                tokio::try_join!(build_report(app, &campaign, leader_id), before)?;
            let change = before.map(|before| compare(&before, &report));
            Ok(FinishedReport {
                instrument,
                report,
                change,
            })
        })
        .await?;
    Ok(LoadedReport {
        campaign,
        previous,
        finished,
    })
}
