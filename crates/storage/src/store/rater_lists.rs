//! Rater lists: who rates each leader in a campaign beyond the reporting lines. Peers and others
//! are nominated, approved by someone else and locked when the campaign opens, and every change
//! is kept for the leader to see. The rules are `trustloop_domain::raters`; each method checks
//! them inside the transaction that makes its change, on what it reads there, so no caller can
//! skip them.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;
use trustloop_domain::raters::RaterChange;

/// Nominations, their approval or removal, and each leader's list of changes.
#[async_trait]
pub trait RaterListStore: Send + Sync {
    /// Nominates a peer or other for a leader of a draft campaign, linked to the person with
    /// their email when there is one; it awaits approval and has no link. Records the change
    /// in the same transaction. A leader not in the campaign, or an unknown account, is "not
    /// found"; what the rules refuse, or a rater already listed for the leader, is a conflict
    /// that says why.
    async fn nominate(&self, nomination: &NewNomination) -> StoreResult<Nomination>;
    /// Approves a nomination: the rater is invited. Only the leader's manager or an admin, not
    /// the nominator nor the leader, while the campaign is a draft; a rater outside the
    /// directory needs `outside_confirmed`. Records the change in the same transaction.
    async fn approve_rater(&self, decision: &RaterDecision) -> StoreResult<Nomination>;
    /// Takes a nominated rater off the list before the campaign opens (refusing the nomination
    /// when it still awaited approval and someone other than its nominator does it). Records
    /// the change in the same transaction; returns the rater as they were and which change it
    /// was.
    async fn remove_rater(
        &self,
        decision: &RaterDecision,
    ) -> StoreResult<(Nomination, RaterChange)>;
    /// One nominated rater (a peer or other), whatever their state; anyone else is "not found".
    async fn nomination(&self, invitation: InvitationId) -> StoreResult<Nomination>;
    /// The nominated raters (peers and others) of a campaign, optionally of one leader, by
    /// leader, group and name, whatever their state.
    async fn nominations(
        &self,
        campaign: CampaignId,
        leader: Option<PersonId>,
    ) -> StoreResult<Vec<Nomination>>;
    /// The nominations awaiting approval, in draft campaigns, for leaders whose manager in the
    /// reporting lines is `manager`: what that manager is asked to decide.
    async fn nominations_awaiting(&self, manager: PersonId) -> StoreResult<Vec<Nomination>>;
    /// Every change to a leader's rater list in a campaign, oldest first.
    async fn rater_list_changes(
        &self,
        campaign: CampaignId,
        leader: PersonId,
    ) -> StoreResult<Vec<RaterListChange>>;
}
