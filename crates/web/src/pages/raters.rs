//! Rater lists on pages: how a change to a list and a nominated rater are shown wherever they
//! appear (the leader's page, the manager's approvals, the admin's campaign page), and the
//! manager's page of the nominations awaiting their approval.

use crate::access::{Access, RouteSpec};
use crate::auth::{FormPost, SignedIn};
use crate::error::AppResult;
use crate::extract::Id;
use crate::forms::{FormError, field, id_field};
use crate::layout::Chrome;
use crate::state::AppState;
use crate::views::utc_time;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use trustloop_app::raters::{self, RaterDraft, RaterText};
use trustloop_domain::model::RaterGroup;
use trustloop_domain::raters::{ChangedBy, NominationState};
use trustloop_storage::{CampaignId, InvitationId, Nomination, PersonId, RaterListChange, UserId};

pub(super) fn routes() -> Vec<RouteSpec> {
    let signed_in = |path| RouteSpec::new(path, Access::SignedIn);
    vec![
        signed_in("/me/approvals").get(approvals),
        signed_in("/me/approvals/{id}/approve").post(decide::<true>),
        signed_in("/me/approvals/{id}/refuse").post(decide::<false>),
    ]
}

/// The message of a use case's refusal (an invalid value, or a change the rules refuse), to be
/// shown beside the form that asked; anything else is the request's error.
pub(super) fn refusal(error: trustloop_app::Error) -> AppResult<String> {
    match error {
        trustloop_app::Error::Invalid(message) | trustloop_app::Error::Conflict(message) => {
            Ok(message)
        }
        other => Err(other.into()),
    }
}

/// Nominates the rater typed in `form` for `leader` in `campaign` as the signed-in user:
/// `Ok(Err(error))` when the form or the rules refuse it, to be shown beside the field (or the
/// form) it is about.
pub(super) async fn nominate_typed(
    state: &AppState,
    post: &FormPost,
    campaign: CampaignId,
    leader: PersonId,
    form: &RaterForm,
) -> AppResult<Result<(), FormError>> {
    let draft = match RaterDraft::parse_fields(&form.text()) {
        Ok(draft) => draft,
        Err(refusal) => return Ok(Err(refusal.into())),
    };
    let user = &post.signed_in.user;
    match raters::nominate(&state.app, &post.actor, user, campaign, leader, draft).await {
        Ok(_) => Ok(Ok(())),
        Err(error) => refusal(error).map(|message| Err(FormError::whole(message))),
    }
}

/// Approves (`approve`) a nominated rater as the signed-in user, with the outside-directory
/// confirmation the form carried, or refuses or removes them: `Ok(Err(message))` when the rules
/// refuse it, to be shown beside the rater.
pub(super) async fn decide_typed(
    state: &AppState,
    post: &FormPost,
    invitation: InvitationId,
    approve: bool,
) -> AppResult<Result<(), String>> {
    let (app, actor, user) = (&state.app, &post.actor, &post.signed_in.user);
    let decided = if approve {
        let confirmed = field(&post.fields, "outside_confirmed") == "yes";
        raters::approve(app, actor, user, invitation, confirmed)
            .await
            .map(drop)
    } else {
        raters::remove(app, actor, user, invitation).await.map(drop)
    };
    match decided {
        Ok(()) => Ok(Ok(())),
        Err(error) => refusal(error).map(Err),
    }
}

/// A rater typed into a nomination form, kept to show the form again with its values.
#[derive(Debug, Clone)]
pub struct RaterForm {
    /// The leader chosen (on the admin's form).
    pub leader_id: i64,
    /// The rater's name as typed.
    pub name: String,
    /// The rater's email as typed.
    pub email: String,
    /// The group chosen (`peer` or `other`).
    pub group: String,
    /// What is wrong with it, shown beside the field it is about.
    pub error: FormError,
}

impl RaterForm {
    /// An empty form: a peer.
    pub fn blank() -> RaterForm {
        RaterForm {
            leader_id: 0,
            name: String::new(),
            email: String::new(),
            group: RaterGroup::Peer.slug().into(),
            error: FormError::none(),
        }
    }

    /// The form as posted.
    pub fn posted(fields: &[(String, String)]) -> RaterForm {
        RaterForm {
            leader_id: id_field(fields, "leader_id").unwrap_or_default(),
            name: field(fields, "name").into(),
            email: field(fields, "email").into(),
            group: field(fields, "group").into(),
            error: FormError::none(),
        }
    }

    /// The rater as typed, for the use case to check.
    pub fn text(&self) -> RaterText<'_> {
        RaterText {
            name: &self.name,
            email: &self.email,
            group: &self.group,
        }
    }

    /// The form with `error` beside the field it is about.
    pub fn refused(self, error: FormError) -> RaterForm {
        RaterForm { error, ..self }
    }
}

/// The groups a rater is nominated in, as (slug, words) for the form's choices.
pub const NOMINATED_CHOICES: [(&str, &str); 2] = [
    ("peer", "a peer"),
    ("other", "someone else who works with the leader"),
];

/// One change to a rater list as shown.
pub struct ChangeRow {
    /// When.
    pub when: String,
    /// What happened.
    pub what: &'static str,
    /// The rater, `name <email>` ("" when the change is about the whole list).
    pub rater: String,
    /// The rater's group ("" when the change is about the whole list).
    pub group: &'static str,
    /// Who did it.
    pub by: &'static str,
}

impl ChangeRow {
    /// `changes` as shown to the leader (`to_leader`: "you", "your manager") or to anyone else.
    pub fn all(changes: &[RaterListChange], to_leader: bool) -> Vec<ChangeRow> {
        changes
            .iter()
            .map(|c| ChangeRow {
                when: utc_time(c.at),
                what: c.change.label(),
                rater: if c.rater_email.is_empty() {
                    String::new()
                } else {
                    format!("{} <{}>", c.rater_name, c.rater_email)
                },
                group: c.group.map_or("", |g| g.label()),
                by: if to_leader {
                    c.changed_by.to_leader()
                } else {
                    c.changed_by.label()
                },
            })
            .collect()
    }
}

/// A nominated rater as shown, with what the viewer may do about them.
pub struct NominationRow {
    /// The rater's invitation id.
    pub id: i64,
    /// The campaign's name.
    pub campaign: String,
    /// The leader's name.
    pub leader: String,
    /// The rater's name.
    pub name: String,
    /// The rater's email.
    pub email: String,
    /// The rater's group.
    pub group: &'static str,
    /// Whether their email is not in the people directory.
    pub outside: bool,
    /// Whether the nomination awaits approval.
    pub awaiting: bool,
    /// Where it stands, in words.
    pub state: &'static str,
    /// Who nominated them.
    pub nominated_by: String,
    /// Whether the viewer nominated them (and so may not approve them).
    pub own: bool,
    /// What went wrong the last time the viewer acted on it, shown beside it.
    pub error: Option<String>,
}

impl NominationRow {
    /// `nomination` as `viewer` sees it; `failed` is the message of their last attempt on it.
    pub fn of(nomination: &Nomination, viewer: UserId, failed: Option<&(i64, String)>) -> Self {
        NominationRow {
            id: nomination.id.0,
            campaign: nomination.campaign_name.clone(),
            leader: nomination.leader_name.clone(),
            name: nomination.rater_name.clone(),
            email: nomination.rater_email.clone(),
            group: nomination.group.label(),
            outside: nomination.outside_directory,
            awaiting: nomination.state == NominationState::AwaitingApproval,
            state: nomination.state.label(),
            nominated_by: nomination
                .nominator_name
                .clone()
                .unwrap_or_else(|| ChangedBy::Unrecorded.label().into()),
            own: nomination.nominated_by == Some(viewer),
            error: failed
                .filter(|(id, _)| *id == nomination.id.0)
                .map(|(_, message)| message.clone()),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    chrome: Chrome,
    nominations: Vec<NominationRow>,
}

async fn approvals_page(
    state: &AppState,
    signed_in: &SignedIn,
    failed: Option<(i64, String)>,
) -> AppResult<ApprovalsPage> {
    let awaiting = raters::awaiting_manager(&state.app, &signed_in.user).await?;
    Ok(ApprovalsPage {
        chrome: signed_in.chrome(),
        nominations: awaiting
            .iter()
            .map(|n| NominationRow::of(n, signed_in.user.id, failed.as_ref()))
            .collect(),
    })
}

#[tracing::instrument(skip_all)]
async fn approvals(State(state): State<AppState>, signed_in: SignedIn) -> AppResult<ApprovalsPage> {
    approvals_page(&state, &signed_in, None).await
}

/// Approves (`APPROVE`) or refuses a nomination awaiting the signed-in manager.
#[tracing::instrument(skip_all, fields(invitation = id, approve = APPROVE))]
async fn decide<const APPROVE: bool>(
    State(state): State<AppState>,
    Id(id): Id,
    post: FormPost,
) -> AppResult<Response> {
    let invitation = InvitationId(id);
    // Only the nominations awaiting this manager: any other id is "not found".
    raters::awaiting_manager_one(&state.app, &post.signed_in.user, invitation).await?;
    match decide_typed(&state, &post, invitation, APPROVE).await? {
        Ok(()) => Ok(Redirect::to("/me/approvals").into_response()),
        Err(message) => {
            let page = approvals_page(&state, &post.signed_in, Some((id, message))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trustloop_domain::raters::RaterChange;

    #[test]
    fn a_change_is_told_to_the_leader_as_you_and_your_manager() {
        let change = RaterListChange {
            at: 0,
            change: RaterChange::Approved,
            group: Some(RaterGroup::Peer),
            rater_name: "Quinn".into(),
            rater_email: "q@partner.example".into(),
            changed_by: ChangedBy::Manager,
        };
        let shown = &ChangeRow::all(std::slice::from_ref(&change), true)[0];
        assert_eq!(
            (shown.when.as_str(), shown.what, shown.by),
            ("1970-01-01 00:00:00 UTC", "approved", "your manager")
        );
        assert_eq!(shown.rater, "Quinn <q@partner.example>");
        let locked = RaterListChange {
            change: RaterChange::Locked,
            group: None,
            rater_name: String::new(),
            rater_email: String::new(),
            changed_by: ChangedBy::Admin,
            ..change
        };
        let shown = &ChangeRow::all(&[locked], false)[0];
        assert_eq!(
            (shown.rater.as_str(), shown.group, shown.by),
            ("", "", "an admin")
        );
    }
}
