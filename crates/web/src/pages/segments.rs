//! Trust by segment: a closed campaign's direct-report answers filtered by rater attributes
//! (location, function…) and optionally compared by one attribute. Every decision about what may
//! be shown is the domain's ([`trustloop_domain::segments::plan_view`]); this module reads the
//! query, loads the answers and the viewer's history, records what was shown and audits it.

use super::Chrome;
use super::admin::heat_cell;
use crate::AppState;
use crate::access::{Access, RouteSpec};
use crate::audit::{self, ClientAddress};
use crate::auth::SignedIn;
use crate::error::{AppError, AppResult};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::Mutex;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::privacy::disclosure::{Refusal, Suppression};
use trustloop_domain::segments::{
    self, Catalog, Estimate, Figures, FilterSet, MAX_LISTED_VALUES, SeenPopulation, SegmentQuery,
    SegmentView,
};
use trustloop_storage::{Campaign, CampaignId};

pub(super) fn routes() -> Vec<RouteSpec> {
    vec![RouteSpec::new("/admin/campaigns/{id}/segments", Access::Admin).get(segments_page)]
}

/// What became of a request for a segment view.
pub enum Outcome {
    /// The query was read; the view is shown or refused by the privacy rules.
    Decided {
        /// What was asked.
        query: SegmentQuery,
        /// The view, or why it may not be shown.
        view: Result<Box<SegmentView>, Refusal>,
    },
    /// The query is malformed; the message says how to fix it.
    BadQuery(String),
}

/// The attributes offered for filtering: every person's, never only the raters'.
pub async fn catalog(state: &AppState) -> AppResult<Catalog> {
    Ok(Catalog::new(
        state
            .store
            .attribute_values(MAX_LISTED_VALUES as u32)
            .await?,
    ))
}

/// Reads the query parameters: `f` (name:value, repeatable) and `by` (at most once). Anything
/// else is refused, so that no parameter is silently ignored.
fn read_params(params: &[(String, String)]) -> Result<(Vec<&str>, Option<&str>), String> {
    let mut filters = Vec::new();
    let mut by = None;
    for (key, value) in params {
        match key.as_str() {
            "f" => filters.push(value.as_str()),
            "by" if by.is_none() => by = Some(value.as_str()),
            "by" => return Err("Compare by one attribute at a time (by is given twice).".into()),
            other => {
                return Err(format!(
                    "Unknown parameter {other:?}: use f=name:value for each filter and by=name to compare."
                ));
            }
        }
    }
    Ok((filters, by))
}

/// Decides a segment view of a closed campaign for the signed-in admin: reads the query, asks the
/// domain what may be shown given what this admin already saw, records what is shown in their
/// history (in the same transaction as the decision) and audits the view or its refusal.
pub async fn decide(
    state: &AppState,
    signed_in: &SignedIn,
    address: &ClientAddress,
    campaign: &Campaign,
    catalog: &Catalog,
    params: &[(String, String)],
) -> AppResult<Outcome> {
    signed_in.require_admin()?;
    if campaign.status != CampaignStatus::Closed {
        return Err(AppError::Conflict(
            "Segment results are shown once the campaign has closed, so that nobody can watch them change as answers arrive.".into(),
        ));
    }
    let query = match read_params(params)
        .and_then(|(filters, by)| segments::parse_query(catalog, &filters, by).map_err(|e| e.0))
    {
        Ok(query) => query,
        Err(message) => return Ok(Outcome::BadQuery(message)),
    };
    // Indexed before the recording transaction starts, so that it stays short.
    let answers = segments::Answers::new(
        state
            .store
            .segment_answers(campaign.id)
            .await?
            .into_iter()
            .map(|a| segments::Answer {
                team: None,
                attributes: a.attributes,
                scores: a.scores,
            })
            .collect(),
    );
    let k = campaign.rules.min_segment;
    let decided: Mutex<Option<Result<Result<SegmentView, Refusal>, String>>> = Mutex::new(None);
    state
        .store
        .record_segment_views(
            campaign.id,
            signed_in.user.id,
            time::OffsetDateTime::now_utc().date(),
            &|seen| {
                let outcome = seen
                    .iter()
                    .map(|s| SeenPopulation::from_canonical_json(&s.filters))
                    .collect::<Result<Vec<_>, _>>()
                    .map(|seen| segments::plan_view(k, &answers, &query, &seen));
                let record = match &outcome {
                    Ok(Ok(view)) => view
                        .seen
                        .iter()
                        .map(|(population, n)| (population.to_canonical_json(), *n))
                        .collect(),
                    _ => Vec::new(),
                };
                if let Ok(mut slot) = decided.lock() {
                    *slot = Some(outcome);
                }
                record
            },
        )
        .await?;
    let view = decided
        .into_inner()
        .ok()
        .flatten()
        .ok_or_else(|| anyhow::anyhow!("the segment view was not decided"))?
        .map_err(|e| anyhow::anyhow!("a segment view history entry is unreadable: {e}"))?;
    let detail = format!(
        "filters {}{}{}",
        query.filters.to_canonical_json(),
        query
            .by
            .as_ref()
            .map_or(String::new(), |b| format!(" by {b}")),
        match &view {
            Ok(v) => format!(" · {} answers", v.total.respondents),
            Err(_) => " · refused".into(),
        }
    );
    audit::record(
        state,
        &signed_in.user.email,
        if view.is_ok() {
            "segment_results_viewed"
        } else {
            "segment_view_refused"
        },
        &format!("campaign {}", campaign.id),
        address,
        &detail,
    )
    .await?;
    Ok(Outcome::Decided {
        query,
        view: view.map(Box::new),
    })
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
}

/// A score's cell: the mean, its 95% interval (empty when there is none) and the colour band.
fn estimate_cell(estimate: &Option<Estimate>) -> (String, String, String) {
    let (number, class) = heat_cell(estimate.as_ref().map(|e| e.mean));
    let interval = estimate
        .as_ref()
        .and_then(|e| e.interval)
        .map_or(String::new(), |(lo, hi)| format!("{lo:.0}–{hi:.0}"));
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

async fn segments_page(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Query(params): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    signed_in.require_admin()?;
    let campaign = state.store.campaign(CampaignId(id)).await?;
    let catalog = catalog(&state).await?;
    // The bare page only offers the form: nothing is shown, so nothing is recorded.
    let outcome = if params.is_empty() {
        if campaign.status != CampaignStatus::Closed {
            return Err(AppError::Conflict(
                "Segment results are shown once the campaign has closed, so that nobody can watch them change as answers arrive.".into(),
            ));
        }
        None
    } else {
        Some(decide(&state, &signed_in, &address, &campaign, &catalog, &params).await?)
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
    let seen = state
        .store
        .segment_views_seen(campaign.id, signed_in.user.id)
        .await?
        .into_iter()
        .map(|s| {
            let described = SeenPopulation::from_canonical_json(&s.filters)
                .map_or_else(|_| s.filters.clone(), |p| p.filters.describe());
            (described, s.respondents, s.seen_on.to_string())
        })
        .collect();
    let page = SegmentsPage {
        chrome: Chrome::for_user(&signed_in),
        k: campaign.rules.min_segment,
        campaign,
        fields,
        by,
        unlisted: catalog.unlisted().map(String::from).collect(),
        message,
        description,
        rows,
        seen,
    };
    Ok((status, page).into_response())
}
