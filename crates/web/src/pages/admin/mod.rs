//! The admin's pages: the organisation and its imports, campaigns, their results, and the
//! audit log.

mod audit;
mod campaign_edits;
mod campaigns;
mod invitations;
mod links;
mod outcomes;
mod people;
mod rater_lists;
mod results;

use crate::access::{Access, RouteSpec};
use crate::auth::SignedIn;
use crate::error::AppResult;
use crate::layout::Chrome;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use trustloop_storage::{Campaign, PeopleQuery};

pub(super) fn routes() -> Vec<RouteSpec> {
    let mut table = vec![RouteSpec::new("/admin", Access::Admin).get(dashboard)];
    table.extend(people::routes());
    table.extend(campaigns::routes());
    table.extend(rater_lists::routes());
    table.extend(links::routes());
    table.extend(results::routes());
    table.extend(audit::routes());
    table.extend(outcomes::routes());
    table.extend(campaign_edits::routes());
    table.extend(invitations::routes());
    table
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/dashboard.html")]
struct Dashboard {
    chrome: Chrome,
    people: u64,
    campaigns: Vec<Campaign>,
    /// Open and draft campaigns with their figures, next steps and what needs attention.
    overview: trustloop_app::overview::Overview,
    /// Real falls in every team's pulse.
    pulse_alerts: Vec<crate::views::pulse::AlertView>,
}

async fn dashboard(State(state): State<AppState>, signed_in: SignedIn) -> AppResult<Dashboard> {
    signed_in.require_admin()?;
    let (_, people) = state
        .app
        .store
        .people(&PeopleQuery {
            limit: 0,
            ..PeopleQuery::default()
        })
        .await?;
    Ok(Dashboard {
        chrome: signed_in.chrome(),
        people,
        campaigns: state.app.store.campaigns().await?,
        overview: trustloop_app::overview::overview(&state.app).await?,
        pulse_alerts: super::pulse::alerts(&state, &signed_in).await?,
    })
}
