//! The learning module's pages: the learner's list of lessons with their progress and latest
//! element scores, a lesson (its text, private reflections, the knowledge check and its
//! practice), and the admin's view of completion by team. What is recorded and shown is
//! decided by [`trustloop_app::learning`]; this module reads forms and lays out the result.

use crate::access::{Access, RouteSpec};
use crate::auth::{FormPost, SignedIn};
use crate::client::ClientAddress;
use crate::error::{AppError, AppResult};
use crate::forms::field;
use crate::layout::Chrome;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use trustloop_app::learning::{self, LessonView, TeamView};
use trustloop_domain::display;
use trustloop_domain::learning::{CheckAnswers, CheckResult, Lesson, PASS_MARK, render};
use trustloop_storage::PersonId;

pub(super) fn routes() -> Vec<RouteSpec> {
    let signed_in = |path| RouteSpec::new(path, Access::SignedIn);
    vec![
        signed_in("/learn").get(learner_page),
        signed_in("/learn/{id}").get(lesson_page),
        signed_in("/learn/{id}/read").post(mark_read),
        signed_in("/learn/{id}/reflections").post(save_reflections),
        signed_in("/learn/{id}/check").post(take_check),
        RouteSpec::new("/admin/learning", Access::Admin).get(team_page),
    ]
}

/// One lesson on the learner's page.
struct LessonRow {
    id: String,
    title: String,
    summary: String,
    minutes: u32,
    module_title: String,
    /// Whether this row starts a new module.
    first_of_module: bool,
    read: bool,
    passed: bool,
    /// "Best score 67%, not passed yet" and the like.
    check: String,
    /// The element the lesson teaches, with the learner's latest score on it, when shown.
    element: Option<(String, Option<String>)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "learn.html")]
struct LearnerPage {
    chrome: Chrome,
    learner: bool,
    lessons: Vec<LessonRow>,
    read: usize,
    passed: usize,
    total: usize,
    scores_from: Option<String>,
}

/// The progress line of a lesson's check.
fn check_line(progress: Option<&trustloop_storage::LessonProgress>) -> String {
    match progress {
        Some(p) if p.passed => format!(
            "Check passed (best score {}%)",
            p.best_score.unwrap_or_default()
        ),
        Some(p) if p.attempts > 0 => format!(
            "Check not passed yet: best score {}%, {PASS_MARK}% passes",
            p.best_score.unwrap_or_default()
        ),
        _ => "Check not taken".into(),
    }
}

#[tracing::instrument(skip_all)]
async fn learner_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> AppResult<LearnerPage> {
    let me = signed_in.user.person_id;
    let overview = learning::overview(&state.app, me).await?;
    let mut module = String::new();
    let lessons = overview
        .lessons
        .iter()
        .map(|status| {
            let lesson = &status.lesson;
            let first_of_module = lesson.module != module;
            module.clone_from(&lesson.module);
            LessonRow {
                id: lesson.id.clone(),
                title: lesson.title.clone(),
                summary: lesson.summary.clone(),
                minutes: lesson.minutes,
                module_title: lesson.module_title.clone(),
                first_of_module,
                read: status
                    .progress
                    .as_ref()
                    .is_some_and(|p| p.read_at.is_some()),
                passed: status.progress.as_ref().is_some_and(|p| p.passed),
                check: check_line(status.progress.as_ref()),
                element: lesson.element.map(|e| {
                    let score = overview
                        .scores
                        .as_ref()
                        .and_then(|s| s.of(e))
                        .map(|s| display::score(s.mean));
                    (e.label().to_string(), score)
                }),
            }
        })
        .collect();
    Ok(LearnerPage {
        chrome: signed_in.chrome(),
        learner: me.is_some(),
        read: overview.read(),
        passed: overview.passed(),
        total: overview.lessons.len(),
        lessons,
        scores_from: overview.scores.map(|s| s.campaign.name),
    })
}

/// One option of a question as the lesson page shows it.
struct OptionView {
    text: String,
    /// After a submitted check: whether it was chosen, whether it is correct, and why.
    chosen: bool,
    correct: bool,
    explanation: String,
}

/// One question as the lesson page shows it.
struct QuestionView {
    id: String,
    text: String,
    options: Vec<OptionView>,
    /// After a submitted check: whether the answer was right.
    right: Option<bool>,
}

/// One reflection prompt with the learner's own answer.
struct ReflectionView {
    id: String,
    prompt: String,
    answer: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "lesson.html")]
struct LessonPage {
    chrome: Chrome,
    learner: bool,
    lesson: Lesson,
    element: Option<String>,
    body: String,
    read: bool,
    progress_line: String,
    reflections: Vec<ReflectionView>,
    saved: bool,
    questions: Vec<QuestionView>,
    /// The submitted check's outcome: "You answered 3 of 4 right (75%)…".
    outcome: Option<(String, bool)>,
    error: Option<String>,
    pass_mark: u32,
    previous: Option<(String, String)>,
    next: Option<(String, String)>,
}

/// The lesson page for `view`, with a submitted check's result or a refusal, if any.
fn lesson_page_for(
    chrome: Chrome,
    learner: bool,
    view: LessonView,
    checked: Option<&CheckResult>,
    error: Option<String>,
    saved: bool,
) -> LessonPage {
    let LessonView {
        status,
        reflections,
        neighbours,
    } = view;
    let lesson = status.lesson;
    let questions = lesson
        .questions
        .iter()
        .enumerate()
        .map(|(n, q)| {
            let mark = checked.and_then(|c| c.marks.get(n)).copied();
            QuestionView {
                id: q.id.clone(),
                text: q.text.clone(),
                right: mark.map(|(chosen, correct)| chosen == correct),
                options: q
                    .options
                    .iter()
                    .enumerate()
                    .map(|(m, o)| OptionView {
                        text: o.text.clone(),
                        chosen: mark.is_some_and(|(chosen, _)| chosen == m),
                        correct: o.correct,
                        explanation: o.explanation.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    let outcome = checked.map(|c| {
        let verdict = if c.passed {
            "You passed.".to_string()
        } else {
            format!(
                "{PASS_MARK}% passes: read the explanations and take it again when you are ready."
            )
        };
        (
            format!(
                "You answered {} of {} right ({}%). {verdict}",
                c.correct, c.total, c.score
            ),
            c.passed,
        )
    });
    let reflections = lesson
        .reflections
        .iter()
        .map(|r| ReflectionView {
            id: r.id.clone(),
            prompt: r.prompt.clone(),
            answer: reflections
                .iter()
                .find(|n| n.prompt == r.id)
                .map(|n| n.text.clone())
                .unwrap_or_default(),
        })
        .collect();
    let link = |l: Lesson| (l.id, l.title);
    LessonPage {
        chrome,
        learner,
        element: lesson.element.map(|e| e.label().to_string()),
        body: render(&lesson.body),
        read: status
            .progress
            .as_ref()
            .is_some_and(|p| p.read_at.is_some()),
        progress_line: check_line(status.progress.as_ref()),
        reflections,
        saved,
        questions,
        outcome,
        error,
        pass_mark: PASS_MARK,
        previous: neighbours.0.map(link),
        next: neighbours.1.map(link),
        lesson,
    }
}

/// What the lesson page's address may carry: `saved=1` after reflections were kept.
#[derive(serde::Deserialize)]
struct LessonQuery {
    saved: Option<String>,
}

#[tracing::instrument(skip_all, fields(lesson = id))]
async fn lesson_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<LessonQuery>,
) -> AppResult<LessonPage> {
    let me = signed_in.user.person_id;
    let view = learning::lesson(&state.app, me, &id).await?;
    Ok(lesson_page_for(
        signed_in.chrome(),
        me.is_some(),
        view,
        None,
        None,
        query.saved.is_some(),
    ))
}

/// The signed-in user's person: only people of the organisation keep progress.
fn learner(signed_in: &SignedIn) -> AppResult<PersonId> {
    signed_in.user.person_id.ok_or_else(|| {
        AppError::BadRequest(
            "Progress is kept for people of the organisation; this account has no person record."
                .into(),
        )
    })
}

#[tracing::instrument(skip_all, fields(lesson = id))]
async fn mark_read(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: FormPost,
) -> AppResult<Redirect> {
    let me = learner(&form.signed_in)?;
    learning::mark_read(&state.app, me, &id).await?;
    Ok(Redirect::to(&format!("/learn/{id}#progress")))
}

#[tracing::instrument(skip_all, fields(lesson = id))]
async fn save_reflections(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: FormPost,
) -> AppResult<Redirect> {
    let me = learner(&form.signed_in)?;
    let answers: Vec<(String, String)> = form
        .fields
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("r-").map(|p| (p.to_string(), v.clone())))
        .collect();
    learning::save_reflections(&state.app, me, &id, &answers).await?;
    Ok(Redirect::to(&format!("/learn/{id}?saved=1#reflections")))
}

#[tracing::instrument(skip_all, fields(lesson = id))]
async fn take_check(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: FormPost,
) -> AppResult<Response> {
    let me = learner(&form.signed_in)?;
    let chrome = form.signed_in.chrome();
    let lesson = state
        .app
        .lessons
        .lesson(&id)
        .ok_or(AppError::NotFound("lesson"))?;
    let mut answers = CheckAnswers::new();
    for question in &lesson.questions {
        if let Ok(chosen) = field(&form.fields, &format!("q-{}", question.id)).parse::<usize>() {
            answers.insert(question.id.clone(), chosen);
        }
    }
    match learning::take_check(&state.app, me, &id, &answers).await {
        Ok((_, result)) => {
            let view = learning::lesson(&state.app, Some(me), &id).await?;
            Ok(lesson_page_for(chrome, true, view, Some(&result), None, false).into_response())
        }
        Err(trustloop_app::Error::Invalid(message)) => {
            let view = learning::lesson(&state.app, Some(me), &id).await?;
            let page = lesson_page_for(chrome, true, view, None, Some(message), false);
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/learning.html")]
struct TeamPage {
    chrome: Chrome,
    view: TeamView,
    rows: Vec<(String, u32, String, String)>,
}

#[tracing::instrument(skip_all)]
async fn team_page(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
) -> AppResult<TeamPage> {
    signed_in.require_admin()?;
    let actor = address.actor(&signed_in.user.email);
    let view = learning::team_view(&state.app, &actor, "page").await?;
    let rows = view
        .teams
        .iter()
        .map(|t| {
            (
                t.team.clone(),
                t.learners,
                format!("{}%", display::score(t.completion)),
                format!("{}%", display::score(t.pass_rate)),
            )
        })
        .collect();
    Ok(TeamPage {
        chrome: signed_in.chrome(),
        view,
        rows,
    })
}
