//! The team trust pulse's pages: the pulse home (series, alerts, starting a series, recording
//! a change), a team's trend, answering a round by link or on one's own page, and the
//! organisation over time for admins.

use super::round_link::{LinkWords, RoundLink, answer_link, open_link, own_answer, own_form};
use crate::access::{Access, RouteSpec};
use crate::auth::{FormPost, SignedIn};
use crate::error::{AppError, AppResult};
use crate::extract::{Id, IdPair};
use crate::forms::{field, id_field};
use crate::layout::Chrome;
use crate::state::AppState;
use crate::views::pulse::{AlertView, Chart, ComparisonView, EventLine, RoundRow, why_not};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use trustloop_app::pulse::{
    self, Answered, DEFAULT_K, EventRequest, SeriesRequest, Standing, TeamChoice, trend,
};
use trustloop_app::today;
use trustloop_domain::pulse::{Cadence, EventKind};
use trustloop_domain::rating::{self, CANT_SAY_VALUE, FieldError};
use trustloop_storage::{PersonId, PulseInvitation, PulseSeriesId, Role, TeamId};

pub(super) fn routes() -> Vec<RouteSpec> {
    let signed_in = |path| RouteSpec::new(path, Access::SignedIn);
    vec![
        signed_in("/pulse").get(pulse_home),
        signed_in("/pulse/series").post(start_series),
        signed_in("/pulse/events").post(record_event),
        signed_in("/pulse/{id}/teams/{team}").get(team_trend),
        signed_in("/pulse/{id}/teams/{team}/trend.csv").get(trend_file::<false>),
        signed_in("/pulse/{id}/teams/{team}/trend.xlsx").get(trend_file::<true>),
        signed_in("/me/pulse/{id}")
            .get(own_form::<PulseInvitation>)
            .post(own_answer::<PulseInvitation>),
        RouteSpec::new("/p/{token}", Access::Rater)
            .get(open_link::<PulseInvitation>)
            .post(answer_link::<PulseInvitation>),
        RouteSpec::new("/admin/pulse/{id}", Access::Admin).get(organisation),
    ]
}

/// A series on the pulse home, with the teams the viewer may open.
pub struct SeriesLine {
    id: i64,
    name: String,
    cadence: &'static str,
    window: u16,
    start: String,
    k: u32,
    members_see_results: bool,
    teams: Vec<(i64, String)>,
}

/// The pulse home.
#[derive(Template, WebTemplate)]
#[template(path = "pulse.html")]
struct PulseHome {
    chrome: Chrome,
    is_admin: bool,
    series: Vec<SeriesLine>,
    alerts: Vec<AlertView>,
    /// Teams the viewer may start a series for or record an event on: (id, name, leader).
    teams: Vec<(i64, String, String)>,
    /// Managers an admin may start a series under: (id, name).
    managers: Vec<(i64, String)>,
    cadences: Vec<&'static str>,
    kinds: Vec<(&'static str, &'static str)>,
    today: String,
    default_k: u32,
    error: Option<String>,
}

async fn home_page(
    state: &AppState,
    signed_in: &SignedIn,
    error: Option<String>,
) -> AppResult<PulseHome> {
    let user = &signed_in.user;
    let app = &state.app;
    let teams = pulse::teams_by_id(app).await?;
    let own = pulse::own_team(app, user).await?;
    let is_admin = user.role == Role::Admin;
    let mut series = Vec::new();
    for s in pulse::series_for(app, user).await? {
        let mut visible: Vec<(i64, String)> = s
            .teams
            .iter()
            .filter_map(|t| teams.get(t))
            .filter(|t| match pulse::standing(user, t, own.as_deref()) {
                Standing::Admin | Standing::Leader => true,
                Standing::Member => s.members_see_results,
                Standing::Outsider => false,
            })
            .map(|t| (t.id.0, t.name.clone()))
            .collect();
        visible.sort_by(|a, b| a.1.cmp(&b.1));
        series.push(SeriesLine {
            id: s.id.0,
            name: s.name,
            cadence: s.schedule.cadence.slug(),
            window: s.schedule.window_days,
            start: s.schedule.start.to_string(),
            k: s.k,
            members_see_results: s.members_see_results,
            teams: visible,
        });
    }
    let mut choosable: Vec<(i64, String, String)> = teams
        .values()
        .filter(|t| is_admin || (t.leader.is_some() && t.leader == user.person_id))
        .map(|t| {
            (
                t.id.0,
                t.name.clone(),
                t.leader_name.clone().unwrap_or_default(),
            )
        })
        .collect();
    choosable.sort_by(|a, b| a.1.cmp(&b.1));
    let mut managers: Vec<(i64, String)> = Vec::new();
    if is_admin {
        let leaders: std::collections::BTreeSet<PersonId> =
            teams.values().filter_map(|t| t.leader).collect();
        for (manager, _) in app.store.line_managers().await? {
            if let Some(t) = teams.values().find(|t| t.leader == Some(manager)) {
                managers.push((manager.0, t.leader_name.clone().unwrap_or_default()));
            } else if !leaders.contains(&manager) {
                managers.push((manager.0, app.store.person(manager).await?.name));
            }
        }
        managers.sort_by(|a, b| a.1.cmp(&b.1));
    }
    Ok(PulseHome {
        chrome: signed_in.chrome(),
        is_admin,
        series,
        alerts: alerts(state, signed_in).await?,
        teams: choosable,
        managers,
        cadences: Cadence::ALL.iter().map(|c| c.slug()).collect(),
        kinds: EventKind::ALL
            .iter()
            .map(|k| (k.slug(), k.label()))
            .collect(),
        today: today().to_string(),
        default_k: DEFAULT_K,
        error,
    })
}

/// The alerts for the signed-in user's page (leader or admin).
pub async fn alerts(state: &AppState, signed_in: &SignedIn) -> AppResult<Vec<AlertView>> {
    Ok(trend::alerts_for(&state.app, &signed_in.user)
        .await?
        .iter()
        .map(AlertView::of)
        .collect())
}

#[tracing::instrument(skip_all)]
async fn pulse_home(State(state): State<AppState>, signed_in: SignedIn) -> AppResult<PulseHome> {
    home_page(&state, &signed_in, None).await
}

/// The home again with `message` beside the forms, as 422; other errors pass through.
async fn refused(state: &AppState, post: &FormPost, error: AppError) -> AppResult<Response> {
    match error {
        AppError::BadRequest(message) | AppError::Conflict(message) => {
            let page = home_page(state, &post.signed_in, Some(message)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        other => Err(other),
    }
}

/// A day typed in a form.
fn day(text: &str, what: &str) -> Result<time::Date, AppError> {
    time::Date::parse(
        text.trim(),
        &time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| AppError::BadRequest(format!("give the {what} as YYYY-MM-DD")))
}

/// The teams ticked in a form.
fn ticked_teams(fields: &[(String, String)]) -> Vec<TeamId> {
    fields
        .iter()
        .filter(|(k, _)| k == "team")
        .filter_map(|(_, v)| v.parse().ok().map(TeamId))
        .collect()
}

#[tracing::instrument(skip_all)]
async fn start_series(State(state): State<AppState>, post: FormPost) -> AppResult<Response> {
    let fields = &post.fields;
    let request = (|| -> Result<SeriesRequest, AppError> {
        let teams = match (field(fields, "scope"), id_field(fields, "manager")) {
            ("manager", Some(m)) => TeamChoice::UnderManager(PersonId(m)),
            ("teams", _) => TeamChoice::Teams(ticked_teams(fields)),
            _ => TeamChoice::OwnTeam,
        };
        Ok(SeriesRequest {
            name: field(fields, "name").to_string(),
            teams,
            cadence: field(fields, "cadence").to_string(),
            window_days: field(fields, "window")
                .trim()
                .parse()
                .map_err(|_| AppError::BadRequest("give the window as a number of days".into()))?,
            start: day(field(fields, "start"), "first day")?,
            k: match field(fields, "k").trim() {
                "" => DEFAULT_K,
                k => k.parse().map_err(|_| {
                    AppError::BadRequest("give the minimum of answers as a number".into())
                })?,
            },
            members_see_results: field(fields, "members_see_results") == "yes",
        })
    })();
    let outcome = match request {
        Ok(request) => pulse::start_series(
            &state.app,
            &post.signed_in.user,
            &post.actor,
            request,
            today(),
        )
        .await
        .map_err(AppError::from),
        Err(e) => Err(e),
    };
    back_to_pulse(&state, &post, outcome).await
}

/// The pulse home after a form: a redirect when `outcome` worked, the page again with why not
/// otherwise.
async fn back_to_pulse<T>(
    state: &AppState,
    post: &FormPost,
    outcome: Result<T, AppError>,
) -> AppResult<Response> {
    match outcome {
        Ok(_) => Ok(Redirect::to("/pulse").into_response()),
        Err(e) => refused(state, post, e).await,
    }
}

#[tracing::instrument(skip_all)]
async fn record_event(State(state): State<AppState>, post: FormPost) -> AppResult<Response> {
    let fields = &post.fields;
    let outcome = match day(field(fields, "on"), "day of the change") {
        Ok(on) => pulse::record_event(
            &state.app,
            &post.signed_in.user,
            &post.actor,
            EventRequest {
                kind: field(fields, "kind").to_string(),
                on,
                note: field(fields, "note").to_string(),
                teams: ticked_teams(fields),
            },
            today(),
        )
        .await
        .map_err(AppError::from),
        Err(e) => Err(e),
    };
    back_to_pulse(&state, &post, outcome).await
}

/// The baseline round asked for (counted from 1, as the page shows rounds).
#[derive(serde::Deserialize)]
struct TrendQuery {
    baseline: Option<String>,
}

/// A team's trend page.
#[derive(Template, WebTemplate)]
#[template(path = "pulse_trend.html")]
struct TrendPage {
    chrome: Chrome,
    series_id: i64,
    team_id: i64,
    title: String,
    k: u32,
    chart: Chart,
    rows: Vec<RoundRow>,
    element_labels: Vec<&'static str>,
    since_previous: Option<ComparisonView>,
    since_baseline: Option<ComparisonView>,
    baseline: u32,
    baselines: Vec<u32>,
    alert: Option<AlertView>,
    events: Vec<EventLine>,
    summary: String,
}

#[tracing::instrument(skip_all, fields(series = id, team))]
async fn team_trend(
    State(state): State<AppState>,
    signed_in: SignedIn,
    IdPair(id, team): IdPair,
    Query(query): Query<TrendQuery>,
) -> AppResult<TrendPage> {
    let baseline = query
        .baseline
        .and_then(|b| b.trim().parse::<u32>().ok())
        .and_then(|b| b.checked_sub(1));
    let found = trend::team_trend(
        &state.app,
        &signed_in.user,
        PulseSeriesId(id),
        TeamId(team),
        baseline,
    )
    .await?;
    let events: Vec<&trustloop_storage::PulseEvent> =
        found.events.iter().map(|e| &e.event).collect();
    let shown: Vec<u32> = found
        .rounds
        .iter()
        .filter(|r| r.scores.is_some())
        .map(|r| r.dates.index + 1)
        .collect();
    let alert = found.alert.as_ref().and_then(|a| {
        let round = found.rounds.iter().rev().find(|r| r.scores.is_some())?;
        Some(AlertView::of(&trend::TeamAlert {
            series: found.series.id,
            series_name: found.series.name.clone(),
            team: found.team.clone(),
            round: round.dates.index,
            alert: a.clone(),
        }))
    });
    let summary = match found.rounds.iter().rev().find(|r| r.scores.is_some()) {
        Some(latest) => format!(
            "{} shown rounds; the latest, round {}, has a Trust Index of {}.",
            shown.len(),
            latest.dates.index + 1,
            RoundRow::of(latest).trust_index
        ),
        None => "No round can be shown yet.".into(),
    };
    Ok(TrendPage {
        chrome: signed_in.chrome(),
        series_id: id,
        team_id: team,
        title: format!("{} · {}", found.team.name, found.series.name),
        k: found.series.k,
        chart: Chart::of(&found.rounds, &events),
        rows: found.rounds.iter().map(RoundRow::of).collect(),
        element_labels: trustloop_domain::pulse::PulseMeasure::ALL[1..]
            .iter()
            .map(|m| m.label())
            .collect(),
        since_previous: found.since_previous.as_ref().map(ComparisonView::of),
        since_baseline: found.since_baseline.as_ref().map(ComparisonView::of),
        baseline: baseline.map_or(0, |b| b + 1),
        baselines: shown,
        alert,
        events: found
            .events
            .iter()
            .map(|e| EventLine::of(&e.event, e.around.as_ref()))
            .collect(),
        summary,
    })
}

/// One statement of the pulse form (and of the recovery pulse's).
pub struct PulseItem {
    pub(super) code: String,
    pub(super) field: String,
    pub(super) text: String,
    pub(super) selected: String,
    pub(super) error: Option<String>,
}

/// The statements of `instrument` as a form shows them, with what was `sent` and the
/// `problems` found, and the error summary's (target, message) pairs.
pub(super) fn form_items(
    instrument: &trustloop_domain::instrument::Instrument,
    sent: &[(String, String)],
    problems: &[FieldError],
) -> (Vec<PulseItem>, Vec<(String, String)>) {
    let error_of = |code: &str| {
        problems
            .iter()
            .find(|p| p.code == code)
            .map(|p| p.message.clone())
    };
    let items = instrument
        .items
        .iter()
        .map(|item| PulseItem {
            code: item.code.clone(),
            field: rating::item_field(&item.code),
            text: item.others_text.clone(),
            selected: field(sent, &rating::item_field(&item.code)).to_string(),
            error: error_of(&item.code),
        })
        .collect();
    let errors = problems
        .iter()
        .map(|p| {
            let text = instrument
                .item(&p.code)
                .map_or(String::new(), |i| i.others_text.clone());
            (
                format!("q-{}", p.code),
                format!("\u{201c}{text}\u{201d}: {}", p.message),
            )
        })
        .collect();
    (items, errors)
}

/// The pulse form.
#[derive(Template, WebTemplate)]
#[template(path = "pulse_answer.html")]
struct AnswerPage {
    chrome: Chrome,
    action: String,
    series_name: String,
    team_name: String,
    closes: String,
    k: u32,
    members_see_results: bool,
    items: Vec<PulseItem>,
    points: Vec<(u8, String)>,
    cant_say_label: String,
    cant_say_value: &'static str,
    question: Option<(String, String, String)>,
    errors: Vec<(String, String)>,
    max_comment: usize,
}

fn answer_page(
    chrome: Chrome,
    action: String,
    invitation: &PulseInvitation,
    sent: &[(String, String)],
    problems: &[FieldError],
) -> AppResult<AnswerPage> {
    let instrument = pulse::pulse_instrument(invitation.instrument_version)?;
    let (items, errors) = form_items(&instrument, sent, problems);
    Ok(AnswerPage {
        chrome,
        action,
        series_name: invitation.series_name.clone(),
        team_name: invitation.team_name.clone(),
        closes: invitation.round.closes.to_string(),
        k: invitation.k,
        members_see_results: invitation.members_see_results,
        items,
        points: super::survey::scale_points(&instrument),
        cant_say_label: instrument.scale.cant_say.clone(),
        cant_say_value: CANT_SAY_VALUE,
        question: instrument.open_questions.first().map(|q| {
            (
                rating::comment_field(&q.code),
                q.prompt.clone(),
                field(sent, &rating::comment_field(&q.code)).to_string(),
            )
        }),
        errors,
        max_comment: rating::MAX_COMMENT_CHARS,
    })
}

impl RoundLink for PulseInvitation {
    const BY_TOKEN: &'static str = "/p";
    const OWN: &'static str = "/me/pulse";
    const NAME: &'static str = "pulse round";
    const WORDS: LinkWords = LinkWords {
        not_found: "This pulse link is not valid. Check that you copied all of it.",
        answered: "This round of the pulse has been answered with this link. Thank you.",
        next_round: "The next round comes with a new link.",
    };

    fn id(&self) -> i64 {
        self.id.0
    }

    fn answered(&self) -> bool {
        self.answered
    }

    fn round_open(&self) -> bool {
        self.status == trustloop_storage::RoundStatus::Open
    }

    fn closes(&self) -> time::Date {
        self.round.closes
    }

    async fn by_hash(state: &AppState, hash: String) -> AppResult<Option<Self>> {
        Ok(state.app.store.pulse_invitation_by_token(&hash).await?)
    }

    async fn open_for(state: &AppState, person: PersonId) -> AppResult<Vec<Self>> {
        Ok(state.app.store.open_pulse_invitations(person).await?)
    }

    fn page(
        &self,
        chrome: Chrome,
        action: String,
        sent: &[(String, String)],
        problems: &[FieldError],
    ) -> AppResult<Response> {
        Ok(answer_page(chrome, action, self, sent, problems)?.into_response())
    }

    async fn submit(
        &self,
        state: &AppState,
        fields: &[(String, String)],
    ) -> trustloop_app::Result<Answered> {
        pulse::answer(&state.app, self, fields, today()).await
    }

    fn thanks(&self) -> &'static str {
        "Your answer is in. It is kept sealed until enough of your team have answered, and only totals are ever shown."
    }
}

/// A member's open pulse rounds, for their page: (link id, series, closes, answered).
pub async fn my_open_rounds(
    state: &AppState,
    me: PersonId,
) -> AppResult<Vec<(i64, String, String, bool)>> {
    Ok(state
        .app
        .store
        .open_pulse_invitations(me)
        .await?
        .into_iter()
        .map(|i| {
            (
                i.id.0,
                i.series_name,
                i.round.closes.to_string(),
                i.answered,
            )
        })
        .collect())
}

/// One team or roll-up on the organisation page.
pub struct OrgLine {
    name: String,
    href: Option<String>,
    latest: String,
    change: String,
}

/// The organisation over time.
#[derive(Template, WebTemplate)]
#[template(path = "admin/pulse_org.html")]
struct OrgPage {
    chrome: Chrome,
    title: String,
    teams: Vec<OrgLine>,
    roll_ups: Vec<OrgLine>,
}

/// The latest closed round's words and the Trust Index's change since the previous shown one.
fn latest_and_change(
    rounds: &[trend::RoundFigure],
    change: Option<&trend::Comparison>,
) -> (String, String) {
    let latest = rounds
        .iter()
        .rev()
        .find(|r| r.status == trustloop_storage::RoundStatus::Closed);
    let words = match latest {
        Some(r) => match why_not(r) {
            Some(why) => format!("round {}: {why}", r.dates.index + 1),
            None => format!(
                "round {}: {}",
                r.dates.index + 1,
                RoundRow::of(r).trust_index
            ),
        },
        None => "no round closed yet".into(),
    };
    let change = change
        .and_then(|c| {
            let (_, row) = c
                .rows
                .iter()
                .find(|(m, _)| *m == trustloop_domain::pulse::PulseMeasure::TrustIndex)?;
            Some(format!(
                "{:+.1} since round {} ({})",
                row.test.difference,
                c.before + 1,
                if row.is_real() {
                    "real"
                } else {
                    "within the noise"
                }
            ))
        })
        .unwrap_or_else(|| "–".into());
    (words, change)
}

#[tracing::instrument(skip_all, fields(series = id))]
async fn organisation(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Id(id): Id,
) -> AppResult<OrgPage> {
    signed_in.require_admin()?;
    let org = trend::org_pulse(&state.app, PulseSeriesId(id)).await?;
    let teams = org
        .teams
        .iter()
        .map(|t| {
            let (latest, change) =
                latest_and_change(&t.line.rounds, t.line.since_previous.as_ref());
            OrgLine {
                name: t.team.name.clone(),
                href: Some(format!("/pulse/{id}/teams/{}", t.team.id)),
                latest,
                change,
            }
        })
        .collect();
    let roll_ups = org
        .roll_ups
        .iter()
        .map(|r| {
            let (latest, change) = latest_and_change(&r.rounds, r.since_previous.as_ref());
            OrgLine {
                name: format!(
                    "{}'s organisation ({} teams)",
                    r.manager_name,
                    r.teams.len()
                ),
                href: None,
                latest,
                change,
            }
        })
        .collect();
    Ok(OrgPage {
        chrome: signed_in.chrome(),
        title: format!("{}: the organisation over time", org.series.name),
        teams,
        roll_ups,
    })
}

/// A team's trend as a download (`XLSX`: a workbook, else CSV), for whoever may read the page:
/// every round with the page's rounding and withholding.
#[tracing::instrument(skip_all, fields(series = id, team = team, xlsx = XLSX))]
async fn trend_file<const XLSX: bool>(
    State(state): State<AppState>,
    signed_in: SignedIn,
    IdPair(id, team): IdPair,
) -> AppResult<Response> {
    use crate::exports::{Format, Table, file_part};
    let found = trend::team_trend(
        &state.app,
        &signed_in.user,
        PulseSeriesId(id),
        TeamId(team),
        None,
    )
    .await?;
    let table = Table {
        file: format!(
            "{}-{}-pulse",
            file_part(&found.team.name),
            file_part(&found.series.name)
        ),
        title: format!("{} · {}", found.team.name, found.series.name),
        about: format!(
            "Each round of the team pulse as the trend page shows it: scores on 0-100 in whole points with their 95% interval. A round shows numbers only when at least {} members answered and, with the rounds shown before, it would single out nobody.",
            found.series.k
        ),
        columns: crate::views::pulse::TREND_COLUMNS.to_vec(),
        rows: found.rounds.iter().map(RoundRow::download).collect(),
    };
    table.download(if XLSX { Format::Xlsx } else { Format::Csv })
}
