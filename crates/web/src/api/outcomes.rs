//! Trust and outcomes in the API (admin): the outcome figures imported, and the association
//! across the teams a closed campaign's heatmap shows between their trust and a figure, in a
//! period and the period after. The same rules as the page: only teams the heatmap shows, the
//! view recorded and audited as a heatmap view, refused below the minimum of teams.

use super::{ApiResult, ApiUser, ErrorJson};
use crate::client::ClientAddress;
use crate::error::AppError;
use crate::extract::QueryPairs;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use trustloop_app::outcomes;
use trustloop_domain::outcomes::{MIN_TEAMS, OutcomeAssociation};
use trustloop_storage::CampaignId;
use utoipa::ToSchema;

/// A metric imported, with its periods.
#[derive(Serialize, ToSchema)]
pub struct OutcomeMetricJson {
    /// What was measured.
    metric: String,
    /// Its periods, oldest first ("2026", "2026-Q3" or "2026-09").
    periods: Vec<String>,
    /// Teams with a figure in any period.
    teams: u64,
}

/// The outcome figures imported.
#[derive(Serialize, ToSchema)]
pub struct OutcomesJson {
    /// Teams an association needs.
    min_teams: usize,
    /// Every metric, by name.
    metrics: Vec<OutcomeMetricJson>,
}

/// The metrics imported, with their periods (admin).
#[utoipa::path(get, path = "/api/v1/outcomes", responses(
    (status = 200, body = OutcomesJson), (status = 401, body = ErrorJson), (status = 403, body = ErrorJson)))]
#[tracing::instrument(skip_all)]
pub(super) async fn list_outcomes(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<OutcomesJson> {
    user.require_admin()?;
    Ok(Json(OutcomesJson {
        min_teams: MIN_TEAMS,
        metrics: outcomes::metrics(&state.app)
            .await?
            .into_iter()
            .map(|m| OutcomeMetricJson {
                metric: m.name,
                periods: m.periods.iter().map(ToString::to_string).collect(),
                teams: m.teams,
            })
            .collect(),
    }))
}

/// One team's point.
#[derive(Serialize, ToSchema)]
pub struct TeamPointJson {
    /// The team.
    team: String,
    /// Its Trust Index on the heatmap, 0–100, at full precision.
    trust: f64,
    /// Its figure.
    outcome: f64,
}

/// The association in one period.
#[derive(Serialize, ToSchema)]
pub struct AssociationJson {
    /// The period.
    period: String,
    /// `shown`, `too_few_teams` or `no_variation`.
    state: String,
    /// Teams with both a shown Trust Index and the figure.
    n: usize,
    /// Pearson's r, when shown.
    r: Option<f64>,
    /// Its 95% interval (Fisher z), when shown.
    interval: Option<[f64; 2]>,
    /// The teams, when shown.
    points: Vec<TeamPointJson>,
}

impl AssociationJson {
    fn of(period: String, association: OutcomeAssociation) -> AssociationJson {
        let mut json = AssociationJson {
            period,
            state: String::new(),
            n: 0,
            r: None,
            interval: None,
            points: Vec::new(),
        };
        match association {
            OutcomeAssociation::Shown {
                correlation,
                points,
            } => {
                json.state = "shown".into();
                json.n = correlation.n;
                json.r = Some(correlation.r);
                json.interval = Some([correlation.interval.0, correlation.interval.1]);
                json.points = points
                    .into_iter()
                    .map(|p| TeamPointJson {
                        team: p.team,
                        trust: p.trust,
                        outcome: p.outcome,
                    })
                    .collect();
            }
            OutcomeAssociation::TooFewTeams { n } => {
                json.state = "too_few_teams".into();
                json.n = n;
            }
            OutcomeAssociation::NoVariation { n } => {
                json.state = "no_variation".into();
                json.n = n;
            }
        }
        json
    }
}

/// Trust and a figure: the period asked for, and the period after when it has figures.
#[derive(Serialize, ToSchema)]
pub struct OutcomeAssociationJson {
    /// The campaign whose heatmap gives each team's trust.
    campaign: i64,
    /// The metric.
    metric: String,
    /// In the period asked for.
    now: AssociationJson,
    /// In the period after, when it has figures.
    later: Option<AssociationJson>,
}

/// The association across the teams a closed campaign's heatmap shows between their trust and
/// an outcome figure (admin). An association, not a cause; audited and recorded as a view of
/// the heatmap.
#[utoipa::path(get, path = "/api/v1/outcomes/association",
    params(("campaign" = i64, Query, description = "A closed campaign's id", minimum = 1),
        ("metric" = String, Query, description = "A metric imported", min_length = 1),
        ("period" = String, Query, description = "A period of that metric: 2026, 2026-Q3 or 2026-09",
            pattern = r"^[0-9]{4}(-[Qq][1-4]|-(0[1-9]|1[0-2]))?$")),
    responses((status = 200, body = OutcomeAssociationJson), (status = 400, body = ErrorJson),
        (status = 401, body = ErrorJson), (status = 403, body = ErrorJson),
        (status = 404, body = ErrorJson), (status = 409, body = ErrorJson)))]
#[tracing::instrument(skip_all)]
pub(super) async fn outcome_association(
    State(state): State<AppState>,
    address: ClientAddress,
    ApiUser(user): ApiUser,
    query: QueryPairs,
) -> ApiResult<OutcomeAssociationJson> {
    user.require_admin()?;
    let campaign = match query.get("campaign").map(|c| c.trim().parse::<i64>()) {
        Some(Ok(id)) if id > 0 => id,
        _ => {
            return Err(AppError::BadRequest(
                "Give campaign, the id of a closed campaign (a whole number from 1).".into(),
            )
            .into());
        }
    };
    let (Some(metric), Some(period)) = (query.get("metric"), query.get("period")) else {
        return Err(AppError::BadRequest(
            "Give metric and period, as GET /api/v1/outcomes lists them.".into(),
        )
        .into());
    };
    let actor = address.actor(&user.user.email);
    let view =
        outcomes::association(&state.app, &actor, CampaignId(campaign), metric, period).await?;
    Ok(Json(OutcomeAssociationJson {
        campaign,
        metric: view.metric,
        now: AssociationJson::of(view.period.to_string(), view.now),
        later: view
            .later
            .map(|(period, a)| AssociationJson::of(period.to_string(), a)),
    }))
}
