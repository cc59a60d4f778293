//! Server-rendered pages. Every page works without JavaScript; forms carry a CSRF token.

mod account;
mod admin;
mod leader;
mod report;
mod segments;
mod survey;

use crate::AppState;
use crate::access::{Access, RouteSpec};
use crate::audit::{self, ClientAddress};
use crate::auth::{self, SignedIn};
use crate::error::{AppError, AppResult};
use crate::forms::{field, safe_next};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use trustloop_domain::people::Email;
use trustloop_storage::Role;

pub use account::check_password;
pub use admin::campaign_heatmap;
pub use report::load_report;
pub use segments::{Outcome as SegmentOutcome, catalog as segment_catalog, decide as segment_view};

/// What every page's header shows about the signed-in user.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    /// The user's name, when signed in.
    pub user_name: Option<String>,
    /// Whether to show admin navigation.
    pub is_admin: bool,
    /// Whether to show leader navigation.
    pub has_person: bool,
    /// The CSRF token for forms on the page.
    pub csrf: String,
}

impl Chrome {
    /// The header for a signed-in user.
    pub fn for_user(signed_in: &SignedIn) -> Chrome {
        Chrome {
            user_name: Some(signed_in.user.display_name.clone()),
            is_admin: signed_in.user.role == Role::Admin,
            has_person: signed_in.user.person_id.is_some(),
            csrf: signed_in.csrf.clone(),
        }
    }
}

/// The page routes with their access rules.
pub fn routes() -> Vec<RouteSpec> {
    let mut table = vec![
        RouteSpec::new("/", Access::SignedIn).get(home),
        RouteSpec::new("/sign-in", Access::Public)
            .get(sign_in_page)
            .post(sign_in),
        RouteSpec::new("/sign-out", Access::SignedIn).post(sign_out),
    ];
    table.extend(account::routes());
    table.extend(admin::routes());
    table.extend(leader::routes());
    table.extend(segments::routes());
    table.extend(survey::routes());
    table
}

/// The page for any unknown address.
pub async fn not_found() -> AppError {
    AppError::NotFound("page")
}

async fn home(signed_in: SignedIn) -> Redirect {
    match signed_in.user.role {
        Role::Admin => Redirect::to("/admin"),
        _ => Redirect::to("/me"),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    next: String,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// The cookie that pairs the sign-in form with the browser that loaded it (login CSRF).
const LOGIN_COOKIE: &str = "trustloop_login";

/// The sign-in page with a fresh login token, set both in a cookie and in the form.
fn sign_in_form(
    state: &AppState,
    status: StatusCode,
    next: String,
    email: String,
    error: Option<String>,
) -> Response {
    let token = auth::random_token();
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{LOGIN_COOKIE}={token}; Path=/sign-in; HttpOnly; SameSite=Strict; Max-Age=3600{secure}"
    );
    (
        status,
        [(header::SET_COOKIE, cookie)],
        SignInPage {
            chrome: Chrome {
                csrf: token,
                ..Chrome::default()
            },
            next,
            email,
            error,
        },
    )
        .into_response()
}

async fn sign_in_page(State(state): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    let next = safe_next(q.next.as_deref().unwrap_or("/")).to_string();
    sign_in_form(&state, StatusCode::OK, next, String::new(), None)
}

/// A hash to verify against when the account does not exist, so that a wrong email takes as long
/// as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Wn6U3p3ZbnJd1gZ9z8sKq5XJQ8bA9L5b2G8Gx1qfHo";

/// Failed sign-ins allowed per account within [`THROTTLE_WINDOW`] before it is locked for the
/// rest of the window.
pub const MAX_ACCOUNT_FAILURES: u32 = 5;
/// Failed sign-ins allowed per network address within [`THROTTLE_WINDOW`].
pub const MAX_ADDRESS_FAILURES: u32 = 30;
/// The throttling window in seconds.
pub const THROTTLE_WINDOW: i64 = 15 * 60;

async fn sign_in(
    State(state): State<AppState>,
    address: ClientAddress,
    headers: axum::http::HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let next = safe_next(field(&fields, "next")).to_string();
    let typed_email = field(&fields, "email").to_string();
    let password = field(&fields, "password").to_string();
    // The form must come from a sign-in page this browser loaded (login CSRF).
    let paired = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .find_map(|h| crate::forms::cookie_value(h, LOGIN_COOKIE))
        .is_some_and(|cookie| !cookie.is_empty() && cookie == field(&fields, "csrf"));
    if !paired {
        return Err(AppError::CsrfRejected);
    }
    let now = auth::now();
    let since = now - THROTTLE_WINDOW;
    let account_key = format!("account:{}", typed_email.to_lowercase());
    let address_key = format!("address:{}", address.0);
    if state.store.sign_in_failures(&account_key, since).await? >= MAX_ACCOUNT_FAILURES
        || state.store.sign_in_failures(&address_key, since).await? >= MAX_ADDRESS_FAILURES
    {
        audit::record(&state, &typed_email, "sign_in_throttled", "", &address, "").await?;
        return Ok(sign_in_form(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            next,
            typed_email,
            Some("Too many failed sign-ins. For your account's safety, wait 15 minutes and try again.".into()),
        ));
    }
    let user = match Email::parse(&typed_email) {
        Ok(email) => state.store.user_by_email(&email).await?,
        Err(_) => None,
    };
    let hash = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_string());
    let valid = auth::verify_password(password, hash).await;
    match user {
        Some(user) if valid && user.password_hash.is_some() => {
            // A session token the browser already had is never reused: sign-in starts a new one.
            if let Some(old) = auth::session_token(&headers) {
                state.store.delete_session(&auth::hash_token(old)).await?;
            }
            state
                .store
                .clear_sign_in_failures(&account_key, since)
                .await?;
            let cookie = auth::start_session(&state, &user).await?;
            audit::record(&state, &user.email, "sign_in", "", &address, "").await?;
            Ok((
                StatusCode::SEE_OTHER,
                [(header::SET_COOKIE, cookie), (header::LOCATION, next)],
            )
                .into_response())
        }
        _ => {
            state
                .store
                .record_sign_in_failure(&[account_key, address_key], now)
                .await?;
            audit::record(&state, &typed_email, "sign_in_failed", "", &address, "").await?;
            Ok(sign_in_form(
                &state,
                StatusCode::UNAUTHORIZED,
                next,
                typed_email,
                Some(
                    "That email and password do not match an account. Check both and try again."
                        .into(),
                ),
            ))
        }
    }
}

async fn sign_out(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    signed_in.check_csrf(&fields)?;
    state.store.delete_session(&signed_in.token_hash).await?;
    audit::record(&state, &signed_in.user.email, "sign_out", "", &address, "").await?;
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, auth::session_cookie(&state, "", 0)),
            (header::LOCATION, "/sign-in".to_string()),
        ],
    )
        .into_response())
}
