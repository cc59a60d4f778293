//! What a closed campaign shows the admin: its measurement quality and trust by team.

use crate::access::{Access, RouteSpec};
use crate::auth::SignedIn;
use crate::client::ClientAddress;
use crate::error::AppResult;
use crate::extract::Id;
use crate::figures::QualityFigures;
use crate::layout::Chrome;
use crate::state::AppState;
use crate::views::heat_cell;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use trustloop_app::campaigns::{self, MeasurementQuality};
use trustloop_app::heatmap;
use trustloop_domain::privacy::disclosure::Suppression;
use trustloop_storage::{Campaign, CampaignId};

pub(super) fn routes() -> Vec<RouteSpec> {
    let admin = |path| RouteSpec::new(path, Access::Admin);
    vec![
        admin("/admin/campaigns/{id}/quality").get(quality),
        admin("/admin/campaigns/{id}/teams").get(team_heatmap),
    ]
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/quality.html")]
struct QualityPage {
    chrome: Chrome,
    campaign: Campaign,
    q: QualityFigures,
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn quality(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Id(id): Id,
) -> AppResult<QualityPage> {
    signed_in.require_admin()?;
    let MeasurementQuality {
        campaign,
        instrument,
        assessed,
    } = campaigns::measurement_quality(&state.app, CampaignId(id)).await?;
    Ok(QualityPage {
        chrome: signed_in.chrome(),
        q: QualityFigures::new(campaign.id.0, assessed.as_ref(), &instrument),
        campaign,
    })
}

/// One heatmap row, formatted.
pub struct HeatRow {
    team: String,
    respondents: String,
    cells: Vec<(String, String)>,
    note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/teams.html")]
struct TeamsPage {
    chrome: Chrome,
    campaign: Campaign,
    rows: Vec<HeatRow>,
    total: Option<HeatRow>,
    k: u32,
}

/// Why a heatmap row is hidden, in words for the admin, under minimum group size `k`.
fn hidden_note(hidden: Option<Suppression>, k: u32) -> String {
    match hidden {
        Some(Suppression::TooFew) => "too few answers to show".into(),
        Some(Suppression::Complementary) => {
            "hidden so that a smaller team cannot be worked out from the total".into()
        }
        Some(Suppression::Overlap) => format!(
            "hidden because, with figures already shown of this campaign, it would single out fewer than {k} people"
        ),
        None => String::new(),
    }
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn team_heatmap(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    Id(id): Id,
) -> AppResult<TeamsPage> {
    signed_in.require_admin()?;
    let actor = address.actor(&signed_in.user.email);
    let (campaign, map) = heatmap::team_results(&state.app, &actor, CampaignId(id), "").await?;
    let k = campaign.rules.min_team;
    let rows = map
        .rows
        .iter()
        .map(|r| HeatRow {
            team: r.team.clone(),
            respondents: r.respondents.map_or("–".into(), |n| n.to_string()),
            cells: r.means.iter().map(|m| heat_cell(*m)).collect(),
            note: hidden_note(r.hidden, k),
        })
        .collect();
    let total = map.total.as_ref().map(|t| HeatRow {
        team: "Whole organisation".into(),
        respondents: t.respondents.map_or("–".into(), |n| n.to_string()),
        cells: t.means.iter().map(|m| heat_cell(*m)).collect(),
        note: hidden_note(t.hidden, k),
    });
    Ok(TeamsPage {
        chrome: signed_in.chrome(),
        k: campaign.rules.min_team,
        campaign,
        rows,
        total,
    })
}
