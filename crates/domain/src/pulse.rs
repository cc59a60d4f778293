//! The team trust pulse: a short instrument answered by a team's members about their leader,
//! round after round, so that trust can be followed over time and through change.
//!
//! - [`schedule`]: a series' cadence and answer window, which round is due on a day, and what a
//!   server that was down must do (open only the round whose window is still running; never a
//!   round twice).
//! - [`trend`]: a round's scores (the Trust Index, each element and overall trust, with their
//!   intervals and response rate), the change between two rounds with the 360's test, and the
//!   alert rule: a fall beyond the noise *and* beyond a set number of points.
//! - [`events`]: change events on a team's timeline, and the rounds just before and after one.
//! - [`disclosure`]: which rounds and roll-ups can be shown, when the people behind them change
//!   from round to round: one ledger over people for a whole series.
//!
//! The pulse instrument is versioned data like the 360's (`Instrument::pulse_current`).

pub mod disclosure;
pub mod events;
pub mod schedule;
pub mod trend;

pub use disclosure::{PeopleLedger, Shown};
pub use events::{EventError, EventKind, check_event, rounds_around};
pub use schedule::{Cadence, RoundDates, Schedule, ScheduleError, Step};
pub use trend::{
    Alert, PulseMeasure, RoundScores, RoundSums, alert, alert_among, change_between,
    respondent_scores,
};
