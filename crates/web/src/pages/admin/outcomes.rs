//! Trust and outcomes: importing team outcome figures, and the association across teams
//! between a closed campaign's team trust and an outcome (a scatter chart, n, r and its 95%
//! interval, then the same a period later), stated as an association, not a cause.

use crate::access::{Access, RouteSpec};
use crate::auth::SignedIn;
use crate::client::ClientAddress;
use crate::error::{AppError, AppResult};
use crate::extract::QueryPairs;
use crate::forms::UploadProblem;
use crate::layout::Chrome;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use trustloop_app::outcomes::{self, Metric, OutcomeView};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::display;
use trustloop_domain::outcomes::{MIN_TEAMS, OutcomeAssociation};
use trustloop_storage::{Campaign, CampaignId};

pub(super) fn routes() -> Vec<RouteSpec> {
    vec![
        RouteSpec::new("/admin/outcomes", Access::Admin)
            .get(outcomes_page)
            .post(upload_outcomes)
            .body_limit(crate::forms::MAX_UPLOAD_BYTES),
    ]
}

/// One team's point on the chart, with the figures the table beside it shows.
pub struct Dot {
    team: String,
    trust: String,
    outcome: String,
    x: String,
    y: String,
}

/// One association as the page shows it.
pub struct AssociationView {
    period: String,
    /// Whether it is the period after the one chosen.
    later: bool,
    /// The sentence with n, r and its interval, or why there is none.
    words: String,
    /// Whether it is shown (then `dots` are drawn).
    shown: bool,
    dots: Vec<Dot>,
    /// The outcome's lowest and highest value, as the axis shows them.
    low: String,
    high: String,
    /// The Trust Index at the axis's ends (the teams' range, widened to tens).
    trust_low: String,
    trust_high: String,
}

/// The chart's plotting area, in the SVG's units.
const LEFT: f64 = 48.0;
const WIDTH: f64 = 320.0;
const TOP: f64 = 12.0;
const HEIGHT: f64 = 180.0;

/// A number as the page writes it: up to two decimals, without trailing zeros.
fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl AssociationView {
    fn of(
        period: String,
        later: bool,
        metric: &str,
        association: &OutcomeAssociation,
    ) -> AssociationView {
        let mut view = AssociationView {
            period,
            later,
            words: String::new(),
            shown: false,
            dots: Vec::new(),
            low: String::new(),
            high: String::new(),
            trust_low: String::new(),
            trust_high: String::new(),
        };
        match association {
            OutcomeAssociation::TooFewTeams { n } => {
                view.words = format!(
                    "Not shown: {n} team(s) have both a Trust Index on the heatmap and a figure for {metric}; an association needs at least {MIN_TEAMS}."
                );
            }
            OutcomeAssociation::NoVariation { n } => {
                view.words = format!(
                    "Not shown: across the {n} teams, trust or {metric} does not vary, so there is no association to show."
                );
            }
            OutcomeAssociation::Shown {
                correlation,
                points,
            } => {
                let (low, high) = points.iter().fold((f64::MAX, f64::MIN), |(l, h), p| {
                    (l.min(p.outcome), h.max(p.outcome))
                });
                let span = (high - low).max(f64::EPSILON);
                let (least, most) = points.iter().fold((100.0_f64, 0.0_f64), |(l, h), p| {
                    (l.min(p.trust), h.max(p.trust))
                });
                let trust_low = ((least - 2.0) / 10.0).floor().clamp(0.0, 9.0) * 10.0;
                let trust_high = ((most + 2.0) / 10.0).ceil().clamp(1.0, 10.0) * 10.0;
                let trust_span = (trust_high - trust_low).max(10.0);
                view.shown = true;
                view.low = number(low);
                view.high = number(high);
                view.trust_low = number(trust_low);
                view.trust_high = number(trust_high);
                view.words = format!(
                    "Across {} teams, r = {:.2} (95% interval {:.2} to {:.2}): teams with higher trust tend to have {} {metric}.",
                    correlation.n,
                    correlation.r,
                    correlation.interval.0,
                    correlation.interval.1,
                    if correlation.r >= 0.0 {
                        "higher"
                    } else {
                        "lower"
                    },
                );
                if correlation.interval.0 <= 0.0 && correlation.interval.1 >= 0.0 {
                    view.words.push_str(
                        " The interval includes no association at all: with this few teams, it could be chance.",
                    );
                }
                view.dots = points
                    .iter()
                    .map(|p| Dot {
                        team: p.team.clone(),
                        trust: display::score(p.trust),
                        outcome: number(p.outcome),
                        x: format!(
                            "{:.1}",
                            LEFT + (p.trust - trust_low).clamp(0.0, trust_span) / trust_span
                                * WIDTH
                        ),
                        y: format!("{:.1}", TOP + (1.0 - (p.outcome - low) / span) * HEIGHT),
                    })
                    .collect();
            }
        }
        view
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/outcomes.html")]
struct OutcomesPage {
    chrome: Chrome,
    metrics: Vec<Metric>,
    campaigns: Vec<Campaign>,
    /// What the association form has chosen: the campaign and "PERIOD METRIC".
    campaign: i64,
    of: String,
    /// The association asked for.
    title: String,
    /// The association in the period chosen, then (when it has figures) the period after.
    results: Vec<AssociationView>,
    /// The period chosen, when one was shown.
    period: String,
    /// What the last import said.
    imported: Option<String>,
    problems: Vec<String>,
    error: Option<String>,
    min_teams: usize,
}

impl OutcomesPage {
    async fn new(state: &AppState, signed_in: &SignedIn) -> AppResult<OutcomesPage> {
        let campaigns: Vec<Campaign> = state
            .app
            .store
            .campaigns()
            .await?
            .into_iter()
            .filter(|c| c.status == CampaignStatus::Closed)
            .collect();
        Ok(OutcomesPage {
            chrome: signed_in.chrome(),
            metrics: outcomes::metrics(&state.app).await?,
            campaign: campaigns.first().map_or(0, |c| c.id.0),
            campaigns,
            of: String::new(),
            title: String::new(),
            results: Vec::new(),
            period: String::new(),
            imported: None,
            problems: Vec::new(),
            error: None,
            min_teams: MIN_TEAMS,
        })
    }

    fn show(&mut self, view: &OutcomeView) {
        self.title = format!("Trust in {} and {}", view.campaign.name, view.metric);
        self.period = view.period.to_string();
        self.results = std::iter::once(AssociationView::of(
            view.period.to_string(),
            false,
            &view.metric,
            &view.now,
        ))
        .chain(
            view.later
                .as_ref()
                .map(|(period, a)| AssociationView::of(period.to_string(), true, &view.metric, a)),
        )
        .collect();
    }
}

#[tracing::instrument(skip_all)]
async fn outcomes_page(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    query: QueryPairs,
) -> AppResult<Response> {
    signed_in.require_admin()?;
    let mut page = OutcomesPage::new(&state, &signed_in).await?;
    let (Some(campaign), Some(of)) = (query.get("campaign"), query.get("of")) else {
        return Ok(page.into_response());
    };
    page.of = of.to_string();
    let campaign: i64 = match campaign.trim().parse() {
        Ok(id) if id > 0 => id,
        _ => {
            page.error = Some("Choose a closed campaign from the list.".into());
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    page.campaign = campaign;
    let Some((period, metric)) = of.trim().split_once(' ') else {
        page.error = Some("Choose a metric and period from the list.".into());
        return Ok((StatusCode::BAD_REQUEST, page).into_response());
    };
    let actor = address.actor(&signed_in.user.email);
    match outcomes::association(&state.app, &actor, CampaignId(campaign), metric, period).await {
        Ok(view) => {
            page.show(&view);
            Ok(page.into_response())
        }
        Err(e) => {
            let (status, message) = match AppError::from(e) {
                AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
                AppError::Conflict(m) => (StatusCode::CONFLICT, m),
                AppError::NotFound(what) => (
                    StatusCode::NOT_FOUND,
                    format!("No {what} of that name: choose one from the lists."),
                ),
                other => return Err(other),
            };
            page.error = Some(message);
            Ok((status, page).into_response())
        }
    }
}

#[tracing::instrument(skip_all)]
async fn upload_outcomes(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    mut multipart: Multipart,
) -> AppResult<Response> {
    signed_in.require_admin()?;
    let upload = crate::forms::read_upload(&mut multipart).await;
    let mut page = OutcomesPage::new(&state, &signed_in).await?;
    let refuse = |mut page: OutcomesPage, status: StatusCode, message: String| {
        page.error = Some(message);
        Ok((status, page).into_response())
    };
    let upload = match upload {
        Ok(upload) => upload,
        Err(UploadProblem::TooLarge) => {
            return refuse(
                page,
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "The file is larger than the {} an upload may be: split it.",
                    crate::forms::size(crate::forms::MAX_UPLOAD_BYTES)
                ),
            );
        }
        Err(_) => {
            return refuse(
                page,
                StatusCode::BAD_REQUEST,
                "The upload could not be read; choose the file and send it again.".into(),
            );
        }
    };
    signed_in.check_csrf(&upload.fields)?;
    let Some((_, bytes)) = upload.file.filter(|(_, b)| !b.is_empty()) else {
        return refuse(
            page,
            StatusCode::BAD_REQUEST,
            "Choose a CSV file with the columns team, period, metric and value.".into(),
        );
    };
    let actor = address.actor(&signed_in.user.email);
    match outcomes::import(&state.app, &actor, &bytes).await? {
        Ok(stored) => {
            page.metrics = outcomes::metrics(&state.app).await?;
            page.imported = Some(format!("{stored} figure(s) imported."));
            Ok(page.into_response())
        }
        Err(refused) => {
            page.error = Some(format!(
                "The file has {} problem(s); nothing was imported. Fix them and upload it again.",
                refused.total
            ));
            page.problems = refused.problems.iter().map(ToString::to_string).collect();
            if refused.total > refused.problems.len() {
                page.problems.push(format!(
                    "… and {} more",
                    refused.total - refused.problems.len()
                ));
            }
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
