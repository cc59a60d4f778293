//! Segment views (organisation analytics by rater attribute): the attributes offered in the
//! filter form, and each viewer's history of the views they were shown.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;

/// The attributes segment views filter by and the views each user was shown.
#[async_trait]
pub trait SegmentViewStore: Send + Sync {
    /// Every attribute of the people in the organisation (all of them, never only the raters,
    /// so the list says nothing about who answered), by name, each with its distinct values in
    /// order, or `None` when it has more than `max_values`.
    async fn attribute_values(
        &self,
        max_values: u32,
    ) -> StoreResult<Vec<(String, Option<Vec<String>>)>>;
    /// The segment views (filter sets) a user was shown in a campaign, oldest first.
    async fn segment_views_seen(
        &self,
        campaign: CampaignId,
        user: UserId,
    ) -> StoreResult<Vec<SegmentViewRecord>>;
    /// Reads the views a user saw in a campaign, calls `decide` with them, and records the
    /// views it returns (filter JSON, respondents) as seen on `day`, all in one transaction
    /// that no other call for the same user interleaves with. A view already recorded keeps
    /// its first day. An unknown user is "not found".
    async fn record_segment_views(
        &self,
        campaign: CampaignId,
        user: UserId,
        day: time::Date,
        decide: &DecideViews<'_>,
    ) -> StoreResult<()>;
}
