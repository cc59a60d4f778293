//! The disclosure history: every population of a campaign's answers shown to anyone (every
//! admin, every page, the API), which the privacy engine checks each new figure against.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;

/// One disclosure history per campaign, organisation-wide.
#[async_trait]
pub trait DisclosureStore: Send + Sync {
    /// The populations shown of a campaign's answers (only those of `kind`, when given), in the
    /// order they were first shown.
    async fn disclosures(
        &self,
        campaign: CampaignId,
        kind: Option<DisclosureKind>,
    ) -> StoreResult<Vec<Disclosure>>;
    /// What a campaign's history holds, in brief: the kinds of figure shown and the digest of
    /// the last heatmap recorded with no segment view in it. Cheap whatever the history's size
    /// (a few index look-ups): what the team heatmap, which has nothing to decide when only
    /// the same heatmap was shown, asks first.
    async fn disclosure_summary(&self, campaign: CampaignId) -> StoreResult<DisclosureSummary>;
    /// Reads a campaign's whole history, calls `decide` with it, and adds the populations it
    /// returns as first shown on `day` (those already in the history are kept as they were)
    /// and the heatmap digest it returns, if any, all in one transaction that no other call for
    /// the same campaign interleaves with, so that two figures decided at once cannot both pass
    /// against a history that lacks the other. An unknown campaign is "not found".
    async fn record_disclosures(
        &self,
        campaign: CampaignId,
        day: time::Date,
        decide: &DecideDisclosures<'_>,
    ) -> StoreResult<()>;
}
