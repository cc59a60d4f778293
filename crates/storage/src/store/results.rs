//! Results: the released, anonymous answers as reports, heatmaps and segment views read them,
//! and a closed campaign's stored context.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;
use trustloop_domain::report::{Comment, Response};

/// What reports read: responses, campaign-wide scores, team sums, segment answers and campaign
/// contexts.
#[async_trait]
pub trait ResultStore: Send + Sync {
    /// The anonymous responses and comments for one leader in one campaign.
    async fn responses(
        &self,
        campaign: CampaignId,
        leader: PersonId,
    ) -> StoreResult<(Vec<Response>, Vec<Comment>)>;
    /// Every anonymous response in a campaign with the leader it rates (ratings only), for
    /// campaign-wide statistics: norms, agreement and instrument quality.
    async fn campaign_responses(
        &self,
        campaign: CampaignId,
    ) -> StoreResult<Vec<(PersonId, Response)>>;
    /// The running sums of each team's answers in a campaign, kept up to date as answers are
    /// stored (direct reports' answers, under the leader's team at the time), by team name.
    async fn team_sums(
        &self,
        campaign: CampaignId,
    ) -> StoreResult<Vec<(String, trustloop_domain::analytics::TeamSums)>>;
    /// What the heatmap shows of [`ResultStore::team_sums`] (respondents, and how many values and
    /// their sum per measure), read without the sums of squares.
    async fn team_totals(
        &self,
        campaign: CampaignId,
    ) -> StoreResult<Vec<(String, trustloop_domain::analytics::TeamTotals)>>;
    /// The same sums recomputed from the stored answers: must always equal [`ResultStore::team_sums`].
    async fn recomputed_team_sums(
        &self,
        campaign: CampaignId,
    ) -> StoreResult<Vec<(String, trustloop_domain::analytics::TeamSums)>>;
    /// Every response's four scores in a campaign (Trust Index, relationships, judgement,
    /// consistency), with the leader and group; computes and stores any that are missing.
    async fn campaign_rater_scores(
        &self,
        campaign: CampaignId,
    ) -> StoreResult<
        Vec<(
            PersonId,
            trustloop_domain::model::RaterGroup,
            [Option<f64>; 4],
        )>,
    >;
    /// Direct reports' answers in a campaign with the team each counts for on the heatmap, the
    /// rater's attributes when they answered (kept sealed in the database, opened here) and the
    /// answer's four scores (Trust Index, relationships, judgement, consistency): what segment
    /// views are computed from, and what the heatmap is checked against segment views on. Only
    /// released answers are included.
    async fn segment_answers(&self, campaign: CampaignId) -> StoreResult<Vec<SegmentAnswer>>;
    /// The stored context of a closed campaign (JSON), if it has been computed.
    async fn campaign_context(&self, campaign: CampaignId) -> StoreResult<Option<String>>;
    /// Stores a closed campaign's context (JSON); an existing one is kept.
    async fn save_campaign_context(&self, campaign: CampaignId, context: &str) -> StoreResult<()>;
}
