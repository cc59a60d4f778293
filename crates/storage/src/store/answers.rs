//! Answering: the survey a link opens, answers handed to the intake (one by one, as a form
//! sent to a link, or in bulk), and how many have answered or still wait sealed.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;
use trustloop_domain::rating::{CheckedForm, SurveyAnswers};

/// Survey invitations as raters open them, the answers they send, and the counts of answers.
#[async_trait]
pub trait AnswerStore: Send + Sync {
    /// The invitation a link token opens, with what the survey page needs to show.
    async fn invitation_by_token(&self, token_hash: &str) -> StoreResult<Option<SurveyInvitation>>;
    /// The leader's own self-assessment invitation in a campaign.
    async fn self_invitation(
        &self,
        campaign: CampaignId,
        leader: PersonId,
    ) -> StoreResult<Option<SurveyInvitation>>;
    /// Accepts an answer durably: marks the invitation finished and keeps the answer sealed
    /// until its rater group (that leader, that group, that campaign) has at least k answers
    /// waiting, or the campaign closes; then all of them are opened and written to the readable
    /// tables in random order in one transaction. Returns once the answer is committed. A
    /// finished or unknown invitation, or a campaign that is not open, is a conflict and
    /// stores nothing. Answers arriving together share one commit (group commit).
    async fn submit_response(
        &self,
        invitation: InvitationId,
        answers: &SurveyAnswers,
        today: time::Date,
    ) -> StoreResult<()>;
    /// Stores a survey form sent to a link, as [`AnswerStore::submit_response`] would once the
    /// link's invitation is found, taking the check `form` holds for the invitation's instrument
    /// version. The intake finds the invitations of all the forms arriving together in one
    /// query, so the caller reads nothing first; it checks the form against each version of
    /// [`InstrumentStore::known_instruments`](crate::InstrumentStore::known_instruments) first
    /// (on its own task, rather than the intake one form after another). Says what became of
    /// the form: stored; refused, and why (the link is unknown, or cannot be answered now); or
    /// invalid, with the invitation and instrument the form is shown again with, read in the
    /// same transaction. A database failure is the only error.
    async fn submit_form(
        &self,
        token_hash: &str,
        form: CheckedForm,
        today: time::Date,
    ) -> StoreResult<IntakeOutcome>;
    /// Stores many answers in one transaction, each exactly as [`AnswerStore::submit_response`]
    /// would (invitation marked finished, answer sealed, released with its rater group once
    /// that group has k answers): for loading generated or migrated data in bulk. If any answer is refused,
    /// none of them is stored. Callers choose the batch size (a few thousand is typical).
    async fn load_responses(
        &self,
        answers: &[(InvitationId, SurveyAnswers)],
        today: time::Date,
    ) -> StoreResult<()>;
    /// How many of a leader's raters answered in each group (from the invitations, whether
    /// their answers are readable yet or not): what the report's group plan follows.
    async fn answered_by_group(
        &self,
        campaign: CampaignId,
        leader: PersonId,
    ) -> StoreResult<std::collections::BTreeMap<trustloop_domain::model::RaterGroup, u32>>;
    /// How many answers of a campaign are sealed: waiting for their batch while it is open,
    /// and, once it has closed, those of groups too small to be shown anywhere.
    async fn pending_answers(&self, campaign: CampaignId) -> StoreResult<u64>;
}
