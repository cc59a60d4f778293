//! Segment views (organisation analytics by rater attribute): the attributes offered in the
//! filter form. What segment views show is kept in the campaign's disclosure history
//! ([`crate::DisclosureStore`]).

use crate::StoreResult;
use async_trait::async_trait;

/// The attributes segment views filter by.
#[async_trait]
pub trait SegmentViewStore: Send + Sync {
    /// Every attribute of the people in the organisation (all of them, never only the raters,
    /// so the list says nothing about who answered), by name, each with its distinct values in
    /// order, or `None` when it has more than `max_values`.
    async fn attribute_values(
        &self,
        max_values: u32,
    ) -> StoreResult<Vec<(String, Option<Vec<String>>)>>;
}
