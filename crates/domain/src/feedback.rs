//! Feedback that helps: situation, behaviour, impact, and an optional suggestion, about one
//! element of trust, named or anonymous.
//!
//! - A [`FeedbackText`] is parsed at the edge ([`FeedbackText::parse`]): the three parts are
//!   required, each at most [`MAX_PART`] characters; every problem is reported at once, by
//!   part, so a form is shown again with all of them.
//! - [`check_receiver`] refuses feedback to oneself and to someone who has left.
//! - [`judgements`] is the judgement warning: a small, fixed rule set that flags wording that
//!   judges the person rather than describing what they did. It is a prompt to rewrite, never a
//!   refusal: the sender may send anyway. What it catches (in any part, case and apostrophe
//!   style ignored):
//!   - **labels**: "you are / you're / you were / you seem / you act" followed (within three
//!     filler words such as "so", "really", "such a", "being") by a word of [`LABELS`]
//!     ("you are lazy", "you're such an arrogant…"), and "such a/an" + label anywhere;
//!   - **absolutes**: "you always", "you never", "you constantly", "you're always / never", and
//!     the phrases "every time you", "every single time", "all the time";
//!   - **character**: "your attitude", "your personality", "your character", "typical of you",
//!     "the kind of person", "who you are";
//!   - **mind reading**: "you don't care", "you do not care", "you don't respect", "on purpose",
//!     "deliberately".
//!
//!   What it does not catch: labels outside the list or said of a third person ("she is
//!   lazy"), judgements by irony or tone, negated descriptions ("you are never late" is flagged
//!   although kind), absolutes without "you" ("nobody ever listens"), and other languages than
//!   English. It has false positives by design: a warning costs one click.
//! - Anonymous feedback is delivered under the privacy rule ([`AnonymousRule`]): items to one
//!   receiver wait until at least k have arrived, from k different senders, then are delivered
//!   together, in random order, every one dated only by the ISO week ([`week_of`]) the batch was
//!   written in and delivered. The sender is told this before sending.
//! - The receiver marks each item helpful or not; [`counts_over_time`] counts what a person
//!   received by element and period with the share they found helpful, and [`TeamCount`] is
//!   what admins see: counts only, and "fewer than k" when they rest on fewer than k senders.

use crate::model::Element;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, Weekday};

/// The longest part of a feedback item, in characters.
pub const MAX_PART: usize = 2000;

/// The longest reply to a named item, in characters.
pub const MAX_REPLY: usize = 2000;

/// The longest description of what feedback is asked about, in characters.
pub const MAX_ABOUT: usize = 200;

/// The words that label a person rather than describe a behaviour (the label rule).
pub const LABELS: [&str; 52] = [
    "lazy",
    "arrogant",
    "rude",
    "selfish",
    "incompetent",
    "useless",
    "careless",
    "sloppy",
    "disrespectful",
    "dismissive",
    "stubborn",
    "difficult",
    "unprofessional",
    "unreliable",
    "aggressive",
    "hostile",
    "toxic",
    "weak",
    "clueless",
    "stupid",
    "ignorant",
    "controlling",
    "bossy",
    "annoying",
    "negative",
    "insensitive",
    "untrustworthy",
    "dishonest",
    "liar",
    "bully",
    "micromanager",
    "egotistical",
    "condescending",
    "patronising",
    "patronizing",
    "manipulative",
    "cold",
    "hopeless",
    "pathetic",
    "childish",
    "immature",
    "irresponsible",
    "disorganised",
    "disorganized",
    "inconsiderate",
    "defensive",
    "passive-aggressive",
    "fake",
    "two-faced",
    "unfair",
    "idiot",
    "failure",
];

/// Words allowed between "you are" and a label ("you are *really just so* lazy").
const FILLERS: [&str; 18] = [
    "so",
    "very",
    "really",
    "too",
    "such",
    "a",
    "an",
    "being",
    "just",
    "quite",
    "extremely",
    "totally",
    "completely",
    "pretty",
    "incredibly",
    "the",
    "most",
    "always",
];

/// The forms of "to be" (and its look-alikes) that make "you …" a label.
const BE: [&str; 8] = [
    "are", "were", "seem", "seemed", "act", "acted", "sound", "look",
];

/// A part of a feedback item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// When and where it happened.
    Situation,
    /// What the person did or said, as a camera would have seen it.
    Behaviour,
    /// What it did to the sender, the team or the work.
    Impact,
    /// What could help next time (optional).
    Suggestion,
}

impl Part {
    /// The parts in the order of the form.
    pub const ALL: [Part; 4] = [
        Part::Situation,
        Part::Behaviour,
        Part::Impact,
        Part::Suggestion,
    ];

    /// The name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Part::Situation => "Situation",
            Part::Behaviour => "Behaviour",
            Part::Impact => "Impact",
            Part::Suggestion => "Suggestion",
        }
    }

    /// The form field's name.
    pub fn slug(self) -> &'static str {
        match self {
            Part::Situation => "situation",
            Part::Behaviour => "behaviour",
            Part::Impact => "impact",
            Part::Suggestion => "suggestion",
        }
    }

    /// What the part asks for, with a short example (our own words).
    pub fn example(self) -> &'static str {
        match self {
            Part::Situation => {
                "When and where. For example: \"In Tuesday's planning meeting, when we set the release date\""
            }
            Part::Behaviour => {
                "What they did or said, as a camera would have seen it. For example: \"you asked each of us for our estimate before giving yours\""
            }
            Part::Impact => {
                "What it changed for you, the team or the work. For example: \"I felt free to say the date was too early, and we moved it before it cost us\""
            }
            Part::Suggestion => {
                "Optional: what could help next time. For example: \"Doing the same in the retrospective would help the quieter people speak\""
            }
        }
    }
}

/// A problem with one part of a feedback item, said so that it can be fixed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartProblem {
    /// Which part.
    pub part: Part,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// The words of a feedback item, checked: three parts that are not empty, an optional
/// suggestion, none longer than [`MAX_PART`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackText {
    situation: String,
    behaviour: String,
    impact: String,
    suggestion: Option<String>,
}

/// Trims `text` and checks it fits in `max` characters; empty is `None`.
fn part(text: &str, part: Part, max: usize, problems: &mut Vec<PartProblem>) -> Option<String> {
    let text = text.trim();
    let length = text.chars().count();
    if length > max {
        problems.push(PartProblem {
            part,
            message: format!(
                "{} is {length} characters long; keep it to {max} (say one situation at a time).",
                part.label()
            ),
        });
    }
    (!text.is_empty()).then(|| text.to_string())
}

impl FeedbackText {
    /// Checks the parts as typed; every problem at once.
    pub fn parse(
        situation: &str,
        behaviour: &str,
        impact: &str,
        suggestion: &str,
    ) -> Result<FeedbackText, Vec<PartProblem>> {
        let mut problems = Vec::new();
        let required = |text: &str, which: Part, problems: &mut Vec<PartProblem>| {
            let value = part(text, which, MAX_PART, problems);
            if value.is_none() {
                problems.push(PartProblem {
                    part: which,
                    message: format!(
                        "{} is empty: {}",
                        which.label(),
                        which.example().to_lowercase()
                    ),
                });
            }
            value.unwrap_or_default()
        };
        let situation = required(situation, Part::Situation, &mut problems);
        let behaviour = required(behaviour, Part::Behaviour, &mut problems);
        let impact = required(impact, Part::Impact, &mut problems);
        let suggestion = part(suggestion, Part::Suggestion, MAX_PART, &mut problems);
        if problems.is_empty() {
            Ok(FeedbackText {
                situation,
                behaviour,
                impact,
                suggestion,
            })
        } else {
            Err(problems)
        }
    }

    /// The text of `which` (the suggestion may be empty).
    pub fn get(&self, which: Part) -> &str {
        match which {
            Part::Situation => &self.situation,
            Part::Behaviour => &self.behaviour,
            Part::Impact => &self.impact,
            Part::Suggestion => self.suggestion.as_deref().unwrap_or(""),
        }
    }

    /// The suggestion, if one was given.
    pub fn suggestion(&self) -> Option<&str> {
        self.suggestion.as_deref()
    }
}

/// Why feedback cannot go to a receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiverRefusal {
    /// The sender chose themselves.
    ToSelf,
    /// The receiver has left the organisation.
    Left {
        /// Their name.
        name: String,
    },
}

impl ReceiverRefusal {
    /// What the sender is told.
    pub fn message(&self) -> String {
        match self {
            ReceiverRefusal::ToSelf => {
                "Feedback is for someone else: choose the person it is for. To reflect on your own work, the learning module has prompts.".into()
            }
            ReceiverRefusal::Left { name } => format!(
                "{name} has left the organisation, so they cannot receive feedback here any more."
            ),
        }
    }
}

/// Whether feedback from `sender` can go to `receiver` (named `name`, who left on `left_on`
/// if they left) on `today`.
pub fn check_receiver(
    sender: i64,
    receiver: i64,
    name: &str,
    left_on: Option<Date>,
    today: Date,
) -> Result<(), ReceiverRefusal> {
    if sender == receiver {
        return Err(ReceiverRefusal::ToSelf);
    }
    if left_on.is_some_and(|left| left <= today) {
        return Err(ReceiverRefusal::Left { name: name.into() });
    }
    Ok(())
}

/// Checks what feedback is asked about: not empty, at most [`MAX_ABOUT`] characters.
pub fn parse_about(text: &str) -> Result<String, String> {
    let text = text.trim();
    let length = text.chars().count();
    if text.is_empty() {
        return Err(
            "Say what you would like feedback on: a meeting, a decision or a period, such as \"how I ran Monday's review\"."
                .into(),
        );
    }
    if length > MAX_ABOUT {
        return Err(format!(
            "What you ask about is {length} characters long; keep it to {MAX_ABOUT}."
        ));
    }
    Ok(text.into())
}

/// Checks a reply to a named item: not empty, at most [`MAX_REPLY`] characters.
pub fn parse_reply(text: &str) -> Result<String, String> {
    let text = text.trim();
    let length = text.chars().count();
    if text.is_empty() {
        return Err(
            "The reply is empty: write a few words back, such as thanks or a question.".into(),
        );
    }
    if length > MAX_REPLY {
        return Err(format!(
            "The reply is {length} characters long; keep it to {MAX_REPLY}."
        ));
    }
    Ok(text.into())
}

/// Which rule of the judgement warning matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JudgementKind {
    /// "You are lazy": a label for the person.
    Label,
    /// "You always…", "you never…": an absolute no one behaviour can show.
    Absolute,
    /// "Your attitude", "typical of you": about character, not an act.
    Character,
    /// "You don't care", "on purpose": a guess at intent.
    MindReading,
}

impl JudgementKind {
    /// What the sender is told, with how to rewrite it.
    pub fn advice(self) -> &'static str {
        match self {
            JudgementKind::Label => {
                "This labels the person. Say what they did that made you think so."
            }
            JudgementKind::Absolute => {
                "\"Always\" and \"never\" are hard to hear and rarely true. Name the time it happened."
            }
            JudgementKind::Character => {
                "This is about who they are. Describe the act, which they can change."
            }
            JudgementKind::MindReading => {
                "This guesses at their intent. Say what you saw and what it did to you instead."
            }
        }
    }
}

/// A place where a part reads as a judgement of the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgement {
    /// The part it is in.
    pub part: Part,
    /// The rule that matched.
    pub kind: JudgementKind,
    /// The words that matched, lower-cased.
    pub words: String,
}

/// The words of `text`, lower-cased, with typographic apostrophes made plain.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace(['\u{2019}', '\u{2018}', '`'], "'")
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '-').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether `words` has `phrase` (space-separated) starting at `at`.
fn has_at(words: &[String], at: usize, phrase: &str) -> bool {
    let phrase: Vec<&str> = phrase.split(' ').collect();
    words.len() >= at + phrase.len() && phrase.iter().zip(&words[at..]).all(|(p, w)| p == w)
}

/// Where a "you are" starts a label at `at`: the end of the "you are" (the next word's index).
fn you_are(words: &[String], at: usize) -> Option<usize> {
    match words[at].as_str() {
        "you're" | "youre" | "ur" => Some(at + 1),
        "you" => {
            let next = words.get(at + 1)?;
            BE.contains(&next.as_str()).then_some(at + 2)
        }
        _ => None,
    }
}

/// The judgements in one text, in reading order (see the module's documentation).
pub fn judgements_in(text: &str) -> Vec<(JudgementKind, String)> {
    let w = words(text);
    let mut found = Vec::new();
    let phrase = |from: usize, to: usize| w[from..to.min(w.len())].join(" ");
    for at in 0..w.len() {
        if let Some(after) = you_are(&w, at) {
            let mut i = after;
            while i < w.len() && i < after + 3 && FILLERS.contains(&w[i].as_str()) {
                i += 1;
            }
            if i < w.len() && LABELS.contains(&w[i].as_str()) {
                found.push((JudgementKind::Label, phrase(at, i + 1)));
            }
            if matches!(w.get(after).map(String::as_str), Some("always" | "never")) {
                found.push((JudgementKind::Absolute, phrase(at, after + 1)));
            }
        }
        if (w[at] == "such") && w.get(at + 1).is_some_and(|a| a == "a" || a == "an") {
            let mut i = at + 2;
            while i < w.len() && i < at + 4 && FILLERS.contains(&w[i].as_str()) {
                i += 1;
            }
            let before_you = at > 0 && you_are(&w, at.saturating_sub(1)).is_some();
            if !before_you && i < w.len() && LABELS.contains(&w[i].as_str()) {
                found.push((JudgementKind::Label, phrase(at, i + 1)));
            }
        }
        if w[at] == "you"
            && w.get(at + 1).is_some_and(|n| {
                matches!(
                    n.as_str(),
                    "always" | "never" | "constantly" | "continually"
                )
            })
        {
            found.push((JudgementKind::Absolute, phrase(at, at + 2)));
        }
        for absolute in ["every time you", "every single time", "all the time"] {
            if has_at(&w, at, absolute) {
                found.push((JudgementKind::Absolute, absolute.into()));
            }
        }
        for character in [
            "your attitude",
            "your personality",
            "your character",
            "typical of you",
            "the kind of person",
            "who you are",
        ] {
            if has_at(&w, at, character) {
                found.push((JudgementKind::Character, character.into()));
            }
        }
        for intent in [
            "you don't care",
            "you dont care",
            "you do not care",
            "you don't respect",
            "on purpose",
            "deliberately",
        ] {
            if has_at(&w, at, intent) {
                found.push((JudgementKind::MindReading, intent.into()));
            }
        }
    }
    found
}

/// The judgements in every part of `text`, part by part.
pub fn judgements(text: &FeedbackText) -> Vec<Judgement> {
    Part::ALL
        .into_iter()
        .flat_map(|part| {
            judgements_in(text.get(part))
                .into_iter()
                .map(move |(kind, words)| Judgement { part, kind, words })
        })
        .collect()
}

/// The Monday of the ISO week `day` is in: the finest date an anonymous item carries.
pub fn week_of(day: Date) -> Date {
    day - Duration::days(i64::from(day.weekday().number_days_from_monday()))
}

/// An ISO week as people read it: "2026-W49".
pub fn week_label(day: Date) -> String {
    let (year, week, _) = day.to_iso_week_date();
    format!("{year}-W{week:02}")
}

/// When anonymous items to one receiver are delivered: once `k` of them, from `k` different
/// senders, wait (a sender has at most one waiting item per receiver).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnonymousRule {
    /// The organisation's privacy minimum.
    pub k: u32,
}

impl AnonymousRule {
    /// Whether `waiting` items are delivered now.
    pub fn delivers(self, waiting: u32) -> bool {
        waiting >= self.k
    }

    /// What a sender is told before choosing to send anonymously.
    pub fn explained(self) -> String {
        format!(
            "Anonymous feedback waits until at least {k} people have sent this person anonymous feedback; then all of it is delivered together, in random order, dated only by the week. Nothing stored links it to you, so it does not appear in your list of feedback given, and it cannot be replied to. You can have one anonymous item waiting for each person.",
            k = self.k
        )
    }
}

/// A delivered item as [`counts_over_time`] counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// The day it was delivered (for an anonymous item, its week's Monday).
    pub delivered: Date,
    /// The element it concerns.
    pub element: Element,
    /// Whether the receiver found it helpful, once they said.
    pub helpful: Option<bool>,
}

/// How long a period of [`counts_over_time`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// A calendar month.
    Month,
    /// A calendar quarter.
    Quarter,
}

impl Period {
    /// The first day of the period `day` is in.
    pub fn start(self, day: Date) -> Date {
        let month = match self {
            Period::Month => day.month(),
            Period::Quarter => {
                Month::try_from(((u8::from(day.month()) - 1) / 3) * 3 + 1).unwrap_or(Month::January)
            }
        };
        Date::from_calendar_date(day.year(), month, 1).unwrap_or(day)
    }

    /// How a period starting on `start` reads: "2026-03" or "2026 Q1".
    pub fn label(self, start: Date) -> String {
        match self {
            Period::Month => format!("{}-{:02}", start.year(), u8::from(start.month())),
            Period::Quarter => format!(
                "{} Q{}",
                start.year(),
                (u8::from(start.month()) - 1) / 3 + 1
            ),
        }
    }

    /// The stable identifier used in URLs.
    pub fn slug(self) -> &'static str {
        match self {
            Period::Month => "month",
            Period::Quarter => "quarter",
        }
    }
}

/// What one person received in one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodCount {
    /// The period's first day.
    pub start: Date,
    /// How it reads.
    pub label: String,
    /// Items by element, in [`Element::ALL`]'s order.
    pub by_element: [u32; 3],
    /// Items the receiver marked helpful or not.
    pub rated: u32,
    /// Items marked helpful.
    pub helpful: u32,
}

impl PeriodCount {
    /// All items of the period.
    pub fn total(&self) -> u32 {
        self.by_element.iter().sum()
    }
}

/// The share of rated items found helpful, in percent, once any was rated.
pub fn helpful_share(rated: u32, helpful: u32) -> Option<u32> {
    (rated > 0).then(|| (f64::from(helpful) * 100.0 / f64::from(rated)).round() as u32)
}

/// What `items` count by period (oldest first; periods with nothing are left out).
pub fn counts_over_time(items: &[Received], period: Period) -> Vec<PeriodCount> {
    let mut counts: std::collections::BTreeMap<Date, PeriodCount> = Default::default();
    for item in items {
        let start = period.start(item.delivered);
        let count = counts.entry(start).or_insert_with(|| PeriodCount {
            start,
            label: period.label(start),
            by_element: [0; 3],
            rated: 0,
            helpful: 0,
        });
        let index = Element::ALL
            .iter()
            .position(|e| *e == item.element)
            .unwrap_or(0);
        count.by_element[index] += 1;
        if let Some(helpful) = item.helpful {
            count.rated += 1;
            count.helpful += u32::from(helpful);
        }
    }
    counts.into_values().collect()
}

/// A count an admin sees: the number, or "fewer than k" when it rests on fewer than k senders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "shown", content = "value")]
pub enum TeamCount {
    /// The count.
    Count(u32),
    /// Rests on fewer than this many senders.
    FewerThan(u32),
}

impl TeamCount {
    /// `count` from at least `senders` different senders, under the minimum `k`.
    pub fn of(count: u32, senders: u32, k: u32) -> TeamCount {
        if senders < k {
            TeamCount::FewerThan(k)
        } else {
            TeamCount::Count(count)
        }
    }

    /// How it reads.
    pub fn words(self) -> String {
        match self {
            TeamCount::Count(n) => n.to_string(),
            TeamCount::FewerThan(k) => format!("fewer than {k} senders"),
        }
    }
}

/// The fewest different senders a receiver's (or a team's) delivered items surely come from:
/// the distinct named senders, or k when any anonymous batch was delivered (each batch has k
/// different senders), whichever is more. Anonymous senders may also have sent named items,
/// so the two are not added.
pub fn fewest_senders(named_senders: u32, anonymous_batches: u32, k: u32) -> u32 {
    if anonymous_batches > 0 {
        named_senders.max(k)
    } else {
        named_senders
    }
}

/// Whether `day` is a Monday (what the dates of anonymous items always are).
pub fn is_week_start(day: Date) -> bool {
    day.weekday() == Weekday::Monday
}

#[cfg(test)]
mod tests;
