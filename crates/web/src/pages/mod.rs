//! Server-rendered pages. Every page works without JavaScript; forms carry a CSRF token.
//! Handlers read the request, call a use case of `trustloop_app` and lay out the result.

mod account;
mod admin;
mod leader;
mod pulse;
mod raters;
mod report;
mod segments;
mod sign_in;
mod survey;

use crate::access::{Access, RouteSpec};
use crate::auth::SignedIn;
use crate::error::AppError;
use axum::response::Redirect;
use trustloop_storage::Role;

/// The page routes with their access rules.
pub fn routes() -> Vec<RouteSpec> {
    let mut table = vec![RouteSpec::new("/", Access::SignedIn).get(home)];
    table.extend(sign_in::routes());
    table.extend(account::routes());
    table.extend(admin::routes());
    table.extend(leader::routes());
    table.extend(pulse::routes());
    table.extend(raters::routes());
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
