//! Changing a campaign from its page: name and deadline, taking a leader off, the page that
//! confirms closing (what it releases, which groups stay withheld), and reopening a campaign
//! closed by mistake. Every refusal is shown on the campaign page beside its form.

use super::campaigns::{EditForm, Refused, after_status_change, back_to, campaign_page};
use crate::access::{Access, RouteSpec};
use crate::auth::{FormPost, SignedIn};
use crate::error::AppResult;
use crate::extract::Id;
use crate::forms::{FormError, field, id_field};
use crate::layout::Chrome;
use crate::pages::raters::refusal;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use trustloop_app::campaign_edits::{self, CampaignEditText, ClosingPreview, EditRefusal};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_storage::{CampaignId, PersonId};

pub(super) fn routes() -> Vec<RouteSpec> {
    let admin = |path| RouteSpec::new(path, Access::Admin);
    vec![
        admin("/admin/campaigns/{id}/edit").post(edit),
        admin("/admin/campaigns/{id}/leaders/remove").post(remove_leader),
        admin("/admin/campaigns/{id}/reopen").post(reopen),
        admin("/admin/campaigns/{id}/close")
            .get(confirm_close)
            .post(close),
    ]
}

/// Renames the campaign and moves its deadline (an open campaign's too).
#[tracing::instrument(skip_all, fields(campaign = id))]
async fn edit(State(state): State<AppState>, Id(id): Id, post: FormPost) -> AppResult<Response> {
    post.signed_in.require_admin()?;
    let id = CampaignId(id);
    let (name, deadline) = (field(&post.fields, "name"), field(&post.fields, "deadline"));
    let text = CampaignEditText { name, deadline };
    let error = match campaign_edits::edit(&state.app, &post.actor, id, &text).await {
        Ok(()) => return Ok(back_to(id, "").into_response()),
        Err(EditRefusal::Field(refusal)) => FormError::from(refusal),
        Err(EditRefusal::Other(error)) => FormError::whole(refusal(error)?),
    };
    let form = EditForm {
        name: name.to_string(),
        deadline: deadline.to_string(),
        error,
    };
    campaign_page(&state, &post.signed_in, id, Some(Refused::Edit(form))).await
}

/// Takes a leader off the campaign with their raters, before anyone answered for them.
#[tracing::instrument(skip_all, fields(campaign = id))]
async fn remove_leader(
    State(state): State<AppState>,
    Id(id): Id,
    post: FormPost,
) -> AppResult<Response> {
    post.signed_in.require_admin()?;
    let id = CampaignId(id);
    let leader = id_field(&post.fields, "leader_id").unwrap_or_default();
    match campaign_edits::remove_leader(&state.app, &post.actor, id, PersonId(leader)).await {
        Ok(()) => Ok(back_to(id, "").into_response()),
        Err(trustloop_app::Error::NotFound(_)) => {
            let message =
                "That leader is not in this campaign (any more): the leaders are listed below.";
            let refused = Refused::Opening(message.into());
            campaign_page(&state, &post.signed_in, id, Some(refused)).await
        }
        Err(error) => {
            let refused = Refused::Removal(leader, refusal(error)?);
            campaign_page(&state, &post.signed_in, id, Some(refused)).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/close.html")]
struct ClosePage {
    chrome: Chrome,
    preview: ClosingPreview,
    /// Whether the campaign is open, so that it can be closed.
    open: bool,
}

/// The page that confirms closing: how many reports it releases and which groups stay
/// withheld, with the button that closes.
#[tracing::instrument(skip_all, fields(campaign = id))]
async fn confirm_close(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Id(id): Id,
) -> AppResult<ClosePage> {
    signed_in.require_admin()?;
    let preview = campaign_edits::closing_preview(&state.app, CampaignId(id)).await?;
    Ok(ClosePage {
        chrome: signed_in.chrome(),
        open: preview.campaign.status == CampaignStatus::Open,
        preview,
    })
}

/// Closes the campaign, which releases its reports (after the page that confirms it).
#[tracing::instrument(skip_all, fields(campaign = id))]
async fn close(State(state): State<AppState>, Id(id): Id, post: FormPost) -> AppResult<Response> {
    post.signed_in.require_admin()?;
    let id = CampaignId(id);
    let closed = trustloop_app::campaigns::close(&state.app, &post.actor, id).await;
    after_status_change(&state, &post, id, closed).await
}

/// Reopens a campaign closed by mistake, within the window and while no result was read.
#[tracing::instrument(skip_all, fields(campaign = id))]
async fn reopen(State(state): State<AppState>, Id(id): Id, post: FormPost) -> AppResult<Response> {
    post.signed_in.require_admin()?;
    let id = CampaignId(id);
    let reopened = campaign_edits::reopen(&state.app, &post.actor, id).await;
    after_status_change(&state, &post, id, reopened).await
}
