//! The leader's pages: their campaigns, their raters, their self-assessment and their reports.

use super::report::{ReportPage, report_page};
use super::survey::{accept_answers, survey_page, unavailable};
use crate::access::{Access, RouteSpec};
use crate::auth::{FormPost, SignedIn};
use crate::error::{AppError, AppResult};
use crate::forms::field;
use crate::layout::Chrome;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use trustloop_app::campaigns::{self, RaterText};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::model::RaterGroup;
use trustloop_storage::{Campaign, CampaignId, GroupProgress, Invitation, NewInvitation, PersonId};

pub(super) fn routes() -> Vec<RouteSpec> {
    let signed_in = |path| RouteSpec::new(path, Access::SignedIn);
    vec![
        signed_in("/me").get(my_home),
        signed_in("/me/campaigns/{id}/raters").post(add_rater),
        signed_in("/me/campaigns/{id}/self")
            .get(self_survey)
            .post(submit_self),
        signed_in("/me/campaigns/{id}/report").get(my_report),
    ]
}

/// One campaign on the leader's home page.
pub struct MyCampaign {
    campaign: Campaign,
    self_done: bool,
    raters: Vec<Invitation>,
    progress: Vec<GroupProgress>,
    can_add: bool,
    report_ready: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "me.html")]
struct MyHome {
    chrome: Chrome,
    name: String,
    campaigns: Vec<MyCampaign>,
}

/// The signed-in user's person; an account without one (an admin) leads nothing, so what it asks
/// for is "not found".
fn my_person(signed_in: &SignedIn) -> AppResult<PersonId> {
    signed_in
        .user
        .person_id
        .ok_or(AppError::NotFound("campaign"))
}

/// The campaign, if the signed-in user leads in it; otherwise "not found", so that ids of other
/// leaders' campaigns reveal nothing.
async fn my_campaign(state: &AppState, me: PersonId, id: i64) -> AppResult<Campaign> {
    Ok(campaigns::led_by(&state.app, me, CampaignId(id)).await?)
}

#[tracing::instrument(skip_all)]
async fn my_home(State(state): State<AppState>, signed_in: SignedIn) -> AppResult<Response> {
    let Some(me) = signed_in.user.person_id else {
        if signed_in.user.role == trustloop_storage::Role::Admin {
            return Ok(Redirect::to("/admin").into_response());
        }
        return Err(AppError::Forbidden);
    };
    let person = state.app.store.person(me).await?;
    let mut campaigns = Vec::new();
    for campaign in state.app.store.campaigns_led_by(me).await? {
        let self_done = state
            .app
            .store
            .self_invitation(campaign.id, me)
            .await?
            .is_none_or(|i| i.completed);
        let raters = state.app.store.invitations(campaign.id, Some(me)).await?;
        let progress = state
            .app
            .store
            .progress(campaign.id)
            .await?
            .into_iter()
            .filter(|p| p.leader_id == me)
            .collect();
        campaigns.push(MyCampaign {
            self_done,
            raters,
            progress,
            can_add: campaign.status != CampaignStatus::Closed,
            report_ready: campaign.status == CampaignStatus::Closed,
            campaign,
        });
    }
    Ok(MyHome {
        chrome: signed_in.chrome(),
        name: person.name,
        campaigns,
    }
    .into_response())
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn add_rater(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    FormPost {
        signed_in, fields, ..
    }: FormPost,
) -> AppResult<Redirect> {
    let me = my_person(&signed_in)?;
    let campaign = my_campaign(&state, me, id).await?;
    let invitation = rater_from(
        &fields,
        campaign.id,
        me,
        &[RaterGroup::Peer, RaterGroup::Other],
    )?;
    campaigns::add_rater(&state.app, invitation).await?;
    Ok(Redirect::to("/me"))
}

/// Reads the rater fields of a form (name, email, group) into an invitation to rate `leader`
/// in `campaign`, allowing only `groups`.
pub fn rater_from(
    fields: &[(String, String)],
    campaign: CampaignId,
    leader: PersonId,
    groups: &[RaterGroup],
) -> AppResult<NewInvitation> {
    let typed = RaterText {
        name: field(fields, "name"),
        email: field(fields, "email"),
        group: field(fields, "group"),
    };
    Ok(campaigns::parse_rater(&typed, campaign, leader, groups)?)
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn self_survey(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let me = my_person(&signed_in)?;
    let campaign = my_campaign(&state, me, id).await?;
    let invitation = state
        .app
        .store
        .self_invitation(campaign.id, me)
        .await?
        .ok_or(AppError::NotFound("self-assessment"))?;
    if let Some(page) = unavailable(&invitation) {
        return Ok(page);
    }
    let instrument = state.app.instrument(campaign.instrument_version).await?;
    Ok(survey_page(
        signed_in.chrome(),
        format!("/me/campaigns/{id}/self"),
        &invitation,
        &instrument,
        &[],
        &[],
    )
    .into_response())
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn submit_self(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    FormPost {
        signed_in, fields, ..
    }: FormPost,
) -> AppResult<Response> {
    let me = my_person(&signed_in)?;
    let campaign = my_campaign(&state, me, id).await?;
    let invitation = state
        .app
        .store
        .self_invitation(campaign.id, me)
        .await?
        .ok_or(AppError::NotFound("self-assessment"))?;
    accept_answers(
        &state,
        signed_in.chrome(),
        format!("/me/campaigns/{id}/self"),
        &invitation,
        &fields,
        "/me",
    )
    .await
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn my_report(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> AppResult<ReportPage> {
    let me = my_person(&signed_in)?;
    let campaign = my_campaign(&state, me, id).await?;
    report_page(&state, signed_in.chrome(), campaign.id, me).await
}
