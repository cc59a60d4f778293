//! Repairing trust after a breach: the leader's repairs, recording a breach (a leader, or an
//! admin on a leader's behalf), a repair's page (the steps with their guidance, what is next,
//! the amends, the recovery pulse with its chart, the lesson on repairing trust), and the
//! admins' counts by team. The respondents' pages are in [`answer`].

mod answer;

use super::shown;
use crate::access::{Access, RouteSpec};
use crate::auth::{FormPost, SignedIn};
use crate::error::AppResult;
use crate::extract::Id;
use crate::forms::{field, id_field};
use crate::layout::Chrome;
use crate::state::AppState;
use crate::views::pulse::{Chart, why_not, with_interval};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use trustloop_app::repair::{self as uses, BreachText, LESSON, RepairView};
use trustloop_app::today;
use trustloop_domain::model::Element;
use trustloop_domain::pulse::PulseMeasure;
use trustloop_domain::repair::recovery::RecoveryMode;
use trustloop_domain::repair::{BreachKind, MAX_NOTE, MAX_WHAT, Progress, Step, StepWarning};
use trustloop_storage::{CommitmentId, PersonId, RecoveryState, RepairCount, RepairId, Role};

pub(super) fn routes() -> Vec<RouteSpec> {
    let signed_in = |path| RouteSpec::new(path, Access::SignedIn);
    let mut table = vec![
        signed_in("/repair").get(repairs_page),
        signed_in("/repair/new").get(new_page).post(record),
        signed_in("/repair/{id}").get(repair_page),
        signed_in("/repair/{id}/steps").post(record_step),
        signed_in("/repair/{id}/amends").post(new_amends),
        signed_in("/repair/{id}/amends/pick").post(pick_amends),
        signed_in("/repair/{id}/recovery").post(choose_recovery),
        signed_in("/repair/{id}/close").post(close),
        RouteSpec::new("/admin/repairs", Access::Admin).get(counts_page),
    ];
    table.extend(answer::routes());
    table
}

/// A repair in the leader's list.
pub struct RepairLine {
    id: i64,
    what: String,
    happened: String,
    kind: &'static str,
    done: usize,
    next: String,
    closed: Option<String>,
    by_admin: bool,
}

/// The leader's repairs.
#[derive(Template, WebTemplate)]
#[template(path = "repairs.html")]
struct RepairsPage {
    chrome: Chrome,
    repairs: Vec<RepairLine>,
    asked: usize,
}

#[tracing::instrument(skip_all)]
async fn repairs_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> AppResult<RepairsPage> {
    let repairs = uses::mine(&state.app, &signed_in.user)
        .await?
        .into_iter()
        .map(|r| {
            let progress = Progress::of(&r.steps);
            RepairLine {
                id: r.id.0,
                what: r.what.chars().take(120).collect(),
                happened: r.happened.to_string(),
                kind: r.kind.label(),
                done: progress.done(),
                next: progress.what_next(),
                closed: r.closed_on.map(|d| d.to_string()),
                by_admin: r.by_admin,
            }
        })
        .collect();
    let asked = match signed_in.user.person_id {
        Some(me) => state.app.store.open_recovery_invitations(me).await?.len(),
        None => 0,
    };
    Ok(RepairsPage {
        chrome: signed_in.chrome(),
        repairs,
        asked,
    })
}

/// The leader chosen in an admin's form.
#[derive(serde::Deserialize)]
struct LeaderQuery {
    leader: Option<String>,
}

/// Recording a breach.
#[derive(Template, WebTemplate)]
#[template(path = "repair_new.html")]
struct NewPage {
    chrome: Chrome,
    /// An admin's choice of leader: (id, name), and the one chosen.
    leaders: Vec<(i64, String)>,
    leader: Option<i64>,
    people: Vec<(PersonId, String)>,
    teams: Vec<(i64, String, u32)>,
    kinds: Vec<(&'static str, &'static str, &'static str)>,
    elements: Vec<(&'static str, &'static str)>,
    today: String,
    max_what: usize,
    sent: Vec<(String, String)>,
    error: Option<String>,
}

impl NewPage {
    /// What the form sent for `name`, to show it again.
    fn sent(&self, name: &str) -> &str {
        field(&self.sent, name)
    }

    /// Whether `id` is the leader chosen.
    fn chosen(&self, id: &i64) -> bool {
        self.leader == Some(*id)
    }

    /// Whether the form sent `value` for `name`.
    fn ticked(&self, name: &str, value: &str) -> bool {
        self.sent.iter().any(|(k, v)| k == name && v == value)
    }
}

async fn new_view(
    state: &AppState,
    signed_in: &SignedIn,
    leader: Option<i64>,
    sent: Vec<(String, String)>,
    error: Option<String>,
) -> AppResult<Response> {
    let is_admin = signed_in.user.role == Role::Admin;
    let mut leaders = Vec::new();
    if is_admin {
        for team in state.app.store.pulse_teams().await? {
            if let (Some(id), Some(name)) = (team.leader, team.leader_name) {
                leaders.push((id.0, name));
            }
        }
        leaders.sort_by(|a, b| a.1.cmp(&b.1));
        leaders.dedup();
    }
    let leader = match (is_admin, leader) {
        (true, Some(l)) if leaders.iter().any(|(id, _)| *id == l) => Some(l),
        (true, _) => None,
        (false, _) => signed_in.user.person_id.map(|p| p.0),
    };
    let (people, teams) = match leader {
        Some(l) => {
            let people = state.app.store.people_near(PersonId(l)).await?;
            let teams = state
                .app
                .store
                .teams_of_leader(PersonId(l))
                .await?
                .into_iter()
                .map(|t| (t.id.0, t.name, t.members))
                .collect();
            (people, teams)
        }
        None => (Vec::new(), Vec::new()),
    };
    Ok(shown(
        error.is_some(),
        NewPage {
            chrome: signed_in.chrome(),
            leaders,
            leader,
            people,
            teams,
            kinds: BreachKind::ALL
                .iter()
                .map(|k| (k.slug(), k.label(), k.guidance()))
                .collect(),
            elements: Element::ALL.iter().map(|e| (e.slug(), e.label())).collect(),
            today: today().to_string(),
            max_what: MAX_WHAT,
            sent,
            error,
        },
    ))
}

#[tracing::instrument(skip_all)]
async fn new_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<LeaderQuery>,
) -> AppResult<Response> {
    let leader = query.leader.and_then(|l| l.trim().parse().ok());
    new_view(&state, &signed_in, leader, Vec::new(), None).await
}

/// The ids ticked for `name` in a form.
fn ticked(fields: &[(String, String)], name: &str) -> Vec<i64> {
    fields
        .iter()
        .filter(|(k, _)| k == name)
        .filter_map(|(_, v)| v.parse().ok())
        .collect()
}

#[tracing::instrument(skip_all)]
async fn record(State(state): State<AppState>, post: FormPost) -> AppResult<Response> {
    let f = &post.fields;
    let leader = id_field(f, "leader");
    let text = BreachText {
        leader,
        what: field(f, "what"),
        happened: field(f, "happened"),
        kind: field(f, "kind"),
        element: field(f, "element"),
        people: ticked(f, "person"),
        teams: ticked(f, "team"),
    };
    match uses::record(
        &state.app,
        &post.signed_in.user,
        &post.actor,
        &text,
        today(),
    )
    .await
    {
        // An admin's record is the leader's to read: the admin goes back to the counts.
        Ok(_) if post.signed_in.user.role == Role::Admin => {
            Ok(Redirect::to("/admin/repairs?recorded=1").into_response())
        }
        Ok(id) => Ok(Redirect::to(&format!("/repair/{id}")).into_response()),
        Err(trustloop_app::Error::Invalid(m) | trustloop_app::Error::Conflict(m)) => {
            new_view(
                &state,
                &post.signed_in,
                leader,
                post.fields.clone(),
                Some(m),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A step on the repair's page.
pub struct StepLine {
    slug: &'static str,
    label: &'static str,
    guidance: &'static str,
    done: Option<(String, String)>,
    next: bool,
}

/// A recovery round as the table reads it.
pub struct RoundLine {
    label: &'static str,
    opens: String,
    closes: String,
    response: String,
    overall: String,
    element: String,
    named: Vec<(String, String, String)>,
}

/// A commitment made as amends.
pub struct AmendsLine {
    what: String,
    due: String,
    status: &'static str,
}

/// A repair's page.
#[derive(Template, WebTemplate)]
#[template(path = "repair.html")]
struct RepairPage {
    chrome: Chrome,
    id: i64,
    what: String,
    happened: String,
    kind: &'static str,
    kind_guidance: &'static str,
    element: &'static str,
    affected: Vec<(PersonId, String)>,
    teams: Vec<String>,
    recorded_by: Option<String>,
    closed: Option<String>,
    steps: Vec<StepLine>,
    what_next: String,
    warning: Option<String>,
    amends: Vec<AmendsLine>,
    /// The leader's commitments not linked yet: (id, what).
    commitments: Vec<(CommitmentId, String)>,
    recovery: RecoveryWords,
    rounds: Vec<RoundLine>,
    chart: Chart,
    charted: bool,
    k: u32,
    today: String,
    max_note: usize,
    lesson: &'static str,
    error: Option<String>,
}

/// The recovery pulse in words: where it is and what the leader can choose.
pub enum RecoveryWords {
    /// Not started: whether it would be named.
    NotStarted {
        /// Fewer than k affected: it can only be named.
        named: bool,
        /// How many would be asked.
        affected: usize,
    },
    /// Skipped.
    Skipped,
    /// Running since a day.
    Running {
        /// Named or anonymous.
        named: bool,
        /// The day it started.
        started: String,
    },
}

/// What the query of a repair's page can carry: the step just recorded out of order.
#[derive(serde::Deserialize)]
struct RepairQuery {
    after: Option<String>,
}

fn repair_lines(view: &RepairView) -> (Vec<StepLine>, Vec<RoundLine>) {
    let kind = view.record.kind;
    let steps = Step::ALL
        .into_iter()
        .map(|s| StepLine {
            slug: s.slug(),
            label: s.label(),
            guidance: s.guidance(kind),
            done: view
                .record
                .steps
                .iter()
                .find(|d| d.step == s)
                .map(|d| (d.on.to_string(), d.note.clone())),
            next: view.progress.next == Some(s),
        })
        .collect();
    let element = PulseMeasure::Element(view.record.element);
    let rounds = view
        .rounds
        .iter()
        .zip(&view.named)
        .map(|(figure, named)| {
            let label =
                trustloop_domain::repair::recovery::RecoveryRound::from_index(figure.dates.index)
                    .map_or("Round", |r| r.label());
            let (overall, element_words) = match why_not(figure) {
                Some(why) => (why, "–".into()),
                None => (
                    with_interval(figure, PulseMeasure::Overall),
                    with_interval(figure, element),
                ),
            };
            RoundLine {
                label,
                opens: figure.dates.opens.to_string(),
                closes: figure.dates.closes.to_string(),
                response: format!("{} of {}", figure.answered, figure.invited),
                overall,
                element: element_words,
                named: named
                    .iter()
                    .map(|n| {
                        let score = |m: &PulseMeasure| {
                            n.scores
                                .get(m)
                                .map_or("can't say".into(), |v| format!("{v:.0}"))
                        };
                        (
                            n.name.clone(),
                            score(&PulseMeasure::Overall),
                            score(&element),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    (steps, rounds)
}

async fn repair_view(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    after: Option<&str>,
    error: Option<String>,
) -> AppResult<Response> {
    let view = uses::view(&state.app, &signed_in.user, RepairId(id)).await?;
    let (steps, rounds) = repair_lines(&view);
    let record = &view.record;
    let warning = after.and_then(Step::from_slug).and_then(|after| {
        let skipped: Vec<Step> = Step::ALL
            .into_iter()
            .filter(|s| *s < after && !record.steps.iter().any(|d| d.step == *s))
            .collect();
        (!skipped.is_empty()).then(|| StepWarning { skipped }.message())
    });
    let linked: Vec<CommitmentId> = record.amends.clone();
    let commitments = state
        .app
        .store
        .commitments_of(record.leader_id)
        .await?
        .into_iter()
        .filter(|c| !linked.contains(&c.id))
        .map(|c| (c.id, c.what))
        .collect();
    let k = uses::team_k();
    let recovery = match record.recovery {
        RecoveryState::NotStarted => RecoveryWords::NotStarted {
            named: RecoveryMode::for_affected(record.affected.len(), k) == RecoveryMode::Named,
            affected: record.affected.len(),
        },
        RecoveryState::Skipped => RecoveryWords::Skipped,
        RecoveryState::Running { mode, started, .. } => RecoveryWords::Running {
            named: mode == RecoveryMode::Named,
            started: started.to_string(),
        },
    };
    let chart = Chart::of_measure(&view.rounds, &[], PulseMeasure::Overall);
    Ok(shown(
        error.is_some(),
        RepairPage {
            chrome: signed_in.chrome(),
            id,
            what: record.what.clone(),
            happened: record.happened.to_string(),
            kind: record.kind.label(),
            kind_guidance: record.kind.guidance(),
            element: record.element.label(),
            affected: record.affected.clone(),
            teams: record.teams.iter().map(|(_, n)| n.clone()).collect(),
            recorded_by: record.by_admin.then(|| record.recorded_by.clone()),
            closed: record.closed_on.map(|d| d.to_string()),
            steps,
            what_next: view.progress.what_next(),
            warning,
            amends: view
                .amends
                .iter()
                .map(|c| AmendsLine {
                    what: c.what.clone(),
                    due: c.commitment.working_due().to_string(),
                    status: super::ledger::status_words(c.commitment.status(today())),
                })
                .collect(),
            commitments,
            recovery,
            charted: !chart.dots.is_empty(),
            chart,
            rounds,
            k,
            today: today().to_string(),
            max_note: MAX_NOTE,
            lesson: LESSON,
            error,
        },
    ))
}

#[tracing::instrument(skip_all, fields(repair = id))]
async fn repair_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Id(id): Id,
    Query(query): Query<RepairQuery>,
) -> AppResult<Response> {
    repair_view(&state, &signed_in, id, query.after.as_deref(), None).await
}

/// Back to the repair's page after a form (to `anchor`), or the page again with the refusal.
async fn back_to_repair<T>(
    state: &AppState,
    post: &FormPost,
    id: i64,
    result: trustloop_app::Result<T>,
    to: String,
) -> AppResult<Response> {
    match result {
        Ok(_) => Ok(Redirect::to(&to).into_response()),
        Err(trustloop_app::Error::Invalid(m) | trustloop_app::Error::Conflict(m)) => {
            repair_view(state, &post.signed_in, id, None, Some(m)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[tracing::instrument(skip_all, fields(repair = id))]
async fn record_step(
    State(state): State<AppState>,
    Id(id): Id,
    post: FormPost,
) -> AppResult<Response> {
    let f = &post.fields;
    let step = field(f, "step");
    let result = uses::record_step(
        &state.app,
        &post.signed_in.user,
        RepairId(id),
        step,
        field(f, "on"),
        field(f, "note"),
        today(),
    )
    .await;
    let to = match &result {
        Ok(Some(_)) => format!("/repair/{id}?after={step}#steps"),
        _ => format!("/repair/{id}#steps"),
    };
    back_to_repair(&state, &post, id, result, to).await
}

#[tracing::instrument(skip_all, fields(repair = id))]
async fn new_amends(
    State(state): State<AppState>,
    Id(id): Id,
    post: FormPost,
) -> AppResult<Response> {
    let f = &post.fields;
    let result = uses::new_amends(
        &state.app,
        &post.signed_in.user,
        RepairId(id),
        field(f, "what"),
        field(f, "due"),
        ticked(f, "person"),
    )
    .await;
    back_to_repair(&state, &post, id, result, format!("/repair/{id}#amends")).await
}

#[tracing::instrument(skip_all, fields(repair = id))]
async fn pick_amends(
    State(state): State<AppState>,
    Id(id): Id,
    post: FormPost,
) -> AppResult<Response> {
    let result = match id_field(&post.fields, "commitment") {
        Some(c) => {
            uses::pick_amends(
                &state.app,
                &post.signed_in.user,
                RepairId(id),
                CommitmentId(c),
            )
            .await
        }
        None => Err(trustloop_app::Error::Invalid(
            "Choose one of your commitments.".into(),
        )),
    };
    let result = match result {
        Err(trustloop_app::Error::NotFound("commitment")) => Err(trustloop_app::Error::Invalid(
            "Choose one of your commitments from the list.".into(),
        )),
        other => other,
    };
    back_to_repair(&state, &post, id, result, format!("/repair/{id}#amends")).await
}

#[tracing::instrument(skip_all, fields(repair = id))]
async fn choose_recovery(
    State(state): State<AppState>,
    Id(id): Id,
    post: FormPost,
) -> AppResult<Response> {
    let f = &post.fields;
    let result = uses::choose_recovery(
        &state.app,
        &post.signed_in.user,
        RepairId(id),
        field(f, "choice") != "skip",
        field(f, "named_ok") == "yes",
        today(),
    )
    .await;
    back_to_repair(&state, &post, id, result, format!("/repair/{id}#recovery")).await
}

#[tracing::instrument(skip_all, fields(repair = id))]
async fn close(State(state): State<AppState>, Id(id): Id, post: FormPost) -> AppResult<Response> {
    let result = uses::close(&state.app, &post.signed_in.user, RepairId(id), today()).await;
    back_to_repair(&state, &post, id, result, format!("/repair/{id}")).await
}

/// Repairs by team, for admins: counts only.
#[derive(Template, WebTemplate)]
#[template(path = "admin/repairs.html")]
struct CountsPage {
    chrome: Chrome,
    counts: Vec<RepairCount>,
    recorded: bool,
}

/// Whether the counts page follows a breach the admin recorded.
#[derive(serde::Deserialize)]
struct CountsQuery {
    recorded: Option<String>,
}

#[tracing::instrument(skip_all)]
async fn counts_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<CountsQuery>,
) -> AppResult<CountsPage> {
    signed_in.require_admin()?;
    Ok(CountsPage {
        chrome: signed_in.chrome(),
        counts: state.app.store.repair_counts().await?,
        recorded: query.recorded.is_some(),
    })
}
