//! The records of changes to a campaign after it was made: when it closed and when its results
//! were first read, which decide whether it may reopen.

/// When a campaign closed and when any of its results was first read (unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CampaignClosing {
    /// When it closed; `None` while it is not closed (or closed before this was recorded).
    pub closed_at: Option<i64>,
    /// When a report or an organisation view of it was first read.
    pub first_result_read_at: Option<i64>,
}
