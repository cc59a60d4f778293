//! Changing a campaign after it was made: its name and deadline, taking a leader off before
//! anyone answered for them, and reopening a campaign closed by mistake before any of its
//! results was read.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;

/// Edits to a campaign, and what decides whether a closed one may reopen.
#[async_trait]
pub trait CampaignEditStore: Send + Sync {
    /// Renames a campaign and sets its deadline; refused (a conflict) once it has closed.
    async fn edit_campaign(
        &self,
        campaign: CampaignId,
        name: &str,
        deadline: time::Date,
    ) -> StoreResult<()>;
    /// Takes `leader` off a campaign that has not closed, with every rater invited or nominated
    /// for them, in one transaction; refused (a conflict) once anyone has answered for them.
    /// Returns how many raters were taken off with them.
    async fn remove_leader(&self, campaign: CampaignId, leader: PersonId) -> StoreResult<u64>;
    /// Records that a result of a closed campaign (a leader's report, an organisation view)
    /// was read at `at`, unless one was read before.
    async fn record_result_read(&self, campaign: CampaignId, at: i64) -> StoreResult<()>;
    /// When a campaign closed and when its results were first read.
    async fn campaign_closing(&self, campaign: CampaignId) -> StoreResult<CampaignClosing>;
    /// Opens again, at `now` (unix seconds), a closed campaign that the rules of
    /// `trustloop_domain::closing` let reopen: closed within the window and none of its results
    /// read; the conflict says why not. What closing released stays released; answers that
    /// arrive now wait as before, for the next close.
    async fn reopen_campaign(&self, campaign: CampaignId, now: i64) -> StoreResult<()>;
}
