//! The records of the say-do ledger: commitments, who they were made to, and confirmations.

use super::{ActionId, CommitmentId, PersonId, TeamId};
use serde::Serialize;
use time::Date;
use trustloop_domain::ledger::{Change, Commitment, Confirmation};

/// Who a new commitment is made to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientChoice {
    /// One or more people, by id.
    People(Vec<PersonId>),
    /// A team: its members (other than the leader) when the commitment is made.
    Team(TeamId),
}

/// A commitment to make.
#[derive(Debug, Clone)]
pub struct NewCommitment {
    /// The leader who makes it.
    pub leader_id: PersonId,
    /// What they commit to.
    pub what: String,
    /// To whom.
    pub to: RecipientChoice,
    /// By when.
    pub due: Date,
    /// The plan action it serves, if any (one of the leader's).
    pub action_id: Option<ActionId>,
    /// The day it is made.
    pub today: Date,
    /// The privacy minimum for a team's confirmations: a team needs at least this many members.
    pub min_team: u32,
}

/// A commitment as stored, with its history and the counts of its confirmations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitmentRecord {
    /// Its id.
    pub id: CommitmentId,
    /// The leader who made it.
    pub leader_id: PersonId,
    /// The leader's name.
    pub leader_name: String,
    /// What was promised.
    pub what: String,
    /// The people it was made to, by name (a team's members are not named).
    pub people: Vec<String>,
    /// The team it was made to, by name.
    pub team: Option<String>,
    /// How many people were asked (a team's members when it was made).
    pub recipient_count: u32,
    /// The plan action it serves.
    pub action_id: Option<ActionId>,
    /// Its dates, history and the tally of the current revision, as the domain reads them.
    pub commitment: Commitment,
}

/// A change a leader makes to one of their commitments.
#[derive(Debug, Clone)]
pub struct CommitmentChange {
    /// The leader (only theirs can be changed).
    pub leader_id: PersonId,
    /// Which commitment.
    pub commitment: CommitmentId,
    /// The change, dated today.
    pub change: Change,
    /// Today.
    pub today: Date,
}

/// A commitment a recipient is asked to confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfirmationAsk {
    /// The commitment.
    pub id: CommitmentId,
    /// The leader who made it.
    pub leader_name: String,
    /// What was promised.
    pub what: String,
    /// The date it is held to.
    pub due: Date,
    /// Whether it was made to a team (the answer is then counted with the others').
    pub to_team: bool,
    /// Whether the leader says it was kept (otherwise its date passed while open).
    pub marked_kept: bool,
}

/// A single-use confirmation link issued to one recipient: the token is given once, to be
/// sent to them; only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedLink {
    /// The recipient.
    pub person_id: PersonId,
    /// Their name.
    pub name: String,
    /// Their email.
    pub email: String,
    /// The token, for the link `/confirm/{token}`.
    pub token: String,
}

/// What became of a confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmOutcome {
    /// Counted.
    Recorded,
    /// The link is unknown or was used (answered as a neutral page, like a used survey link).
    Used,
    /// The commitment changed after the link was made; a new one is sent with the change.
    Changed,
    /// The commitment is not waiting for confirmation (not yet due, or marked broken or
    /// dropped).
    NotAsked,
    /// The recipient has left the organisation.
    Left,
}

/// A confirmation by a signed-in recipient.
#[derive(Debug, Clone, Copy)]
pub struct SignedInConfirmation {
    /// The recipient.
    pub person_id: PersonId,
    /// Which commitment.
    pub commitment: CommitmentId,
    /// Their answer.
    pub answer: Confirmation,
    /// Today.
    pub today: Date,
}

/// One leader's say-do counts on a day, as the organisation's association needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SayDoCount {
    /// The leader.
    pub leader_id: PersonId,
    /// Commitments due in the window (the denominator).
    pub due: u64,
    /// Kept on time and confirmed so (the numerator).
    pub kept_confirmed: u64,
}

/// A team a leader can make a commitment to: their own, or one of their direct reports'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamChoice {
    /// The team.
    pub id: TeamId,
    /// Its name.
    pub name: String,
    /// Its members other than the leader who have not left: who would be asked.
    pub members: u32,
}
