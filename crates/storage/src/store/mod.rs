//! The store's traits, one per aggregate of the model, and [`Store`], their sum.
//!
//! Each aggregate (people, campaigns, answers…) has a small trait of its own in a module here,
//! implemented for both SQL backends by the module of the same name in `crate::sql`, and tested
//! on both by the file of the same name in `tests/contract/`. A new capability adds its
//! aggregate the same way:
//! 1. a trait here (`store/NAME.rs`), re-exported from the crate and its prelude, and added to
//!    the supertraits of [`Store`] and to its blanket impl;
//! 2. its SQL in `sql/NAME.rs`: `#[sql_impl] #[async_trait] impl<DB> NameStore for SqlStore<DB>`
//!    (the attribute adds the bounds every statement needs), with its tables in a new migration
//!    for each backend;
//! 3. its contract in `tests/contract/NAME.rs`, listed in `contract!` so that every test runs
//!    on SQLite and PostgreSQL.

mod accounts;
mod campaigns;
mod instruments;
mod people;

pub use instruments::InstrumentStore;

use crate::StoreResult;
use crate::records::*;
pub use accounts::AccountStore;
use async_trait::async_trait;
pub use campaigns::CampaignStore;
pub use people::PeopleStore;
use std::sync::Arc;
use trustloop_domain::rating::SurveyAnswers;
use trustloop_domain::report::{Comment, Response};

/// Whether the database can be reached.
#[async_trait]
pub trait HealthStore: Send + Sync {
    /// Answers when the database can be reached.
    async fn health(&self) -> StoreResult<()>;
}

/// A shared handle to the configured backend.
pub type DynStore = Arc<dyn Store>;

/// Everything Trustloop keeps: the sum of the aggregates' stores, for whoever needs all of it
/// (the web layer and the command line hold a [`DynStore`]). Each method is one unit of work:
/// writes that belong together are done in one transaction inside the backend.
#[async_trait]
pub trait Store:
    HealthStore + InstrumentStore + PeopleStore + AccountStore + CampaignStore + Send + Sync + 'static
{
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
    /// Stores a survey form sent to a link, as [`Store::submit_response`] would once the link's
    /// invitation is found and the fields are checked against its instrument
    /// ([`SurveyAnswers::parse`]); both are done by the intake for all the forms arriving
    /// together, so the caller reads nothing first. `false` when nothing was stored because
    /// the link is unknown, cannot be answered now, or the answers do not fit its survey: the
    /// caller then looks the link up to say which.
    async fn submit_form(
        &self,
        token_hash: &str,
        fields: Vec<(String, String)>,
        today: time::Date,
    ) -> StoreResult<bool>;
    /// Stores many answers in one transaction, each exactly as [`Store::submit_response`]
    /// would (invitation marked finished, answer sealed, released with its rater group once
    /// that group has k answers): for loading generated or migrated data in bulk. If any answer is refused,
    /// none of them is stored. Callers choose the batch size (a few thousand is typical).
    async fn load_responses(
        &self,
        answers: &[(InvitationId, SurveyAnswers)],
        today: time::Date,
    ) -> StoreResult<()>;
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
    /// What the heatmap shows of [`Store::team_sums`] (respondents, and how many values and
    /// their sum per measure), read without the sums of squares.
    async fn team_totals(
        &self,
        campaign: CampaignId,
    ) -> StoreResult<Vec<(String, trustloop_domain::analytics::TeamTotals)>>;
    /// The same sums recomputed from the stored answers: must always equal [`Store::team_sums`].
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
    /// Direct reports' answers in a campaign with the rater's attributes when they answered
    /// (kept sealed in the database, opened here) and the answer's four scores (Trust Index,
    /// relationships, judgement, consistency): what segment views are computed from. Only
    /// released answers are included.
    async fn segment_answers(&self, campaign: CampaignId) -> StoreResult<Vec<SegmentAnswer>>;
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

    /// The stored context of a closed campaign (JSON), if it has been computed.
    async fn campaign_context(&self, campaign: CampaignId) -> StoreResult<Option<String>>;
    /// Stores a closed campaign's context (JSON); an existing one is kept.
    async fn save_campaign_context(&self, campaign: CampaignId, context: &str) -> StoreResult<()>;

    /// Starts tracking an import running in the background.
    async fn create_import_job(&self, now: i64) -> StoreResult<i64>;
    /// Records progress of an import.
    async fn update_import_job(&self, job: &ImportJob) -> StoreResult<()>;
    /// Reads an import job.
    async fn import_job(&self, id: i64) -> StoreResult<ImportJob>;

    /// Appends an event to the audit log.
    async fn record_audit(&self, event: &AuditEvent) -> StoreResult<()>;
    /// Appends several events in one transaction, in order: one commit for the events of many
    /// requests at once (the web layer's group commit of the audit log).
    async fn record_audits(&self, events: &[AuditEvent]) -> StoreResult<()>;
    /// The newest audit events first, at most `limit`, optionally only those before event id
    /// `before`; with their ids.
    async fn audit_events(
        &self,
        limit: u32,
        before: Option<i64>,
    ) -> StoreResult<Vec<(i64, AuditEvent)>>;

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
