//! Development plans: made from a leader's closed report, with actions from the action library
//! or the leader's own, each with a target date and a status. The rules are
//! `trustloop_domain::plan`; each write checks them inside its transaction. Every write names
//! the leader: another leader's plan or action is "not found".

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;
use time::Date;
use trustloop_domain::plan::ActionStatus;

/// Plans and their actions.
#[async_trait]
pub trait PlanStore: Send + Sync {
    /// Starts a plan from the leader's report in a closed campaign they led. A campaign they
    /// did not lead is "not found"; one not closed, a focus the rules refuse or a second plan
    /// for the same report is a conflict that says why.
    async fn create_plan(&self, plan: &NewPlan) -> StoreResult<Plan>;
    /// Adds an action to one of the leader's plans, checked by `plan::check_action`; its status
    /// starts as planned, today.
    async fn add_action(
        &self,
        leader: PersonId,
        plan: PlanId,
        action: &NewAction,
        today: Date,
    ) -> StoreResult<PlanAction>;
    /// Sets an action's status (dated today when it changes) and note.
    async fn set_action_status(
        &self,
        leader: PersonId,
        action: ActionId,
        status: ActionStatus,
        note: &str,
        today: Date,
    ) -> StoreResult<PlanAction>;
    /// Shares one of the leader's plans with their manager, or stops sharing it.
    async fn share_plan(&self, leader: PersonId, plan: PlanId, shared: bool) -> StoreResult<Plan>;
    /// One plan with its actions, whoever's it is: callers check who may see it.
    async fn plan(&self, plan: PlanId) -> StoreResult<Plan>;
    /// A leader's plans, newest first, with their actions.
    async fn plans_of(&self, leader: PersonId) -> StoreResult<Vec<Plan>>;
    /// The plans shared with `manager` by the leaders who report to them now, newest first.
    async fn plans_shared_with(&self, manager: PersonId) -> StoreResult<Vec<Plan>>;
    /// How many plans, leaders with plans and commitments each team's leaders have: all an
    /// admin is shown.
    async fn plan_counts_by_team(&self) -> StoreResult<Vec<TeamPlanCount>>;
}
