//! What a closed campaign shows the admin: its measurement quality and trust by team.

use crate::access::{Access, RouteSpec};
use crate::auth::SignedIn;
use crate::client::ClientAddress;
use crate::error::AppResult;
use crate::exports::{Cell, Column, Format, Table, file_part};
use crate::extract::Id;
use crate::figures::QualityFigures;
use crate::layout::Chrome;
use crate::state::AppState;
use crate::views::heat_cell;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use trustloop_app::campaigns::{self, MeasurementQuality};
use trustloop_app::heatmap;
use trustloop_domain::privacy::disclosure::Suppression;
use trustloop_storage::{Campaign, CampaignId};

pub(super) fn routes() -> Vec<RouteSpec> {
    let admin = |path| RouteSpec::new(path, Access::Admin);
    vec![
        admin("/admin/campaigns/{id}/quality").get(quality),
        admin("/admin/campaigns/{id}/teams").get(team_heatmap),
        admin("/admin/campaigns/{id}/teams.csv").get(team_heatmap_file::<false>),
        admin("/admin/campaigns/{id}/teams.xlsx").get(team_heatmap_file::<true>),
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

/// The heatmap's rows as the page and its downloads show them: each team, then the whole
/// organisation's row when there is one. Reading them records the view in the disclosure
/// history (`detail` says where it was seen).
async fn heat_rows(
    state: &AppState,
    address: &ClientAddress,
    signed_in: &SignedIn,
    id: CampaignId,
    detail: &str,
) -> AppResult<(Campaign, Vec<HeatRow>, Option<HeatRow>)> {
    signed_in.require_admin()?;
    let actor = address.actor(&signed_in.user.email);
    let (campaign, map) = heatmap::team_results(&state.app, &actor, id, detail).await?;
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
    Ok((campaign, rows, total))
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn team_heatmap(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    Id(id): Id,
) -> AppResult<TeamsPage> {
    let (campaign, rows, total) =
        heat_rows(&state, &address, &signed_in, CampaignId(id), "").await?;
    Ok(TeamsPage {
        chrome: signed_in.chrome(),
        k: campaign.rules.min_team,
        campaign,
        rows,
        total,
    })
}

/// The heatmap's columns, as the page heads them.
const HEAT_COLUMNS: [Column; 7] = [
    Column::new("Team", "the team whose members rated their own leader"),
    Column::new(
        "Answers",
        "members who answered; empty when the team is withheld",
    ),
    Column::new(
        "Trust Index",
        "mean on 0-100, rounded as shown; empty when withheld",
    ),
    Column::new(
        "Relationships",
        "mean on 0-100, rounded as shown; empty when withheld",
    ),
    Column::new(
        "Judgement",
        "mean on 0-100, rounded as shown; empty when withheld",
    ),
    Column::new(
        "Consistency",
        "mean on 0-100, rounded as shown; empty when withheld",
    ),
    Column::new("Note", "why a row or figure is withheld, as the page says"),
];

/// The heatmap as a download (`XLSX`: a workbook, else CSV), with the very rows the page shows.
#[tracing::instrument(skip_all, fields(campaign = id, xlsx = XLSX))]
async fn team_heatmap_file<const XLSX: bool>(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    Id(id): Id,
) -> AppResult<Response> {
    let detail = if XLSX { "xlsx" } else { "csv" };
    let (campaign, rows, total) =
        heat_rows(&state, &address, &signed_in, CampaignId(id), detail).await?;
    let table = Table {
        file: format!("{}-trust-by-team", file_part(&campaign.name)),
        title: format!("{}: trust by team", campaign.name),
        about: format!(
            "How each team's members rate their own leader, on 0-100, exactly as the page shows it. A team is shown only when at least {} of its members answered, and a row is withheld when it would let a smaller group be worked out from the others or from what was already shown of this campaign.",
            campaign.rules.min_team
        ),
        columns: HEAT_COLUMNS.to_vec(),
        rows: rows
            .iter()
            .chain(total.as_ref())
            .map(HeatRow::cells)
            .collect(),
    };
    table.download(if XLSX { Format::Xlsx } else { Format::Csv })
}

impl HeatRow {
    /// The row's cells in a download, in the order of [`HEAT_COLUMNS`].
    fn cells(&self) -> Vec<Cell> {
        std::iter::once(Cell::text(&self.team))
            .chain(std::iter::once(Cell::shown(&self.respondents)))
            .chain(self.cells.iter().map(|(value, _)| Cell::shown(value)))
            .chain(std::iter::once(if self.note.is_empty() {
                Cell::Empty
            } else {
                Cell::text(&self.note)
            }))
            .collect()
    }
}
