//! The audit log, newest first, a page at a time.

use crate::access::{Access, RouteSpec};
use crate::auth::SignedIn;
use crate::error::{AppError, AppResult};
use crate::extract::QueryPairs;
use crate::layout::Chrome;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

pub(super) fn routes() -> Vec<RouteSpec> {
    vec![RouteSpec::new("/admin/audit", Access::Admin).get(audit_log)]
}

/// One audit event as shown.
pub struct AuditRow {
    id: i64,
    at: String,
    actor: String,
    action: String,
    target: String,
    address: String,
    detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    chrome: Chrome,
    events: Vec<AuditRow>,
    older: Option<i64>,
}

/// The page size of the audit log.
const AUDIT_PAGE: u32 = 100;

async fn audit_log(
    State(state): State<AppState>,
    signed_in: SignedIn,
    query: QueryPairs,
) -> AppResult<AuditPage> {
    signed_in.require_admin()?;
    let before = match query.get("before") {
        None | Some("") => None,
        Some(text) => Some(text.parse::<i64>().ok().filter(|id| *id >= 1).ok_or_else(|| {
            let shown: String = text.chars().take(40).collect();
            AppError::BadRequest(format!(
                "{shown:?} is not a place in the audit log: follow the \"Older events\" link instead."
            ))
        })?),
    };
    let events = state.app.store.audit_events(AUDIT_PAGE, before).await?;
    let older = (events.len() == AUDIT_PAGE as usize)
        .then(|| events.last().map(|(id, _)| *id))
        .flatten();
    Ok(AuditPage {
        chrome: signed_in.chrome(),
        events: events
            .into_iter()
            .map(|(id, e)| AuditRow {
                id,
                at: crate::views::utc_time(e.at),
                actor: e.actor,
                action: e.action.replace('_', " "),
                target: e.target,
                address: e.address,
                detail: e.detail,
            })
            .collect(),
        older,
    })
}
