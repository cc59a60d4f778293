//! The development plan: what a leader chooses to work on after a report, and the actions they
//! take.
//!
//! - A plan starts from a closed report. Its focus is one or two elements of trust, the report's
//!   suggested focus first ([`check_focus`]).
//! - Its actions come from the [`ActionLibrary`] (versioned data, like the instrument: a plan
//!   keeps the version its actions came from) or are the leader's own. Each has a target date
//!   and a status ([`ActionStatus`]) with a short note.
//! - The leader's next report shows the actions done between the two reports
//!   ([`done_between`]), without any claim that they caused a change.

use crate::model::Element;
use serde::{Deserialize, Serialize};
use time::Date;

/// The longest action title, in characters.
pub const MAX_TITLE: usize = 200;

/// The longest note on an action, in characters.
pub const MAX_NOTE: usize = 500;

/// The most elements a plan focuses on.
pub const MAX_FOCUS: usize = 2;

/// Where an action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// Chosen, not started.
    Planned,
    /// Under way.
    Doing,
    /// Done.
    Done,
    /// Given up.
    Dropped,
}

impl ActionStatus {
    /// Every status, in the order a form lists them.
    pub const ALL: [ActionStatus; 4] = [
        ActionStatus::Planned,
        ActionStatus::Doing,
        ActionStatus::Done,
        ActionStatus::Dropped,
    ];

    /// The stable identifier stored in the database and sent by forms.
    pub fn slug(self) -> &'static str {
        match self {
            ActionStatus::Planned => "planned",
            ActionStatus::Doing => "doing",
            ActionStatus::Done => "done",
            ActionStatus::Dropped => "dropped",
        }
    }

    /// Parses the stable identifier, exactly.
    pub fn from_slug(slug: &str) -> Option<ActionStatus> {
        ActionStatus::ALL.into_iter().find(|s| s.slug() == slug)
    }

    /// How the status reads on a page.
    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::Planned => "Planned",
            ActionStatus::Doing => "Doing",
            ActionStatus::Done => "Done",
            ActionStatus::Dropped => "Dropped",
        }
    }
}

/// Why a plan or an action was refused. The messages are shown to the leader.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// No focus, too many, or one twice.
    #[error("choose one or two different elements to focus on")]
    Focus,
    /// The title is empty or too long.
    #[error("give the action a title of at most {MAX_TITLE} characters")]
    Title,
    /// The note is too long.
    #[error("keep the note to at most {MAX_NOTE} characters")]
    Note,
    /// The target date lies in the past.
    #[error("the target date {0} has already passed: choose today or a later day")]
    DateInThePast(Date),
    /// The library has no such action.
    #[error("the action library has no action {0:?}")]
    UnknownAction(String),
}

/// Checks a plan's focus: one or two distinct elements.
pub fn check_focus(focus: &[Element]) -> Result<(), PlanError> {
    let distinct = focus.len() < 2 || focus[0] != focus[1];
    if focus.is_empty() || focus.len() > MAX_FOCUS || !distinct {
        return Err(PlanError::Focus);
    }
    Ok(())
}

/// Checks an action the leader adds: a title, a target date from today on, a short note.
pub fn check_action(title: &str, target: Date, today: Date, note: &str) -> Result<(), PlanError> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        return Err(PlanError::Title);
    }
    if note.chars().count() > MAX_NOTE {
        return Err(PlanError::Note);
    }
    if target < today {
        return Err(PlanError::DateInThePast(target));
    }
    Ok(())
}

/// An action's status change as the next report sees it: its status and the day it was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionState {
    /// The status.
    pub status: ActionStatus,
    /// When the status was set.
    pub since: Date,
}

/// The indices of `actions` marked done after `after` and on or before `until`: what the next
/// report lists beside the scores (the days between the two reports' campaigns closing).
pub fn done_between(actions: &[ActionState], after: Date, until: Date) -> Vec<usize> {
    actions
        .iter()
        .enumerate()
        .filter(|(_, a)| a.status == ActionStatus::Done && a.since > after && a.since <= until)
        .map(|(i, _)| i)
        .collect()
}

/// One action of the library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LibraryAction {
    /// Stable identifier within the library.
    pub id: String,
    /// The element the action builds.
    pub element: Element,
    /// What to do, as a plan shows it.
    pub title: String,
    /// Why it builds trust.
    pub why: String,
    /// How to start this week.
    pub start: String,
    /// The learning module's lesson for the action's element, by lesson id.
    pub lesson: Option<String>,
}

/// A versioned library of actions by element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionLibrary {
    /// The version; a plan records the version its actions came from.
    pub version: u32,
    /// The actions, in the order the file lists them.
    pub actions: Vec<LibraryAction>,
}

/// Why an action library file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LibraryError {
    /// Not TOML of the expected shape.
    #[error("the action library cannot be read: {0}")]
    Syntax(String),
    /// The content breaks a rule (the message says which).
    #[error("the action library is not valid: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLibrary {
    version: u32,
    actions: Vec<RawAction>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    id: String,
    element: String,
    title: String,
    why: String,
    start: String,
    lesson: Option<String>,
}

const BUILT_IN: &[&str] = &[include_str!("../actions/trust-actions-v1.toml")];

impl ActionLibrary {
    /// Reads and checks a library written in TOML: ids unique, every element known, every text
    /// present, titles within [`MAX_TITLE`], at least one action per element.
    pub fn from_toml(text: &str) -> Result<ActionLibrary, LibraryError> {
        let raw: RawLibrary =
            toml::from_str(text).map_err(|e| LibraryError::Syntax(e.to_string()))?;
        let mut actions: Vec<LibraryAction> = Vec::with_capacity(raw.actions.len());
        for a in raw.actions {
            let invalid = |what: &str| LibraryError::Invalid(format!("action {:?} {what}", a.id));
            let element = Element::from_slug(&a.element)
                .ok_or_else(|| invalid(&format!("names unknown element {:?}", a.element)))?;
            if actions.iter().any(|b| b.id == a.id) {
                return Err(invalid("is listed twice"));
            }
            if [&a.id, &a.title, &a.why, &a.start]
                .iter()
                .any(|t| t.trim().is_empty())
            {
                return Err(invalid("has an empty text"));
            }
            if a.title.chars().count() > MAX_TITLE {
                return Err(invalid("has a title that is too long"));
            }
            actions.push(LibraryAction {
                id: a.id,
                element,
                title: a.title,
                why: a.why,
                start: a.start,
                lesson: a.lesson,
            });
        }
        if let Some(e) = Element::ALL
            .into_iter()
            .find(|e| !actions.iter().any(|a| a.element == *e))
        {
            return Err(LibraryError::Invalid(format!("no action for {}", e.slug())));
        }
        Ok(ActionLibrary {
            version: raw.version,
            actions,
        })
    }

    /// Every built-in library, oldest version first.
    pub fn built_in() -> Result<Vec<ActionLibrary>, LibraryError> {
        BUILT_IN
            .iter()
            .map(|t| ActionLibrary::from_toml(t))
            .collect()
    }

    /// The actions for one element.
    pub fn for_element(&self, element: Element) -> impl Iterator<Item = &LibraryAction> {
        self.actions.iter().filter(move |a| a.element == element)
    }

    /// The action with this id.
    pub fn action(&self, id: &str) -> Result<&LibraryAction, PlanError> {
        self.actions
            .iter()
            .find(|a| a.id == id)
            .ok_or_else(|| PlanError::UnknownAction(id.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_built_in_library_reads_and_covers_every_element() {
        let libraries = ActionLibrary::built_in().expect("built-in libraries are valid");
        let latest = libraries.last().expect("one library at least");
        assert_eq!(latest.version, 1);
        for e in Element::ALL {
            assert!(latest.for_element(e).count() >= 3, "{e:?} has choices");
        }
        assert!(latest.actions.iter().all(|a| a.lesson.is_some()));
        assert!(latest.action("con-renegotiate-early").is_ok());
        assert_eq!(
            latest.action("nope"),
            Err(PlanError::UnknownAction("nope".into()))
        );
    }

    #[test]
    fn a_library_with_a_fault_is_refused_saying_which_action() {
        let good = r#"version = 2
[[actions]]
id = "a"
element = "relationships"
title = "T"
why = "W"
start = "S"
[[actions]]
id = "b"
element = "judgement"
title = "T"
why = "W"
start = "S"
[[actions]]
id = "c"
element = "consistency"
title = "T"
why = "W"
start = "S"
"#;
        assert!(ActionLibrary::from_toml(good).is_ok());
        let twice = good.replace("id = \"b\"", "id = \"a\"");
        assert_eq!(
            ActionLibrary::from_toml(&twice),
            Err(LibraryError::Invalid("action \"a\" is listed twice".into()))
        );
        let unknown = good.replace("\"judgement\"", "\"charm\"");
        assert!(
            matches!(ActionLibrary::from_toml(&unknown), Err(LibraryError::Invalid(m)) if m.contains("charm"))
        );
        let missing = good.replace("\"consistency\"", "\"judgement\"");
        assert_eq!(
            ActionLibrary::from_toml(&missing),
            Err(LibraryError::Invalid("no action for consistency".into()))
        );
        let empty = good.replace(
            "why = \"W\"\nstart = \"S\"\n[[actions]]\nid = \"c\"",
            "why = \" \"\nstart = \"S\"\n[[actions]]\nid = \"c\"",
        );
        assert!(matches!(
            ActionLibrary::from_toml(&empty),
            Err(LibraryError::Invalid(_))
        ));
        assert!(matches!(
            ActionLibrary::from_toml("version = 1\nactions = 3"),
            Err(LibraryError::Syntax(_))
        ));
    }

    #[test]
    fn a_focus_is_one_or_two_different_elements() {
        use Element::*;
        assert_eq!(check_focus(&[]), Err(PlanError::Focus));
        assert_eq!(check_focus(&[Consistency]), Ok(()));
        assert_eq!(check_focus(&[Consistency, Judgement]), Ok(()));
        assert_eq!(
            check_focus(&[Consistency, Consistency]),
            Err(PlanError::Focus)
        );
        assert_eq!(
            check_focus(&[Consistency, Judgement, Relationships]),
            Err(PlanError::Focus)
        );
    }

    #[test]
    fn an_action_needs_a_title_a_date_not_past_and_a_short_note() {
        let today = date!(2026 - 03 - 10);
        assert_eq!(check_action(" ", today, today, ""), Err(PlanError::Title));
        assert_eq!(
            check_action(&"t".repeat(MAX_TITLE + 1), today, today, ""),
            Err(PlanError::Title)
        );
        assert_eq!(
            check_action("Ask first", today, today, &"n".repeat(MAX_NOTE + 1)),
            Err(PlanError::Note)
        );
        assert_eq!(
            check_action("Ask first", date!(2026 - 03 - 09), today, ""),
            Err(PlanError::DateInThePast(date!(2026 - 03 - 09)))
        );
        assert_eq!(check_action("Ask first", today, today, "with Ana"), Ok(()));
    }

    #[test]
    fn the_next_report_lists_what_was_done_between_the_two_reports() {
        let s = |status, since| ActionState { status, since };
        let actions = [
            s(ActionStatus::Done, date!(2026 - 02 - 01)), // before: already shown last time
            s(ActionStatus::Done, date!(2026 - 02 - 02)), // the day after the last report
            s(ActionStatus::Doing, date!(2026 - 03 - 01)), // not done
            s(ActionStatus::Done, date!(2026 - 05 - 01)), // the day of the new report
            s(ActionStatus::Done, date!(2026 - 05 - 02)), // after
        ];
        assert_eq!(
            done_between(&actions, date!(2026 - 02 - 01), date!(2026 - 05 - 01)),
            vec![1, 3]
        );
    }

    #[test]
    fn statuses_read_back_from_their_slugs() {
        for s in ActionStatus::ALL {
            assert_eq!(ActionStatus::from_slug(s.slug()), Some(s));
        }
        assert_eq!(ActionStatus::from_slug("Done"), None);
    }
}
