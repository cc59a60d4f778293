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
    /// Adds a leader and, in the same transaction, the raters of the reporting lines: the
    /// leader themselves, their manager and their direct reports, each recorded in the leader's
    /// change list (and the list recorded as locked when the campaign is already open).
    async fn add_leader(&self, campaign: CampaignId, leader: PersonId) -> StoreResult<()>;
    /// The leaders of a campaign, by name.
    async fn campaign_leaders(&self, campaign: CampaignId) -> StoreResult<Vec<Person>>;
    /// The campaigns a person is a leader in, newest first.
    async fn campaigns_led_by(&self, leader: PersonId) -> StoreResult<Vec<Campaign>>;
    /// The invitations of a campaign (optionally one leader's): the raters invited, from the
    /// reporting lines or nominated and approved, without whether they finished. Nominations
    /// awaiting approval are not invitations (`RaterListStore::nominations`).
    async fn invitations(
        &self,
        campaign: CampaignId,
        leader: Option<PersonId>,
    ) -> StoreResult<Vec<Invitation>>;
    /// Sets the link token hash of invitations that have none yet (or of every unfinished one
    /// when `reissue` is set, which makes their old links stop working), except those whose
    /// rater `holder` nominated or approved, which are left without a new link and counted as
    /// withheld. `new_token` returns a fresh (token, hash) pair. Returns the invitations with
    /// their new tokens.
    async fn issue_links(
        &self,
        campaign: CampaignId,
        reissue: bool,
        holder: LinkHolder,
        new_token: &(dyn Fn() -> (String, String) + Send + Sync),
    ) -> StoreResult<IssuedLinks>;
    /// Moves a campaign from draft to open, or from open to closed. Opening is refused while
    /// any nomination awaits approval (the conflict says how many, for which leaders), and
    /// records every leader's rater list as locked.
    async fn set_campaign_status(
        &self,
        campaign: CampaignId,
        status: trustloop_domain::campaign::CampaignStatus,
    ) -> StoreResult<()>;
    /// Per leader and rater group: how many were invited (nominations awaiting approval are
    /// not) and how many finished.
    async fn progress(&self, campaign: CampaignId) -> StoreResult<Vec<GroupProgress>>;
}
