//! The team trust pulse: starting a series (an admin for any teams or every team under a
//! manager, a leader for their own team), the scheduler's pass, answering a round (by link or
//! on one's own page), change events, and who may see which team's pulse. The trend, alerts
//! and roll-ups are in [`trend`].

pub mod trend;

use crate::{Actor, App, Error, Result};
use std::collections::{BTreeSet, HashMap};
use trustloop_domain::model::Element;
use trustloop_domain::pulse::{Cadence, EventKind, Schedule, check_event};
use trustloop_domain::rating::{FieldError, SurveyAnswers};
use trustloop_storage::{
    NewPulseEvent, NewPulseSeries, PersonId, PulseAdvance, PulseEventId, PulseInvitation,
    PulseSeries, PulseSeriesId, PulseTeam, Role, TeamId, User,
};

pub use trend::{Comparison, EventView, RollUp, RoundFigure, TeamAlert, TeamTrend};

/// The privacy minimum of a pulse series unless its starter raises it (PRODUCT: team views).
pub const DEFAULT_K: u32 = 5;

/// The address of the lesson for an element, linked from alerts. Kept in one place so the
/// learning module's addresses can be adjusted here alone.
pub fn lesson_for(element: Element) -> &'static str {
    match element {
        Element::Relationships => "/learn/positive-relationships",
        Element::Judgement => "/learn/good-judgement",
        Element::Consistency => "/learn/consistency",
    }
}

/// The address of the lesson on trust in times of change, linked from change events.
pub fn change_lesson() -> &'static str {
    "/learn/trust-in-change"
}

/// Which teams a new series asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamChoice {
    /// These teams (admins only).
    Teams(Vec<TeamId>),
    /// Every team whose leader is this manager or reports to them, however far down (admins).
    UnderManager(PersonId),
    /// The team the starter leads.
    OwnTeam,
}

/// A series as its starter asks for it, before it is checked.
#[derive(Debug, Clone)]
pub struct SeriesRequest {
    /// What it is called.
    pub name: String,
    /// The teams asked.
    pub teams: TeamChoice,
    /// The cadence's identifier (`weekly`…).
    pub cadence: String,
    /// Days each round takes answers.
    pub window_days: u16,
    /// The first round's day.
    pub start: time::Date,
    /// The privacy minimum (at least [`DEFAULT_K`]).
    pub k: u32,
    /// Whether members see their team's results.
    pub members_see_results: bool,
}

/// Where a viewer stands towards a team's pulse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// An admin: every team.
    Admin,
    /// The team's leader.
    Leader,
    /// A member of the team.
    Member,
    /// Nothing to do with it.
    Outsider,
}

/// Where `user` stands towards `team` (`own_team`: the viewer's team, if any).
pub fn standing(user: &User, team: &PulseTeam, own_team: Option<&str>) -> Standing {
    if user.role == Role::Admin {
        Standing::Admin
    } else if user.person_id.is_some() && user.person_id == team.leader {
        Standing::Leader
    } else if own_team == Some(team.name.as_str()) {
        Standing::Member
    } else {
        Standing::Outsider
    }
}

/// The viewer's own team's name, if they are a person in one.
pub async fn own_team(app: &App, user: &User) -> Result<Option<String>> {
    match user.person_id {
        Some(id) => Ok(app.store.person(id).await?.team),
        None => Ok(None),
    }
}

/// Every team by id.
pub async fn teams_by_id(app: &App) -> Result<HashMap<TeamId, PulseTeam>> {
    Ok(app
        .store
        .pulse_teams()
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect())
}

/// The teams led by `manager` or by anyone under them.
pub async fn teams_under(app: &App, manager: PersonId) -> Result<Vec<TeamId>> {
    let managers: HashMap<PersonId, Option<PersonId>> =
        app.store.line_managers().await?.into_iter().collect();
    let teams = app.store.pulse_teams().await?;
    Ok(teams
        .into_iter()
        .filter(|t| t.leader.is_some_and(|l| reports_to(&managers, l, manager)))
        .map(|t| t.id)
        .collect())
}

/// Whether `person` is `manager` or reports to them through the reporting lines.
pub(crate) fn reports_to(
    managers: &HashMap<PersonId, Option<PersonId>>,
    person: PersonId,
    manager: PersonId,
) -> bool {
    let mut at = Some(person);
    // A loop in the lines is refused at import; the bound only guards against a corrupt one.
    for _ in 0..=managers.len() {
        match at {
            Some(p) if p == manager => return true,
            Some(p) => at = managers.get(&p).copied().flatten(),
            None => return false,
        }
    }
    false
}

/// Starts a series for `user`: an admin for any teams (or every team under a manager), a
/// leader for the team they lead. The schedule, the teams and k are checked here; nothing is
/// written when one is wrong.
pub async fn start_series(
    app: &App,
    user: &User,
    actor: &Actor,
    request: SeriesRequest,
    today: time::Date,
) -> Result<PulseSeriesId> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::Invalid(
            "give the series a name of 1 to 200 characters".into(),
        ));
    }
    let cadence = Cadence::from_slug(&request.cadence)
        .ok_or_else(|| Error::Invalid("choose weekly, fortnightly, monthly or quarterly".into()))?;
    let schedule = Schedule::new(request.start, cadence, request.window_days, today)
        .map_err(|e| Error::Invalid(e.to_string()))?;
    if request.k < DEFAULT_K {
        return Err(Error::Invalid(format!(
            "the privacy minimum for a team is at least {DEFAULT_K} answers"
        )));
    }
    let teams = match (&request.teams, user.role) {
        (TeamChoice::Teams(teams), Role::Admin) => teams.clone(),
        (TeamChoice::UnderManager(manager), Role::Admin) => teams_under(app, *manager).await?,
        (TeamChoice::OwnTeam, _) => {
            let me = user
                .person_id
                .ok_or_else(|| Error::Invalid("your account leads no team".into()))?;
            let led: Vec<TeamId> = app
                .store
                .pulse_teams()
                .await?
                .into_iter()
                .filter(|t| t.leader == Some(me))
                .map(|t| t.id)
                .collect();
            if led.is_empty() {
                return Err(Error::Invalid("you lead no team".into()));
            }
            led
        }
        _ => return Err(Error::NotFound("team")),
    };
    let unique: BTreeSet<TeamId> = teams.iter().copied().collect();
    if unique.is_empty() {
        return Err(Error::Invalid("choose at least one team".into()));
    }
    let id = app
        .store
        .create_pulse_series(&NewPulseSeries {
            name: name.to_string(),
            teams: unique.into_iter().collect(),
            schedule,
            k: request.k,
            alert_points: trustloop_domain::pulse::trend::DEFAULT_ALERT_POINTS,
            members_see_results: request.members_see_results,
            created_by: user.email.clone(),
            created_on: today,
        })
        .await?;
    app.audit(
        actor,
        "pulse_series_started",
        &format!("pulse series {id}"),
        name,
    )
    .await?;
    Ok(id)
}

/// One pass of the scheduler: closes, records missed and opens rounds due on `today`.
pub async fn advance(app: &App, today: time::Date) -> Result<PulseAdvance> {
    let done = app
        .store
        .advance_pulses(today, &crate::tokens::new_link)
        .await?;
    for opened in &done.opened {
        tracing::info!(series = %opened.series, round = opened.index, links = opened.links.len(), "pulse round opened");
    }
    for series in &done.clock_behind {
        tracing::warn!(%series, "the clock reads earlier than the last pulse round handled; nothing opened");
    }
    Ok(done)
}

/// Runs the scheduler (the team pulses', then the recovery pulses') until the process ends: a
/// pass on the day `clock` reads, then another `every` later. A failed pass is logged and tried again at the next; several servers may run
/// it on one database (each round is opened once).
pub async fn run_scheduler(
    app: App,
    clock: std::sync::Arc<dyn Fn() -> time::Date + Send + Sync>,
    every: std::time::Duration,
) {
    loop {
        if let Err(error) = advance(&app, clock()).await {
            tracing::error!(%error, "the pulse scheduler's pass failed; trying again later");
        }
        // Recovery pulses after a breach open on the same clock.
        if let Err(error) = crate::repair::advance(&app, clock()).await {
            tracing::error!(%error, "the recovery scheduler's pass failed; trying again later");
        }
        tokio::time::sleep(every).await;
    }
}

/// The series a viewer may see: every one for an admin; for anyone else those asking a team
/// they lead or (when the series shows members its results) belong to.
pub async fn series_for(app: &App, user: &User) -> Result<Vec<PulseSeries>> {
    let all = app.store.pulse_series_list().await?;
    if user.role == Role::Admin {
        return Ok(all);
    }
    let teams = teams_by_id(app).await?;
    let own = own_team(app, user).await?;
    Ok(all
        .into_iter()
        .filter(|s| {
            s.teams.iter().filter_map(|t| teams.get(t)).any(|t| {
                match standing(user, t, own.as_deref()) {
                    Standing::Admin | Standing::Leader => true,
                    Standing::Member => s.members_see_results,
                    Standing::Outsider => false,
                }
            })
        })
        .collect())
}

/// What became of an answer.
#[derive(Debug)]
pub enum Answered {
    /// Stored.
    Stored,
    /// The form does not fit the pulse: shown again with these messages.
    Invalid(Vec<FieldError>),
}

/// Accepts a form for a pulse link (found by its token or on the member's page).
pub async fn answer(
    app: &App,
    invitation: &PulseInvitation,
    fields: &[(String, String)],
    today: time::Date,
) -> Result<Answered> {
    let instrument = pulse_instrument(invitation.instrument_version)?;
    let answers = match SurveyAnswers::parse(&instrument, fields) {
        Ok(answers) => answers,
        Err(errors) => return Ok(Answered::Invalid(errors)),
    };
    app.store
        .submit_pulse_answer(invitation.id, &answers, today)
        .await?;
    Ok(Answered::Stored)
}

/// The pulse instrument of `version`.
pub fn pulse_instrument(version: u32) -> Result<trustloop_domain::instrument::Instrument> {
    version_of(
        trustloop_domain::instrument::Instrument::pulse_built_in(),
        version,
        "pulse",
    )
}

/// The instrument of `version` among `built_in` (the `what` instruments shipped with this build).
pub(crate) fn version_of(
    built_in: Vec<trustloop_domain::instrument::Instrument>,
    version: u32,
    what: &str,
) -> Result<trustloop_domain::instrument::Instrument> {
    built_in
        .into_iter()
        .find(|i| i.version == version)
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("no {what} instrument version {version}")))
}

/// A change event as its recorder gives it.
#[derive(Debug, Clone)]
pub struct EventRequest {
    /// The kind's identifier.
    pub kind: String,
    /// The day.
    pub on: time::Date,
    /// A short note.
    pub note: String,
    /// The teams affected.
    pub teams: Vec<TeamId>,
}

/// Records a change event: an admin on any teams, a leader on the team they lead.
pub async fn record_event(
    app: &App,
    user: &User,
    actor: &Actor,
    request: EventRequest,
    today: time::Date,
) -> Result<PulseEventId> {
    let kind = EventKind::from_slug(&request.kind)
        .ok_or_else(|| Error::Invalid("choose what kind of change it was".into()))?;
    let teams: BTreeSet<TeamId> = request.teams.iter().copied().collect();
    check_event(request.on, today, request.note.trim(), teams.len())
        .map_err(|e| Error::Invalid(e.to_string()))?;
    if user.role != Role::Admin {
        let known = teams_by_id(app).await?;
        let leads_all = teams.iter().all(|t| {
            known
                .get(t)
                .is_some_and(|t| t.leader.is_some() && t.leader == user.person_id)
        });
        if !leads_all {
            return Err(Error::NotFound("team"));
        }
    }
    let id = app
        .store
        .add_pulse_event(&NewPulseEvent {
            kind,
            on: request.on,
            note: request.note.trim().to_string(),
            teams: teams.into_iter().collect(),
            created_by: user.email.clone(),
            created_on: today,
        })
        .await?;
    app.audit(
        actor,
        "pulse_event_recorded",
        &format!("event {id}"),
        kind.slug(),
    )
    .await?;
    Ok(id)
}
