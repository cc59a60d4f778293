//! Feedback between people: named items delivered at once and linked to their sender;
//! anonymous items sealed as survey answers are, under random ids with no date, until k wait
//! for their receiver, then delivered together in random order dated only by the week; requests
//! for feedback; the receiver's helpful marks and replies; and the counts admins see.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;
use time::Date;

/// Feedback items, requests, marks and replies.
#[async_trait]
pub trait FeedbackStore: Send + Sync {
    /// The people feedback can go to (who have not left), by name.
    async fn feedback_people(&self) -> StoreResult<Vec<(PersonId, String)>>;
    /// Sends feedback in one transaction: an unknown receiver is "not found"; the sender
    /// themselves, someone who left, a request the sender was not asked, or a second anonymous
    /// item to a receiver while the sender's first still waits, is a conflict saying so. A form
    /// token already used stores nothing and answers [`FeedbackSent::AlreadySent`]. A named
    /// item is delivered at once; an anonymous one waits sealed, and when k wait for the
    /// receiver all of them are delivered together in random order. Answering a request marks
    /// it done for the sender.
    async fn send_feedback(&self, new: &NewFeedback) -> StoreResult<FeedbackSent>;
    /// The items delivered to `receiver`, newest first (an anonymous batch in its random
    /// order).
    async fn feedback_received(&self, receiver: PersonId) -> StoreResult<Vec<FeedbackItem>>;
    /// The named items `sender` sent, newest first (anonymous ones are linked to nobody).
    async fn feedback_given(&self, sender: PersonId) -> StoreResult<Vec<FeedbackItem>>;
    /// Marks one of `receiver`'s items helpful or not; another's item is "not found".
    async fn mark_feedback(
        &self,
        receiver: PersonId,
        item: FeedbackItemId,
        helpful: bool,
    ) -> StoreResult<()>;
    /// Replies to one of `receiver`'s named items (replacing an earlier reply); another's item
    /// is "not found", an anonymous one a conflict.
    async fn reply_to_feedback(
        &self,
        receiver: PersonId,
        item: FeedbackItemId,
        reply: &str,
        today: Date,
    ) -> StoreResult<()>;
    /// Asks people or a team for feedback. Unknown people or team are "not found"; the asker,
    /// people who left, or nobody left to ask, a conflict naming them.
    async fn ask_for_feedback(&self, new: &NewFeedbackRequest) -> StoreResult<FeedbackRequestId>;
    /// The requests `person` was asked and has neither answered nor set aside, newest first.
    async fn feedback_requests_for(&self, person: PersonId) -> StoreResult<Vec<FeedbackRequest>>;
    /// The requests `asker` made, newest first.
    async fn feedback_requests_by(&self, asker: PersonId) -> StoreResult<Vec<FeedbackRequest>>;
    /// Sets a request `person` was asked aside (it leaves their open list); one they were not
    /// asked is "not found".
    async fn set_feedback_request_aside(
        &self,
        person: PersonId,
        request: FeedbackRequestId,
    ) -> StoreResult<()>;
    /// What each team's current members received, by team name (teams with nothing are left
    /// out): counts, never contents.
    async fn feedback_counts_by_team(&self) -> StoreResult<Vec<TeamFeedbackCount>>;
}
