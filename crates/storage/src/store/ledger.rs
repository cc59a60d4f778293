//! The say-do ledger: a leader's commitments, their history, who they were made to, and the
//! recipients' confirmations, by single-use link or signed in. The rules are
//! `trustloop_domain::ledger`; each write reads the commitment in its transaction, asks the
//! rules, and writes the history and what it implies together. What recipients answered is
//! kept only as counts per commitment revision: who answered is recorded, never what.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;
use time::Date;
use trustloop_domain::ledger::Confirmation;

/// Commitments and their confirmations.
#[async_trait]
pub trait LedgerStore: Send + Sync {
    /// Makes a commitment after `ledger::check_new` (and, to a team, `ledger::check_team` on
    /// its members other than the leader who have not left). A person or team that does not
    /// exist, or an action not the leader's, is "not found"; a recipient who left the
    /// organisation is a conflict naming them.
    async fn make_commitment(&self, new: &NewCommitment) -> StoreResult<CommitmentRecord>;
    /// Applies a change to one of the leader's commitments (`Commitment::apply`): its
    /// confirmations start again for the new revision and links made before are void.
    async fn change_commitment(&self, change: &CommitmentChange) -> StoreResult<CommitmentRecord>;
    /// One commitment, whoever's it is: callers check who may see it.
    async fn commitment(&self, id: CommitmentId) -> StoreResult<CommitmentRecord>;
    /// A leader's commitments, newest first.
    async fn commitments_of(&self, leader: PersonId) -> StoreResult<Vec<CommitmentRecord>>;
    /// The people a commitment was made to (for a team, its members when it was made).
    async fn recipients_of(&self, id: CommitmentId) -> StoreResult<Vec<PersonId>>;
    /// The commitments `person` is asked to confirm on `today` and has not answered.
    async fn confirmations_asked(
        &self,
        person: PersonId,
        today: Date,
    ) -> StoreResult<Vec<ConfirmationAsk>>;
    /// Issues a fresh single-use link, bound to the current revision, to each recipient of a
    /// commitment waiting for confirmation who has not answered it and has not left (voiding
    /// their earlier link); none when it is not waiting. `new_token` returns a fresh (token,
    /// hash) pair; only the hash is kept.
    async fn issue_confirmation_links(
        &self,
        id: CommitmentId,
        today: Date,
        new_token: &(dyn Fn() -> (String, String) + Send + Sync),
    ) -> StoreResult<Vec<IssuedLink>>;
    /// What a confirmation link asks, if it is live (unknown, used or void links are `None`).
    async fn confirmation_link(
        &self,
        token_hash: &str,
        today: Date,
    ) -> StoreResult<Option<ConfirmationAsk>>;
    /// Records the answer sent by a confirmation link and uses the link up, in one transaction.
    async fn confirm_by_link(
        &self,
        token_hash: &str,
        answer: Confirmation,
        today: Date,
    ) -> StoreResult<ConfirmOutcome>;
    /// Records a signed-in recipient's answer. Someone who is not a recipient is "not found";
    /// the leader confirming their own commitment, or a second answer, is a conflict.
    async fn confirm_signed_in(
        &self,
        confirmation: &SignedInConfirmation,
    ) -> StoreResult<ConfirmOutcome>;
    /// Whether a leader shows their say-do ratio to their direct reports.
    async fn shows_ratio_to_team(&self, leader: PersonId) -> StoreResult<bool>;
    /// Sets whether a leader shows their say-do ratio to their direct reports.
    async fn set_show_ratio_to_team(&self, leader: PersonId, show: bool) -> StoreResult<()>;
    /// The teams a leader can make a commitment to (their own and their direct reports'), by
    /// name, with how many would be asked.
    async fn teams_of_leader(&self, leader: PersonId) -> StoreResult<Vec<TeamChoice>>;
    /// The people a leader can make a commitment to: their manager, their direct reports and
    /// the members of their team, who have not left, by name.
    async fn people_near(&self, leader: PersonId) -> StoreResult<Vec<(PersonId, String)>>;
    /// Marks a person as having left the organisation on `on`.
    async fn mark_left(&self, person: PersonId, on: Date) -> StoreResult<()>;
    /// Each leader's say-do counts on `today` with the privacy minimum `k`, counted as
    /// `ledger::say_do` counts, for the leaders with at least one commitment due.
    async fn say_do_counts(&self, today: Date, k: u32) -> StoreResult<Vec<SayDoCount>>;
    /// Each leader's consistency score (0-100) by others in their latest closed campaign, when
    /// it rests on at least that campaign's minimum rater group. Changes only when a campaign
    /// closes ([`LedgerStore::closed_campaigns`]).
    async fn consistency_scores(&self) -> StoreResult<Vec<(PersonId, f64)>>;
    /// How many campaigns have closed: a closed campaign never reopens, so this names the set
    /// of closed campaigns, and with it the consistency scores.
    async fn closed_campaigns(&self) -> StoreResult<u64>;
}
