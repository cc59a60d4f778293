//! Sign-in on the web: the session cookie, CSRF tokens, and the extractor that gives handlers
//! the signed-in user (passwords and sessions themselves are `trustloop_app::accounts`).

use crate::client::ClientAddress;
use crate::error::AppError;
use crate::extract::Fields;
use crate::forms::cookie_value;
use crate::layout::Chrome;
use crate::state::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use trustloop_app::Actor;
use trustloop_storage::{Role, User};

// Kept here too for the tools that sign users in from outside (the benchmark, the tests).
pub use trustloop_app::accounts::{SESSION_SECONDS, hash_password};
pub use trustloop_app::now;
pub use trustloop_app::tokens::{hash_token, random_token};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "trustloop_session";

/// The `Set-Cookie` value for the session token (an empty token with age 0 clears it).
pub fn session_cookie(state: &AppState, token: &str, max_age: i64) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// The session token a request carries in its cookie, if any.
pub fn session_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .find_map(|h| cookie_value(h, SESSION_COOKIE))
        .filter(|t| !t.is_empty())
}

/// The signed-in user of a page request; a request without a session is sent to sign in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The user.
    pub user: User,
    /// The token every form of this session must carry.
    pub csrf: String,
    /// The hash of the session token (to end the session).
    pub token_hash: String,
}

impl SignedIn {
    /// Refuses the request unless the form carried this session's CSRF token.
    pub fn check_csrf(&self, fields: &[(String, String)]) -> Result<(), AppError> {
        let sent = crate::forms::field(fields, "csrf");
        if !sent.is_empty() && constant_time_eq(sent.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::CsrfRejected)
        }
    }

    /// The header of a page for this user.
    pub fn chrome(&self) -> Chrome {
        Chrome {
            user_name: Some(self.user.display_name.clone()),
            is_admin: self.user.role == Role::Admin,
            has_person: self.user.person_id.is_some(),
            csrf: self.csrf.clone(),
        }
    }

    /// Refuses the request unless the user is an admin.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.user.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// How long a sign-in form's token works, in seconds.
pub const LOGIN_TOKEN_SECONDS: i64 = 3600;

/// What the seal key signs a sign-in form's token for.
const LOGIN_PURPOSE: &str = "sign-in form v1";

/// A new token for a sign-in form: `EXPIRY.NONCE.MAC`, where the MAC is made with a key derived
/// from the seal key ([`trustloop_storage::MaintenanceStore::sign`]). The form carries it and so
/// does a cookie: a form is taken only from the browser that loaded it (the cookie) and with a
/// token this server or another of the same database made (the MAC), so a token and cookie
/// chosen by someone else (planted through a sibling site) do not pass.
pub fn login_token(state: &AppState) -> String {
    let unsigned = format!("{}.{}", now() + LOGIN_TOKEN_SECONDS, random_token());
    let mac = state.app.store.sign(LOGIN_PURPOSE, unsigned.as_bytes());
    format!("{unsigned}.{}", hex_of(&mac))
}

/// Whether `token` is a sign-in form's token made by [`login_token`] that has not expired.
pub fn login_token_valid(state: &AppState, token: &str) -> bool {
    let Some((unsigned, mac)) = token.rsplit_once('.') else {
        return false;
    };
    let unexpired = unsigned
        .split_once('.')
        .and_then(|(expiry, _)| expiry.parse::<i64>().ok())
        .is_some_and(|expiry| expiry >= now());
    let expected = hex_of(&state.app.store.sign(LOGIN_PURPOSE, unsigned.as_bytes()));
    unexpired && constant_time_eq(mac.as_bytes(), expected.as_bytes())
}

/// Bytes as lower-case hexadecimal digits.
fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // The access layer has already read the session for guarded routes.
        if let Some(signed_in) = parts.extensions.get::<SignedIn>() {
            return Ok(signed_in.clone());
        }
        let next = parts
            .uri
            .path_and_query()
            .map_or("/".to_string(), |p| p.to_string());
        let Some(token) = session_token(&parts.headers) else {
            return Err(AppError::SignInRequired { next });
        };
        let token_hash = hash_token(token);
        let Some(session) = state.app.store.session(&token_hash, now()).await? else {
            return Err(AppError::SignInRequired { next });
        };
        let user = state.app.store.user(session.user_id).await?;
        Ok(SignedIn {
            user,
            csrf: session.csrf_token,
            token_hash,
        })
    }
}

/// A form the signed-in user posted from a page of their session: its CSRF token is checked
/// before the handler runs, so that no form handler can forget it.
pub struct FormPost {
    /// Who posted it.
    pub signed_in: SignedIn,
    /// Who they are in the audit log: their email, from their address.
    pub actor: Actor,
    /// The form's fields.
    pub fields: Vec<(String, String)>,
}

impl FromRequest<AppState> for FormPost {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let signed_in = SignedIn::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Ok(address) = ClientAddress::from_request_parts(&mut parts, state).await;
        let Fields(fields) = Fields::from_request(Request::from_parts(parts, body), state).await?;
        signed_in
            .check_csrf(&fields)
            .map_err(IntoResponse::into_response)?;
        Ok(FormPost {
            actor: address.actor(&signed_in.user.email),
            signed_in,
            fields,
        })
    }
}
