//! The team trust pulse: series and their teams, the rounds a scheduler opens and closes, one
//! single-use link per member per round, answers sealed until their team has k, change events,
//! and the figures the people ledger decided for each series.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;
use trustloop_domain::rating::SurveyAnswers;

/// Pulse series, rounds, links, answers, events and decided figures.
#[async_trait]
pub trait PulseStore: Send + Sync {
    /// Every team with its leader and how many members answer about them, by name.
    async fn pulse_teams(&self) -> StoreResult<Vec<PulseTeam>>;
    /// One team, as [`PulseStore::pulse_teams`] lists it.
    async fn pulse_team(&self, id: TeamId) -> StoreResult<PulseTeam>;
    /// The manager of everyone who has reports: the reporting lines above the teams' leaders,
    /// which roll-ups follow.
    async fn line_managers(&self) -> StoreResult<Vec<(PersonId, Option<PersonId>)>>;
    /// Starts a series with the newest pulse instrument. A team that is unknown, or has no
    /// member besides its leader, is a conflict naming it, and nothing is written.
    async fn create_pulse_series(&self, series: &NewPulseSeries) -> StoreResult<PulseSeriesId>;
    /// Every series, newest first.
    async fn pulse_series_list(&self) -> StoreResult<Vec<PulseSeries>>;
    /// One series.
    async fn pulse_series(&self, id: PulseSeriesId) -> StoreResult<PulseSeries>;
    /// The rounds of a series handled so far, oldest first.
    async fn pulse_rounds(&self, series: PulseSeriesId) -> StoreResult<Vec<PulseRound>>;
    /// One pass of the scheduler on `today`, series by series, each in its own transaction:
    /// closes the open rounds whose window ended (releasing the sealed answers of teams that
    /// have k in all), then does what [`Schedule::next_step`] says with the last round handled
    /// (records missed rounds; opens the running one with a link per member, minted by
    /// `new_token` as (token, hash)). A round is opened by exactly one caller, however many
    /// servers run this at once: the series' row is locked and the round's number unique.
    ///
    /// [`Schedule::next_step`]: trustloop_domain::pulse::Schedule::next_step
    async fn advance_pulses(
        &self,
        today: time::Date,
        new_token: &(dyn Fn() -> (String, String) + Send + Sync),
    ) -> StoreResult<PulseAdvance>;
    /// The link a token's hash opens.
    async fn pulse_invitation_by_token(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<PulseInvitation>>;
    /// A person's links to the rounds that are open, oldest first.
    async fn open_pulse_invitations(&self, person: PersonId) -> StoreResult<Vec<PulseInvitation>>;
    /// Accepts an answer to a link in one transaction: leaves its ballot mark, keeps it sealed
    /// until the member's team has k answers waiting in the round, then releases them all as
    /// scores in random order. A link answered before, or whose round is not open on `today`,
    /// is a conflict and stores nothing.
    async fn submit_pulse_answer(
        &self,
        invitation: PulseInvitationId,
        answers: &SurveyAnswers,
        today: time::Date,
    ) -> StoreResult<()>;
    /// Stores many answers in one transaction, each as [`PulseStore::submit_pulse_answer`]
    /// would (ballot mark, sealed until the team has k waiting, then released): for loading
    /// generated data in bulk. If any is refused, none is stored.
    async fn load_pulse_answers(
        &self,
        answers: &[(PulseInvitationId, SurveyAnswers)],
        today: time::Date,
    ) -> StoreResult<()>;
    /// Each team (of `teams` only, when given) of each round numbered `from_round` or later of
    /// a series: who was asked and how many answered; by round, then team.
    async fn pulse_round_teams(
        &self,
        series: PulseSeriesId,
        teams: Option<&[TeamId]>,
        from_round: u32,
    ) -> StoreResult<Vec<RoundTeam>>;
    /// The released answers of a series (of `teams` only, when given) in rounds numbered
    /// `from_round` or later, as scores.
    async fn pulse_answers(
        &self,
        series: PulseSeriesId,
        teams: Option<&[TeamId]>,
        from_round: u32,
    ) -> StoreResult<Vec<PulseAnswer>>;
    /// The figures of a series named `names` that were decided (an undecided one is left out).
    async fn pulse_figures(
        &self,
        series: PulseSeriesId,
        names: &[String],
    ) -> StoreResult<Vec<PulseFigure>>;
    /// Records a change event. Unknown teams are "not found".
    async fn add_pulse_event(&self, event: &NewPulseEvent) -> StoreResult<PulseEventId>;
    /// The events on the timelines of `teams` (all, when `None`), oldest first.
    async fn pulse_events(&self, teams: Option<&[TeamId]>) -> StoreResult<Vec<PulseEvent>>;
    /// Reads the figures decided for a series, calls `decide` with them, and adds the figures
    /// it returns (a figure already decided keeps its decision), in one transaction that no
    /// other call for the series interleaves with. Returns every figure of the series.
    async fn decide_pulse_figures(
        &self,
        series: PulseSeriesId,
        decide: &DecideFigures<'_>,
    ) -> StoreResult<Vec<PulseFigure>>;
    /// Each team (of `teams` only, when given) of each round numbered `from_round` or later of
    /// a series as its running sums: who was asked, how many answered and the sums of the
    /// released answers; by round, then team. What trends and roll-ups read instead of the
    /// answers.
    async fn pulse_team_rounds(
        &self,
        series: PulseSeriesId,
        teams: Option<&[TeamId]>,
        from_round: u32,
    ) -> StoreResult<Vec<TeamRound>>;
}
