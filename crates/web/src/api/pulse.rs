//! The team pulse in the JSON API: series, their rounds, a team's trend and change events, for
//! whoever may see them on the pages (admins every team; a leader their own; a member their
//! team's when the series says so).

use super::{ApiResult, ApiUser};
use crate::error::{AppError, ErrorJson};
use crate::extract::{Id, IdPair};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use serde::Serialize;
use trustloop_app::pulse::{self, Standing, trend};
use trustloop_domain::pulse::Shown;
use trustloop_storage::{PulseSeries, PulseSeriesId, TeamId};
use utoipa::ToSchema;

/// A pulse series.
#[derive(Serialize, ToSchema)]
pub struct PulseSeriesJson {
    /// Its id.
    id: i64,
    /// Its name.
    name: String,
    /// weekly, fortnightly, monthly or quarterly.
    cadence: String,
    /// Days each round takes answers.
    window_days: u16,
    /// The first round's day (YYYY-MM-DD).
    start: String,
    /// The pulse instrument version its rounds ask.
    instrument_version: u32,
    /// Fewest answers a team's round shows.
    k: u32,
    /// Whether members see their team's results.
    members_see_results: bool,
    /// The teams asked, by id.
    teams: Vec<i64>,
}

impl From<PulseSeries> for PulseSeriesJson {
    fn from(s: PulseSeries) -> Self {
        PulseSeriesJson {
            id: s.id.0,
            name: s.name,
            cadence: s.schedule.cadence.slug().into(),
            window_days: s.schedule.window_days,
            start: s.schedule.start.to_string(),
            instrument_version: s.instrument_version,
            k: s.k,
            members_see_results: s.members_see_results,
            teams: s.teams.iter().map(|t| t.0).collect(),
        }
    }
}

/// A round the scheduler handled.
#[derive(Serialize, ToSchema)]
pub struct PulseRoundJson {
    /// Its number in the series, from 0.
    index: u32,
    /// Its first day.
    opens: String,
    /// Its last day.
    closes: String,
    /// open, missed or closed.
    status: String,
}

/// One measure of a shown round, at full precision.
#[derive(Serialize, ToSchema)]
pub struct PulseScoreJson {
    /// trust_index, relationships, judgement, consistency or overall.
    measure: String,
    /// The mean on 0–100.
    mean: f64,
    /// The 95% interval, unclipped.
    ci95: Option<(f64, f64)>,
    /// How many answers it rests on.
    n: usize,
}

/// One round of a team.
#[derive(Serialize, ToSchema)]
pub struct PulseRoundFigureJson {
    /// Its number, from 0.
    index: u32,
    /// Its first day.
    opens: String,
    /// open, missed or closed.
    status: String,
    /// Members asked.
    invited: u32,
    /// Members who answered.
    answered: u32,
    /// yes, not_enough_answers or would_single_out; absent until the round closes.
    shown: Option<String>,
    /// Why no numbers, in the page's words.
    withheld_because: Option<String>,
    /// The scores, only when shown.
    scores: Vec<PulseScoreJson>,
}

/// One measure's change between two shown rounds (Welch's test at 95%).
#[derive(Serialize, ToSchema)]
pub struct PulseChangeJson {
    /// The measure.
    measure: String,
    /// The earlier mean.
    before: f64,
    /// The later mean.
    after: f64,
    /// after − before.
    difference: f64,
    /// The difference's 95% interval.
    ci95: (f64, f64),
    /// The two-sided p-value.
    p_value: f64,
    /// The smallest change these answers could detect.
    minimum_detectable: Option<f64>,
    /// Whether the change is beyond the noise.
    real: bool,
}

/// Two rounds compared.
#[derive(Serialize, ToSchema)]
pub struct PulseComparisonJson {
    /// The earlier round.
    before: u32,
    /// The later round.
    after: u32,
    /// Each measure.
    changes: Vec<PulseChangeJson>,
}

/// A change event.
#[derive(Serialize, ToSchema)]
pub struct PulseEventJson {
    /// Its id.
    id: i64,
    /// reorganisation, new_leader, layoffs, new_strategy, office_move or other.
    kind: String,
    /// Its day.
    on: String,
    /// Its note.
    note: String,
    /// The teams it affected.
    teams: Vec<i64>,
    /// The rounds just before and after it, compared (trend only).
    around: Option<PulseComparisonJson>,
}

/// A team's trend.
#[derive(Serialize, ToSchema)]
pub struct PulseTrendJson {
    /// The series.
    series: i64,
    /// The team.
    team: i64,
    /// Its name.
    team_name: String,
    /// Every round handled.
    rounds: Vec<PulseRoundFigureJson>,
    /// The last shown round against the one before it.
    since_previous: Option<PulseComparisonJson>,
    /// The last shown round against the baseline asked for.
    since_baseline: Option<PulseComparisonJson>,
    /// The measures whose fall raised an alert in the latest round.
    alert: Vec<PulseChangeJson>,
    /// The team's change events.
    events: Vec<PulseEventJson>,
}

fn change_json(
    (measure, row): &(
        trustloop_domain::pulse::PulseMeasure,
        trustloop_domain::report::ChangeRow,
    ),
) -> PulseChangeJson {
    PulseChangeJson {
        measure: measure_slug(*measure),
        before: row.before,
        after: row.after,
        difference: row.test.difference,
        ci95: row.test.ci,
        p_value: row.test.p_value,
        minimum_detectable: row.detectable,
        real: row.is_real(),
    }
}

pub(super) fn measure_slug(measure: trustloop_domain::pulse::PulseMeasure) -> String {
    use trustloop_domain::pulse::PulseMeasure;
    match measure {
        PulseMeasure::TrustIndex => "trust_index".into(),
        PulseMeasure::Element(e) => e.slug().into(),
        PulseMeasure::Overall => "overall".into(),
    }
}

fn comparison_json(c: &trend::Comparison) -> PulseComparisonJson {
    PulseComparisonJson {
        before: c.before,
        after: c.after,
        changes: c.rows.iter().map(change_json).collect(),
    }
}

pub(super) fn round_json(r: &trend::RoundFigure) -> PulseRoundFigureJson {
    PulseRoundFigureJson {
        index: r.dates.index,
        opens: r.dates.opens.to_string(),
        status: r.status.slug().into(),
        invited: r.invited,
        answered: r.answered,
        shown: r.shown.map(|s| {
            match s {
                Shown::Yes => "yes",
                Shown::NotEnoughAnswers => "not_enough_answers",
                Shown::WouldSingleOut { .. } => "would_single_out",
            }
            .into()
        }),
        withheld_because: crate::views::pulse::why_not(r),
        scores: r
            .scores
            .iter()
            .flat_map(|s| s.scores.iter())
            .map(|(m, s)| PulseScoreJson {
                measure: measure_slug(*m),
                mean: s.mean,
                ci95: s.ci95,
                n: s.n,
            })
            .collect(),
    }
}

/// The pulse series the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/pulse/series",
    responses((status = 200, body = Vec<PulseSeriesJson>), (status = 401, body = ErrorJson), (status = 403, body = ErrorJson)))]
#[tracing::instrument(skip_all)]
pub async fn list_series(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Vec<PulseSeriesJson>> {
    Ok(Json(
        pulse::series_for(&state.app, &user.user)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// The rounds of a series handled so far, oldest first.
#[utoipa::path(get, path = "/api/v1/pulse/series/{id}/rounds",
    params(("id" = i64, Path, description = "Series id", minimum = 1)),
    responses((status = 200, body = Vec<PulseRoundJson>), (status = 400, body = ErrorJson), (status = 401, body = ErrorJson), (status = 403, body = ErrorJson), (status = 404, body = ErrorJson)))]
#[tracing::instrument(skip_all, fields(series = id))]
pub async fn series_rounds(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
) -> ApiResult<Vec<PulseRoundJson>> {
    let visible = pulse::series_for(&state.app, &user.user).await?;
    if !visible.iter().any(|s| s.id.0 == id) {
        return Err(AppError::NotFound("pulse series").into());
    }
    Ok(Json(
        state
            .app
            .store
            .pulse_rounds(PulseSeriesId(id))
            .await?
            .into_iter()
            .map(|r| PulseRoundJson {
                index: r.dates.index,
                opens: r.dates.opens.to_string(),
                closes: r.dates.closes.to_string(),
                status: r.status.slug().into(),
            })
            .collect(),
    ))
}

/// The baseline round (from 0).
#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct BaselineQuery {
    /// The round the latest is compared with, besides the previous one.
    baseline: Option<u32>,
}

/// A team's trend: every round with its scores and intervals (rounds below k or withheld say
/// why, without numbers), the change since the previous round and a baseline, the alert and
/// the team's change events.
#[utoipa::path(get, path = "/api/v1/pulse/series/{id}/teams/{team}/trend",
    params(("id" = i64, Path, description = "Series id", minimum = 1), ("team" = i64, Path, description = "Team id", minimum = 1), BaselineQuery),
    responses((status = 200, body = PulseTrendJson), (status = 400, body = ErrorJson), (status = 401, body = ErrorJson), (status = 403, body = ErrorJson), (status = 404, body = ErrorJson)))]
#[tracing::instrument(skip_all, fields(series = id, team))]
pub async fn team_trend(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    IdPair(id, team): IdPair,
    Query(query): Query<BaselineQuery>,
) -> ApiResult<PulseTrendJson> {
    // The document gives the round number as a 32-bit whole number; a larger one names no round.
    if query.baseline.is_some_and(|b| i32::try_from(b).is_err()) {
        return Err(
            AppError::BadRequest("The baseline names no round of the series.".into()).into(),
        );
    }
    let found = trend::team_trend(
        &state.app,
        &user.user,
        PulseSeriesId(id),
        TeamId(team),
        query.baseline,
    )
    .await?;
    Ok(Json(PulseTrendJson {
        series: id,
        team,
        team_name: found.team.name.clone(),
        rounds: found.rounds.iter().map(round_json).collect(),
        since_previous: found.since_previous.as_ref().map(comparison_json),
        since_baseline: found.since_baseline.as_ref().map(comparison_json),
        alert: found
            .alert
            .iter()
            .flat_map(|a| a.fell.iter())
            .map(change_json)
            .collect(),
        events: found
            .events
            .iter()
            .map(|e| PulseEventJson {
                around: e.around.as_ref().map(comparison_json),
                ..event_json(&e.event)
            })
            .collect(),
    }))
}

fn event_json(e: &trustloop_storage::PulseEvent) -> PulseEventJson {
    PulseEventJson {
        id: e.id.0,
        kind: e.kind.slug().into(),
        on: e.on.to_string(),
        note: e.note.clone(),
        teams: e.teams.iter().map(|t| t.0).collect(),
        around: None,
    }
}

/// The change events on the timelines of the teams the caller leads (an admin: every team),
/// oldest first.
#[utoipa::path(get, path = "/api/v1/pulse/events",
    responses((status = 200, body = Vec<PulseEventJson>), (status = 401, body = ErrorJson), (status = 403, body = ErrorJson)))]
#[tracing::instrument(skip_all)]
pub async fn events(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Vec<PulseEventJson>> {
    let teams = pulse::teams_by_id(&state.app).await?;
    let own = pulse::own_team(&state.app, &user.user).await?;
    let visible: Vec<TeamId> = teams
        .values()
        .filter(|t| {
            matches!(
                pulse::standing(&user.user, t, own.as_deref()),
                Standing::Admin | Standing::Leader
            )
        })
        .map(|t| t.id)
        .collect();
    Ok(Json(
        state
            .app
            .store
            .pulse_events(Some(&visible))
            .await?
            .iter()
            .map(event_json)
            .collect(),
    ))
}
