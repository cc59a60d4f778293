//! Inviting people to sign in: from the people page or a campaign's leaders, an admin gives a
//! leader or a team member an account and a single-use link to set their password, shown once.

use super::people::people_page;
use crate::access::{Access, RouteSpec};
use crate::auth::FormPost;
use crate::error::AppResult;
use crate::forms::{field, id_field};
use crate::layout::Chrome;
use crate::pages::raters::refusal;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use trustloop_app::invitations::{self, SignInInvitation, invitable_role};
use trustloop_storage::PersonId;

pub(super) fn routes() -> Vec<RouteSpec> {
    vec![RouteSpec::new("/admin/people/invite", Access::Admin).post(invite)]
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/invitation.html")]
struct InvitationPage {
    chrome: Chrome,
    invitation: SignInInvitation,
    link: String,
    /// Where to go back to.
    back: String,
}

/// Makes the account (if needed) and shows its single-use sign-in link once.
#[tracing::instrument(skip_all)]
async fn invite(State(state): State<AppState>, post: FormPost) -> AppResult<Response> {
    post.signed_in.require_admin()?;
    let person = PersonId(id_field(&post.fields, "person_id").unwrap_or_default());
    let back = match field(&post.fields, "back") {
        back if back.starts_with("/admin/") && !back.contains("//") => back.to_string(),
        _ => "/admin/people".to_string(),
    };
    let invited = match invitable_role(field(&post.fields, "role")) {
        Ok(role) => invitations::invite(&state.app, &post.actor, person, role).await,
        Err(error) => Err(error),
    };
    let invitation = match invited {
        Ok(invitation) => invitation,
        Err(trustloop_app::Error::NotFound(_)) => {
            let message =
                "That person is not in the organisation (any more): search for them below.";
            let page = people_page(
                &state,
                &post.signed_in,
                String::new(),
                1,
                Some(message.into()),
            );
            return Ok((StatusCode::NOT_FOUND, page.await?).into_response());
        }
        Err(error) => {
            let message = refusal(error)?;
            let page = people_page(&state, &post.signed_in, String::new(), 1, Some(message));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page.await?).into_response());
        }
    };
    let link = format!("{}/password/{}", state.base_url, invitation.token);
    let page = InvitationPage {
        chrome: post.signed_in.chrome(),
        invitation,
        link,
        back,
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], page).into_response())
}
