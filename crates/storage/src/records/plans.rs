//! The records of development plans: a plan made from a closed report, and its actions.

use super::{ActionId, CampaignId, PersonId, PlanId};
use serde::Serialize;
use time::Date;
use trustloop_domain::model::Element;
use trustloop_domain::plan::ActionStatus;

/// A plan to start from a leader's closed report.
#[derive(Debug, Clone)]
pub struct NewPlan {
    /// The leader whose plan it is.
    pub leader_id: PersonId,
    /// The closed campaign whose report it starts from.
    pub campaign_id: CampaignId,
    /// One or two elements, the first the main one.
    pub focus: Vec<Element>,
    /// The version of the action library its library actions come from.
    pub library_version: u32,
    /// The day it is made.
    pub today: Date,
}

/// A development plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Its id.
    pub id: PlanId,
    /// Whose plan it is.
    pub leader_id: PersonId,
    /// The leader's name.
    pub leader_name: String,
    /// The report it starts from.
    pub campaign_id: CampaignId,
    /// That campaign's name.
    pub campaign_name: String,
    /// Its focus: one or two elements.
    pub focus: Vec<Element>,
    /// The action library version.
    pub library_version: u32,
    /// Whether the leader shares it with their manager.
    pub shared_with_manager: bool,
    /// When it was made.
    pub created_on: Date,
    /// Its actions, in the order they were added.
    pub actions: Vec<PlanAction>,
}

/// Where an action comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActionSource {
    /// The action library: the action's id and the library's version.
    Library {
        /// The action's id in the library.
        id: String,
        /// The library's version.
        version: u32,
    },
    /// The leader's own words.
    Own,
}

/// An action to add to a plan.
#[derive(Debug, Clone)]
pub struct NewAction {
    /// Where it comes from.
    pub source: ActionSource,
    /// What to do.
    pub title: String,
    /// The element it builds.
    pub element: Element,
    /// When the leader means to have done it.
    pub target: Date,
    /// A short note.
    pub note: String,
}

/// An action of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanAction {
    /// Its id.
    pub id: ActionId,
    /// Where it comes from.
    pub source: ActionSource,
    /// What to do.
    pub title: String,
    /// The element it builds.
    pub element: Element,
    /// The target date.
    pub target: Date,
    /// Where it stands.
    pub status: ActionStatus,
    /// The day the status was set.
    pub since: Date,
    /// The leader's short note.
    pub note: String,
}

/// How many plans each team's leaders have: all an admin sees of plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamPlanCount {
    /// The team (of the leader); `None` for leaders in no team.
    pub team: Option<String>,
    /// Plans.
    pub plans: u64,
    /// Leaders with at least one plan.
    pub leaders: u64,
    /// Commitments made by those leaders.
    pub commitments: u64,
}
