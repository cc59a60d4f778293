//! The leader's pages: their campaigns, their raters (nominating peers and others, and every
//! change to their lists), their self-assessment and their reports.

use super::raters::{
    ChangeRow, NOMINATED_CHOICES, NominationRow, RaterForm, decide_typed, nominate_typed,
};
use super::report::{ReportPage, report_page};
use super::survey::{accept_answers, survey_page, unavailable};
use crate::access::{Access, RouteSpec};
use crate::auth::{FormPost, SignedIn};
use crate::error::{AppError, AppResult};
use crate::extract::Id;
use crate::layout::Chrome;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use trustloop_app::campaigns;
use trustloop_app::raters;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_storage::{
    Campaign, CampaignId, GroupProgress, Invitation, InvitationId, PersonId, Plan,
};

pub(super) fn routes() -> Vec<RouteSpec> {
    let signed_in = |path| RouteSpec::new(path, Access::SignedIn);
    vec![
        signed_in("/me").get(my_home),
        signed_in("/me/campaigns/{id}/raters").post(nominate),
        signed_in("/me/raters/{id}/remove").post(withdraw),
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
    progress: Vec<GroupProgress>,
    /// Self, manager and direct reports.
    from_reporting_lines: Vec<Invitation>,
    /// Peers and others, with where each stands.
    nominated: Vec<NominationRow>,
    /// Every change to the list: when, what, by whom.
    changes: Vec<ChangeRow>,
    /// Whether raters can still be nominated (the campaign is a draft).
    can_nominate: bool,
    /// The nomination form, with what was typed when it was refused.
    form: RaterForm,
    report_ready: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "me.html")]
struct MyHome {
    chrome: Chrome,
    name: String,
    campaigns: Vec<MyCampaign>,
    /// How many nominations await this user as a manager.
    awaiting_me: usize,
    /// Their development plans, newest first.
    plans: Vec<Plan>,
    choices: [(&'static str, &'static str); 2],
    /// Open pulse rounds of the user's team: (link id, series, closes, answered).
    pulse_rounds: Vec<(i64, String, String, bool)>,
    /// Real falls in the pulses of the teams the user leads.
    pulse_alerts: Vec<crate::views::pulse::AlertView>,
}

/// What the leader last tried on their page that was refused, shown beside its form.
enum Refused {
    /// A nomination in a campaign.
    Nomination(CampaignId, RaterForm),
    /// Taking off a rater (their invitation id) they nominated.
    Removal(i64, String),
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
    Ok(home_page(&state, &signed_in, me, None)
        .await?
        .into_response())
}

async fn home_page(
    state: &AppState,
    signed_in: &SignedIn,
    me: PersonId,
    refused: Option<Refused>,
) -> AppResult<MyHome> {
    let person = state.app.store.person(me).await?;
    let (failed_form, failed_removal) = match refused {
        Some(Refused::Nomination(campaign, form)) => (Some((campaign, form)), None),
        Some(Refused::Removal(id, message)) => (None, Some((id, message))),
        None => (None, None),
    };
    let mut campaigns = Vec::new();
    for campaign in state.app.store.campaigns_led_by(me).await? {
        let self_done = state
            .app
            .store
            .self_invitation(campaign.id, me)
            .await?
            .is_none_or(|i| i.completed);
        let progress = state
            .app
            .store
            .progress(campaign.id)
            .await?
            .into_iter()
            .filter(|p| p.leader_id == me)
            .collect();
        let list = raters::rater_list(&state.app, campaign.id, me).await?;
        let form = match &failed_form {
            Some((id, form)) if *id == campaign.id => form.clone(),
            _ => RaterForm::blank(),
        };
        campaigns.push(MyCampaign {
            self_done,
            progress,
            from_reporting_lines: list.from_reporting_lines,
            nominated: list
                .nominated
                .iter()
                .map(|n| NominationRow::of(n, signed_in.user.id, failed_removal.as_ref()))
                .collect(),
            changes: ChangeRow::all(&list.changes, true),
            can_nominate: campaign.status == CampaignStatus::Draft,
            form,
            report_ready: campaign.status == CampaignStatus::Closed,
            campaign,
        });
    }
    Ok(MyHome {
        chrome: signed_in.chrome(),
        name: person.name,
        campaigns,
        awaiting_me: raters::awaiting_manager(&state.app, &signed_in.user)
            .await?
            .len(),
        plans: state.app.store.plans_of(me).await?,
        choices: NOMINATED_CHOICES,
        pulse_rounds: super::pulse::my_open_rounds(state, me).await?,
        pulse_alerts: super::pulse::alerts(state, signed_in).await?,
    })
}

/// The leader nominates a peer or other for themselves; it awaits their manager's (or an
/// admin's) approval.
#[tracing::instrument(skip_all, fields(campaign = id))]
async fn nominate(
    State(state): State<AppState>,
    Id(id): Id,
    post: FormPost,
) -> AppResult<Response> {
    let me = my_person(&post.signed_in)?;
    let campaign = my_campaign(&state, me, id).await?;
    let form = RaterForm::posted(&post.fields);
    match nominate_typed(&state, &post, campaign.id, me, &form).await? {
        Ok(()) => Ok(Redirect::to(&format!("/me#c{id}")).into_response()),
        Err(message) => {
            let refused = Refused::Nomination(campaign.id, form.refused(message));
            let page = home_page(&state, &post.signed_in, me, Some(refused)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// The leader takes off a rater they nominated, before the campaign opens.
#[tracing::instrument(skip_all, fields(invitation = id))]
async fn withdraw(
    State(state): State<AppState>,
    Id(id): Id,
    post: FormPost,
) -> AppResult<Response> {
    let me = my_person(&post.signed_in)?;
    let nomination = state.app.store.nomination(InvitationId(id)).await?;
    if nomination.leader_id != me {
        return Err(AppError::NotFound("nomination"));
    }
    match decide_typed(&state, &post, nomination.id, false).await? {
        Ok(()) => Ok(Redirect::to(&format!("/me#c{}", nomination.campaign_id)).into_response()),
        Err(message) => {
            let refused = Refused::Removal(id, message);
            let page = home_page(&state, &post.signed_in, me, Some(refused)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn self_survey(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Id(id): Id,
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
    Id(id): Id,
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
    Id(id): Id,
) -> AppResult<ReportPage> {
    let me = my_person(&signed_in)?;
    let campaign = my_campaign(&state, me, id).await?;
    report_page(&state, signed_in.chrome(), campaign.id, me).await
}
