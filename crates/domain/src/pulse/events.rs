//! Change events on a team's timeline (a reorganisation, a new leader…), and the pulse rounds
//! just before and just after one, which the "did trust hold through the change?" view
//! compares with the 360's test.

use super::schedule::RoundDates;
use serde::Serialize;
use time::{Date, Duration};

/// The longest note on an event, in characters.
pub const MAX_NOTE: usize = 500;

/// What kind of change an event was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Teams merged, split or moved.
    Reorganisation,
    /// The team got a new leader.
    NewLeader,
    /// People were laid off.
    Layoffs,
    /// A new strategy was announced.
    NewStrategy,
    /// The team moved offices or ways of working.
    OfficeMove,
    /// Anything else.
    Other,
}

impl EventKind {
    /// Every kind, as a form lists them.
    pub const ALL: [EventKind; 6] = [
        EventKind::Reorganisation,
        EventKind::NewLeader,
        EventKind::Layoffs,
        EventKind::NewStrategy,
        EventKind::OfficeMove,
        EventKind::Other,
    ];

    /// The stable identifier stored in the database and sent by forms.
    pub fn slug(self) -> &'static str {
        match self {
            EventKind::Reorganisation => "reorganisation",
            EventKind::NewLeader => "new_leader",
            EventKind::Layoffs => "layoffs",
            EventKind::NewStrategy => "new_strategy",
            EventKind::OfficeMove => "office_move",
            EventKind::Other => "other",
        }
    }

    /// Parses the stable identifier, exactly.
    pub fn from_slug(slug: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.slug() == slug)
    }

    /// How the kind reads on a page.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Reorganisation => "Reorganisation",
            EventKind::NewLeader => "New leader",
            EventKind::Layoffs => "Layoffs",
            EventKind::NewStrategy => "New strategy",
            EventKind::OfficeMove => "Office move",
            EventKind::Other => "Other change",
        }
    }
}

/// Why an event was refused. The messages are shown to whoever records it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// No team named.
    #[error("choose at least one team the change affected")]
    NoTeams,
    /// The note is too long.
    #[error("keep the note to at most {MAX_NOTE} characters")]
    Note,
    /// More than a year ahead or ten years back.
    #[error("the date must lie within the last ten years and the next year")]
    Date,
}

/// Checks an event: at least one team, a short note, a date from ten years back to a year
/// ahead (a change can be recorded when it is announced).
pub fn check_event(on: Date, today: Date, note: &str, teams: usize) -> Result<(), EventError> {
    if teams == 0 {
        return Err(EventError::NoTeams);
    }
    if note.chars().count() > MAX_NOTE {
        return Err(EventError::Note);
    }
    if on > today + Duration::days(366) || on < today - Duration::days(3653) {
        return Err(EventError::Date);
    }
    Ok(())
}

/// The last round that closed before `event` and the first that opened on or after it (a round
/// whose window holds the event day is neither); `None` unless both exist. `rounds` are in
/// order.
pub fn rounds_around(rounds: &[RoundDates], event: Date) -> Option<(u32, u32)> {
    let before = rounds.iter().rev().find(|r| r.closes < event)?;
    let after = rounds.iter().find(|r| r.opens >= event)?;
    Some((before.index, after.index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pulse::{Cadence, Schedule};
    use time::macros::date;

    #[test]
    fn an_event_needs_a_team_a_short_note_and_a_sensible_date() {
        let today = date!(2026 - 06 - 01);
        assert_eq!(check_event(today, today, "", 0), Err(EventError::NoTeams));
        assert_eq!(
            check_event(today, today, &"n".repeat(MAX_NOTE + 1), 1),
            Err(EventError::Note)
        );
        assert_eq!(
            check_event(date!(2027 - 07 - 01), today, "", 1),
            Err(EventError::Date)
        );
        assert_eq!(
            check_event(date!(2026 - 09 - 01), today, "Announced", 2),
            Ok(())
        );
    }

    #[test]
    fn the_rounds_around_an_event_leave_out_the_round_it_fell_in() {
        let s = Schedule::new(
            date!(2026 - 01 - 05),
            Cadence::Weekly,
            3,
            date!(2026 - 01 - 01),
        )
        .expect("valid");
        let rounds: Vec<RoundDates> = (0..6).filter_map(|i| s.round(i)).collect();
        // Round 2 runs 19th-21st. An event on the 20th: round 1 before, round 3 after.
        assert_eq!(rounds_around(&rounds, date!(2026 - 01 - 20)), Some((1, 3)));
        // An event on the 23rd, between rounds: 2 before, 3 after.
        assert_eq!(rounds_around(&rounds, date!(2026 - 01 - 23)), Some((2, 3)));
        assert_eq!(rounds_around(&rounds, date!(2026 - 01 - 05)), None);
        for kind in EventKind::ALL {
            assert_eq!(EventKind::from_slug(kind.slug()), Some(kind));
        }
    }
}
