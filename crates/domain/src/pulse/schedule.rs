//! When a pulse series' rounds open and close.
//!
//! Round `i` opens on the start date advanced by `i` cadence steps (calendar months for monthly
//! and quarterly, the day clamped to the month's length) and stays open for the window's days.
//! The server asks [`Schedule::next_step`] with the last round it handled: it opens a round only
//! while that round's window runs, records rounds it was down for as missed (never opened
//! late), and does nothing when the clock reads earlier than a round already opened.

use serde::Serialize;
use time::{Date, Duration, Month};

/// How often a series asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// Every 7 days.
    Weekly,
    /// Every 14 days.
    Fortnightly,
    /// On the same day each month.
    Monthly,
    /// On the same day every three months.
    Quarterly,
}

impl Cadence {
    /// Every cadence, as a form lists them.
    pub const ALL: [Cadence; 4] = [
        Cadence::Weekly,
        Cadence::Fortnightly,
        Cadence::Monthly,
        Cadence::Quarterly,
    ];

    /// The stable identifier stored in the database and sent by forms.
    pub fn slug(self) -> &'static str {
        match self {
            Cadence::Weekly => "weekly",
            Cadence::Fortnightly => "fortnightly",
            Cadence::Monthly => "monthly",
            Cadence::Quarterly => "quarterly",
        }
    }

    /// Parses the stable identifier, exactly.
    pub fn from_slug(slug: &str) -> Option<Cadence> {
        Cadence::ALL.into_iter().find(|c| c.slug() == slug)
    }

    /// The shortest time between two openings, in days: the longest a window may be.
    pub fn shortest_days(self) -> i64 {
        match self {
            Cadence::Weekly => 7,
            Cadence::Fortnightly => 14,
            Cadence::Monthly => 28,
            Cadence::Quarterly => 89,
        }
    }

    fn months(self) -> Option<u32> {
        match self {
            Cadence::Monthly => Some(1),
            Cadence::Quarterly => Some(3),
            _ => None,
        }
    }
}

/// The days a round is open: from `opens` to `closes`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RoundDates {
    /// The round's number in its series, from 0.
    pub index: u32,
    /// The first day answers are taken.
    pub opens: Date,
    /// The last day answers are taken.
    pub closes: Date,
}

impl RoundDates {
    /// Whether answers are taken on `day`.
    pub fn is_open_on(&self, day: Date) -> bool {
        self.opens <= day && day <= self.closes
    }
}

/// Why a schedule was refused. The messages are shown to whoever starts the series.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// A window of no days, or longer than the time between two rounds.
    #[error("the answer window must be 1 to {max} days for a {cadence} pulse")]
    Window {
        /// The longest window.
        max: i64,
        /// The cadence's identifier.
        cadence: &'static str,
    },
    /// The first round would open in the past.
    #[error("the first round cannot open in the past ({0})")]
    StartInThePast(Date),
    /// The first round is more than a year away.
    #[error("the first round must open within a year")]
    StartTooFar,
}

/// What the scheduler does for a series on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Nothing to open.
    Nothing,
    /// Open round `index`, after recording rounds `missed` (whose windows passed while nobody
    /// opened them) as missed.
    Open {
        /// The round to open.
        index: u32,
        /// Rounds never opened, oldest first.
        missed: Vec<u32>,
    },
    /// The windows of rounds `missed` have all passed: record them as missed, open nothing.
    Missed {
        /// Rounds never opened, oldest first.
        missed: Vec<u32>,
    },
    /// The clock reads earlier than the opening of a round already handled: open nothing.
    ClockBehind {
        /// The last round handled.
        last_opened: u32,
    },
}

/// A series' cadence and window from its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// The day the first round opens.
    pub start: Date,
    /// How often.
    pub cadence: Cadence,
    /// How many days each round takes answers.
    pub window_days: u16,
}

impl Schedule {
    /// A checked schedule starting on `start` (today or within a year), with a window of 1 day
    /// up to the shortest time between two rounds.
    pub fn new(
        start: Date,
        cadence: Cadence,
        window_days: u16,
        today: Date,
    ) -> Result<Schedule, ScheduleError> {
        if window_days == 0 || i64::from(window_days) > cadence.shortest_days() {
            return Err(ScheduleError::Window {
                max: cadence.shortest_days(),
                cadence: cadence.slug(),
            });
        }
        if start < today {
            return Err(ScheduleError::StartInThePast(start));
        }
        if start > today + Duration::days(366) {
            return Err(ScheduleError::StartTooFar);
        }
        Ok(Schedule {
            start,
            cadence,
            window_days,
        })
    }

    /// The day round `index` opens; `None` past the calendar's end.
    pub fn opens(&self, index: u32) -> Option<Date> {
        match self.cadence.months() {
            None => self.start.checked_add(Duration::days(
                self.cadence.shortest_days() * i64::from(index),
            )),
            Some(step) => add_months(self.start, step.checked_mul(index)?),
        }
    }

    /// The days of round `index`.
    pub fn round(&self, index: u32) -> Option<RoundDates> {
        let opens = self.opens(index)?;
        let closes = opens.checked_add(Duration::days(i64::from(self.window_days) - 1))?;
        Some(RoundDates {
            index,
            opens,
            closes,
        })
    }

    /// The last round opened on or before `today`, if any has started.
    pub fn latest_started(&self, today: Date) -> Option<u32> {
        if today < self.start {
            return None;
        }
        let days = (today - self.start).whole_days();
        let guess = match self.cadence.months() {
            None => days / self.cadence.shortest_days(),
            Some(step) => {
                let months = (today.year() - self.start.year()) * 12
                    + (i32::from(u8::from(today.month()))
                        - i32::from(u8::from(self.start.month())));
                i64::from(months) / i64::from(step)
            }
        };
        let mut index = u32::try_from(guess.max(0)).ok()?;
        while self.opens(index).is_some_and(|d| d > today) {
            index = index.checked_sub(1)?;
        }
        while self.opens(index + 1).is_some_and(|d| d <= today) {
            index += 1;
        }
        Some(index)
    }

    /// What to do on `today` when the last round handled (opened, or recorded as missed) is
    /// `last_handled` (`None`: none yet).
    pub fn next_step(&self, last_handled: Option<u32>, today: Date) -> Step {
        let Some(current) = self.latest_started(today) else {
            return match last_handled {
                Some(last_opened) => Step::ClockBehind { last_opened },
                None => Step::Nothing,
            };
        };
        let first_unopened = match last_handled {
            Some(last) if last > current => return Step::ClockBehind { last_opened: last },
            Some(last) if last == current => return Step::Nothing,
            Some(last) => last + 1,
            None => 0,
        };
        let running = self.round(current).is_some_and(|r| r.is_open_on(today));
        if running {
            Step::Open {
                index: current,
                missed: (first_unopened..current).collect(),
            }
        } else {
            Step::Missed {
                missed: (first_unopened..=current).collect(),
            }
        }
    }
}

/// `date` advanced by `months` calendar months, the day clamped to the month's length.
fn add_months(date: Date, months: u32) -> Option<Date> {
    let zero_based = i64::from(u8::from(date.month()) - 1) + i64::from(months);
    let year = i32::try_from(i64::from(date.year()) + zero_based / 12).ok()?;
    let month = Month::try_from(u8::try_from(zero_based % 12 + 1).ok()?).ok()?;
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn weekly() -> Schedule {
        Schedule::new(
            date!(2026 - 01 - 05),
            Cadence::Weekly,
            3,
            date!(2026 - 01 - 01),
        )
        .expect("valid")
    }

    #[test]
    fn a_window_longer_than_a_round_or_a_start_in_the_past_is_refused() {
        let today = date!(2026 - 01 - 01);
        assert!(matches!(
            Schedule::new(today, Cadence::Weekly, 8, today),
            Err(ScheduleError::Window { max: 7, .. })
        ));
        assert!(matches!(
            Schedule::new(today, Cadence::Monthly, 0, today),
            Err(ScheduleError::Window { .. })
        ));
        assert!(Schedule::new(today, Cadence::Monthly, 28, today).is_ok());
        assert_eq!(
            Schedule::new(date!(2025 - 12 - 31), Cadence::Weekly, 3, today),
            Err(ScheduleError::StartInThePast(date!(2025 - 12 - 31)))
        );
        assert_eq!(
            Schedule::new(date!(2027 - 06 - 01), Cadence::Weekly, 3, today),
            Err(ScheduleError::StartTooFar)
        );
    }

    #[test]
    fn monthly_rounds_keep_their_day_clamped_to_short_months() {
        let s = Schedule::new(
            date!(2026 - 01 - 31),
            Cadence::Monthly,
            5,
            date!(2026 - 01 - 01),
        )
        .expect("valid");
        assert_eq!(s.opens(1), Some(date!(2026 - 02 - 28)));
        assert_eq!(s.opens(2), Some(date!(2026 - 03 - 31)));
        assert_eq!(s.opens(13), Some(date!(2027 - 02 - 28)));
        let q = Schedule::new(
            date!(2026 - 11 - 30),
            Cadence::Quarterly,
            10,
            date!(2026 - 11 - 01),
        )
        .expect("valid");
        assert_eq!(q.opens(1), Some(date!(2027 - 02 - 28)));
        assert_eq!(q.round(1).map(|r| r.closes), Some(date!(2027 - 03 - 09)));
    }

    #[test]
    fn the_scheduler_opens_the_running_round_once_and_records_what_it_missed() {
        let s = weekly();
        assert_eq!(s.next_step(None, date!(2026 - 01 - 04)), Step::Nothing);
        assert_eq!(
            s.next_step(None, date!(2026 - 01 - 05)),
            Step::Open {
                index: 0,
                missed: vec![]
            }
        );
        assert_eq!(s.next_step(Some(0), date!(2026 - 01 - 07)), Step::Nothing);
        // Down from the 8th to the 20th: rounds 1 (12th) missed, round 2 (19th-21st) running.
        assert_eq!(
            s.next_step(Some(0), date!(2026 - 01 - 20)),
            Step::Open {
                index: 2,
                missed: vec![1]
            }
        );
        // Back on the 22nd, after round 2's window: missed, nothing opened late.
        assert_eq!(
            s.next_step(Some(1), date!(2026 - 01 - 22)),
            Step::Missed { missed: vec![2] }
        );
        assert_eq!(
            s.next_step(Some(3), date!(2026 - 01 - 20)),
            Step::ClockBehind { last_opened: 3 }
        );
        assert_eq!(
            s.next_step(Some(0), date!(2026 - 01 - 01)),
            Step::ClockBehind { last_opened: 0 }
        );
    }

    fn cadence() -> impl Strategy<Value = Cadence> {
        prop::sample::select(Cadence::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn the_latest_started_round_is_the_last_that_opened(
            cadence in cadence(),
            start_offset in 0i64..366,
            later in 0i64..2000,
        ) {
            let today = date!(2026 - 01 - 01);
            let start = today + Duration::days(start_offset);
            let s = Schedule::new(start, cadence, 1, today).expect("valid");
            let day = start + Duration::days(later);
            let i = s.latest_started(day).expect("started");
            prop_assert!(s.opens(i).expect("in range") <= day);
            prop_assert!(s.opens(i + 1).expect("in range") > day);
            // Rounds never overlap and follow each other in order.
            let (a, b) = (s.round(i).expect("a"), s.round(i + 1).expect("b"));
            prop_assert!(a.closes < b.opens);
        }

        #[test]
        fn replaying_every_day_opens_each_round_exactly_once(
            cadence in cadence(),
            window in 1u16..7,
            down in prop::collection::vec(any::<bool>(), 120),
        ) {
            let today = date!(2026 - 03 - 01);
            let s = Schedule::new(today, cadence, window, today).expect("valid");
            let mut last = None;
            let mut opened = Vec::new();
            let mut missed = Vec::new();
            for (d, is_down) in down.iter().enumerate() {
                if *is_down { continue; }
                let day = today + Duration::days(d as i64);
                match s.next_step(last, day) {
                    Step::Open { index, missed: m } => {
                        prop_assert!(s.round(index).expect("round").is_open_on(day));
                        missed.extend(m);
                        opened.push(index);
                        last = Some(index);
                    }
                    Step::Missed { missed: m } => {
                        last = m.last().copied().or(last);
                        missed.extend(m);
                    }
                    Step::Nothing => {}
                    Step::ClockBehind { .. } => prop_assert!(false, "the clock only moves on"),
                }
            }
            let mut all: Vec<u32> = opened.iter().chain(&missed).copied().collect();
            all.sort_unstable();
            let expected: Vec<u32> = (0..all.len() as u32).collect();
            prop_assert_eq!(all, expected, "every round once, opened or missed");
        }
    }
}
