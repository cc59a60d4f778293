//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/v1/openapi.json`.
//! It uses the same session as the pages, or an API token. Every error, whoever answers it (a
//! handler, the access rules, the framework), is JSON of one shape: [`ErrorJson`].

mod learning;

use crate::access::{Access, RouteSpec};
use crate::auth::SignedIn;
use crate::client::ClientAddress;
use crate::error::{AppError, ErrorJson};
use crate::extract::{Id, QueryPairs};
use crate::figures::{QualityFigures, ReportFigures, ShownMean};
use crate::state::AppState;
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use trustloop_app::{campaigns, heatmap, reports, segments};
use trustloop_domain::display;
use trustloop_storage::{Campaign, CampaignId};
use utoipa::{OpenApi, ToSchema};

mod ledger;
use ledger::*;
mod feedback;
mod outcomes;
mod pulse;
// Breach repair.
mod repair;

/// An API failure, answered as JSON.
pub struct ApiError(AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_json_response()
    }
}

/// The signed-in user of an API call; 401 as JSON when there is none.
pub struct ApiUser(SignedIn);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        SignedIn::from_request_parts(parts, state)
            .await
            .map(ApiUser)
            .map_err(ApiError)
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// A campaign.
#[derive(Serialize, ToSchema)]
pub struct CampaignJson {
    /// Its id.
    id: i64,
    /// Its name.
    name: String,
    /// draft, open or closed.
    status: String,
    /// The last day answers are accepted (YYYY-MM-DD).
    deadline: String,
    /// The instrument version it uses.
    instrument_version: u32,
    /// Smallest anonymous rater group shown.
    min_rater_group: u32,
    /// Smallest number of anonymous raters whose comments are shown.
    min_comments: u32,
}

impl From<Campaign> for CampaignJson {
    fn from(c: Campaign) -> Self {
        CampaignJson {
            id: c.id.0,
            name: c.name,
            status: c.status.slug().into(),
            deadline: c.deadline.to_string(),
            instrument_version: c.instrument_version,
            min_rater_group: c.rules.min_rater_group,
            min_comments: c.rules.min_comments,
        }
    }
}

/// How many were invited and finished, for one leader and rater group.
#[derive(Serialize, ToSchema)]
pub struct ProgressJson {
    /// The leader's person id.
    leader_id: i64,
    /// self, manager, peer, direct_report or other.
    group: String,
    /// Invitations.
    invited: u32,
    /// Finished surveys.
    completed: u32,
}

/// All campaigns (admin).
#[utoipa::path(get, path = "/api/v1/campaigns", responses(
    (status = 200, body = [CampaignJson]), (status = 401, body = ErrorJson), (status = 403, body = ErrorJson), (status = 503, body = ErrorJson)))]
#[tracing::instrument(skip_all)]
async fn list_campaigns(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Vec<CampaignJson>> {
    user.require_admin()?;
    let campaigns = state.app.store.campaigns().await?;
    Ok(Json(
        campaigns.into_iter().map(CampaignJson::from).collect(),
    ))
}

/// Progress per leader and rater group (admin): counts only, never who answered.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/progress",
    params(("id" = i64, Path, description = "Campaign id", minimum = 1)),
    responses((status = 200, body = [ProgressJson]), (status = 400, body = ErrorJson), (status = 401, body = ErrorJson), (status = 403, body = ErrorJson), (status = 404, body = ErrorJson), (status = 503, body = ErrorJson)))]
#[tracing::instrument(skip_all, fields(campaign = id))]
async fn campaign_progress(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
) -> ApiResult<Vec<ProgressJson>> {
    user.require_admin()?;
    let progress = campaigns::progress(&state.app, CampaignId(id)).await?;
    Ok(Json(
        progress
            .into_iter()
            .map(|p| ProgressJson {
                leader_id: p.leader_id.0,
                group: p.group.slug().into(),
                invited: p.invited,
                completed: p.completed,
            })
            .collect(),
    ))
}

/// One team (or the whole organisation) in the heatmap.
#[derive(Serialize, ToSchema)]
pub struct HeatmapRowJson {
    /// The team's name (absent for the organisation total).
    team: Option<String>,
    /// Respondents, when shown.
    respondents: Option<u64>,
    /// Means on 0–100 for trust_index, relationships, judgement, consistency; null when hidden.
    means: [Option<f64>; 4],
    /// The means as the page shows them (rounded, with their colour band); null when hidden.
    shown: [Option<ShownMean>; 4],
    /// Why the row is hidden, if it is: too_few (fewer than the minimum answered),
    /// complementary (so that a smaller hidden team cannot be worked out from the total) or
    /// overlap (with figures already shown of this campaign, such as a segment view, it would
    /// single out fewer than the minimum).
    hidden: Option<String>,
}

/// Trust by team under the privacy rules.
#[derive(Serialize, ToSchema)]
pub struct HeatmapJson {
    /// The minimum group size applied.
    min_group: u32,
    /// One row per team with answers.
    rows: Vec<HeatmapRowJson>,
    /// The whole organisation, when at least the minimum answered.
    total: Option<HeatmapRowJson>,
}

/// Trust by team in a closed campaign (admin): teams below the minimum, any team whose
/// absence from the total would reveal them, and any team (or the total) that with figures
/// already shown of the campaign to any admin would single out fewer than the minimum, are
/// hidden.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/heatmap",
    params(("id" = i64, Path, description = "Campaign id", minimum = 1)),
    responses((status = 200, body = HeatmapJson), (status = 400, body = ErrorJson), (status = 401, body = ErrorJson), (status = 403, body = ErrorJson), (status = 404, body = ErrorJson), (status = 409, body = ErrorJson), (status = 503, body = ErrorJson)))]
#[tracing::instrument(skip_all, fields(campaign = id))]
async fn campaign_heatmap(
    State(state): State<AppState>,
    address: ClientAddress,
    ApiUser(user): ApiUser,
    Id(id): Id,
) -> ApiResult<HeatmapJson> {
    user.require_admin()?;
    // Each team is one leader's results: logged like the page's view of them.
    let actor = address.actor(&user.user.email);
    let (campaign, map) = heatmap::team_results(&state.app, &actor, CampaignId(id), "api").await?;
    let hidden = |h: Option<trustloop_domain::privacy::disclosure::Suppression>| {
        h.and_then(|h| serde_json::to_value(h).ok())
            .and_then(|v| v.as_str().map(String::from))
    };
    Ok(Json(HeatmapJson {
        min_group: campaign.rules.min_team,
        rows: map
            .rows
            .into_iter()
            .map(|r| HeatmapRowJson {
                team: Some(r.team),
                respondents: r.respondents,
                shown: shown_means(&r.means),
                means: r.means,
                hidden: hidden(r.hidden),
            })
            .collect(),
        total: map.total.map(|t| HeatmapRowJson {
            team: None,
            respondents: t.respondents,
            shown: shown_means(&t.means),
            means: t.means,
            hidden: hidden(t.hidden),
        }),
    }))
}

/// The heatmap's means as shown.
fn shown_means(means: &[Option<f64>; 4]) -> [Option<ShownMean>; 4] {
    means.map(|m| m.map(|m| ShownMean::of(m, None)))
}

/// A mean with its 95% interval.
#[derive(Serialize, ToSchema)]
pub struct SegmentScoreJson {
    /// Answers behind it.
    n: usize,
    /// Mean on 0–100.
    mean: f64,
    /// 95% confidence interval (Student's t) as computed, not clipped, when n ≥ 2.
    ci95: Option<[f64; 2]>,
    /// `ci95` clipped to 0–100, as drawn.
    interval: Option<[f64; 2]>,
    /// As the page shows it: rounded, the interval clipped, with the colour band.
    shown: ShownMean,
}

/// The figures of one population.
#[derive(Serialize, ToSchema)]
pub struct SegmentFiguresJson {
    /// Answers (each a direct report rating their own leader).
    respondents: u32,
    /// trust_index, relationships, judgement, consistency; null where some raters could not say.
    scores: Vec<Option<SegmentScoreJson>>,
}

/// One compare-by row.
#[derive(Serialize, ToSchema)]
pub struct SegmentRowJson {
    /// The attribute's value; null for raters without it.
    value: Option<String>,
    /// The figures, when shown.
    figures: Option<SegmentFiguresJson>,
    /// too_few or complementary when the row is hidden.
    hidden: Option<String>,
}

/// Trust by segment under the privacy rules.
#[derive(Serialize, ToSchema)]
pub struct SegmentViewJson {
    /// The minimum group size applied.
    min_group: u32,
    /// The filters applied, attribute name to value.
    filters: std::collections::BTreeMap<String, String>,
    /// The compare-by attribute.
    by: Option<String>,
    /// The whole filtered population.
    total: SegmentFiguresJson,
    /// One row per value of `by`.
    rows: Vec<SegmentRowJson>,
}

fn segment_figures_json(f: trustloop_domain::segments::Figures) -> SegmentFiguresJson {
    SegmentFiguresJson {
        respondents: f.respondents,
        scores: f
            .scores
            .into_iter()
            .map(|e| {
                e.map(|e| SegmentScoreJson {
                    n: e.n,
                    mean: e.mean,
                    ci95: e.ci95.map(|(a, b)| [a, b]),
                    interval: e.ci95.map(display::clip_to_scale).map(|(a, b)| [a, b]),
                    shown: ShownMean::of(e.mean, e.ci95),
                })
            })
            .collect(),
    }
}

/// Trust by segment in a closed campaign (admin): direct reports' answers filtered by rater
/// attributes (`f=name:value`, repeatable) and optionally compared by one (`by=name`). A
/// population below the minimum, or a view that together with what any admin was already shown
/// of the campaign (the team heatmap included) would single out fewer than the minimum, is
/// refused with 422 and the reason; malformed parameters with 400.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/segments",
    params(("id" = i64, Path, description = "Campaign id", minimum = 1),
        ("f" = Option<Vec<String>>, Query, description = "A filter name:value; repeat for more"),
        ("by" = Option<String>, Query, description = "An attribute to compare by")),
    responses((status = 200, body = SegmentViewJson), (status = 400, body = ErrorJson), (status = 401, body = ErrorJson), (status = 403, body = ErrorJson),
        (status = 404, body = ErrorJson), (status = 409, body = ErrorJson), (status = 422, body = ErrorJson), (status = 503, body = ErrorJson)))]
#[tracing::instrument(skip_all, fields(campaign = id))]
async fn campaign_segments(
    State(state): State<AppState>,
    address: ClientAddress,
    ApiUser(user): ApiUser,
    Id(id): Id,
    QueryPairs(params): QueryPairs,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    let campaign = state.app.store.campaign(CampaignId(id)).await?;
    let catalog = segments::catalog(&state.app).await?;
    let actor = address.actor(&user.user.email);
    let outcome = segments::decide(&state.app, &actor, &campaign, &catalog, &params).await?;
    let (query, view) = match outcome {
        segments::Outcome::BadQuery(message) => {
            return Err(AppError::BadRequest(message).into());
        }
        segments::Outcome::Decided { query, view } => (query, view),
    };
    let view = match view {
        Ok(view) => *view,
        Err(refusal) => return Err(AppError::PrivacyRefused(refusal.0).into()),
    };
    let hidden = |h: Option<trustloop_domain::privacy::disclosure::Suppression>| {
        h.and_then(|h| serde_json::to_value(h).ok())
            .and_then(|v| v.as_str().map(String::from))
    };
    Ok(Json(SegmentViewJson {
        min_group: campaign.rules.min_segment,
        filters: query
            .filters
            .conditions()
            .iter()
            .filter_map(|(name, values)| {
                values
                    .iter()
                    .next()
                    .cloned()
                    .flatten()
                    .map(|v| (name.clone(), v))
            })
            .collect(),
        by: view.by,
        total: segment_figures_json(view.total),
        rows: view
            .rows
            .into_iter()
            .map(|r| SegmentRowJson {
                value: r.value,
                figures: r.figures.map(segment_figures_json),
                hidden: hidden(r.hidden),
            })
            .collect(),
    })
    .into_response())
}

/// The campaigns the signed-in leader is assessed in.
#[utoipa::path(get, path = "/api/v1/me/campaigns", responses(
    (status = 200, body = [CampaignJson]), (status = 401, body = ErrorJson), (status = 503, body = ErrorJson)))]
#[tracing::instrument(skip_all)]
async fn my_campaigns(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Vec<CampaignJson>> {
    let Some(me) = user.user.person_id else {
        return Ok(Json(Vec::new()));
    };
    let campaigns = state.app.store.campaigns_led_by(me).await?;
    Ok(Json(
        campaigns.into_iter().map(CampaignJson::from).collect(),
    ))
}

/// The signed-in leader's report in a closed campaign.
#[utoipa::path(get, path = "/api/v1/me/campaigns/{id}/report",
    params(("id" = i64, Path, description = "Campaign id", minimum = 1)),
    responses((status = 200, body = ReportFigures), (status = 400, body = ErrorJson), (status = 401, body = ErrorJson), (status = 404, body = ErrorJson), (status = 409, body = ErrorJson), (status = 503, body = ErrorJson)))]
#[tracing::instrument(skip_all, fields(campaign = id))]
async fn my_report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
) -> ApiResult<ReportFigures> {
    let me = user.user.person_id.ok_or(AppError::NotFound("report"))?;
    // Only the leader's own campaigns: any other is "not found".
    let loaded = reports::load(&state.app, CampaignId(id), me).await?;
    Ok(Json(ReportFigures::new(
        &loaded.campaign,
        loaded.report(),
        &loaded.finished.instrument,
        loaded.change(),
    )))
}

/// How well the instrument measured in a closed campaign (admin): internal consistency of each
/// element's statements (alpha with Feldt's 95% interval, omega, item–total correlations),
/// agreement within rater groups and the ICCs over leaders, at full precision, pooled over at
/// least five leaders so that no one leader's results show (`assessed` is false with fewer).
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/quality",
    params(("id" = i64, Path, description = "Campaign id", minimum = 1)),
    responses((status = 200, body = QualityFigures), (status = 400, body = ErrorJson), (status = 401, body = ErrorJson), (status = 403, body = ErrorJson), (status = 404, body = ErrorJson), (status = 409, body = ErrorJson), (status = 503, body = ErrorJson)))]
#[tracing::instrument(skip_all, fields(campaign = id))]
async fn campaign_quality(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
) -> ApiResult<QualityFigures> {
    user.require_admin()?;
    let quality = campaigns::measurement_quality(&state.app, CampaignId(id)).await?;
    Ok(Json(QualityFigures::new(
        quality.campaign.id.0,
        quality.assessed.as_ref(),
        &quality.instrument,
    )))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Trustloop API",
        description = "Trust 360 campaigns, progress, reports and measurement quality; development plans and the say-do ledger; learning progress; team pulse series, rounds, trends and change events; feedback received, and its counts by team; team outcome figures and their association with team trust; repairs of trust after a breach. Every figure comes at full precision (intervals unclipped) with, under `shown`, the text the pages show for it."
    ),
    paths(
        list_campaigns,
        campaign_progress,
        campaign_heatmap,
        campaign_segments,
        campaign_quality,
        my_campaigns,
        my_report,
        learning::my_learning,
        learning::teams_learning,
        my_plans,
        my_commitments,
        my_confirmations,
        organisation,
        pulse::list_series,
        pulse::series_rounds,
        pulse::team_trend,
        pulse::events,
        feedback::my_feedback,
        feedback::teams_feedback,
        outcomes::list_outcomes,
        outcomes::outcome_association,
        repair::my_repairs,
        repair::my_repair,
        repair::repair_counts
    ),
    components(schemas(
        ErrorJson,
        CampaignJson,
        ProgressJson,
        ReportFigures,
        QualityFigures,
        HeatmapJson,
        HeatmapRowJson,
        SegmentViewJson,
        SegmentRowJson,
        SegmentFiguresJson,
        SegmentScoreJson,
        learning::LearningJson,
        learning::LessonProgressJson,
        learning::TeamsLearningJson,
        learning::TeamLearningJson,
        PlanJson,
        ActionJson,
        LedgerJson,
        CommitmentJson,
        TallyJson,
        SayDoJson,
        ConfirmationAskJson,
        OrganisationJson,
        TeamCountJson,
        pulse::PulseSeriesJson,
        pulse::PulseRoundJson,
        pulse::PulseScoreJson,
        pulse::PulseRoundFigureJson,
        pulse::PulseChangeJson,
        pulse::PulseComparisonJson,
        pulse::PulseEventJson,
        pulse::PulseTrendJson,
        feedback::MyFeedbackJson,
        feedback::FeedbackItemJson,
        feedback::FeedbackPeriodJson,
        feedback::TeamsFeedbackJson,
        feedback::TeamFeedbackJson,
        outcomes::OutcomesJson,
        outcomes::OutcomeMetricJson,
        outcomes::OutcomeAssociationJson,
        outcomes::AssociationJson,
        outcomes::TeamPointJson,
        repair::RepairJson,
        repair::RepairStepJson,
        repair::NamedAnswerJson,
        repair::RepairCountJson
    ))
)]
struct ApiDoc;

/// The OpenAPI document of this API.
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises")
}

async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_json(),
    )
}

/// The API routes with their access rules.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        RouteSpec::new("/api/v1/openapi.json", Access::Public).get(openapi),
        RouteSpec::new("/api/v1/campaigns", Access::Admin)
            .get(list_campaigns)
            .scope("campaigns:read"),
        RouteSpec::new("/api/v1/campaigns/{id}/progress", Access::Admin)
            .get(campaign_progress)
            .scope("campaigns:read"),
        RouteSpec::new("/api/v1/campaigns/{id}/heatmap", Access::Admin)
            .get(campaign_heatmap)
            .scope("campaigns:read"),
        RouteSpec::new("/api/v1/campaigns/{id}/segments", Access::Admin)
            .get(campaign_segments)
            .scope("campaigns:read"),
        RouteSpec::new("/api/v1/campaigns/{id}/quality", Access::Admin)
            .get(campaign_quality)
            .scope("campaigns:read"),
        RouteSpec::new("/api/v1/me/campaigns", Access::SignedIn)
            .get(my_campaigns)
            .scope("reports:read"),
        RouteSpec::new("/api/v1/me/campaigns/{id}/report", Access::SignedIn)
            .get(my_report)
            .scope("reports:read"),
        RouteSpec::new("/api/v1/me/learning", Access::SignedIn)
            .get(learning::my_learning)
            .scope("reports:read"),
        RouteSpec::new("/api/v1/learning/teams", Access::Admin)
            .get(learning::teams_learning)
            .scope("campaigns:read"),
        RouteSpec::new("/api/v1/me/plans", Access::SignedIn)
            .get(my_plans)
            .scope("reports:read"),
        RouteSpec::new("/api/v1/me/commitments", Access::SignedIn)
            .get(my_commitments)
            .scope("reports:read"),
        RouteSpec::new("/api/v1/me/confirmations", Access::SignedIn)
            .get(my_confirmations)
            .scope("reports:read"),
        RouteSpec::new("/api/v1/organisation/say-do", Access::Admin)
            .get(organisation)
            .scope("campaigns:read"),
        RouteSpec::new("/api/v1/outcomes", Access::Admin)
            .get(outcomes::list_outcomes)
            .scope("campaigns:read"),
        RouteSpec::new("/api/v1/outcomes/association", Access::Admin)
            .get(outcomes::outcome_association)
            .scope("campaigns:read"),
        RouteSpec::new("/api/v1/pulse/series", Access::SignedIn)
            .get(pulse::list_series)
            .scope("pulse:read"),
        RouteSpec::new("/api/v1/pulse/series/{id}/rounds", Access::SignedIn)
            .get(pulse::series_rounds)
            .scope("pulse:read"),
        RouteSpec::new(
            "/api/v1/pulse/series/{id}/teams/{team}/trend",
            Access::SignedIn,
        )
        .get(pulse::team_trend)
        .scope("pulse:read"),
        RouteSpec::new("/api/v1/pulse/events", Access::SignedIn)
            .get(pulse::events)
            .scope("pulse:read"),
        RouteSpec::new("/api/v1/me/feedback", Access::SignedIn)
            .get(feedback::my_feedback)
            .scope("reports:read"),
        RouteSpec::new("/api/v1/feedback/teams", Access::Admin)
            .get(feedback::teams_feedback)
            .scope("campaigns:read"),
        // Breach repair.
        RouteSpec::new("/api/v1/me/repairs", Access::SignedIn)
            .get(repair::my_repairs)
            .scope("reports:read"),
        RouteSpec::new("/api/v1/me/repairs/{id}", Access::SignedIn)
            .get(repair::my_repair)
            .scope("reports:read"),
        RouteSpec::new("/api/v1/repairs/teams", Access::Admin)
            .get(repair::repair_counts)
            .scope("campaigns:read"),
        RouteSpec::new("/api/v1/{*rest}", Access::Public)
            .get(unknown_endpoint)
            .post(unknown_endpoint),
    ]
}

async fn unknown_endpoint() -> ApiError {
    ApiError(AppError::NotFound("API endpoint"))
}
