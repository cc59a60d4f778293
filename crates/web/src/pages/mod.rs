//! Server-rendered pages. Every page works without JavaScript; forms carry a CSRF token.
//! Handlers read the request, call a use case of `trustloop_app` and lay out the result.

mod account;
mod admin;
mod feedback;
mod leader;
mod learning;
mod ledger;
pub mod plans;
mod pulse;
mod raters;
mod report;
mod segments;
mod sign_in;
mod survey;
// Breach repair.
mod repair;
// Answering a pulse round by link or signed in (the team pulse and the recovery pulse).
mod round_link;

use crate::access::{Access, RouteSpec};
use crate::auth::SignedIn;
use crate::error::AppError;
use crate::error::AppResult;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use trustloop_storage::Role;

/// The page routes with their access rules.
pub fn routes() -> Vec<RouteSpec> {
    let mut table = vec![RouteSpec::new("/", Access::SignedIn).get(home)];
    table.extend(sign_in::routes());
    table.extend(account::routes());
    table.extend(admin::routes());
    table.extend(leader::routes());
    table.extend(learning::routes());
    table.extend(plans::routes());
    table.extend(ledger::routes());
    table.extend(pulse::routes());
    table.extend(raters::routes());
    table.extend(segments::routes());
    table.extend(survey::routes());
    table.extend(feedback::routes());
    // Breach repair.
    table.extend(repair::routes());
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

/// A page that may be shown again after its form was refused: 422 when `refused`, else 200.
pub(super) fn shown(refused: bool, page: impl IntoResponse) -> Response {
    let status = if refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, page).into_response()
}

/// After a form: to `to` when `result` succeeded; the page again with the message when the use
/// case refused it (a value to fix, or a clash with the current state); any other failure is
/// the error page.
pub(super) async fn back_or_again<T, Again>(
    result: trustloop_app::Result<T>,
    to: &str,
    again: impl FnOnce(String) -> Again,
) -> AppResult<Response>
where
    Again: Future<Output = AppResult<Response>>,
{
    match result {
        Ok(_) => Ok(Redirect::to(to).into_response()),
        Err(trustloop_app::Error::Invalid(m) | trustloop_app::Error::Conflict(m)) => again(m).await,
        Err(e) => Err(e.into()),
    }
}
