//! The say-do ledger: the promises a leader makes, whether they were kept, and who confirms it.
//!
//! Consistency is "doing what you say you will do", so the ledger counts a promise as kept only
//! when the people it was made to say so:
//!
//! - A [`Commitment`] is made to one person or to a team, for a due date. It stays open until
//!   the leader marks it kept, broken or dropped (with a reason); while open it can be
//!   renegotiated to a new date.
//! - A renegotiation agreed on or before the date it replaces moves the date the promise is held
//!   to; one agreed after that date only moves the reminders, and the promise counts as kept late
//!   at best ([`Commitment::counted_due`] against [`Commitment::working_due`]).
//! - Once marked kept, or once its date has passed while open, each recipient is asked to
//!   confirm: kept, not kept, or can't say ([`Commitment::asks_confirmation`]). A team's answers
//!   count, and are shown as counts, only once at least k of them answered
//!   ([`Recipients::verdict`]); nobody is shown who said what.
//! - The say-do ratio ([`say_do`]) is the share of commitments due in the last 90 days that were
//!   kept on time *and* confirmed so, with Wilson's interval. Unconfirmed ones stay in the
//!   denominator and are shown as such: a promise is never counted as kept on the leader's word.
//!   A dropped promise stays in the denominator too: renegotiating in time is how a leader
//!   changes a promise honestly.
//!
//! Every change is a [`Change`] in the commitment's history; [`Commitment::revision`] counts
//! them, so a confirmation link made before a change is refused after it.

use crate::stats::{self, Correlation, Proportion};
use serde::{Deserialize, Serialize};
use time::{Date, Duration};

/// How many days the say-do ratio looks back, today included.
pub const WINDOW_DAYS: i64 = 90;

/// Reminders start this many days before a commitment's date.
pub const DUE_SOON_DAYS: i64 = 3;

/// The fewest leaders with a say-do ratio for the organisation's association to be shown.
pub const MIN_LEADERS: usize = 5;

/// The longest description of a commitment, in characters.
pub const MAX_WHAT: usize = 300;

/// Who a commitment was made to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipients {
    /// One or more named people; each one's confirmation is their own and the leader is told so
    /// before making the commitment.
    People,
    /// A team: answers are counted only once at least k members answered, and shown as counts.
    Team,
}

/// One recipient's confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confirmation {
    /// The promise was kept.
    Kept,
    /// It was not kept.
    NotKept,
    /// The recipient cannot tell.
    CantSay,
}

impl Confirmation {
    /// The stable identifier stored in the database and sent by forms.
    pub fn slug(self) -> &'static str {
        match self {
            Confirmation::Kept => "kept",
            Confirmation::NotKept => "not_kept",
            Confirmation::CantSay => "cant_say",
        }
    }

    /// Parses the stable identifier, exactly.
    pub fn from_slug(slug: &str) -> Option<Confirmation> {
        [
            Confirmation::Kept,
            Confirmation::NotKept,
            Confirmation::CantSay,
        ]
        .into_iter()
        .find(|c| c.slug() == slug)
    }
}

/// The recipients' confirmations of one commitment, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Said kept.
    pub kept: u32,
    /// Said not kept.
    pub not_kept: u32,
    /// Said they can't say.
    pub cant_say: u32,
}

impl Tally {
    /// Counts one more confirmation.
    pub fn add(&mut self, answer: Confirmation) {
        match answer {
            Confirmation::Kept => self.kept += 1,
            Confirmation::NotKept => self.not_kept += 1,
            Confirmation::CantSay => self.cant_say += 1,
        }
    }

    /// Everyone who answered.
    pub fn answered(&self) -> u32 {
        self.kept + self.not_kept + self.cant_say
    }
}

/// What the recipients' confirmations say, all together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// More said kept than not kept.
    ConfirmedKept,
    /// At least as many said not kept as kept (and someone did).
    ConfirmedNotKept,
    /// Nobody (or, for a team, fewer than k) answered, or everyone who did can't say.
    Unconfirmed,
}

impl Recipients {
    /// The verdict of `tally` for a commitment made to these recipients, with the privacy
    /// minimum `k`: a team's answers count only once at least k answered.
    pub fn verdict(self, tally: Tally, k: u32) -> Verdict {
        if self == Recipients::Team && tally.answered() < k {
            return Verdict::Unconfirmed;
        }
        if tally.kept > tally.not_kept {
            Verdict::ConfirmedKept
        } else if tally.not_kept > 0 {
            Verdict::ConfirmedNotKept
        } else {
            Verdict::Unconfirmed
        }
    }

    /// The counts the leader may see: a team's only once at least k answered.
    pub fn shown_tally(self, tally: Tally, k: u32) -> Option<Tally> {
        match self {
            Recipients::Team if tally.answered() < k => None,
            _ => Some(tally),
        }
    }
}

/// One change to a commitment, in the order they happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A new date was agreed.
    Renegotiated {
        /// When it was agreed.
        on: Date,
        /// The new date.
        due: Date,
    },
    /// The leader says it was kept.
    Kept {
        /// When it was kept.
        on: Date,
    },
    /// The leader says it was not kept.
    Broken {
        /// When the leader said so.
        on: Date,
    },
    /// The leader gave it up.
    Dropped {
        /// When.
        on: Date,
        /// Why, in the leader's words.
        reason: String,
    },
}

impl Change {
    /// The day of the change.
    pub fn on(&self) -> Date {
        match self {
            Change::Renegotiated { on, .. }
            | Change::Kept { on }
            | Change::Broken { on }
            | Change::Dropped { on, .. } => *on,
        }
    }
}

/// Where a commitment stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Open, its date not passed.
    Open,
    /// Open with a new date agreed in time, not passed.
    Renegotiated,
    /// Open and its date passed.
    Overdue,
    /// Marked kept on or before the date it is held to.
    Kept,
    /// Marked kept after that date.
    KeptLate,
    /// Marked not kept by the leader.
    Broken,
    /// Given up, with a reason.
    Dropped,
}

impl Status {
    /// Whether nothing more can change.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Status::Kept | Status::KeptLate | Status::Broken | Status::Dropped
        )
    }
}

/// A promise a leader made, with its history and its recipients' confirmations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Commitment {
    /// When it was made.
    pub made_on: Date,
    /// The date first agreed.
    pub due: Date,
    /// Who it was made to.
    pub to: Recipients,
    /// Its changes, oldest first.
    pub history: Vec<Change>,
    /// Its recipients' confirmations of the current revision.
    pub tally: Tally,
}

/// Why a change or a new commitment was refused. The messages are shown to the leader.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// The description is empty or too long.
    #[error("say what you commit to, in at most {MAX_WHAT} characters")]
    What,
    /// The date lies in the past.
    #[error("the date {0} has already passed: choose today or a later day")]
    DateInThePast(Date),
    /// Nobody to make it to.
    #[error("choose at least one person or a team the commitment is made to")]
    NoRecipients,
    /// The leader named themselves.
    #[error("a commitment is made to others: you cannot be one of its recipients")]
    ToSelf,
    /// Nothing more can change.
    #[error("this commitment is already settled ({0:?}) and cannot change")]
    Settled(Status),
    /// A renegotiation to the date it already has.
    #[error("the new date is the date already agreed")]
    SameDate,
    /// A dropped commitment needs its reason.
    #[error("say why the commitment is dropped")]
    NoReason,
    /// A change dated before the last one.
    #[error("changes are recorded in order: this one is dated before the last")]
    OutOfOrder,
    /// A team too small for its confirmations ever to be shown.
    #[error(
        "this team has {members} members besides you: its confirmations are shown only once at least {k} answered, so make the commitment to the people themselves"
    )]
    TeamTooSmall {
        /// Members who would be asked.
        members: usize,
        /// The privacy minimum.
        k: u32,
    },
}

/// Checks a commitment to a team: at least `k` members besides the leader, or its
/// confirmations could never count ([`Recipients::verdict`]).
pub fn check_team(members: usize, k: u32) -> Result<(), LedgerError> {
    if members < k as usize {
        return Err(LedgerError::TeamTooSmall { members, k });
    }
    Ok(())
}

/// Checks a new commitment: what it is, its date (today or later), and its recipients (at least
/// one, never the leader). Recipient ids are generic so this crate knows nothing of accounts.
pub fn check_new<U: PartialEq>(
    what: &str,
    due: Date,
    today: Date,
    leader: &U,
    recipients: &[U],
) -> Result<(), LedgerError> {
    let what = what.trim();
    if what.is_empty() || what.chars().count() > MAX_WHAT {
        return Err(LedgerError::What);
    }
    if due < today {
        return Err(LedgerError::DateInThePast(due));
    }
    if recipients.is_empty() {
        return Err(LedgerError::NoRecipients);
    }
    if recipients.contains(leader) {
        return Err(LedgerError::ToSelf);
    }
    Ok(())
}

impl Commitment {
    /// A new open commitment.
    pub fn new(made_on: Date, due: Date, to: Recipients) -> Commitment {
        Commitment {
            made_on,
            due,
            to,
            history: Vec::new(),
            tally: Tally::default(),
        }
    }

    /// How many times it changed: a confirmation link carries the revision it was made for.
    pub fn revision(&self) -> u32 {
        u32::try_from(self.history.len()).unwrap_or(u32::MAX)
    }

    /// The date the promise is held to: the first date, moved only by renegotiations agreed on
    /// or before the date they replaced.
    pub fn counted_due(&self) -> Date {
        let mut due = self.due;
        for change in &self.history {
            if let Change::Renegotiated { on, due: new } = change
                && *on <= due
            {
                due = *new;
            }
        }
        due
    }

    /// The latest date agreed, in time or not: what reminders count down to.
    pub fn working_due(&self) -> Date {
        self.history
            .iter()
            .rev()
            .find_map(|c| match c {
                Change::Renegotiated { due, .. } => Some(*due),
                _ => None,
            })
            .unwrap_or(self.due)
    }

    /// Where it stands on `today`.
    pub fn status(&self, today: Date) -> Status {
        match self.history.last() {
            Some(Change::Kept { on }) => {
                if *on <= self.counted_due() {
                    Status::Kept
                } else {
                    Status::KeptLate
                }
            }
            Some(Change::Broken { .. }) => Status::Broken,
            Some(Change::Dropped { .. }) => Status::Dropped,
            _ if today > self.working_due() => Status::Overdue,
            Some(Change::Renegotiated { .. }) if self.counted_due() == self.working_due() => {
                Status::Renegotiated
            }
            _ => Status::Open,
        }
    }

    /// Records `change`, dated today, after checking it is allowed.
    pub fn apply(&mut self, change: Change, today: Date) -> Result<(), LedgerError> {
        let status = self.status(today);
        if status.is_closed() {
            return Err(LedgerError::Settled(status));
        }
        if change.on() != today {
            return Err(LedgerError::OutOfOrder);
        }
        if self.history.last().is_some_and(|c| c.on() > today) || today < self.made_on {
            return Err(LedgerError::OutOfOrder);
        }
        match &change {
            Change::Renegotiated { due, .. } => {
                if *due < today {
                    return Err(LedgerError::DateInThePast(*due));
                }
                if *due == self.working_due() {
                    return Err(LedgerError::SameDate);
                }
            }
            Change::Dropped { reason, .. } if reason.trim().is_empty() => {
                return Err(LedgerError::NoReason);
            }
            _ => {}
        }
        self.history.push(change);
        // Confirmations belong to the revision they were given for.
        self.tally = Tally::default();
        Ok(())
    }

    /// Whether its recipients are asked to confirm on `today`: once it is marked kept, or once
    /// its date has passed while open. Not for one the leader marked broken or dropped.
    pub fn asks_confirmation(&self, today: Date) -> bool {
        matches!(
            self.status(today),
            Status::Kept | Status::KeptLate | Status::Overdue
        )
    }

    /// The recipients' verdict with the privacy minimum `k`.
    pub fn verdict(&self, k: u32) -> Verdict {
        self.to.verdict(self.tally, k)
    }

    /// What the leader's page reminds them of on `today`, if anything.
    pub fn reminder(&self, today: Date, k: u32) -> Option<Reminder> {
        match self.status(today) {
            Status::Open | Status::Renegotiated
                if self.working_due() - today <= Duration::days(DUE_SOON_DAYS) =>
            {
                Some(Reminder::DueSoon)
            }
            Status::Overdue => Some(Reminder::Overdue),
            Status::Kept | Status::KeptLate if self.verdict(k) == Verdict::Unconfirmed => {
                Some(Reminder::AwaitingConfirmation)
            }
            _ => None,
        }
    }
}

/// What a leader is reminded of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reminder {
    /// Due within three days.
    DueSoon,
    /// Its date has passed and it is still open.
    Overdue,
    /// Marked kept; its recipients have not confirmed it yet.
    AwaitingConfirmation,
}

/// A leader's say-do ratio over the 90 days ending on a day, with what is behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SayDo {
    /// The first day of the window.
    pub from: Date,
    /// The last day of the window (today).
    pub to: Date,
    /// Commitments due in the window: the denominator.
    pub due: u64,
    /// Kept on time and confirmed so by their recipients: the numerator.
    pub kept_confirmed: u64,
    /// Kept on time by the leader's word, not (yet) confirmed: not counted as kept.
    pub kept_unconfirmed: u64,
    /// Kept on time by the leader's word, but the recipients said it was not.
    pub kept_disputed: u64,
    /// Kept after the date they were held to.
    pub kept_late: u64,
    /// Marked broken, dropped, or still open past their date.
    pub not_kept: u64,
    /// kept_confirmed ÷ due with Wilson's 95% interval; `None` when nothing was due.
    pub ratio: Option<Proportion>,
}

/// The say-do ratio of `commitments` on `today`, with the privacy minimum `k` for team
/// confirmations.
///
/// A commitment is due in the window when the date it is held to ([`Commitment::counted_due`])
/// lies in the 90 days ending today and it is settled or that date has passed (one due today
/// and still open can still be kept today).
pub fn say_do(commitments: &[Commitment], today: Date, k: u32) -> SayDo {
    let from = today - Duration::days(WINDOW_DAYS - 1);
    let mut s = SayDo {
        from,
        to: today,
        due: 0,
        kept_confirmed: 0,
        kept_unconfirmed: 0,
        kept_disputed: 0,
        kept_late: 0,
        not_kept: 0,
        ratio: None,
    };
    for c in commitments {
        let due = c.counted_due();
        let status = c.status(today);
        if due < from || due > today || (due == today && !status.is_closed()) {
            continue;
        }
        s.due += 1;
        match (status, c.verdict(k)) {
            (Status::Kept, Verdict::ConfirmedKept) => s.kept_confirmed += 1,
            (Status::Kept, Verdict::ConfirmedNotKept) => s.kept_disputed += 1,
            (Status::Kept, Verdict::Unconfirmed) => s.kept_unconfirmed += 1,
            (Status::KeptLate, _) => s.kept_late += 1,
            _ => s.not_kept += 1,
        }
    }
    s.ratio = stats::wilson_interval(s.kept_confirmed, s.due, 0.95).ok();
    s
}

/// The association across leaders between say-do ratio and consistency score.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Association {
    /// Pearson's r with its 95% interval over `n` leaders: an association, not a cause.
    Shown(Correlation),
    /// Fewer than [`MIN_LEADERS`] leaders have both figures.
    TooFewLeaders {
        /// Leaders with both figures.
        n: usize,
    },
    /// The figures do not vary (every leader has the same ratio or the same score).
    NoVariation {
        /// Leaders with both figures.
        n: usize,
    },
}

/// The association between leaders' say-do ratios and their consistency scores, given as
/// `(ratio, consistency)` pairs, one per leader who has both.
pub fn association(pairs: &[(f64, f64)]) -> Association {
    let n = pairs.len();
    if n < MIN_LEADERS {
        return Association::TooFewLeaders { n };
    }
    let (x, y): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
    match stats::pearson(&x, &y, 0.95) {
        Ok(c) => Association::Shown(c),
        Err(_) => Association::NoVariation { n },
    }
}

#[cfg(test)]
mod tests;
