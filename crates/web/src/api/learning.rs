//! The learning module in the API: the learner's own progress, and the admin's completion by
//! team. Never reflections or answers: those are the learner's alone, on their pages.

use super::{ApiResult, ApiUser};
use crate::client::ClientAddress;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use trustloop_app::learning;
use trustloop_domain::learning::PASS_MARK;
use utoipa::ToSchema;

/// One lesson with the learner's progress on its current version.
#[derive(Serialize, ToSchema)]
pub struct LessonProgressJson {
    /// The lesson's id.
    id: String,
    /// Its title.
    title: String,
    /// The module it belongs to.
    module: String,
    /// relationships, judgement or consistency; null for a lesson on none of them.
    element: Option<String>,
    /// The current version (progress is kept per version).
    version: u32,
    /// Estimated reading time in minutes.
    minutes: u32,
    /// The lesson's page.
    url: String,
    /// Whether the learner marked this version read.
    read: bool,
    /// Whether any knowledge-check attempt on this version passed.
    passed: bool,
    /// Knowledge-check attempts on this version.
    attempts: u32,
    /// The latest attempt's score, in percent.
    last_score: Option<u32>,
    /// The best attempt's score, in percent.
    best_score: Option<u32>,
}

/// The signed-in learner's progress through the lessons.
#[derive(Serialize, ToSchema)]
pub struct LearningJson {
    /// Whether progress is kept for this account (it has a person record).
    learner: bool,
    /// The score (percent of questions right) that passes a check.
    pass_mark: u32,
    /// Lessons read.
    read: usize,
    /// Checks passed.
    passed: usize,
    /// Every lesson, by module and position.
    lessons: Vec<LessonProgressJson>,
}

/// The signed-in learner's own progress: lessons read and checks passed. Reflections are not
/// in the API.
#[utoipa::path(get, path = "/api/v1/me/learning", responses(
    (status = 200, body = LearningJson), (status = 401)))]
#[tracing::instrument(skip_all)]
pub(super) async fn my_learning(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<LearningJson> {
    let me = user.user.person_id;
    let overview = learning::overview(&state.app, me).await?;
    Ok(Json(LearningJson {
        learner: me.is_some(),
        pass_mark: PASS_MARK,
        read: overview.read(),
        passed: overview.passed(),
        lessons: overview
            .lessons
            .into_iter()
            .map(|s| {
                let p = s.progress.as_ref();
                LessonProgressJson {
                    url: format!("/learn/{}", s.lesson.id),
                    element: s.lesson.element.map(|e| e.slug().to_string()),
                    read: p.is_some_and(|p| p.read_at.is_some()),
                    passed: p.is_some_and(|p| p.passed),
                    attempts: p.map_or(0, |p| p.attempts),
                    last_score: p.and_then(|p| p.last_score),
                    best_score: p.and_then(|p| p.best_score),
                    id: s.lesson.id,
                    title: s.lesson.title,
                    module: s.lesson.module,
                    version: s.lesson.version,
                    minutes: s.lesson.minutes,
                }
            })
            .collect(),
    }))
}

/// One team's learning.
#[derive(Serialize, ToSchema)]
pub struct TeamLearningJson {
    /// The team's name.
    team: String,
    /// People of the team who opened any lesson (at least `min_group`).
    learners: u32,
    /// Lessons read, in percent of learners × lessons.
    completion: f64,
    /// Checks passed, in percent of learners × lessons.
    pass_rate: f64,
}

/// Completion by team under the privacy rules.
#[derive(Serialize, ToSchema)]
pub struct TeamsLearningJson {
    /// The smallest number of learners a team needs to be shown.
    min_group: u32,
    /// The lessons the rates are over.
    lessons: usize,
    /// Teams with at least `min_group` learners.
    teams: Vec<TeamLearningJson>,
    /// Teams with learners but fewer than `min_group`: not shown, not even by name.
    hidden_teams: usize,
}

/// Completion and check pass rates by team (admin): only teams with at least the minimum of
/// learners, no total, never a person's answers or reflections. Each call is audited.
#[utoipa::path(get, path = "/api/v1/learning/teams", responses(
    (status = 200, body = TeamsLearningJson), (status = 401), (status = 403)))]
#[tracing::instrument(skip_all)]
pub(super) async fn teams_learning(
    State(state): State<AppState>,
    address: ClientAddress,
    ApiUser(user): ApiUser,
) -> ApiResult<TeamsLearningJson> {
    user.require_admin()?;
    let actor = address.actor(&user.user.email);
    let view = learning::team_view(&state.app, &actor, "api").await?;
    Ok(Json(TeamsLearningJson {
        min_group: view.k,
        lessons: view.lessons,
        hidden_teams: view.hidden,
        teams: view
            .teams
            .into_iter()
            .map(|t| TeamLearningJson {
                team: t.team,
                learners: t.learners,
                completion: t.completion,
                pass_rate: t.pass_rate,
            })
            .collect(),
    }))
}
