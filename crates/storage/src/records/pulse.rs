//! The records of the team trust pulse: series, rounds, links, answers as scores, change
//! events and the figures the people ledger decided.

use super::{PersonId, TeamId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use trustloop_domain::pulse::{EventKind, PulseMeasure, RoundDates, RoundSums, Schedule, Shown};

id_type!(
    /// Identifies a pulse series.
    PulseSeriesId
);
id_type!(
    /// Identifies one member's link to one pulse round.
    PulseInvitationId
);
id_type!(
    /// Identifies a change event.
    PulseEventId
);

/// A team as the pulse sees it: its leader (the member the others report to) and how many
/// members answer about them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PulseTeam {
    /// The team.
    pub id: TeamId,
    /// Its name.
    pub name: String,
    /// Its leader: the one member whose manager is outside the team and to whom another
    /// member reports (the lowest id if several).
    pub leader: Option<PersonId>,
    /// The leader's name.
    pub leader_name: Option<String>,
    /// The leader's manager: whose organisation the team is part of.
    pub leader_manager: Option<PersonId>,
    /// The members who answer: everyone in the team but its leader.
    pub members: u32,
}

/// A pulse series to start.
#[derive(Debug, Clone)]
pub struct NewPulseSeries {
    /// What it is called.
    pub name: String,
    /// The teams asked, each at least one member.
    pub teams: Vec<TeamId>,
    /// When rounds open and close.
    pub schedule: Schedule,
    /// The privacy minimum: a team's round with fewer answers is never shown.
    pub k: u32,
    /// The fall, in points, besides the test, that raises an alert.
    pub alert_points: f64,
    /// Whether members see their team's results (they are told before they answer).
    pub members_see_results: bool,
    /// Who started it (an account's email).
    pub created_by: String,
    /// The day it was started.
    pub created_on: time::Date,
}

/// A pulse series as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PulseSeries {
    /// Its id.
    pub id: PulseSeriesId,
    /// What it is called.
    pub name: String,
    /// The teams asked, by id.
    pub teams: Vec<TeamId>,
    /// When rounds open and close.
    pub schedule: Schedule,
    /// The pulse instrument version its rounds ask.
    pub instrument_version: u32,
    /// The privacy minimum.
    pub k: u32,
    /// The fall, in points, besides the test, that raises an alert.
    pub alert_points: f64,
    /// Whether members see their team's results.
    pub members_see_results: bool,
    /// Who started it.
    pub created_by: String,
    /// The day it was started.
    pub created_on: time::Date,
}

/// Where a round is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundStatus {
    /// Taking answers.
    Open,
    /// Its window passed while no server opened it: never asked.
    Missed,
    /// Its window is over.
    Closed,
}

impl RoundStatus {
    /// The stable identifier stored in the database.
    pub fn slug(self) -> &'static str {
        match self {
            RoundStatus::Open => "open",
            RoundStatus::Missed => "missed",
            RoundStatus::Closed => "closed",
        }
    }

    /// Parses the stable identifier.
    pub fn from_slug(slug: &str) -> Option<RoundStatus> {
        [RoundStatus::Open, RoundStatus::Missed, RoundStatus::Closed]
            .into_iter()
            .find(|s| s.slug() == slug)
    }
}

/// A round the scheduler handled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PulseRound {
    /// Its days.
    pub dates: RoundDates,
    /// Open, missed or closed.
    pub status: RoundStatus,
}

/// One team in one round: who was asked, and how many answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundTeam {
    /// The round's number.
    pub index: u32,
    /// The team.
    pub team: TeamId,
    /// The members asked, by id in increasing order.
    pub members: Vec<PersonId>,
    /// How many of them answered (released or still sealed).
    pub answered: u32,
}

/// One team in one round as its running sums: how many were asked and answered, and the sums
/// of the released answers' scores (what a trend or a roll-up shows, without the answers).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamRound {
    /// The round's number.
    pub index: u32,
    /// The team.
    pub team: TeamId,
    /// How many members were asked.
    pub invited: u32,
    /// How many of them answered (released or still sealed).
    pub answered: u32,
    /// The sums of the released answers.
    pub sums: RoundSums,
}

/// A member's link to a round, as minted when the round opened (the token is given out once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulseLink {
    /// The link's invitation.
    pub invitation: PulseInvitationId,
    /// The member.
    pub person: PersonId,
    /// Their team.
    pub team: TeamId,
    /// The link's token; only its hash is stored.
    pub token: String,
}

/// A round the scheduler opened, with its links.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedRound {
    /// The series.
    pub series: PulseSeriesId,
    /// The round's number.
    pub index: u32,
    /// One link per member asked.
    pub links: Vec<PulseLink>,
}

/// What one pass of the scheduler did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PulseAdvance {
    /// Rounds opened, with their links.
    pub opened: Vec<OpenedRound>,
    /// Rounds recorded as missed.
    pub missed: Vec<(PulseSeriesId, u32)>,
    /// Rounds closed.
    pub closed: Vec<(PulseSeriesId, u32)>,
    /// Series whose last round handled opens after the clock's day: nothing was done.
    pub clock_behind: Vec<PulseSeriesId>,
}

/// A member's link to a round, as the answer page needs it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PulseInvitation {
    /// The link.
    pub id: PulseInvitationId,
    /// The series.
    pub series: PulseSeriesId,
    /// The series' name.
    pub series_name: String,
    /// The round's days.
    pub round: RoundDates,
    /// Where the round is.
    pub status: RoundStatus,
    /// The member's team.
    pub team: TeamId,
    /// Its name.
    pub team_name: String,
    /// The pulse instrument version asked.
    pub instrument_version: u32,
    /// Whether members see their team's results.
    pub members_see_results: bool,
    /// The privacy minimum.
    pub k: u32,
    /// Whether it was answered.
    pub answered: bool,
}

/// One released answer, as its respondent's scores: no one's name, no link.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PulseAnswer {
    /// The round.
    pub index: u32,
    /// The respondent's team.
    pub team: TeamId,
    /// The scores on 0–100 of the measures answered.
    pub scores: BTreeMap<PulseMeasure, f64>,
}

/// A change event to record.
#[derive(Debug, Clone)]
pub struct NewPulseEvent {
    /// What kind of change.
    pub kind: EventKind,
    /// The day it happened (or was announced).
    pub on: time::Date,
    /// A short note.
    pub note: String,
    /// The teams it affected.
    pub teams: Vec<TeamId>,
    /// Who recorded it.
    pub created_by: String,
    /// The day it was recorded.
    pub created_on: time::Date,
}

/// A change event on teams' timelines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PulseEvent {
    /// Its id.
    pub id: PulseEventId,
    /// What kind of change.
    pub kind: EventKind,
    /// The day it happened.
    pub on: time::Date,
    /// A short note.
    pub note: String,
    /// The teams it affected.
    pub teams: Vec<TeamId>,
    /// Who recorded it.
    pub created_by: String,
}

/// A figure of a series decided by the people ledger: a team's or a roll-up's round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PulseFigure {
    /// What it is (`team:<id>:<round>`, `org:<person id>:<round>`): unique in its series.
    pub figure: String,
    /// The decision.
    pub shown: Shown,
    /// The people it covers.
    pub people: Vec<PersonId>,
}

/// What decides new figures of a series against those decided before: called with the series'
/// figures so far, returns the new ones in the order decided.
pub type DecideFigures<'a> = dyn Fn(&[PulseFigure]) -> Vec<PulseFigure> + Send + Sync + 'a;
