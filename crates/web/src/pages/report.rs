//! The leader's 360 report page.

use super::Chrome;
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::views::ReportView;
use askama::Template;
use askama_web::WebTemplate;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::report::{CampaignContext, ChangeRow, Report, compare};
use trustloop_storage::{Campaign, CampaignId, Person, PersonId};

/// The report page.
#[derive(Template, WebTemplate)]
#[template(path = "report.html")]
pub struct ReportPage {
    chrome: Chrome,
    leader: Person,
    campaign: Campaign,
    view: ReportView,
}

/// A leader's report with what it is compared against.
pub struct LoadedReport {
    /// The campaign.
    pub campaign: Campaign,
    /// The leader.
    pub leader: Person,
    /// The report.
    pub report: Report,
    /// The leader's previous closed campaign and the change since, if there is one.
    pub change: Option<(Campaign, Vec<ChangeRow>)>,
}

async fn build_report(
    state: &AppState,
    campaign: &Campaign,
    leader_id: PersonId,
) -> AppResult<Report> {
    let instrument = state.store.instrument(campaign.instrument_version).await?;
    let context = campaign_context(state, campaign).await?;
    let (responses, comments) = state.store.responses(campaign.id, leader_id).await?;
    let answered = state
        .store
        .answered_by_group(campaign.id, leader_id)
        .await?;
    Ok(Report::build(
        &instrument,
        &campaign.rules,
        &context,
        &answered,
        &responses,
        &comments,
    ))
}

/// The campaign-wide context of a closed campaign: read when it was computed before, otherwise
/// computed from each response's stored scores and kept (a closed campaign never changes).
async fn campaign_context(state: &AppState, campaign: &Campaign) -> AppResult<CampaignContext> {
    if let Some(json) = state.store.campaign_context(campaign.id).await? {
        match serde_json::from_str(&json) {
            Ok(context) => return Ok(context),
            Err(e) => {
                tracing::warn!(error = %e, campaign = %campaign.id, "stored context unreadable; recomputing")
            }
        }
    }
    let scores = state.store.campaign_rater_scores(campaign.id).await?;
    let context = CampaignContext::from_scores(&campaign.rules, &scores);
    if campaign.status == CampaignStatus::Closed {
        let json = serde_json::to_string(&context).map_err(anyhow::Error::from)?;
        state
            .store
            .save_campaign_context(campaign.id, &json)
            .await?;
    }
    Ok(context)
}

/// Computes a leader's report in a closed campaign, and the change since their previous closed
/// campaign. Reports are released only when a campaign closes: a report that changed with every
/// answer would let its reader see each answer.
pub async fn load_report(
    state: &AppState,
    campaign_id: CampaignId,
    leader_id: PersonId,
) -> AppResult<LoadedReport> {
    let campaign = state.store.campaign(campaign_id).await?;
    // The leader's own campaigns, not the campaign's leaders: a campaign may have thousands.
    let led = state.store.campaigns_led_by(leader_id).await?;
    if !led.iter().any(|c| c.id == campaign_id) {
        return Err(AppError::NotFound("report"));
    }
    let leader = state.store.person(leader_id).await?;
    if campaign.status != CampaignStatus::Closed {
        return Err(AppError::Conflict(format!(
            "The report for {} is released when the campaign closes (deadline {}), so that no single answer can be seen arriving.",
            campaign.name, campaign.deadline
        )));
    }
    let report = build_report(state, &campaign, leader_id).await?;
    let previous = led
        .into_iter()
        .filter(|c| c.status == CampaignStatus::Closed && c.id.0 < campaign.id.0)
        .max_by_key(|c| c.id.0);
    let change = match previous {
        Some(previous) => {
            let before = build_report(state, &previous, leader_id).await?;
            Some((previous, compare(&before, &report)))
        }
        None => None,
    };
    Ok(LoadedReport {
        campaign,
        leader,
        report,
        change,
    })
}

/// Lays out the report page.
pub async fn report_page(
    state: &AppState,
    chrome: Chrome,
    campaign_id: CampaignId,
    leader_id: PersonId,
) -> AppResult<ReportPage> {
    let loaded = load_report(state, campaign_id, leader_id).await?;
    let instrument = state
        .store
        .instrument(loaded.campaign.instrument_version)
        .await?;
    let view = ReportView::new(
        &loaded.report,
        &instrument,
        loaded.campaign.rules.min_comments,
        loaded.change.as_ref(),
    );
    let LoadedReport {
        campaign, leader, ..
    } = loaded;
    Ok(ReportPage {
        chrome,
        leader,
        campaign,
        view,
    })
}
