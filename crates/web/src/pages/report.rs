//! The leader's 360 report page.

use crate::error::{AppError, AppResult};
use crate::figures::ReportFigures;
use crate::layout::Chrome;
use crate::state::AppState;
use crate::views::ReportView;
use askama::Template;
use askama_web::WebTemplate;
use trustloop_app::plans;
use trustloop_app::reports::{self, LoadedReport};
use trustloop_storage::{Campaign, CampaignId, Person, PersonId, PlanAction};

/// The report page.
#[derive(Template, WebTemplate)]
#[template(path = "report.html")]
pub struct ReportPage {
    chrome: Chrome,
    leader: Person,
    campaign: Campaign,
    view: ReportView,
    /// The lesson of the focus element (its id and title), when there is one.
    focus_lesson: Option<(String, String)>,
    /// The plan actions done since the leader's previous report, and that report's name.
    done: Vec<PlanAction>,
    /// The name of the previous campaign the done actions are counted from.
    since: Option<String>,
}

/// Lays out the report page.
pub async fn report_page(
    state: &AppState,
    chrome: Chrome,
    campaign_id: CampaignId,
    leader_id: PersonId,
) -> AppResult<ReportPage> {
    let (loaded, leader) = tokio::try_join!(
        async { Ok::<_, AppError>(reports::load(&state.app, campaign_id, leader_id).await?) },
        async { Ok::<_, AppError>(state.app.store.person(leader_id).await?) }
    )?;
    let view = ReportView::new(ReportFigures::new(
        &loaded.campaign,
        loaded.report(),
        &loaded.finished.instrument,
        loaded.change(),
    ));
    let focus_lesson = loaded
        .report()
        .focus
        .and_then(|element| state.app.lessons.for_element(element))
        .map(|lesson| (lesson.id.clone(), lesson.title.clone()));
    let LoadedReport {
        campaign, previous, ..
    } = loaded;
    // Done between the days the two campaigns closed; listed beside the scores, with no claim
    // that they caused any change.
    let closed = |c: &Campaign| c.closed_on.unwrap_or(c.deadline);
    let done = plans::done_between(
        &state.app,
        leader_id,
        previous.as_ref().map(closed),
        closed(&campaign),
    )
    .await?;
    Ok(ReportPage {
        chrome,
        leader,
        campaign,
        view,
        focus_lesson,
        done,
        since: previous.map(|p| p.name),
    })
}
