//! Repairing trust after a breach: what happened, who it touched, whether it was a failure of
//! competence or of integrity, and the four steps a leader takes (acknowledge, apologise, take
//! responsibility, make amends), each with guidance in our own words that differs between the
//! two kinds. Steps may be done in any order; one done before an earlier step is recorded with
//! a warning, never refused.
//!
//! - [`recovery`]: the recovery pulse (before the amends where possible, then two and six weeks
//!   after them), whether it is anonymous or named, and the short instrument it asks.

pub mod recovery;

use crate::model::Element;
use serde::Serialize;
use time::Date;

/// The longest description of a breach, in characters.
pub const MAX_WHAT: usize = 2000;
/// The longest note on a step, in characters.
pub const MAX_NOTE: usize = 2000;
/// How far back a breach may be dated, in days (ten years).
pub const OLDEST_DAYS: i64 = 3653;

/// What a breach touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreachKind {
    /// A mistake or a failure: the leader could not do what was needed.
    Competence,
    /// A broken promise or a betrayal: the leader would not do what was right.
    Integrity,
}

impl BreachKind {
    /// Both kinds, as a form lists them.
    pub const ALL: [BreachKind; 2] = [BreachKind::Competence, BreachKind::Integrity];

    /// The stable identifier stored in the database and sent by forms.
    pub fn slug(self) -> &'static str {
        match self {
            BreachKind::Competence => "competence",
            BreachKind::Integrity => "integrity",
        }
    }

    /// Parses the stable identifier, exactly.
    pub fn from_slug(slug: &str) -> Option<BreachKind> {
        BreachKind::ALL.into_iter().find(|k| k.slug() == slug)
    }

    /// How the kind reads on a page.
    pub fn label(self) -> &'static str {
        match self {
            BreachKind::Competence => "Competence: a mistake or a failure",
            BreachKind::Integrity => "Integrity: a broken promise or a betrayal",
        }
    }

    /// The element of trust a breach of this kind touches unless the leader names another:
    /// a failure of competence is one of judgement, a broken promise one of consistency.
    pub fn usual_element(self) -> Element {
        match self {
            BreachKind::Competence => Element::Judgement,
            BreachKind::Integrity => Element::Consistency,
        }
    }

    /// What repairing a breach of this kind takes, in a sentence.
    pub fn guidance(self) -> &'static str {
        match self {
            BreachKind::Competence => {
                "A failure of competence is usually forgiven once it is owned: a prompt, specific apology and a clear fix do most of the work. People want to see that you understand what went wrong and that it will not happen the same way again."
            }
            BreachKind::Integrity => {
                "A breach of integrity is not mended by words alone: an apology opens the door, but trust comes back only as people watch you keep promises over the following weeks. Expect recovery to be slow, and let your behaviour, not your explanations, carry it."
            }
        }
    }
}

/// A step of the repair, in the order they are usually taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Say that it happened, soon and specifically.
    Acknowledge,
    /// Say sorry: own it, name the impact, offer repair, no "but".
    Apologise,
    /// Say what will change, and who will make sure.
    TakeResponsibility,
    /// Do something that puts it right: commitments to the people affected.
    MakeAmends,
}

impl Step {
    /// Every step, in the usual order.
    pub const ALL: [Step; 4] = [
        Step::Acknowledge,
        Step::Apologise,
        Step::TakeResponsibility,
        Step::MakeAmends,
    ];

    /// The stable identifier stored in the database and sent by forms.
    pub fn slug(self) -> &'static str {
        match self {
            Step::Acknowledge => "acknowledge",
            Step::Apologise => "apologise",
            Step::TakeResponsibility => "take_responsibility",
            Step::MakeAmends => "make_amends",
        }
    }

    /// Parses the stable identifier, exactly.
    pub fn from_slug(slug: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.slug() == slug)
    }

    /// How the step reads on a page.
    pub fn label(self) -> &'static str {
        match self {
            Step::Acknowledge => "Acknowledge it",
            Step::Apologise => "Apologise",
            Step::TakeResponsibility => "Take responsibility",
            Step::MakeAmends => "Make amends",
        }
    }

    /// What to do in this step, for a breach of `kind`.
    pub fn guidance(self, kind: BreachKind) -> &'static str {
        match (self, kind) {
            (Step::Acknowledge, BreachKind::Competence) => {
                "Tell the people affected, soon and in plain words, what went wrong and what it caused for them. Be specific: \"the figures I sent on Monday were wrong and you presented them to the client\" rather than \"there were some issues\"."
            }
            (Step::Acknowledge, BreachKind::Integrity) => {
                "Name the promise you broke or the trust you let down, soon and to the people it touched, before they have to raise it. Do not wait until you have a plan: silence reads as hoping it will be forgotten."
            }
            (Step::Apologise, BreachKind::Competence) => {
                "Say sorry and mean it: own the mistake as yours, name its impact on them, and offer to put it right. Leave out \"but\" and the reasons it was hard; an apology with an excuse in it is heard as the excuse. For a failure of competence this step matters most."
            }
            (Step::Apologise, BreachKind::Integrity) => {
                "Apologise without conditions: say what you did, that it was wrong, and what it cost them. Expect the apology to be received cautiously; after a broken promise, words are weighed against what follows. Do not ask to be trusted again yet."
            }
            (Step::TakeResponsibility, BreachKind::Competence) => {
                "Say what will change so that it does not happen the same way again: a check you will add, help you will ask for, a skill you will build. Make it concrete enough that others can see it happen."
            }
            (Step::TakeResponsibility, BreachKind::Integrity) => {
                "Say what you will do differently from now on and how people can hold you to it. Invite them to tell you when you fall short. Changed behaviour over time, seen by the people affected, is what rebuilds trust here."
            }
            (Step::MakeAmends, BreachKind::Competence) => {
                "Do something that repairs the damage: redo the work, take on the follow-up, make the loss good. Record it as commitments to the people affected, so that they can confirm you did it."
            }
            (Step::MakeAmends, BreachKind::Integrity) => {
                "Make amends through promises kept: small, dated commitments to the people affected, each confirmed by them. Several kept over weeks do more than one large gesture. Watch the recovery pulse rather than asking people whether they trust you again."
            }
        }
    }
}

/// A step as done: the day and a note of what was said or done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepDone {
    /// The step.
    pub step: Step,
    /// The day it was done.
    pub on: Date,
    /// What was said or done.
    pub note: String,
}

/// Why a breach or a step was refused. The messages are shown to whoever typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepairError {
    /// The description is empty.
    #[error("say what happened")]
    NoWhat,
    /// The description is too long.
    #[error("keep what happened to at most {MAX_WHAT} characters")]
    WhatTooLong,
    /// Nobody is affected.
    #[error("name at least one person or team affected by the breach (not yourself)")]
    NoOneAffected,
    /// The day is after today.
    #[error("the day {0} is in the future; give the day it happened")]
    Future(Date),
    /// The day is more than ten years back.
    #[error("the day {0} is more than ten years ago")]
    TooOld(Date),
    /// A step dated before the breach.
    #[error("the step is dated {on}, before the breach on {breach}")]
    BeforeBreach {
        /// The step's day.
        on: Date,
        /// The breach's day.
        breach: Date,
    },
    /// The note is too long.
    #[error("keep the note to at most {MAX_NOTE} characters")]
    NoteTooLong,
    /// The note is empty.
    #[error("write a short note of what you said or did")]
    NoNote,
    /// The step was done already.
    #[error("this step was recorded as done on {0}")]
    AlreadyDone(Date),
}

/// Checks a breach as recorded: a description of 1 to [`MAX_WHAT`] characters, a day not after
/// `today` nor ten years back, and at least one person affected (teams resolved to people,
/// the leader left out).
pub fn check_breach(
    what: &str,
    happened: Date,
    today: Date,
    affected: usize,
) -> Result<(), RepairError> {
    let what = what.trim();
    if what.is_empty() {
        return Err(RepairError::NoWhat);
    }
    if what.chars().count() > MAX_WHAT {
        return Err(RepairError::WhatTooLong);
    }
    check_day(happened, today)?;
    if affected == 0 {
        return Err(RepairError::NoOneAffected);
    }
    Ok(())
}

/// A day that is neither after `today` nor more than ten years before it.
fn check_day(day: Date, today: Date) -> Result<(), RepairError> {
    if day > today {
        return Err(RepairError::Future(day));
    }
    if (today - day).whole_days() > OLDEST_DAYS {
        return Err(RepairError::TooOld(day));
    }
    Ok(())
}

/// What recording a step says besides storing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepWarning {
    /// The earlier steps not done yet, in order.
    pub skipped: Vec<Step>,
}

impl StepWarning {
    /// The warning in words.
    pub fn message(&self) -> String {
        let names: Vec<&str> = self.skipped.iter().map(|s| s.label()).collect();
        format!(
            "Recorded out of the usual order: {} not done yet. That is allowed; repairs rarely go in a straight line, but people usually need the earlier steps first.",
            names.join(", ")
        )
    }
}

/// Checks a step about to be recorded for a breach of `happened` against those `done`: refuses
/// a step done twice, an empty or long note, or a day in the future or before the breach;
/// returns a warning when earlier steps are not done (allowed).
pub fn check_step(
    step: &StepDone,
    done: &[StepDone],
    happened: Date,
    today: Date,
) -> Result<Option<StepWarning>, RepairError> {
    if let Some(before) = done.iter().find(|d| d.step == step.step) {
        return Err(RepairError::AlreadyDone(before.on));
    }
    let note = step.note.trim();
    if note.is_empty() {
        return Err(RepairError::NoNote);
    }
    if note.chars().count() > MAX_NOTE {
        return Err(RepairError::NoteTooLong);
    }
    check_day(step.on, today)?;
    if step.on < happened {
        return Err(RepairError::BeforeBreach {
            on: step.on,
            breach: happened,
        });
    }
    let skipped: Vec<Step> = Step::ALL
        .into_iter()
        .filter(|s| *s < step.step && !done.iter().any(|d| d.step == *s))
        .collect();
    Ok((!skipped.is_empty()).then_some(StepWarning { skipped }))
}

/// Where a repair stands: the steps done, the next one, and whether all are done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Each step in order with the day it was done, if it was.
    pub steps: Vec<(Step, Option<Date>)>,
    /// The first step in the usual order not done yet.
    pub next: Option<Step>,
}

impl Progress {
    /// Where a repair with `done` stands.
    pub fn of(done: &[StepDone]) -> Progress {
        let steps: Vec<(Step, Option<Date>)> = Step::ALL
            .into_iter()
            .map(|s| (s, done.iter().find(|d| d.step == s).map(|d| d.on)))
            .collect();
        let next = steps.iter().find(|(_, on)| on.is_none()).map(|(s, _)| *s);
        Progress { steps, next }
    }

    /// How many steps are done.
    pub fn done(&self) -> usize {
        self.steps.iter().filter(|(_, on)| on.is_some()).count()
    }

    /// The day amends were made, when they were.
    pub fn amends_on(&self) -> Option<Date> {
        self.steps
            .iter()
            .find(|(s, _)| *s == Step::MakeAmends)
            .and_then(|(_, on)| *on)
    }

    /// What the leader should do next, in a sentence.
    pub fn what_next(&self) -> String {
        match self.next {
            Some(step) => format!("Next: {}.", step.label().to_lowercase()),
            None => "Every step is done. Keep the commitments you made and watch the recovery pulse; close the repair when the people affected say trust is back.".into(),
        }
    }
}

#[cfg(test)]
mod tests;
