//! Trust by segment: the page where an admin filters a closed campaign's direct-report answers
//! by rater attributes and compares by one. What may be shown is decided by
//! [`trustloop_app::segments`]; this module reads the query and lays out the outcome.

use crate::access::{Access, RouteSpec};
use crate::auth::SignedIn;
use crate::client::ClientAddress;
use crate::error::{AppError, AppResult};
use crate::exports::{Cell, Column, Format, Table, file_part};
use crate::extract::{Id, QueryPairs};
use crate::layout::Chrome;
use crate::state::AppState;
use crate::views::heat_cell;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use trustloop_app::segments::{self, Outcome};
use trustloop_domain::display;
use trustloop_domain::privacy::disclosure::Suppression;
use trustloop_domain::segments::{Estimate, Figures, FilterSet, SegmentView};
use trustloop_storage::{Campaign, CampaignId};

pub(super) fn routes() -> Vec<RouteSpec> {
    let admin = |path| RouteSpec::new(path, Access::Admin);
    vec![
        admin("/admin/campaigns/{id}/segments").get(segments_page),
        admin("/admin/campaigns/{id}/segments.csv").get(segments_file::<false>),
        admin("/admin/campaigns/{id}/segments.xlsx").get(segments_file::<true>),
    ]
}

/// One filter of the form: an attribute with its values and the one chosen.
struct FormField {
    name: String,
    values: Vec<String>,
    chosen: String,
}

/// One row of the table, formatted.
struct ViewRow {
    label: String,
    respondents: String,
    cells: Vec<(String, String, String)>,
    note: &'static str,
    total: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/segments.html")]
struct SegmentsPage {
    chrome: Chrome,
    campaign: Campaign,
    k: u32,
    fields: Vec<FormField>,
    by: String,
    unlisted: Vec<String>,
    message: Option<String>,
    description: String,
    rows: Vec<ViewRow>,
    seen: Vec<(String, u32, String)>,
    heatmap_seen: Option<String>,
    /// The query of the view shown, for its downloads.
    query: String,
}

/// A score's cell: the mean, its 95% interval clipped to 0–100 (empty when there is none) and
/// the colour band, as the API's `shown` gives them.
fn estimate_cell(estimate: &Option<Estimate>) -> (String, String, String) {
    let (number, class) = heat_cell(estimate.as_ref().map(|e| e.mean));
    let interval = estimate
        .as_ref()
        .and_then(|e| e.ci95)
        .map_or(String::new(), display::interval);
    (number, interval, class)
}

fn figure_row(label: String, figures: &Figures, total: bool) -> ViewRow {
    ViewRow {
        label,
        respondents: figures.respondents.to_string(),
        cells: figures.scores.iter().map(estimate_cell).collect(),
        note: "",
        total,
    }
}

fn view_rows(view: &SegmentView) -> Vec<ViewRow> {
    let mut rows: Vec<ViewRow> = view
        .rows
        .iter()
        .map(|r| {
            let label = match (&view.by, &r.value) {
                (Some(by), Some(v)) => format!("{by}: {v}"),
                (Some(by), None) => format!("{by} not set"),
                (None, _) => String::new(),
            };
            match &r.figures {
                Some(f) => figure_row(label, f, false),
                None => ViewRow {
                    label,
                    respondents: "–".into(),
                    cells: vec![estimate_cell(&None); 4],
                    note: match r.hidden {
                        Some(Suppression::Complementary) => {
                            "hidden so that a smaller group cannot be worked out from the total"
                        }
                        _ => "too few answers to show",
                    },
                    total: false,
                },
            }
        })
        .collect();
    rows.push(figure_row(
        "All selected".into(),
        &view.total,
        !view.rows.is_empty(),
    ));
    rows
}

/// The heading of a view: whose answers it shows.
fn heading(filters: &FilterSet) -> String {
    if filters.is_empty() {
        "All direct reports".into()
    } else {
        format!("Direct reports where {}", filters.describe())
    }
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn segments_page(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    Id(id): Id,
    QueryPairs(params): QueryPairs,
) -> AppResult<Response> {
    signed_in.require_admin()?;
    let campaign = state.app.store.campaign(CampaignId(id)).await?;
    let catalog = segments::catalog(&state.app).await?;
    // The bare page only offers the form: nothing is shown, so nothing is recorded.
    let outcome = if params.is_empty() {
        segments::require_closed(&campaign)?;
        None
    } else {
        let actor = address.actor(&signed_in.user.email);
        Some(segments::decide(&state.app, &actor, &campaign, &catalog, &params).await?)
    };
    let chosen = |name: &str| -> String {
        params
            .iter()
            .filter(|(k, _)| k == "f")
            .filter_map(|(_, v)| v.split_once(':'))
            .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let fields = catalog
        .listed()
        .map(|(name, values)| FormField {
            name: name.to_string(),
            values: values.iter().cloned().collect(),
            chosen: chosen(name),
        })
        .collect();
    let by = params
        .iter()
        .find(|(k, _)| k == "by")
        .map(|(_, v)| v.trim().to_lowercase())
        .unwrap_or_default();
    let (status, message, description, rows) = match &outcome {
        None => (StatusCode::OK, None, String::new(), Vec::new()),
        Some(Outcome::BadQuery(message)) => (
            StatusCode::BAD_REQUEST,
            Some(message.clone()),
            String::new(),
            Vec::new(),
        ),
        Some(Outcome::Decided {
            query,
            view: Err(refusal),
        }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(refusal.0.clone()),
            heading(&query.filters),
            Vec::new(),
        ),
        Some(Outcome::Decided {
            query,
            view: Ok(view),
        }) => (
            StatusCode::OK,
            None,
            heading(&query.filters),
            view_rows(view),
        ),
    };
    let shown = segments::shown(&state.app, campaign.id).await?;
    let seen = shown
        .segments
        .into_iter()
        .map(|s| (s.description, s.respondents, s.seen_on.to_string()))
        .collect();
    let heatmap_seen = shown.heatmap.map(|h| {
        let what = match (h.teams, h.total) {
            (true, true) => "its teams and the whole organisation",
            (true, false) => "its teams",
            _ => "the whole organisation",
        };
        format!("The team heatmap: {what} · {}", h.seen_on)
    });
    let page = SegmentsPage {
        chrome: signed_in.chrome(),
        k: campaign.rules.min_segment,
        campaign,
        fields,
        by,
        unlisted: catalog.unlisted().map(String::from).collect(),
        message,
        description,
        rows,
        seen,
        heatmap_seen,
        query: crate::forms::encode_urlencoded(&params),
    };
    Ok((status, page).into_response())
}

/// The columns of a segment view's download, as the page heads them (each score with its
/// interval in the next column).
const SEGMENT_COLUMNS: [Column; 11] = [
    Column::new("Group", "the raters shown in the row"),
    Column::new(
        "Answers",
        "direct reports whose answers the row rests on; empty when withheld",
    ),
    Column::new(
        "Trust Index",
        "mean on 0-100, rounded as shown; empty when withheld",
    ),
    Column::new(
        "Trust Index 95% interval",
        "the range the mean is likely in, clipped to 0-100",
    ),
    Column::new(
        "Relationships",
        "mean on 0-100, rounded as shown; empty when withheld",
    ),
    Column::new(
        "Relationships 95% interval",
        "the range the mean is likely in, clipped to 0-100",
    ),
    Column::new(
        "Judgement",
        "mean on 0-100, rounded as shown; empty when withheld",
    ),
    Column::new(
        "Judgement 95% interval",
        "the range the mean is likely in, clipped to 0-100",
    ),
    Column::new(
        "Consistency",
        "mean on 0-100, rounded as shown; empty when withheld",
    ),
    Column::new(
        "Consistency 95% interval",
        "the range the mean is likely in, clipped to 0-100",
    ),
    Column::new("Note", "why a row is withheld, as the page says"),
];

impl ViewRow {
    /// The row's cells in a download, in the order of [`SEGMENT_COLUMNS`].
    fn download(&self) -> Vec<Cell> {
        let mut cells = vec![Cell::text(&self.label), Cell::shown(&self.respondents)];
        for (value, interval, _) in &self.cells {
            cells.push(Cell::shown(value));
            cells.push(Cell::shown(interval));
        }
        cells.push(if self.note.is_empty() {
            Cell::Empty
        } else {
            Cell::text(self.note)
        });
        cells
    }
}

/// A segment view as a download (`XLSX`: a workbook, else CSV): the same query as the page's
/// address, decided and recorded the same way; a view the page would refuse is refused with
/// the page's words.
#[tracing::instrument(skip_all, fields(campaign = id, xlsx = XLSX))]
async fn segments_file<const XLSX: bool>(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    Id(id): Id,
    QueryPairs(params): QueryPairs,
) -> AppResult<Response> {
    signed_in.require_admin()?;
    let campaign = state.app.store.campaign(CampaignId(id)).await?;
    let catalog = segments::catalog(&state.app).await?;
    let actor = address.actor(&signed_in.user.email);
    let (query, view) =
        match segments::decide(&state.app, &actor, &campaign, &catalog, &params).await? {
            Outcome::BadQuery(message) => return Err(AppError::BadRequest(message)),
            Outcome::Decided {
                view: Err(refusal), ..
            } => {
                return Err(AppError::PrivacyRefused(refusal.0));
            }
            Outcome::Decided {
                query,
                view: Ok(view),
            } => (query, view),
        };
    let description = heading(&query.filters);
    let table = Table {
        file: format!("{}-trust-by-segment", file_part(&campaign.name)),
        title: format!("{}: {description}", campaign.name),
        about: format!(
            "{description}: how they rate their own leader, on 0-100, with the 95% interval of each mean, exactly as the page shows it. A group is shown only when at least {} answers fall in it, and a view is refused when, with what was already shown of this campaign, it would single out fewer than that.",
            campaign.rules.min_segment
        ),
        columns: SEGMENT_COLUMNS.to_vec(),
        rows: view_rows(&view).iter().map(ViewRow::download).collect(),
    };
    table.download(if XLSX { Format::Xlsx } else { Format::Csv })
}
