//! The user's own account: API tokens, and setting a password from a one-time link.

use crate::access::{Access, RouteSpec, SCOPES};
use crate::auth::{FormPost, SignedIn};
use crate::client::ClientAddress;
use crate::error::AppResult;
use crate::extract::{Fields, Id};
use crate::forms::{FormError, field};
use crate::layout::Chrome;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use trustloop_app::accounts::{self, MIN_PASSWORD_CHARS, PasswordChange};
use trustloop_storage::{ApiToken, Role};

pub(super) fn routes() -> Vec<RouteSpec> {
    vec![
        RouteSpec::new("/account", Access::SignedIn).get(account),
        RouteSpec::new("/account/tokens", Access::SignedIn).post(create_token),
        RouteSpec::new("/account/tokens/{id}/revoke", Access::SignedIn).post(revoke_token),
        RouteSpec::new("/account/password", Access::SignedIn).post(change_password),
        RouteSpec::new("/password/{token}", Access::Rater)
            .get(password_form)
            .post(set_password),
    ]
}

/// The scopes a user may give their tokens.
fn scopes_for(role: Role) -> Vec<(&'static str, &'static str)> {
    SCOPES
        .into_iter()
        .filter(|(scope, _)| *scope != "campaigns:read" || role == Role::Admin)
        .collect()
}

/// A token as listed.
pub struct TokenRow {
    token: ApiToken,
    created: String,
    last_used: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    email: String,
    /// The account's name.
    name: String,
    /// What is wrong with the change-password form, beside its field.
    password_error: FormError,
    /// The shortest password accepted.
    min: usize,
    tokens: Vec<TokenRow>,
    scopes: Vec<(&'static str, &'static str)>,
    new_token: Option<String>,
    /// What is wrong with the new-token form, beside its field.
    error: FormError,
    /// The new token's name as typed, kept when the form is refused.
    typed_name: String,
    /// The scopes ticked, kept when the form is refused.
    typed_scopes: Vec<String>,
}

impl AccountPage {
    /// Whether `scope` was ticked on the refused form.
    fn ticked(&self, scope: &str) -> bool {
        self.typed_scopes.iter().any(|s| s == scope)
    }
}

fn day(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}

async fn account_page(
    state: &AppState,
    signed_in: &SignedIn,
    new_token: Option<String>,
) -> AppResult<AccountPage> {
    let tokens = state
        .app
        .store
        .api_tokens(signed_in.user.id)
        .await?
        .into_iter()
        .map(|token| TokenRow {
            created: day(token.created_at),
            last_used: token.last_used_at.map_or("never".into(), day),
            token,
        })
        .collect();
    Ok(AccountPage {
        chrome: signed_in.chrome(),
        email: signed_in.user.email.clone(),
        name: signed_in.user.display_name.clone(),
        password_error: FormError::none(),
        min: MIN_PASSWORD_CHARS,
        tokens,
        scopes: scopes_for(signed_in.user.role),
        new_token,
        error: FormError::none(),
        typed_name: String::new(),
        typed_scopes: Vec::new(),
    })
}

async fn account(State(state): State<AppState>, signed_in: SignedIn) -> AppResult<AccountPage> {
    account_page(&state, &signed_in, None).await
}

#[tracing::instrument(skip_all)]
async fn create_token(State(state): State<AppState>, post: FormPost) -> AppResult<Response> {
    let FormPost {
        signed_in,
        actor,
        fields,
    } = post;
    let allowed = scopes_for(signed_in.user.role);
    let scopes: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| v.clone())
        .collect();
    let name = trustloop_domain::text::clean_name(field(&fields, "name"));
    let name = name.as_deref().map(str::trim);
    let problem = if name.is_err() {
        FormError::at(
            "name",
            "The name contains a character that changes the direction of the text; type it again without it.",
        )
    } else if name.is_ok_and(|n| n.is_empty() || n.chars().count() > 100) {
        FormError::at(
            "name",
            "Give the token a name of up to 100 characters, such as the tool that will use it.",
        )
    } else if scopes.is_empty() {
        FormError::at("scope", "Choose at least one thing the token may do.")
    } else if scopes.iter().any(|s| !allowed.iter().any(|(a, _)| a == s)) {
        FormError::at(
            "scope",
            "One of the chosen permissions is not available to your account.",
        )
    } else {
        FormError::none()
    };
    if problem.is_some() {
        let page = AccountPage {
            error: problem,
            typed_name: field(&fields, "name").to_string(),
            typed_scopes: scopes,
            ..account_page(&state, &signed_in, None).await?
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let name = name.unwrap_or_default();
    let token =
        accounts::create_api_token(&state.app, &actor, signed_in.user.id, name, scopes).await?;
    let page = account_page(&state, &signed_in, Some(token)).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], page).into_response())
}

#[tracing::instrument(skip_all, fields(token = id))]
async fn revoke_token(
    State(state): State<AppState>,
    Id(id): Id,
    post: FormPost,
) -> AppResult<Response> {
    let user = post.signed_in.user.id;
    match accounts::revoke_api_token(&state.app, &post.actor, user, id).await {
        Ok(()) => Ok(Redirect::to("/account").into_response()),
        // Someone else's token is not found either: the account page says so, with the list.
        Err(trustloop_app::Error::NotFound(_)) => {
            let page = AccountPage {
                error: FormError::whole(
                    "That token is not one of yours, or it no longer exists: your tokens are listed below.",
                ),
                ..account_page(&state, &post.signed_in, None).await?
            };
            Ok((StatusCode::NOT_FOUND, page).into_response())
        }
        Err(error) => Err(error.into()),
    }
}

/// Changes the signed-in user's password, which ends their sessions: they sign in again.
#[tracing::instrument(skip_all)]
async fn change_password(State(state): State<AppState>, post: FormPost) -> AppResult<Response> {
    let FormPost {
        signed_in,
        actor,
        fields,
    } = post;
    let (current, new, confirm) = (
        field(&fields, "current"),
        field(&fields, "password"),
        field(&fields, "confirm"),
    );
    let changed = trustloop_app::passwords::change_password(
        &state.app,
        &actor,
        &signed_in.user,
        current,
        new,
        confirm,
    )
    .await?;
    match changed {
        Ok(()) => Ok(Redirect::to("/sign-in?next=/account").into_response()),
        Err(refusal) => {
            let page = AccountPage {
                password_error: refusal.into(),
                ..account_page(&state, &signed_in, None).await?
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    email: String,
    action: String,
    error: Option<String>,
    min: usize,
}

fn dead_link() -> Response {
    (
        StatusCode::GONE,
        super::survey::MessagePage {
            chrome: Chrome::default(),
            title: "This link no longer works".into(),
            message: "Password links work once and for a limited time. Ask your administrator for a new one.".into(),
        },
    )
        .into_response()
}

async fn password_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let Some(user) = accounts::password_link_user(&state.app, &token).await? else {
        return Ok(dead_link());
    };
    Ok(PasswordPage {
        chrome: Chrome::default(),
        email: user.email,
        action: format!("/password/{token}"),
        error: None,
        min: MIN_PASSWORD_CHARS,
    }
    .into_response())
}

#[tracing::instrument(skip_all)]
async fn set_password(
    State(state): State<AppState>,
    address: ClientAddress,
    Path(token): Path<String>,
    Fields(fields): Fields,
) -> AppResult<Response> {
    let (password, confirm) = (field(&fields, "password"), field(&fields, "confirm"));
    match accounts::set_password(&state.app, &address.0, &token, password, confirm).await? {
        PasswordChange::Done => Ok(Redirect::to("/sign-in?next=/").into_response()),
        PasswordChange::DeadLink => Ok(dead_link()),
        PasswordChange::Refused { email, problem } => {
            let page = PasswordPage {
                chrome: Chrome::default(),
                email,
                action: format!("/password/{token}"),
                error: Some(problem),
                min: MIN_PASSWORD_CHARS,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
