//! An admin's part in rater lists: nominating peers and others on a leader's behalf, and
//! approving, refusing or removing nominated raters (never approving their own nominations).
//! Every refusal is shown on the campaign page beside the form that asked.

use super::campaigns::{Refused, back_to, campaign_page};
use crate::access::{Access, RouteSpec};
use crate::auth::FormPost;
use crate::error::AppResult;
use crate::extract::Id;
use crate::forms::FormError;
use crate::pages::raters::{RaterForm, decide_typed, nominate_typed};
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
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
    Id(id): Id,
    post: FormPost,
) -> AppResult<Response> {
    post.signed_in.require_admin()?;
    let campaign = CampaignId(id);
    let form = RaterForm::posted(&post.fields);
    let leader = PersonId(form.leader_id);
    let nominated = if form.leader_id == 0 {
        Err(FormError::at(
            "leader_id",
            "Choose the leader to nominate a rater for.",
        ))
    } else {
        nominate_typed(&state, &post, campaign, leader, &form).await?
    };
    match nominated {
        Ok(()) => Ok(back_to(campaign, &format!("#l{leader}")).into_response()),
        Err(error) => {
            let refused = Refused::Nomination(form.refused(error));
            campaign_page(&state, &post.signed_in, campaign, Some(refused)).await
        }
    }
}

/// Approves (`APPROVE`) a nominated rater, or refuses or removes them.
#[tracing::instrument(skip_all, fields(invitation = id, approve = APPROVE))]
async fn decide<const APPROVE: bool>(
    State(state): State<AppState>,
    Id(id): Id,
    post: FormPost,
) -> AppResult<Response> {
    post.signed_in.require_admin()?;
    let nomination = state.app.store.nomination(InvitationId(id)).await?;
    let campaign = nomination.campaign_id;
    match decide_typed(&state, &post, nomination.id, APPROVE).await? {
        Ok(()) => Ok(back_to(campaign, &format!("#l{}", nomination.leader_id)).into_response()),
        Err(message) => {
            let refused = Refused::Decision(id, message);
            campaign_page(&state, &post.signed_in, campaign, Some(refused)).await
        }
    }
}
