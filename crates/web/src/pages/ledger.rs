//! The say-do ledger pages: the leader's ledger (making and changing commitments, reminders,
//! the ratio with its interval and breakdown, whether the team sees it), the recipient's
//! confirmations (signed in, or by a single-use link), and the organisation's view for admins
//! (plan counts by team and the association between say-do ratio and consistency).

use super::{back_or_again, shown};
use crate::access::{Access, RouteSpec};
use crate::auth::{FormPost, SignedIn};
use crate::error::{AppError, AppResult};
use crate::exports::{Cell, Column, Format, Table};
use crate::extract::Id;
use crate::forms::{field, id_field, team_or_people};
use crate::layout::Chrome;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use trustloop_app::ledger::{self as uses, CommitmentText, Ledger};
use trustloop_domain::ledger::{Association, Reminder, SayDo, Status, Verdict};
use trustloop_storage::{
    CommitmentId, ConfirmOutcome, ConfirmationAsk, PersonId, PlanAction, TeamChoice, TeamPlanCount,
};

pub(super) fn routes() -> Vec<RouteSpec> {
    let signed_in = |path| RouteSpec::new(path, Access::SignedIn);
    vec![
        signed_in("/me/ledger").get(ledger_page).post(make),
        signed_in("/me/ledger/team").post(show_team),
        signed_in("/me/commitments/{id}/change").post(change),
        signed_in("/me/confirmations").get(confirmations),
        signed_in("/me/commitments/{id}/confirm").post(confirm),
        RouteSpec::new("/confirm/{token}", Access::Rater)
            .get(link_page)
            .post(link_answer),
        RouteSpec::new("/admin/plans", Access::Admin).get(organisation),
        RouteSpec::new("/admin/plans.csv", Access::Admin).get(plan_counts_file::<false>),
        RouteSpec::new("/admin/plans.xlsx", Access::Admin).get(plan_counts_file::<true>),
    ]
}

fn me(signed_in: &SignedIn) -> AppResult<PersonId> {
    signed_in.user.person_id.ok_or(AppError::NotFound("ledger"))
}

/// A ratio as the pages write it: "2 of 5 (40%; 95% range 12%–77%)".
pub fn ratio_words(s: &SayDo) -> String {
    match &s.ratio {
        Some(p) => format!(
            "{} of {} ({:.0}%; 95% range {:.0}%–{:.0}%)",
            p.successes,
            p.n,
            p.estimate * 100.0,
            p.interval.0 * 100.0,
            p.interval.1 * 100.0
        ),
        None => "nothing was due in the last 90 days".into(),
    }
}

/// How a status reads.
pub fn status_words(s: Status) -> &'static str {
    match s {
        Status::Open => "Open",
        Status::Renegotiated => "Renegotiated in time",
        Status::Overdue => "Overdue",
        Status::Kept => "Kept",
        Status::KeptLate => "Kept late",
        Status::Broken => "Not kept",
        Status::Dropped => "Dropped",
    }
}

/// How a verdict reads.
pub fn verdict_words(v: Verdict) -> &'static str {
    match v {
        Verdict::ConfirmedKept => "confirmed kept",
        Verdict::ConfirmedNotKept => "confirmed not kept",
        Verdict::Unconfirmed => "unconfirmed",
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "ledger.html")]
struct LedgerPage {
    chrome: Chrome,
    ledger: Ledger,
    ratio: String,
    k: u32,
    people: Vec<(PersonId, String)>,
    teams: Vec<TeamChoice>,
    actions: Vec<PlanAction>,
    today: String,
    error: Option<String>,
    due_soon: Reminder,
    overdue: Reminder,
    awaiting: Reminder,
}

async fn ledger_view(
    state: &AppState,
    signed_in: &SignedIn,
    error: Option<String>,
) -> AppResult<Response> {
    let leader = me(signed_in)?;
    let (ledger, people, teams, plans) = tokio::try_join!(
        async { Ok::<_, AppError>(uses::ledger(&state.app, leader).await?) },
        async { Ok(state.app.store.people_near(leader).await?) },
        async { Ok(state.app.store.teams_of_leader(leader).await?) },
        async { Ok(state.app.store.plans_of(leader).await?) },
    )?;
    Ok(shown(
        error.is_some(),
        LedgerPage {
            chrome: signed_in.chrome(),
            ratio: ratio_words(&ledger.say_do),
            ledger,
            k: uses::team_k(),
            people,
            teams,
            actions: plans.into_iter().flat_map(|p| p.actions).collect(),
            today: trustloop_app::today().to_string(),
            error,
            due_soon: Reminder::DueSoon,
            overdue: Reminder::Overdue,
            awaiting: Reminder::AwaitingConfirmation,
        },
    ))
}

#[tracing::instrument(skip_all)]
async fn ledger_page(State(state): State<AppState>, signed_in: SignedIn) -> AppResult<Response> {
    ledger_view(&state, &signed_in, None).await
}

/// Goes back to the ledger, or shows it again with `result`'s refusal.
async fn back_to_ledger<T>(
    state: &AppState,
    signed_in: &SignedIn,
    result: trustloop_app::Result<T>,
) -> AppResult<Response> {
    back_or_again(result, "/me/ledger", |m| {
        ledger_view(state, signed_in, Some(m))
    })
    .await
}

#[tracing::instrument(skip_all)]
async fn make(State(state): State<AppState>, post: FormPost) -> AppResult<Response> {
    let leader = me(&post.signed_in)?;
    let f = &post.fields;
    let (team, people) = team_or_people(f);
    let text = CommitmentText {
        what: field(f, "what"),
        people,
        team,
        due: field(f, "due"),
        action: id_field(f, "action"),
    };
    let result = uses::make(&state.app, leader, &text).await;
    back_to_ledger(&state, &post.signed_in, result).await
}

#[tracing::instrument(skip_all, fields(commitment = id))]
async fn change(State(state): State<AppState>, Id(id): Id, post: FormPost) -> AppResult<Response> {
    let leader = me(&post.signed_in)?;
    let f = &post.fields;
    let result = match uses::parse_change(
        field(f, "change"),
        field(f, "due"),
        field(f, "reason"),
        trustloop_app::today(),
    ) {
        Ok(c) => uses::change(&state.app, leader, CommitmentId(id), c).await,
        Err(e) => Err(e),
    };
    back_to_ledger(&state, &post.signed_in, result).await
}

#[tracing::instrument(skip_all)]
async fn show_team(State(state): State<AppState>, post: FormPost) -> AppResult<Response> {
    let leader = me(&post.signed_in)?;
    let show = field(&post.fields, "show") == "yes";
    state
        .app
        .store
        .set_show_ratio_to_team(leader, show)
        .await
        .map_err(trustloop_app::Error::from)?;
    Ok(Redirect::to("/me/ledger").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "confirmations.html")]
struct ConfirmationsPage {
    chrome: Chrome,
    asks: Vec<ConfirmationAsk>,
    managers: Option<(String, String)>,
    message: Option<String>,
}

async fn confirmations_view(
    state: &AppState,
    signed_in: &SignedIn,
    message: Option<String>,
) -> AppResult<ConfirmationsPage> {
    let person = me(signed_in)?;
    let asks = state
        .app
        .store
        .confirmations_asked(person, trustloop_app::today())
        .await?;
    let managers = uses::managers_ratio(&state.app, person)
        .await?
        .map(|(name, s)| (name, ratio_words(&s)));
    Ok(ConfirmationsPage {
        chrome: signed_in.chrome(),
        asks,
        managers,
        message,
    })
}

#[tracing::instrument(skip_all)]
async fn confirmations(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> AppResult<ConfirmationsPage> {
    confirmations_view(&state, &signed_in, None).await
}

#[tracing::instrument(skip_all, fields(commitment = id))]
async fn confirm(State(state): State<AppState>, Id(id): Id, post: FormPost) -> AppResult<Response> {
    let person = me(&post.signed_in)?;
    match uses::confirm_signed_in(
        &state.app,
        person,
        CommitmentId(id),
        field(&post.fields, "answer"),
    )
    .await
    {
        Ok(outcome) => {
            let page = confirmations_view(
                &state,
                &post.signed_in,
                Some(uses::outcome_message(outcome).into()),
            )
            .await?;
            Ok(page.into_response())
        }
        Err(trustloop_app::Error::Invalid(m) | trustloop_app::Error::Conflict(m)) => {
            let page = confirmations_view(&state, &post.signed_in, Some(m)).await?;
            Ok(shown(true, page))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "confirm.html")]
struct LinkPage {
    chrome: Chrome,
    token: String,
    ask: ConfirmationAsk,
}

#[derive(Template, WebTemplate)]
#[template(path = "message.html")]
struct Message {
    chrome: Chrome,
    title: &'static str,
    message: &'static str,
}

fn neutral(outcome: ConfirmOutcome) -> Response {
    let title = if outcome == ConfirmOutcome::Recorded {
        "Thank you"
    } else {
        "Confirmation"
    };
    Message {
        chrome: Chrome::default(),
        title,
        message: uses::outcome_message(outcome),
    }
    .into_response()
}

#[tracing::instrument(skip_all)]
async fn link_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    match uses::link_ask(&state.app, &token).await? {
        Some(ask) => Ok(LinkPage {
            chrome: Chrome::default(),
            token,
            ask,
        }
        .into_response()),
        None => Ok(neutral(ConfirmOutcome::Used)),
    }
}

#[tracing::instrument(skip_all)]
async fn link_answer(
    State(state): State<AppState>,
    Path(token): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let outcome = uses::confirm_by_link(&state.app, &token, field(&fields, "answer")).await?;
    Ok(neutral(outcome))
}

#[derive(Template, WebTemplate)]
#[template(path = "organisation.html")]
struct OrganisationPage {
    chrome: Chrome,
    counts: Vec<TeamPlanCount>,
    association: Association,
    min_leaders: usize,
}

#[tracing::instrument(skip_all)]
async fn organisation(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> AppResult<OrganisationPage> {
    signed_in.require_admin()?;
    let (counts, association) = tokio::try_join!(
        async { Ok::<_, AppError>(state.app.store.plan_counts_by_team().await?) },
        async { Ok(uses::association(&state.app).await?) },
    )?;
    Ok(OrganisationPage {
        chrome: signed_in.chrome(),
        counts,
        association,
        min_leaders: trustloop_domain::ledger::MIN_LEADERS,
    })
}

/// The columns of the plan and commitment counts' download, as the page heads them.
const PLAN_COLUMNS: [Column; 4] = [
    Column::new("Team of the leader", "the team the leaders belong to"),
    Column::new("Plans", "development plans of the team's leaders"),
    Column::new(
        "Leaders with a plan",
        "leaders of the team with at least one plan",
    ),
    Column::new(
        "Commitments",
        "commitments in the say-do ledger of the team's leaders",
    ),
];

/// The plan and commitment counts by team as a download (`XLSX`: a workbook, else CSV): the
/// counts the page shows, never contents.
#[tracing::instrument(skip_all, fields(xlsx = XLSX))]
async fn plan_counts_file<const XLSX: bool>(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> AppResult<Response> {
    signed_in.require_admin()?;
    let counts = state.app.store.plan_counts_by_team().await?;
    let table = Table {
        file: "plans-and-commitments-by-team".into(),
        title: "Plans and commitments by team".into(),
        about: "Counts only, as the page shows them: the contents of plans and commitments are private to their leaders and the people the commitments were made to.".into(),
        columns: PLAN_COLUMNS.to_vec(),
        rows: counts
            .iter()
            .map(|c| {
                vec![
                    Cell::text(c.team.as_deref().unwrap_or("No team")),
                    Cell::shown(&c.plans.to_string()),
                    Cell::shown(&c.leaders.to_string()),
                    Cell::shown(&c.commitments.to_string()),
                ]
            })
            .collect(),
    };
    table.download(if XLSX { Format::Xlsx } else { Format::Csv })
}
