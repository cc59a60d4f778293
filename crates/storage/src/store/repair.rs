//! Repairing trust after a breach: the breach and the people it affected, the steps and the
//! amends, and the recovery pulse: rounds opened on schedule, one single-use link per affected
//! person per round, answers sealed until k when anonymous (ballot marks, random ids, random
//! order, as the team pulse's) or kept with the respondent's name when named. The rules are
//! `trustloop_domain::repair`; each write asks them inside its transaction.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;
use time::Date;
use trustloop_domain::rating::SurveyAnswers;
use trustloop_domain::repair::StepWarning;

/// Breaches, their steps and amends, and recovery pulses.
#[async_trait]
pub trait RepairStore: Send + Sync {
    /// Records a breach after `repair::check_breach` on the people affected: those named and
    /// the members of the teams named, the leader left out. An unknown person or team is "not
    /// found"; an affected person who left the organisation is a conflict naming them.
    async fn record_breach(&self, breach: &NewBreach) -> StoreResult<RepairId>;
    /// One repair, whoever's it is: callers check who may see it.
    async fn repair(&self, id: RepairId) -> StoreResult<RepairRecord>;
    /// A leader's repairs, newest first.
    async fn repairs_of(&self, leader: PersonId) -> StoreResult<Vec<RepairRecord>>;
    /// Records a step of one of the leader's repairs after `repair::check_step` (a refusal is
    /// a conflict with its message); returns the warning of a step out of the usual order.
    async fn record_step(&self, step: &RecordStep) -> StoreResult<Option<StepWarning>>;
    /// Links one of the leader's commitments to their repair as amends. Another leader's
    /// commitment (or repair) is "not found"; a commitment linked twice is a conflict.
    async fn add_amends(
        &self,
        repair: RepairId,
        leader: PersonId,
        commitment: CommitmentId,
    ) -> StoreResult<()>;
    /// Starts or skips the leader's recovery pulse on `today` with the privacy minimum `k`:
    /// anonymous when at least `k` affected people have not left, named (only when the leader
    /// accepts it) otherwise. A pulse started or skipped before, or a closed repair, is a
    /// conflict.
    async fn choose_recovery(
        &self,
        repair: RepairId,
        leader: PersonId,
        choice: RecoveryChoice,
        k: u32,
        today: Date,
    ) -> StoreResult<RecoveryState>;
    /// Closes the leader's repair on `today`: rounds not opened yet never open.
    async fn close_repair(
        &self,
        repair: RepairId,
        leader: PersonId,
        today: Date,
    ) -> StoreResult<()>;
    /// One pass of the recovery scheduler on `today`, repair by repair, each in its own
    /// transaction: closes the open rounds whose window ended (releasing sealed answers when
    /// the round has k in all), then opens each round whose window runs (one link per
    /// affected person who has not left, minted by `new_token` as (token, hash)) or records
    /// it missed when its window passed. A round is opened by exactly one caller.
    async fn advance_recovery(
        &self,
        today: Date,
        new_token: &(dyn Fn() -> (String, String) + Send + Sync),
    ) -> StoreResult<RecoveryAdvance>;
    /// The link a token's hash opens.
    async fn recovery_invitation_by_token(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<RecoveryInvitation>>;
    /// A person's links to recovery rounds that are open, oldest first.
    async fn open_recovery_invitations(
        &self,
        person: PersonId,
    ) -> StoreResult<Vec<RecoveryInvitation>>;
    /// Accepts an answer to a link in one transaction. Anonymous: leaves its ballot mark,
    /// keeps it sealed until the round has k waiting, then releases them all as scores in
    /// random order. Named: keeps the scores with the respondent. A link answered before, or
    /// whose round is not open on `today`, is a conflict and stores nothing.
    async fn submit_recovery_answer(
        &self,
        invitation: RecoveryInvitationId,
        answers: &SurveyAnswers,
        today: Date,
    ) -> StoreResult<()>;
    /// The rounds of a repair handled so far, oldest first, with what may be read of them:
    /// released anonymous answers (never the sealed ones) and named answers.
    async fn recovery_rounds(&self, repair: RepairId) -> StoreResult<Vec<RecoveryRoundRecord>>;
    /// A person's own answers to named recovery pulses, newest round first.
    async fn own_recovery_answers(&self, person: PersonId) -> StoreResult<Vec<OwnRecoveryAnswer>>;
    /// How many repairs are open and closed by the leader's team: all an admin sees.
    async fn repair_counts(&self) -> StoreResult<Vec<RepairCount>>;
}
