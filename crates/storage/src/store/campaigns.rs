//! Campaigns: their leaders, the raters invited for each leader, the links raters answer
//! through, where a campaign is in its life, and how many have answered.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;

/// Campaigns, their leaders, invitations and links, status and progress.
#[async_trait]
pub trait CampaignStore: Send + Sync {
    /// Creates a draft campaign with the current instrument version.
    async fn create_campaign(&self, campaign: &NewCampaign) -> StoreResult<CampaignId>;
    /// All campaigns, newest first.
    async fn campaigns(&self) -> StoreResult<Vec<Campaign>>;
    /// One campaign.
    async fn campaign(&self, id: CampaignId) -> StoreResult<Campaign>;
    /// Adds a leader and, in the same transaction, the raters proposed from the org chart: the
    /// leader themselves, their manager and their direct reports.
    async fn add_leader(&self, campaign: CampaignId, leader: PersonId) -> StoreResult<()>;
    /// The leaders of a campaign, by name.
    async fn campaign_leaders(&self, campaign: CampaignId) -> StoreResult<Vec<Person>>;
    /// The campaigns a person is a leader in, newest first.
    async fn campaigns_led_by(&self, leader: PersonId) -> StoreResult<Vec<Campaign>>;
    /// Adds a rater for one leader; a rater already invited for that leader is a conflict.
    async fn add_invitation(&self, invitation: &NewInvitation) -> StoreResult<InvitationId>;
    /// The invitations of a campaign (optionally one leader's), without whether they finished.
    async fn invitations(
        &self,
        campaign: CampaignId,
        leader: Option<PersonId>,
    ) -> StoreResult<Vec<Invitation>>;
    /// Sets the link token hash of invitations that have none yet (or of every unfinished one
    /// when `reissue` is set, which makes their old links stop working). `new_token` returns a
    /// fresh (token, hash) pair. Returns the invitations with their new tokens.
    async fn issue_links(
        &self,
        campaign: CampaignId,
        reissue: bool,
        new_token: &(dyn Fn() -> (String, String) + Send + Sync),
    ) -> StoreResult<Vec<(Invitation, String)>>;
    /// Moves a campaign from draft to open, or from open to closed.
    async fn set_campaign_status(
        &self,
        campaign: CampaignId,
        status: trustloop_domain::campaign::CampaignStatus,
    ) -> StoreResult<()>;
    /// Per leader and rater group: how many were invited and how many finished.
    async fn progress(&self, campaign: CampaignId) -> StoreResult<Vec<GroupProgress>>;
}
