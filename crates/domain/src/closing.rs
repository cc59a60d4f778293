//! Closing a campaign safely: a campaign closed by mistake may be reopened for a short while,
//! as long as nobody has read any of its results. Once a report or an organisation view has
//! been read, reopening would let the next close be compared with it, and so show the answers
//! that arrived in between: it stays closed.

use std::fmt;

/// How long after closing a campaign may be reopened: 24 hours.
pub const REOPEN_WINDOW_SECONDS: i64 = 24 * 60 * 60;

/// Why a campaign cannot be reopened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReopenRefusal {
    /// It is not closed.
    NotClosed,
    /// It closed longer ago than [`REOPEN_WINDOW_SECONDS`].
    WindowPassed,
    /// One of its results has been read.
    ResultsRead,
}

impl fmt::Display for ReopenRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReopenRefusal::NotClosed => "Only a closed campaign can be reopened.",
            ReopenRefusal::WindowPassed => {
                "The campaign closed more than 24 hours ago; it can no longer be reopened. Start a new campaign for the leaders who need more answers."
            }
            ReopenRefusal::ResultsRead => {
                "A report or an organisation view of this campaign has already been read, so it stays closed: reopening it would let the next release be compared with what was read, and show the answers that came in between."
            }
        })
    }
}

/// Whether a campaign that closed at `closed_at` (unix seconds; `None` when it is not closed),
/// whose results were first read at `first_read`, may be reopened at `now`.
pub fn check_reopening(
    closed_at: Option<i64>,
    first_read: Option<i64>,
    now: i64,
) -> Result<(), ReopenRefusal> {
    let closed_at = closed_at.ok_or(ReopenRefusal::NotClosed)?;
    if first_read.is_some() {
        return Err(ReopenRefusal::ResultsRead);
    }
    if now - closed_at > REOPEN_WINDOW_SECONDS {
        return Err(ReopenRefusal::WindowPassed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLOSED: i64 = 1_800_000_000;

    #[test]
    fn a_campaign_reopens_within_the_window_while_no_result_was_read() {
        assert_eq!(check_reopening(Some(CLOSED), None, CLOSED), Ok(()));
        let last = CLOSED + REOPEN_WINDOW_SECONDS;
        assert_eq!(check_reopening(Some(CLOSED), None, last), Ok(()));
        assert_eq!(
            check_reopening(Some(CLOSED), None, last + 1),
            Err(ReopenRefusal::WindowPassed)
        );
    }

    #[test]
    fn a_read_result_or_a_campaign_that_is_not_closed_is_never_reopened() {
        assert_eq!(
            check_reopening(Some(CLOSED), Some(CLOSED + 5), CLOSED + 10),
            Err(ReopenRefusal::ResultsRead)
        );
        assert_eq!(
            check_reopening(None, None, CLOSED),
            Err(ReopenRefusal::NotClosed)
        );
        assert!(
            ReopenRefusal::ResultsRead
                .to_string()
                .contains("stays closed")
        );
    }
}
