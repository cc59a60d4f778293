//! Signing in and out.

use crate::access::{Access, RouteSpec};
use crate::auth::{self, FormPost};
use crate::client::ClientAddress;
use crate::error::{AppError, AppResult};
use crate::extract::{Fields, QueryPairs};
use crate::forms::{field, safe_next};
use crate::layout::Chrome;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use trustloop_app::accounts::{self, SignIn, SignInAttempt};

pub(super) fn routes() -> Vec<RouteSpec> {
    vec![
        RouteSpec::new("/sign-in", Access::Public)
            .get(sign_in_page)
            .post(sign_in),
        RouteSpec::new("/sign-out", Access::SignedIn).post(sign_out),
    ]
}

#[derive(Template, WebTemplate)]
#[template(path = "sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    next: String,
    email: String,
    error: Option<String>,
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
    let token = auth::login_token(state);
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{LOGIN_COOKIE}={token}; Path=/sign-in; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        auth::LOGIN_TOKEN_SECONDS
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

async fn sign_in_page(State(state): State<AppState>, query: QueryPairs) -> Response {
    let next = safe_next(query.get("next").unwrap_or("/")).to_string();
    sign_in_form(&state, StatusCode::OK, next, String::new(), None)
}

#[tracing::instrument(skip_all)]
async fn sign_in(
    State(state): State<AppState>,
    address: ClientAddress,
    headers: axum::http::HeaderMap,
    Fields(fields): Fields,
) -> AppResult<Response> {
    let next = safe_next(field(&fields, "next")).to_string();
    let typed_email = field(&fields, "email").to_string();
    // The form must come from a sign-in page this browser loaded (the cookie), made by a
    // server of this database (the token's MAC): login CSRF.
    let sent = field(&fields, "csrf");
    let paired = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .find_map(|h| crate::forms::cookie_value(h, LOGIN_COOKIE))
        .is_some_and(|cookie| !cookie.is_empty() && cookie == sent);
    if !paired || !auth::login_token_valid(&state, sent) {
        return Err(AppError::CsrfRejected);
    }
    let attempt = SignInAttempt {
        email: &typed_email,
        password: field(&fields, "password").to_string(),
        address: &address.0,
        // A session token the browser already had is never reused: sign-in starts a new one.
        replaced_session: auth::session_token(&headers).map(auth::hash_token),
    };
    match accounts::sign_in(&state.app, attempt).await? {
        SignIn::Accepted { session, .. } => {
            let cookie = auth::session_cookie(&state, &session, auth::SESSION_SECONDS);
            Ok((
                StatusCode::SEE_OTHER,
                [(header::SET_COOKIE, cookie), (header::LOCATION, next)],
            )
                .into_response())
        }
        SignIn::Throttled => Ok(sign_in_form(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            next,
            typed_email,
            Some("Too many failed sign-ins for this account from your network. For the account's safety, wait 15 minutes and try again; other accounts, and this one from another network, are not affected.".into()),
        )),
        SignIn::Refused => Ok(sign_in_form(
            &state,
            StatusCode::UNAUTHORIZED,
            next,
            typed_email,
            Some(
                "That email and password do not match an account. Check both and try again."
                    .into(),
            ),
        )),
    }
}

async fn sign_out(State(state): State<AppState>, post: FormPost) -> AppResult<Response> {
    accounts::sign_out(&state.app, &post.actor, &post.signed_in.token_hash).await?;
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, auth::session_cookie(&state, "", 0)),
            (header::LOCATION, "/sign-in".to_string()),
        ],
    )
        .into_response())
}
