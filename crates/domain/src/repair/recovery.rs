//! The recovery pulse: a short instrument asked of the people a breach affected, to see
//! whether trust comes back. Its rounds are fixed by the repair, not by a cadence:
//!
//! - **before**: opens the day the pulse starts, when amends are not made yet (where possible:
//!   once the amends are made, a "before" reading can no longer be taken);
//! - **two weeks** and **six weeks** after the day the amends were made.
//!
//! Each round takes answers for [`WINDOW_DAYS`] days. A round whose window passed before any
//! server opened it is recorded as missed; a round is never opened twice.
//!
//! Whether answers are anonymous depends on how many are affected: with at least k people the
//! pulse is anonymous (answers sealed until k, shown only from k); with fewer it can only be
//! **named** (everyone is told before answering, and the leader sees who said what), or the
//! leader skips it.

use crate::instrument::{Instrument, Measures};
use crate::model::Element;
use crate::pulse::{PulseMeasure, RoundDates, respondent_scores};
use crate::rating::Rating;
use serde::Serialize;
use std::collections::BTreeMap;
use time::{Date, Duration};

/// Days a recovery round takes answers, its first day included.
pub const WINDOW_DAYS: i64 = 7;

/// A round of the recovery pulse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryRound {
    /// Before the amends.
    Before,
    /// Two weeks after the amends.
    TwoWeeks,
    /// Six weeks after the amends.
    SixWeeks,
}

impl RecoveryRound {
    /// Every round, in order.
    pub const ALL: [RecoveryRound; 3] = [
        RecoveryRound::Before,
        RecoveryRound::TwoWeeks,
        RecoveryRound::SixWeeks,
    ];

    /// The round's number (0, 1, 2): its index as the pulse's rounds count.
    pub fn index(self) -> u32 {
        match self {
            RecoveryRound::Before => 0,
            RecoveryRound::TwoWeeks => 1,
            RecoveryRound::SixWeeks => 2,
        }
    }

    /// The round of number `index`.
    pub fn from_index(index: u32) -> Option<RecoveryRound> {
        RecoveryRound::ALL.into_iter().find(|r| r.index() == index)
    }

    /// How the round reads on a page.
    pub fn label(self) -> &'static str {
        match self {
            RecoveryRound::Before => "Before the amends",
            RecoveryRound::TwoWeeks => "Two weeks after the amends",
            RecoveryRound::SixWeeks => "Six weeks after the amends",
        }
    }

    /// The round's days, for a pulse started on `started` with amends made on `amends`;
    /// `None` when it has no day (yet): the "before" round once amends came first, the later
    /// rounds until amends are made.
    pub fn dates(self, started: Date, amends: Option<Date>) -> Option<RoundDates> {
        let opens = match self {
            RecoveryRound::Before => match amends {
                Some(made) if made <= started => return None,
                _ => started,
            },
            RecoveryRound::TwoWeeks => amends? + Duration::days(14),
            RecoveryRound::SixWeeks => amends? + Duration::days(42),
        };
        Some(RoundDates {
            index: self.index(),
            opens,
            closes: opens + Duration::days(WINDOW_DAYS - 1),
        })
    }
}

/// What the scheduler does with a round on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RoundAction {
    /// Open it: its window is running.
    Open(RoundDates),
    /// Record it as missed: its window passed before it was opened.
    Missed(RoundDates),
}

/// The rounds to handle on `today` for a pulse started on `started` with amends made on
/// `amends`, given the rounds `handled` already (opened or missed): each round not handled
/// whose first day has come is opened while its window runs, and recorded as missed after.
pub fn due_rounds(
    started: Date,
    amends: Option<Date>,
    handled: &[RecoveryRound],
    today: Date,
) -> Vec<(RecoveryRound, RoundAction)> {
    RecoveryRound::ALL
        .into_iter()
        .filter(|r| !handled.contains(r))
        .filter_map(|r| {
            let dates = r.dates(started, amends)?;
            if today < dates.opens {
                None
            } else if today <= dates.closes {
                Some((r, RoundAction::Open(dates)))
            } else {
                Some((r, RoundAction::Missed(dates)))
            }
        })
        .collect()
}

/// Whether a recovery pulse's answers are anonymous or named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryMode {
    /// At least k affected: answers sealed until k, shown only from k, never with a name.
    Anonymous,
    /// Fewer than k affected: every respondent is told before answering that the leader sees
    /// their name beside their answer.
    Named,
}

impl RecoveryMode {
    /// The mode a pulse of `affected` people must take with the privacy minimum `k`.
    pub fn for_affected(affected: usize, k: u32) -> RecoveryMode {
        if affected >= k as usize {
            RecoveryMode::Anonymous
        } else {
            RecoveryMode::Named
        }
    }

    /// The stable identifier stored in the database.
    pub fn slug(self) -> &'static str {
        match self {
            RecoveryMode::Anonymous => "anonymous",
            RecoveryMode::Named => "named",
        }
    }

    /// Parses the stable identifier.
    pub fn from_slug(slug: &str) -> Option<RecoveryMode> {
        [RecoveryMode::Anonymous, RecoveryMode::Named]
            .into_iter()
            .find(|m| m.slug() == slug)
    }

    /// Whether a round with `answered` answers may show its figures: an anonymous round only
    /// from `k`, a named one as soon as anyone answered (each answer is shown with its name).
    pub fn shows(self, answered: u32, k: u32) -> bool {
        match self {
            RecoveryMode::Anonymous => answered >= k,
            RecoveryMode::Named => answered >= 1,
        }
    }
}

/// The items a recovery round asks about a breach that touched `element`: the instrument's
/// overall items and that element's, in the instrument's order, as an instrument of its own
/// (what the answer form shows, and what answers are checked and scored against).
pub fn asked(instrument: &Instrument, element: Element) -> Instrument {
    Instrument {
        items: instrument
            .items
            .iter()
            .filter(|i| i.measures == Measures::Overall || i.measures == Measures::Element(element))
            .cloned()
            .collect(),
        open_questions: Vec::new(),
        ..instrument.clone()
    }
}

/// One respondent's scores on 0–100 for a round asking `asked`: overall trust and the element,
/// each when answered (not "can't say"). The Trust Index, which needs every element, is not
/// part of a recovery pulse.
pub fn recovery_scores(
    asked: &Instrument,
    ratings: &BTreeMap<String, Rating>,
) -> BTreeMap<PulseMeasure, f64> {
    let mut scores = respondent_scores(asked, ratings);
    scores.remove(&PulseMeasure::TrustIndex);
    scores
}
