//! An admin's part in rater lists: nominating peers and others on a leader's behalf, and
//! approving, refusing or removing nominated raters (never approving their own nominations).
//! Every refusal is shown on the campaign page beside the form that asked.

use super::campaigns::{Refused, back_to, campaign_page};
use crate::access::{Access, RouteSpec};
use crate::auth::FormPost;
use crate::error::AppResult;
use crate::pages::raters::{RaterForm, outside_confirmed, refusal};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use trustloop_app::raters::{self, RaterDraft};
use trustloop_storage::{CampaignId, InvitationId, PersonId};

pub(super) fn routes() -> Vec<RouteSpec> {
    let admin = |path| RouteSpec::new(path, Access::Admin);
    vec![
        admin("/admin/campaigns/{id}/raters").post(nominate),
        admin("/admin/raters/{id}/approve").post(decide::<true>),
        admin("/admin/raters/{id}/remove").post(decide::<false>),
    ]
}

/// Nominates a peer or other for the leader chosen in the form; it awaits approval by the
/// leader's manager or another admin.
#[tracing::instrument(skip_all, fields(campaign = id))]
async fn nominate(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    FormPost {
        signed_in,
        actor,
        fields,
    }: FormPost,
) -> AppResult<Response> {
    signed_in.require_admin()?;
    let campaign = CampaignId(id);
    let form = RaterForm::posted(&fields);
    let leader = PersonId(form.leader_id);
    let draft = match RaterDraft::parse(&form.text()) {
        Ok(_) if form.leader_id == 0 => Err("Choose the leader to nominate a rater for.".into()),
        parsed => parsed,
    };
    let nominated = match draft {
        Ok(draft) => raters::nominate(&state.app, &actor, &signed_in.user, campaign, leader, draft)
            .await
            .map_err(refusal),
        Err(message) => Err(Ok(message)),
    };
    match nominated {
        Ok(_) => Ok(back_to(campaign, &format!("#l{leader}")).into_response()),
        Err(message) => {
            let refused = Refused::Nomination(form.refused(message?));
            campaign_page(&state, &signed_in, campaign, Some(refused)).await
        }
    }
}

/// Approves (`APPROVE`) a nominated rater, or refuses or removes them.
#[tracing::instrument(skip_all, fields(invitation = id, approve = APPROVE))]
async fn decide<const APPROVE: bool>(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    FormPost {
        signed_in,
        actor,
        fields,
    }: FormPost,
) -> AppResult<Response> {
    signed_in.require_admin()?;
    let nomination = state.app.store.nomination(InvitationId(id)).await?;
    let decided = if APPROVE {
        let confirmed = outside_confirmed(&fields);
        raters::approve(
            &state.app,
            &actor,
            &signed_in.user,
            nomination.id,
            confirmed,
        )
        .await
        .map(drop)
    } else {
        raters::remove(&state.app, &actor, &signed_in.user, nomination.id)
            .await
            .map(drop)
    };
    let campaign = nomination.campaign_id;
    match decided {
        Ok(()) => Ok(back_to(campaign, &format!("#l{}", nomination.leader_id)).into_response()),
        Err(error) => {
            let refused = Refused::Decision(id, refusal(error)?);
            campaign_page(&state, &signed_in, campaign, Some(refused)).await
        }
    }
}
