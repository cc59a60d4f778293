//! The leader's pages: their campaigns, their raters, their self-assessment and their reports.

use super::Chrome;
use super::report::{ReportPage, report_page};
use super::survey::{accept_answers, survey_page, unavailable};
use crate::AppState;
use crate::access::{Access, RouteSpec};
use crate::auth::SignedIn;
use crate::error::{AppError, AppResult};
use crate::forms::field;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::people::{Email, parse_text};
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
    let campaigns = state.store.campaigns_led_by(me).await?;
    campaigns
        .into_iter()
        .find(|c| c.id == CampaignId(id))
        .ok_or(AppError::NotFound("campaign"))
}

async fn my_home(State(state): State<AppState>, signed_in: SignedIn) -> AppResult<Response> {
    let Some(me) = signed_in.user.person_id else {
        if signed_in.user.role == trustloop_storage::Role::Admin {
            return Ok(Redirect::to("/admin").into_response());
        }
        return Err(AppError::Forbidden);
    };
    let person = state.store.person(me).await?;
    let mut campaigns = Vec::new();
    for campaign in state.store.campaigns_led_by(me).await? {
        let self_done = state
            .store
            .self_invitation(campaign.id, me)
            .await?
            .is_none_or(|i| i.completed);
        let raters = state.store.invitations(campaign.id, Some(me)).await?;
        let progress = state
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
        chrome: Chrome::for_user(&signed_in),
        name: person.name,
        campaigns,
    }
    .into_response())
}

async fn add_rater(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Redirect> {
    signed_in.check_csrf(&fields)?;
    let me = my_person(&signed_in)?;
    let campaign = my_campaign(&state, me, id).await?;
    let invitation = parse_rater(
        &fields,
        campaign.id,
        me,
        &[RaterGroup::Peer, RaterGroup::Other],
    )?;
    let invitation = link_to_person(&state, invitation).await?;
    state.store.add_invitation(&invitation).await?;
    Ok(Redirect::to("/me"))
}

/// Reads the rater fields of a form (name, email, group) into an invitation, allowing only
/// `groups`.
pub fn parse_rater(
    fields: &[(String, String)],
    campaign: CampaignId,
    leader: PersonId,
    groups: &[RaterGroup],
) -> AppResult<NewInvitation> {
    let name = parse_text("rater's name", field(fields, "name"))
        .map_err(|e| AppError::BadRequest(capitalise(&e)))?;
    let email =
        Email::parse(field(fields, "email")).map_err(|e| AppError::BadRequest(capitalise(&e)))?;
    let group = RaterGroup::from_slug(field(fields, "group"))
        .filter(|g| groups.contains(g))
        .ok_or_else(|| {
            AppError::BadRequest(format!(
                "Choose the rater's relationship: {}.",
                groups
                    .iter()
                    .map(|g| g.label().to_lowercase())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ))
        })?;
    Ok(NewInvitation {
        campaign_id: campaign,
        leader_id: leader,
        group,
        person_id: None,
        rater_name: name,
        rater_email: email,
    })
}

/// Links an invitation to the person with that email, when they are in the organisation; a
/// leader cannot invite themselves as someone else.
pub async fn link_to_person(
    state: &AppState,
    mut invitation: NewInvitation,
) -> AppResult<NewInvitation> {
    if let Some(person) = state.store.person_by_email(&invitation.rater_email).await? {
        if person.id == invitation.leader_id {
            return Err(AppError::BadRequest(
                "A leader's own answers come from the self-assessment; invite someone else.".into(),
            ));
        }
        invitation.person_id = Some(person.id);
    }
    Ok(invitation)
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

async fn self_survey(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let me = my_person(&signed_in)?;
    let campaign = my_campaign(&state, me, id).await?;
    let invitation = state
        .store
        .self_invitation(campaign.id, me)
        .await?
        .ok_or(AppError::NotFound("self-assessment"))?;
    if let Some(page) = unavailable(&invitation) {
        return Ok(page);
    }
    let instrument = state.instrument(campaign.instrument_version).await?;
    Ok(survey_page(
        Chrome::for_user(&signed_in),
        format!("/me/campaigns/{id}/self"),
        &invitation,
        &instrument,
        &[],
        &[],
    )
    .into_response())
}

async fn submit_self(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    signed_in.check_csrf(&fields)?;
    let me = my_person(&signed_in)?;
    let campaign = my_campaign(&state, me, id).await?;
    let invitation = state
        .store
        .self_invitation(campaign.id, me)
        .await?
        .ok_or(AppError::NotFound("self-assessment"))?;
    accept_answers(
        &state,
        Chrome::for_user(&signed_in),
        format!("/me/campaigns/{id}/self"),
        &invitation,
        &fields,
        "/me",
    )
    .await
}

async fn my_report(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> AppResult<ReportPage> {
    let me = my_person(&signed_in)?;
    let campaign = my_campaign(&state, me, id).await?;
    report_page(&state, Chrome::for_user(&signed_in), campaign.id, me).await
}
