//! The leader's 360 report page.

use super::Chrome;
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::views::ReportView;
use askama::Template;
use askama_web::WebTemplate;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::report::Report;
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

/// Computes a leader's report in a closed campaign. Reports are released only when a campaign
/// closes: a report that changed with every answer would let its reader see each answer.
pub async fn load_report(
    state: &AppState,
    campaign_id: CampaignId,
    leader_id: PersonId,
) -> AppResult<(Campaign, Person, Report)> {
    let campaign = state.store.campaign(campaign_id).await?;
    let leaders = state.store.campaign_leaders(campaign_id).await?;
    let Some(leader) = leaders.into_iter().find(|l| l.id == leader_id) else {
        return Err(AppError::NotFound("report"));
    };
    if campaign.status != CampaignStatus::Closed {
        return Err(AppError::Conflict(format!(
            "The report for {} is released when the campaign closes (deadline {}), so that no single answer can be seen arriving.",
            campaign.name, campaign.deadline
        )));
    }
    let instrument = state.store.instrument(campaign.instrument_version).await?;
    let (responses, comments) = state.store.responses(campaign_id, leader_id).await?;
    let report = Report::build(&instrument, &campaign.rules, &responses, &comments);
    Ok((campaign, leader, report))
}

/// Lays out the report page.
pub async fn report_page(
    state: &AppState,
    chrome: Chrome,
    campaign_id: CampaignId,
    leader_id: PersonId,
) -> AppResult<ReportPage> {
    let (campaign, leader, report) = load_report(state, campaign_id, leader_id).await?;
    let instrument = state.store.instrument(campaign.instrument_version).await?;
    let view = ReportView::new(&report, &instrument, campaign.rules.min_comments);
    Ok(ReportPage {
        chrome,
        leader,
        campaign,
        view,
    })
}
