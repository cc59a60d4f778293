//! The records of breach repair: the breach, the people it affected, its steps and amends, and
//! the recovery pulse's rounds, links and answers.

use super::{CommitmentId, PersonId, RoundStatus, TeamId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::Date;
use trustloop_domain::model::Element;
use trustloop_domain::pulse::{PulseMeasure, RoundDates};
use trustloop_domain::repair::recovery::{RecoveryMode, RecoveryRound};
use trustloop_domain::repair::{BreachKind, StepDone};

id_type!(
    /// Identifies a repair (a breach and what the leader does about it).
    RepairId
);
id_type!(
    /// Identifies one affected person's link to one recovery round.
    RecoveryInvitationId
);

/// A breach to record.
#[derive(Debug, Clone)]
pub struct NewBreach {
    /// The leader whose breach it was.
    pub leader_id: PersonId,
    /// What happened.
    pub what: String,
    /// The day it happened.
    pub happened: Date,
    /// Competence or integrity.
    pub kind: BreachKind,
    /// The element of trust it touched.
    pub element: Element,
    /// The people affected, by id.
    pub people: Vec<PersonId>,
    /// The teams affected, by id: their members other than the leader, when recorded.
    pub teams: Vec<TeamId>,
    /// Who recorded it (an account's email).
    pub recorded_by: String,
    /// Whether an admin recorded it on the leader's behalf (shown to the leader).
    pub by_admin: bool,
    /// The day it was recorded.
    pub today: Date,
}

/// Where a repair's recovery pulse is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum RecoveryState {
    /// Not started yet.
    NotStarted,
    /// The leader chose to skip it.
    Skipped,
    /// Running since `started`.
    Running {
        /// Anonymous or named.
        mode: RecoveryMode,
        /// The day it started (the "before" round's first day).
        started: Date,
        /// The privacy minimum it runs with.
        k: u32,
        /// The recovery instrument version asked.
        instrument_version: u32,
    },
}

/// A repair as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepairRecord {
    /// Its id.
    pub id: RepairId,
    /// The leader.
    pub leader_id: PersonId,
    /// The leader's name.
    pub leader_name: String,
    /// What happened.
    pub what: String,
    /// The day it happened.
    pub happened: Date,
    /// Competence or integrity.
    pub kind: BreachKind,
    /// The element touched.
    pub element: Element,
    /// The people affected, by name.
    pub affected: Vec<(PersonId, String)>,
    /// The teams named, by name.
    pub teams: Vec<(TeamId, String)>,
    /// Who recorded it.
    pub recorded_by: String,
    /// Whether an admin recorded it on the leader's behalf.
    pub by_admin: bool,
    /// The day it was recorded.
    pub created_on: Date,
    /// The day the leader closed it.
    pub closed_on: Option<Date>,
    /// The steps done, in the usual order.
    pub steps: Vec<StepDone>,
    /// The commitments made as amends, by id.
    pub amends: Vec<CommitmentId>,
    /// The recovery pulse.
    pub recovery: RecoveryState,
}

/// A step to record on a leader's repair.
#[derive(Debug, Clone)]
pub struct RecordStep {
    /// The repair.
    pub repair: RepairId,
    /// The leader (only theirs can be changed).
    pub leader_id: PersonId,
    /// The step as done.
    pub done: StepDone,
    /// Today.
    pub today: Date,
}

/// What the leader chose for the recovery pulse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryChoice {
    /// Run it: anonymous when at least k are affected, otherwise named only if `named_ok`.
    Run {
        /// Whether the leader accepts a named pulse when fewer than k are affected.
        named_ok: bool,
    },
    /// Skip it.
    Skip,
}

/// A named answer as the leader (or its respondent) sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedAnswer {
    /// The respondent.
    pub person: PersonId,
    /// Their name.
    pub name: String,
    /// Their scores on 0–100.
    pub scores: BTreeMap<PulseMeasure, f64>,
}

/// A recovery round with who was asked and what was answered that may be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoveryRoundRecord {
    /// Which round.
    pub round: RecoveryRound,
    /// Its days.
    pub dates: RoundDates,
    /// Open, missed or closed.
    pub status: RoundStatus,
    /// People asked.
    pub invited: u32,
    /// People who answered (released, sealed or named).
    pub answered: u32,
    /// Released anonymous answers as scores, in no particular order.
    pub released: Vec<BTreeMap<PulseMeasure, f64>>,
    /// Named answers, by name.
    pub named: Vec<NamedAnswer>,
}

/// An affected person's link to a round, as the answer page needs it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoveryInvitation {
    /// The link.
    pub id: RecoveryInvitationId,
    /// The repair.
    pub repair: RepairId,
    /// The leader's name.
    pub leader_name: String,
    /// The round.
    pub round: RecoveryRound,
    /// Its days.
    pub dates: RoundDates,
    /// Where the round is.
    pub status: RoundStatus,
    /// Anonymous or named.
    pub mode: RecoveryMode,
    /// The element the breach touched.
    pub element: Element,
    /// The recovery instrument version asked.
    pub instrument_version: u32,
    /// The privacy minimum.
    pub k: u32,
    /// Whether it was answered.
    pub answered: bool,
}

/// A link minted when a round opened (the token is given out once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryLink {
    /// The link's invitation.
    pub invitation: RecoveryInvitationId,
    /// The person asked.
    pub person: PersonId,
    /// The token; only its hash is stored.
    pub token: String,
}

/// What one pass of the recovery scheduler did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecoveryAdvance {
    /// Rounds opened, with their links.
    pub opened: Vec<(RepairId, RecoveryRound, Vec<RecoveryLink>)>,
    /// Rounds recorded as missed.
    pub missed: Vec<(RepairId, RecoveryRound)>,
    /// Rounds closed.
    pub closed: Vec<(RepairId, RecoveryRound)>,
}

/// A respondent's own named answer, for their page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnRecoveryAnswer {
    /// The leader it was about.
    pub leader_name: String,
    /// The round.
    pub round: RecoveryRound,
    /// The round's first day.
    pub opens: Date,
    /// The scores given.
    pub scores: BTreeMap<PulseMeasure, f64>,
}

/// How many repairs a team's leaders have open and closed: all an admin sees of repairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepairCount {
    /// The leader's team (none when they are in no team).
    pub team: Option<String>,
    /// Repairs not closed.
    pub open: u32,
    /// Repairs closed.
    pub closed: u32,
}
