//! The user's own account: API tokens, and setting a password from a one-time link.

use super::Chrome;
use crate::AppState;
use crate::access::{Access, RouteSpec, SCOPES};
use crate::audit::{self, ClientAddress};
use crate::auth::{self, SignedIn};
use crate::error::{AppError, AppResult};
use crate::forms::field;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use trustloop_storage::{ApiToken, NewApiToken, Role, StoreError};

pub(super) fn routes() -> Vec<RouteSpec> {
    vec![
        RouteSpec::new("/account", Access::SignedIn).get(account),
        RouteSpec::new("/account/tokens", Access::SignedIn).post(create_token),
        RouteSpec::new("/account/tokens/{id}/revoke", Access::SignedIn).post(revoke_token),
        RouteSpec::new("/password/{token}", Access::Rater)
            .get(password_form)
            .post(set_password),
    ]
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted (argon2 takes any length; this bounds the work).
pub const MAX_PASSWORD_CHARS: usize = 200;

/// Checks a new password against the rules; the message says how to fix it.
pub fn check_password(password: &str, confirm: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err(format!(
            "Use at least {MIN_PASSWORD_CHARS} characters; a few unrelated words make a good password."
        ));
    }
    if length > MAX_PASSWORD_CHARS {
        return Err(format!("Use at most {MAX_PASSWORD_CHARS} characters."));
    }
    if password != confirm {
        return Err("The two passwords differ; type the same password twice.".into());
    }
    Ok(())
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
    tokens: Vec<TokenRow>,
    scopes: Vec<(&'static str, &'static str)>,
    new_token: Option<String>,
    error: Option<String>,
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
    error: Option<String>,
) -> AppResult<AccountPage> {
    let tokens = state
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
        chrome: Chrome::for_user(signed_in),
        email: signed_in.user.email.clone(),
        tokens,
        scopes: scopes_for(signed_in.user.role),
        new_token,
        error,
    })
}

async fn account(State(state): State<AppState>, signed_in: SignedIn) -> AppResult<AccountPage> {
    account_page(&state, &signed_in, None, None).await
}

async fn create_token(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    signed_in.check_csrf(&fields)?;
    let allowed = scopes_for(signed_in.user.role);
    let scopes: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| v.clone())
        .collect();
    let name = field(&fields, "name");
    let problem = if name.is_empty() || name.chars().count() > 100 {
        Some("Give the token a name of up to 100 characters, such as the tool that will use it.")
    } else if scopes.is_empty() {
        Some("Choose at least one thing the token may do.")
    } else if scopes.iter().any(|s| !allowed.iter().any(|(a, _)| a == s)) {
        Some("One of the chosen permissions is not available to your account.")
    } else {
        None
    };
    if let Some(problem) = problem {
        let page = account_page(&state, &signed_in, None, Some(problem.into())).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let token = format!("tl_{}", auth::random_token());
    let id = state
        .store
        .create_api_token(&NewApiToken {
            user_id: signed_in.user.id,
            name: name.to_string(),
            token_hash: auth::hash_token(&token),
            scopes: scopes.clone(),
            created_at: auth::now(),
        })
        .await?;
    audit::record(
        &state,
        &signed_in.user.email,
        "api_token_created",
        &format!("token {id}"),
        &address,
        &scopes.join(" "),
    )
    .await?;
    let page = account_page(&state, &signed_in, Some(token), None).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], page).into_response())
}

async fn revoke_token(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Redirect> {
    signed_in.check_csrf(&fields)?;
    state
        .store
        .revoke_api_token(signed_in.user.id, id, auth::now())
        .await?;
    audit::record(
        &state,
        &signed_in.user.email,
        "api_token_revoked",
        &format!("token {id}"),
        &address,
        "",
    )
    .await?;
    Ok(Redirect::to("/account"))
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

fn link_hash(token: &str) -> Option<String> {
    (token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| auth::hash_token(token))
}

async fn password_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let Some(hash) = link_hash(&token) else {
        return Ok(dead_link());
    };
    let Some(user) = state.store.password_link_user(&hash, auth::now()).await? else {
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

async fn set_password(
    State(state): State<AppState>,
    address: ClientAddress,
    Path(token): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let Some(hash) = link_hash(&token) else {
        return Ok(dead_link());
    };
    let Some(user) = state.store.password_link_user(&hash, auth::now()).await? else {
        return Ok(dead_link());
    };
    let password = field(&fields, "password").to_string();
    if let Err(problem) = check_password(&password, field(&fields, "confirm")) {
        let page = PasswordPage {
            chrome: Chrome::default(),
            email: user.email,
            action: format!("/password/{token}"),
            error: Some(problem),
            min: MIN_PASSWORD_CHARS,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let password_hash = auth::hash_password(password).await?;
    match state
        .store
        .use_password_link(&hash, auth::now(), &password_hash)
        .await
    {
        Ok(_) => {
            audit::record(
                &state,
                &user.email,
                "password_set",
                "",
                &address,
                "one-time link",
            )
            .await?;
            Ok(Redirect::to("/sign-in?next=/").into_response())
        }
        Err(StoreError::Conflict(_)) => Ok(dead_link()),
        Err(e) => Err(AppError::from(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::check_password;

    #[test]
    fn passwords_need_length_and_a_matching_confirmation() {
        assert!(check_password("short", "short").is_err());
        assert!(check_password("a long enough password", "a long enough passw0rd").is_err());
        assert!(check_password("a long enough password", "a long enough password").is_ok());
        assert!(check_password(&"x".repeat(201), &"x".repeat(201)).is_err());
    }
}
