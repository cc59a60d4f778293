//! The API of plans and the say-do ledger: a user's own plans (and those shared with them),
//! their commitments with the ratio, what waits for their confirmation, and for admins the
//! organisation's association and counts.

use super::{ApiResult, ApiUser};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use trustloop_app::ledger as uses;
use trustloop_domain::ledger::Association;
use trustloop_storage::{ActionSource, Plan};
use utoipa::ToSchema;

/// An action of a plan.
#[derive(Serialize, ToSchema)]
pub struct ActionJson {
    id: i64,
    /// The library action's id, or null for the leader's own.
    library_id: Option<String>,
    /// The library's version, or null.
    library_version: Option<u32>,
    title: String,
    /// relationships, judgement or consistency.
    element: String,
    /// YYYY-MM-DD.
    target: String,
    /// planned, doing, done or dropped.
    status: String,
    /// The day the status was set.
    since: String,
    note: String,
}

/// A development plan.
#[derive(Serialize, ToSchema)]
pub struct PlanJson {
    id: i64,
    leader: String,
    campaign_id: i64,
    /// One or two elements.
    focus: Vec<String>,
    library_version: u32,
    shared_with_manager: bool,
    /// Whether it is the caller's own (otherwise shared with them as the leader's manager).
    own: bool,
    actions: Vec<ActionJson>,
}

fn plan_json(p: Plan, own: bool) -> PlanJson {
    PlanJson {
        id: p.id.0,
        leader: p.leader_name,
        campaign_id: p.campaign_id.0,
        focus: p.focus.iter().map(|e| e.slug().into()).collect(),
        library_version: p.library_version,
        shared_with_manager: p.shared_with_manager,
        own,
        actions: p
            .actions
            .into_iter()
            .map(|a| {
                let (library_id, library_version) = match a.source {
                    ActionSource::Library { id, version } => (Some(id), Some(version)),
                    ActionSource::Own => (None, None),
                };
                ActionJson {
                    id: a.id.0,
                    library_id,
                    library_version,
                    title: a.title,
                    element: a.element.slug().into(),
                    target: a.target.to_string(),
                    status: a.status.slug().into(),
                    since: a.since.to_string(),
                    note: a.note,
                }
            })
            .collect(),
    }
}

/// The caller's own plans and the plans shared with them, newest first.
#[utoipa::path(get, path = "/api/v1/me/plans",
    responses((status = 200, body = [PlanJson]), (status = 401)))]
#[tracing::instrument(skip_all)]
pub(super) async fn my_plans(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Vec<PlanJson>> {
    let Some(me) = user.user.person_id else {
        return Ok(Json(Vec::new()));
    };
    let mut plans: Vec<PlanJson> = state
        .app
        .store
        .plans_of(me)
        .await?
        .into_iter()
        .map(|p| plan_json(p, true))
        .collect();
    plans.extend(
        state
            .app
            .store
            .plans_shared_with(me)
            .await?
            .into_iter()
            .map(|p| plan_json(p, false)),
    );
    Ok(Json(plans))
}

/// The counts of a commitment's confirmations (a team's only once k answered).
#[derive(Serialize, ToSchema)]
pub struct TallyJson {
    kept: u32,
    not_kept: u32,
    cant_say: u32,
}

/// A commitment.
#[derive(Serialize, ToSchema)]
pub struct CommitmentJson {
    id: i64,
    what: String,
    /// The people it was made to, by name (empty for a team).
    people: Vec<String>,
    /// The team it was made to.
    team: Option<String>,
    made_on: String,
    /// The date it is held to.
    due: String,
    /// The latest date agreed.
    working_due: String,
    /// open, renegotiated, overdue, kept, kept_late, broken or dropped.
    status: String,
    /// confirmed_kept, confirmed_not_kept or unconfirmed.
    verdict: String,
    /// null for a team below k answers.
    tally: Option<TallyJson>,
    /// due_soon, overdue, awaiting_confirmation, or null.
    reminder: Option<String>,
    /// How many times it changed.
    revision: u32,
    /// The plan action it serves.
    action_id: Option<i64>,
}

/// The say-do ratio over 90 days.
#[derive(Serialize, ToSchema)]
pub struct SayDoJson {
    from: String,
    to: String,
    /// The denominator: commitments due in the window.
    due: u64,
    /// The numerator: kept on time and confirmed so.
    kept_confirmed: u64,
    kept_unconfirmed: u64,
    kept_disputed: u64,
    kept_late: u64,
    not_kept: u64,
    /// kept_confirmed ÷ due; null when nothing was due.
    ratio: Option<f64>,
    /// Wilson's 95% interval, [low, high]; null when nothing was due.
    ci95: Option<[f64; 2]>,
}

/// A leader's commitments with the ratio.
#[derive(Serialize, ToSchema)]
pub struct LedgerJson {
    say_do: SayDoJson,
    shown_to_team: bool,
    commitments: Vec<CommitmentJson>,
}

fn slug<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// The caller's commitments, newest first, with their say-do ratio and its breakdown.
#[utoipa::path(get, path = "/api/v1/me/commitments",
    responses((status = 200, body = LedgerJson), (status = 401), (status = 404)))]
#[tracing::instrument(skip_all)]
pub(super) async fn my_commitments(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<LedgerJson> {
    let me = user
        .user
        .person_id
        .ok_or(crate::error::AppError::NotFound("ledger"))?;
    let ledger = uses::ledger(&state.app, me).await?;
    let s = &ledger.say_do;
    Ok(Json(LedgerJson {
        say_do: SayDoJson {
            from: s.from.to_string(),
            to: s.to.to_string(),
            due: s.due,
            kept_confirmed: s.kept_confirmed,
            kept_unconfirmed: s.kept_unconfirmed,
            kept_disputed: s.kept_disputed,
            kept_late: s.kept_late,
            not_kept: s.not_kept,
            ratio: s.ratio.map(|p| p.estimate),
            ci95: s.ratio.map(|p| [p.interval.0, p.interval.1]),
        },
        shown_to_team: ledger.shown_to_team,
        commitments: ledger
            .rows
            .into_iter()
            .map(|r| CommitmentJson {
                id: r.record.id.0,
                what: r.record.what,
                people: r.record.people,
                team: r.record.team,
                made_on: r.record.commitment.made_on.to_string(),
                due: r.counted_due.to_string(),
                working_due: r.working_due.to_string(),
                status: slug(&r.status),
                verdict: slug(&r.verdict),
                tally: r.tally.map(|t| TallyJson {
                    kept: t.kept,
                    not_kept: t.not_kept,
                    cant_say: t.cant_say,
                }),
                reminder: r.reminder.map(|m| slug(&m)),
                revision: r.record.commitment.revision(),
                action_id: r.record.action_id.map(|a| a.0),
            })
            .collect(),
    }))
}

/// A commitment waiting for the caller's confirmation.
#[derive(Serialize, ToSchema)]
pub struct ConfirmationAskJson {
    commitment_id: i64,
    leader: String,
    what: String,
    due: String,
    /// Whether the answer is counted with a team's.
    to_team: bool,
    /// Whether the leader says it was kept (otherwise its date passed).
    marked_kept: bool,
}

/// The commitments waiting for the caller's confirmation.
#[utoipa::path(get, path = "/api/v1/me/confirmations",
    responses((status = 200, body = [ConfirmationAskJson]), (status = 401)))]
#[tracing::instrument(skip_all)]
pub(super) async fn my_confirmations(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Vec<ConfirmationAskJson>> {
    let Some(me) = user.user.person_id else {
        return Ok(Json(Vec::new()));
    };
    let asks = state
        .app
        .store
        .confirmations_asked(me, trustloop_app::today())
        .await?;
    Ok(Json(
        asks.into_iter()
            .map(|a| ConfirmationAskJson {
                commitment_id: a.id.0,
                leader: a.leader_name,
                what: a.what,
                due: a.due.to_string(),
                to_team: a.to_team,
                marked_kept: a.marked_kept,
            })
            .collect(),
    ))
}

/// Plans and commitments of one team's leaders, counted.
#[derive(Serialize, ToSchema)]
pub struct TeamCountJson {
    team: Option<String>,
    plans: u64,
    leaders: u64,
    commitments: u64,
}

/// The organisation's view: counts by team and the association across leaders between say-do
/// ratio and consistency score (an association, not a cause).
#[derive(Serialize, ToSchema)]
pub struct OrganisationJson {
    /// shown, too_few_leaders or no_variation.
    state: String,
    /// Leaders with both figures.
    n: usize,
    /// Pearson's r, when shown.
    r: Option<f64>,
    /// Its 95% interval (Fisher z), when shown.
    ci95: Option<[f64; 2]>,
    teams: Vec<TeamCountJson>,
}

/// The organisation's say-do association and counts by team (admin).
#[utoipa::path(get, path = "/api/v1/organisation/say-do",
    responses((status = 200, body = OrganisationJson), (status = 401), (status = 403)))]
#[tracing::instrument(skip_all)]
pub(super) async fn organisation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<OrganisationJson> {
    user.require_admin()?;
    let association = uses::association(&state.app).await?;
    let teams = state.app.store.plan_counts_by_team().await?;
    let (state_word, n, r, ci95) = match association {
        Association::Shown(c) => ("shown", c.n, Some(c.r), Some([c.interval.0, c.interval.1])),
        Association::TooFewLeaders { n } => ("too_few_leaders", n, None, None),
        Association::NoVariation { n } => ("no_variation", n, None, None),
    };
    Ok(Json(OrganisationJson {
        state: state_word.into(),
        n,
        r,
        ci95,
        teams: teams
            .into_iter()
            .map(|t| TeamCountJson {
                team: t.team,
                plans: t.plans,
                leaders: t.leaders,
                commitments: t.commitments,
            })
            .collect(),
    }))
}
