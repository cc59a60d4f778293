//! Repairing trust after a breach: recording it (a leader, or an admin on a leader's behalf,
//! shown to the leader), walking the steps, amends as say-do commitments, the recovery pulse
//! (its choice, the scheduler's pass, answering by link) and its results under the privacy
//! rules, and the admins' counts. The rules are `trustloop_domain::repair`; the store asks them
//! inside the transaction of each change.
//!
//! Who sees what: a repair's contents only its leader; the people affected only their own
//! answers (named ones, since anonymous answers are linked to no one); admins only counts.

use crate::ledger::{self, CommitmentText};
use crate::plans::{as_sentence, parse_day};
use crate::pulse::Answered;
use crate::pulse::trend::RoundFigure;
use crate::{Actor, App, Error, Result};
use time::Date;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::model::Element;
use trustloop_domain::pulse::{RoundScores, Shown};
use trustloop_domain::rating::{FieldError, SurveyAnswers};
use trustloop_domain::repair::recovery::{RecoveryMode, asked};
use trustloop_domain::repair::{BreachKind, Progress, Step, StepDone, StepWarning};
use trustloop_storage::{
    CommitmentId, CommitmentRecord, NamedAnswer, NewBreach, PersonId, RecordStep, RecoveryAdvance,
    RecoveryChoice, RecoveryInvitation, RecoveryRoundRecord, RecoveryState, RepairId, RepairRecord,
    Role, RoundStatus, TeamId, User,
};

/// The address of the lesson on repairing trust after a breach (issue 28's lesson 7).
pub const LESSON: &str = "/learn/trust-after-a-breach";

/// The privacy minimum of a recovery pulse: the organisation's team minimum.
pub fn team_k() -> u32 {
    ledger::team_k()
}

/// A breach as typed in the form.
#[derive(Debug, Clone, Default)]
pub struct BreachText<'a> {
    /// The leader, by id: only an admin recording on a leader's behalf gives one.
    pub leader: Option<i64>,
    /// What happened.
    pub what: &'a str,
    /// The day, `YYYY-MM-DD`.
    pub happened: &'a str,
    /// `competence` or `integrity`.
    pub kind: &'a str,
    /// The element touched (`relationships`, `judgement`, `consistency`); empty for the
    /// kind's usual one.
    pub element: &'a str,
    /// The people affected, by id.
    pub people: Vec<i64>,
    /// The teams affected, by id.
    pub teams: Vec<i64>,
}

/// Records a breach: a leader's own, or an admin's on a leader's behalf.
#[tracing::instrument(skip_all)]
pub async fn record(
    app: &App,
    user: &User,
    actor: &Actor,
    text: &BreachText<'_>,
    today: Date,
) -> Result<RepairId> {
    let (leader, by_admin) = match (user.role, text.leader) {
        (Role::Admin, Some(leader)) => (PersonId(leader), true),
        (Role::Admin, None) => {
            return Err(Error::Invalid(
                "Choose the leader whose breach it was.".into(),
            ));
        }
        (_, _) => (
            user.person_id.ok_or_else(|| {
                Error::Invalid("Your account is not linked to a person in the organisation.".into())
            })?,
            false,
        ),
    };
    let happened = parse_day("day it happened", text.happened)?;
    let kind = BreachKind::from_slug(text.kind).ok_or_else(|| {
        Error::Invalid("Choose whether it touched competence or integrity.".into())
    })?;
    let element = match text.element.trim() {
        "" => kind.usual_element(),
        slug => Element::from_slug(slug)
            .ok_or_else(|| Error::Invalid("Choose the element of trust it touched.".into()))?,
    };
    let id = app
        .store
        .record_breach(&NewBreach {
            leader_id: leader,
            what: text.what.to_string(),
            happened,
            kind,
            element,
            people: text.people.iter().copied().map(PersonId).collect(),
            teams: text.teams.iter().copied().map(TeamId).collect(),
            recorded_by: user.email.clone(),
            by_admin,
            today,
        })
        .await
        .map_err(|e| match Error::from(e) {
            Error::NotFound("person" | "team" | "leader") => {
                Error::Invalid("Choose the people and teams from the lists.".into())
            }
            other => as_sentence(other),
        })?;
    // Who and when only: what happened stays private to the leader.
    let detail = if by_admin {
        "by an admin"
    } else {
        "by the leader"
    };
    app.audit(actor, "breach_recorded", &format!("repair {id}"), detail)
        .await?;
    Ok(id)
}

/// One of `user`'s own repairs; anyone else's, an admin's included, is "not found".
pub async fn own(app: &App, user: &User, id: RepairId) -> Result<RepairRecord> {
    let record = app.store.repair(id).await?;
    if user.person_id != Some(record.leader_id) {
        return Err(Error::NotFound("repair"));
    }
    Ok(record)
}

/// A repair as its leader sees it.
#[derive(Debug, Clone)]
pub struct RepairView {
    /// The stored repair.
    pub record: RepairRecord,
    /// Where it stands.
    pub progress: Progress,
    /// The commitments made as amends.
    pub amends: Vec<CommitmentRecord>,
    /// The recovery rounds as figures (shown only under the privacy rules).
    pub rounds: Vec<RoundFigure>,
    /// The named answers of each round (a named pulse only), in the rounds' order.
    pub named: Vec<Vec<NamedAnswer>>,
}

/// A round as a figure: an anonymous round shows its scores once it is closed with at least k
/// answers released (a figure decided once, never a figure that moves answer by answer); a
/// named round shows its named answers' scores as they come.
pub fn figure(round: &RecoveryRoundRecord, mode: RecoveryMode, k: u32) -> RoundFigure {
    let (shown, scores) = match mode {
        RecoveryMode::Anonymous => {
            let released = u32::try_from(round.released.len()).unwrap_or(u32::MAX);
            if round.status != RoundStatus::Closed {
                (None, None)
            } else if mode.shows(released, k) {
                (
                    Some(Shown::Yes),
                    Some(RoundScores::from_respondents(
                        round.invited,
                        &round.released,
                    )),
                )
            } else {
                (Some(Shown::NotEnoughAnswers), None)
            }
        }
        RecoveryMode::Named => {
            let answers: Vec<_> = round.named.iter().map(|n| n.scores.clone()).collect();
            let count = u32::try_from(answers.len()).unwrap_or(u32::MAX);
            if mode.shows(count, k) {
                (
                    Some(Shown::Yes),
                    Some(RoundScores::from_respondents(round.invited, &answers)),
                )
            } else {
                (Some(Shown::NotEnoughAnswers), None)
            }
        }
    };
    RoundFigure {
        dates: round.dates,
        status: round.status,
        invited: round.invited,
        answered: round.answered,
        shown,
        scores,
    }
}

/// One of `user`'s repairs with its progress, amends and recovery figures.
#[tracing::instrument(skip_all, fields(repair = %id))]
pub async fn view(app: &App, user: &User, id: RepairId) -> Result<RepairView> {
    let record = own(app, user, id).await?;
    let mut amends = Vec::with_capacity(record.amends.len());
    for commitment in &record.amends {
        amends.push(app.store.commitment(*commitment).await?);
    }
    let (mut rounds, mut named) = (Vec::new(), Vec::new());
    if let RecoveryState::Running { mode, k, .. } = record.recovery {
        for round in app.store.recovery_rounds(id).await? {
            rounds.push(figure(&round, mode, k));
            named.push(round.named);
        }
    }
    Ok(RepairView {
        progress: Progress::of(&record.steps),
        record,
        amends,
        rounds,
        named,
    })
}

/// The signed-in leader's repairs, newest first.
pub async fn mine(app: &App, user: &User) -> Result<Vec<RepairRecord>> {
    match user.person_id {
        Some(me) => Ok(app.store.repairs_of(me).await?),
        None => Ok(Vec::new()),
    }
}

/// Records a step of one of `user`'s repairs; returns the warning of a step out of order.
#[tracing::instrument(skip_all, fields(repair = %id))]
pub async fn record_step(
    app: &App,
    user: &User,
    id: RepairId,
    step: &str,
    on: &str,
    note: &str,
    today: Date,
) -> Result<Option<StepWarning>> {
    let leader = own(app, user, id).await?.leader_id;
    let step = Step::from_slug(step).ok_or_else(|| Error::Invalid("Choose a step.".into()))?;
    let on = match on.trim() {
        "" => today,
        text => parse_day("day it was done", text)?,
    };
    app.store
        .record_step(&RecordStep {
            repair: id,
            leader_id: leader,
            done: StepDone {
                step,
                on,
                note: note.to_string(),
            },
            today,
        })
        .await
        .map_err(|e| as_sentence(e.into()))
}

/// Makes a new commitment to people affected by one of `user`'s repairs and links it as
/// amends. Only people the breach affected may be chosen.
#[tracing::instrument(skip_all, fields(repair = %id))]
pub async fn new_amends(
    app: &App,
    user: &User,
    id: RepairId,
    what: &str,
    due: &str,
    people: Vec<i64>,
) -> Result<CommitmentId> {
    let record = own(app, user, id).await?;
    if record.closed_on.is_some() {
        return Err(Error::Conflict("This repair is closed.".into()));
    }
    if people.is_empty() {
        return Err(Error::Invalid(
            "Choose at least one of the people affected.".into(),
        ));
    }
    if people
        .iter()
        .any(|p| !record.affected.iter().any(|(a, _)| a.0 == *p))
    {
        return Err(Error::Invalid(
            "Amends are made to the people affected: choose them from the list.".into(),
        ));
    }
    let made = ledger::make(
        app,
        record.leader_id,
        &CommitmentText {
            what,
            people,
            due,
            ..CommitmentText::default()
        },
    )
    .await?;
    app.store
        .add_amends(id, record.leader_id, made.id)
        .await
        .map_err(|e| as_sentence(e.into()))?;
    Ok(made.id)
}

/// Links one of `user`'s existing commitments to their repair as amends.
pub async fn pick_amends(
    app: &App,
    user: &User,
    id: RepairId,
    commitment: CommitmentId,
) -> Result<()> {
    let leader = own(app, user, id).await?.leader_id;
    app.store
        .add_amends(id, leader, commitment)
        .await
        .map_err(|e| as_sentence(e.into()))
}

/// Starts (`run`, with `named_ok` when fewer than k are affected) or skips the recovery pulse
/// of one of `user`'s repairs.
pub async fn choose_recovery(
    app: &App,
    user: &User,
    id: RepairId,
    run: bool,
    named_ok: bool,
    today: Date,
) -> Result<RecoveryState> {
    let leader = own(app, user, id).await?.leader_id;
    let choice = if run {
        RecoveryChoice::Run { named_ok }
    } else {
        RecoveryChoice::Skip
    };
    app.store
        .choose_recovery(id, leader, choice, team_k(), today)
        .await
        .map_err(|e| as_sentence(e.into()))
}

/// Closes one of `user`'s repairs.
pub async fn close(app: &App, user: &User, id: RepairId, today: Date) -> Result<()> {
    let leader = own(app, user, id).await?.leader_id;
    app.store
        .close_repair(id, leader, today)
        .await
        .map_err(|e| as_sentence(e.into()))
}

/// One pass of the recovery scheduler on `today` (run with the pulse's).
pub async fn advance(app: &App, today: Date) -> Result<RecoveryAdvance> {
    let done = app
        .store
        .advance_recovery(today, &crate::tokens::new_link)
        .await?;
    for (repair, round, links) in &done.opened {
        tracing::info!(%repair, round = round.index(), links = links.len(), "recovery round opened");
    }
    Ok(done)
}

/// The items a recovery link asks.
pub fn instrument_for(invitation: &RecoveryInvitation) -> Result<Instrument> {
    let instrument = crate::pulse::version_of(
        Instrument::recovery_built_in(),
        invitation.instrument_version,
        "recovery",
    )?;
    Ok(asked(&instrument, invitation.element))
}

/// The field a named pulse's form must tick: the respondent read that their name is shown.
pub const NAMED_CONSENT: &str = "named_consent";

/// Accepts a form for a recovery link: the asked items, and for a named pulse the tick that
/// says the respondent read that the leader sees their name beside their answer.
pub async fn answer(
    app: &App,
    invitation: &RecoveryInvitation,
    fields: &[(String, String)],
    today: Date,
) -> Result<Answered> {
    let instrument = instrument_for(invitation)?;
    let mut problems = Vec::new();
    let answers = match SurveyAnswers::parse(&instrument, fields) {
        Ok(answers) => Some(answers),
        Err(errors) => {
            problems = errors;
            None
        }
    };
    let consented = fields.iter().any(|(k, v)| k == NAMED_CONSENT && v == "yes");
    if invitation.mode == RecoveryMode::Named && !consented {
        problems.push(FieldError {
            code: NAMED_CONSENT.into(),
            message: "tick the box to say you read that your name is shown with your answer (or leave the page: nothing is stored)".into(),
        });
    }
    match answers {
        Some(answers) if problems.is_empty() => {
            app.store
                .submit_recovery_answer(invitation.id, &answers, today)
                .await
                .map_err(|e| as_sentence(e.into()))?;
            Ok(Answered::Stored)
        }
        _ => Ok(Answered::Invalid(problems)),
    }
}
