//! Breach repair in the JSON API, read only: the caller's own repairs with their steps and
//! recovery results (anonymous rounds only once closed with k answers; named answers with
//! names, as the page shows them), and for admins the counts of open and closed repairs by
//! team, never contents.

use super::pulse::{PulseRoundFigureJson, measure_slug, round_json};
use super::{ApiResult, ApiUser};
use crate::error::ErrorJson;
use crate::extract::Id;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use trustloop_app::repair::{self as uses, RepairView};
use trustloop_storage::{RecoveryState, RepairId};
use utoipa::ToSchema;

/// A step done.
#[derive(Serialize, ToSchema)]
pub struct RepairStepJson {
    /// acknowledge, apologise, take_responsibility or make_amends.
    step: String,
    /// The day it was done (YYYY-MM-DD).
    done_on: String,
    /// What was said or done.
    note: String,
}

/// A named answer (a named recovery pulse only: its respondent was told before answering).
#[derive(Serialize, ToSchema)]
pub struct NamedAnswerJson {
    /// The round's number: 0 before the amends, 1 and 2 two and six weeks after.
    round: u32,
    /// The respondent.
    name: String,
    /// overall or the element touched, with the score on 0–100.
    scores: Vec<(String, f64)>,
}

/// One of the caller's repairs.
#[derive(Serialize, ToSchema)]
pub struct RepairJson {
    /// Its id.
    id: i64,
    /// What happened.
    what: String,
    /// The day it happened.
    happened: String,
    /// competence or integrity.
    kind: String,
    /// relationships, judgement or consistency.
    element: String,
    /// The people affected, by name.
    affected: Vec<String>,
    /// Whether an admin recorded it on the leader's behalf.
    recorded_by_admin: bool,
    /// The day it was closed.
    closed_on: Option<String>,
    /// The steps done.
    steps: Vec<RepairStepJson>,
    /// The next step in the usual order, if any.
    next_step: Option<String>,
    /// The say-do commitments made as amends, by id.
    amends: Vec<i64>,
    /// not_started, skipped, anonymous or named.
    recovery: String,
    /// The recovery rounds (overall and the element touched), each shown under the privacy
    /// rules.
    rounds: Vec<PulseRoundFigureJson>,
    /// The named answers, when the pulse is named.
    named_answers: Vec<NamedAnswerJson>,
}

fn repair_json(view: RepairView) -> RepairJson {
    let r = view.record;
    RepairJson {
        id: r.id.0,
        what: r.what,
        happened: r.happened.to_string(),
        kind: r.kind.slug().into(),
        element: r.element.slug().into(),
        affected: r.affected.into_iter().map(|(_, n)| n).collect(),
        recorded_by_admin: r.by_admin,
        closed_on: r.closed_on.map(|d| d.to_string()),
        steps: r
            .steps
            .iter()
            .map(|s| RepairStepJson {
                step: s.step.slug().into(),
                done_on: s.on.to_string(),
                note: s.note.clone(),
            })
            .collect(),
        next_step: view.progress.next.map(|s| s.slug().into()),
        amends: r.amends.iter().map(|c| c.0).collect(),
        recovery: match r.recovery {
            RecoveryState::NotStarted => "not_started".into(),
            RecoveryState::Skipped => "skipped".into(),
            RecoveryState::Running { mode, .. } => mode.slug().into(),
        },
        rounds: view.rounds.iter().map(round_json).collect(),
        named_answers: view
            .rounds
            .iter()
            .zip(view.named)
            .flat_map(|(round, named)| {
                let index = round.dates.index;
                named.into_iter().map(move |n| NamedAnswerJson {
                    round: index,
                    name: n.name,
                    scores: n
                        .scores
                        .iter()
                        .map(|(m, v)| (measure_slug(*m), *v))
                        .collect(),
                })
            })
            .collect(),
    }
}

/// The caller's own repairs, newest first.
#[utoipa::path(get, path = "/api/v1/me/repairs",
    responses((status = 200, body = Vec<RepairJson>), (status = 401, body = ErrorJson), (status = 403, body = ErrorJson)))]
#[tracing::instrument(skip_all)]
pub(super) async fn my_repairs(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Vec<RepairJson>> {
    let mut repairs = Vec::new();
    for record in uses::mine(&state.app, &user.user).await? {
        repairs.push(repair_json(
            uses::view(&state.app, &user.user, record.id).await?,
        ));
    }
    Ok(Json(repairs))
}

/// One of the caller's own repairs with its recovery results; anyone else's is 404.
#[utoipa::path(get, path = "/api/v1/me/repairs/{id}",
    params(("id" = i64, Path, description = "Repair id", minimum = 1)),
    responses((status = 200, body = RepairJson), (status = 400, body = ErrorJson), (status = 401, body = ErrorJson), (status = 403, body = ErrorJson), (status = 404, body = ErrorJson)))]
#[tracing::instrument(skip_all, fields(repair = id))]
pub(super) async fn my_repair(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
) -> ApiResult<RepairJson> {
    Ok(Json(repair_json(
        uses::view(&state.app, &user.user, RepairId(id)).await?,
    )))
}

/// Open and closed repairs of one team's leaders.
#[derive(Serialize, ToSchema)]
pub struct RepairCountJson {
    /// The leaders' team (null: no team).
    team: Option<String>,
    /// Not closed.
    open: u32,
    /// Closed.
    closed: u32,
}

/// How many repairs are open and closed by the leader's team (admin): counts only.
#[utoipa::path(get, path = "/api/v1/repairs/teams",
    responses((status = 200, body = Vec<RepairCountJson>), (status = 401, body = ErrorJson), (status = 403, body = ErrorJson)))]
#[tracing::instrument(skip_all)]
pub(super) async fn repair_counts(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Vec<RepairCountJson>> {
    user.require_admin()?;
    Ok(Json(
        state
            .app
            .store
            .repair_counts()
            .await?
            .into_iter()
            .map(|c| RepairCountJson {
                team: c.team,
                open: c.open,
                closed: c.closed,
            })
            .collect(),
    ))
}
