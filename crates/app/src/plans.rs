//! Development plans: started from a leader's closed report with its suggested focus, actions
//! from the action library or the leader's own, shared with the leader's manager if they
//! choose, and the actions done between two reports. The rules are `trustloop_domain::plan`;
//! the store checks them in the transaction of each change.

use crate::{App, Error, Result};
use std::sync::{Arc, OnceLock};
use time::Date;
use trustloop_domain::model::Element;
use trustloop_domain::plan::{self, ActionLibrary, ActionState, ActionStatus};
use trustloop_storage::{
    ActionId, ActionSource, CampaignId, NewAction, NewPlan, PersonId, Plan, PlanAction, PlanId,
    User,
};

/// Where a lesson of the learning module is read. The one place that writes the address, so
/// that it follows the learning module wherever it settles.
pub fn lesson_path(lesson: &str) -> String {
    format!("/learn/{lesson}")
}

/// Every built-in action library, oldest first, read once.
pub fn libraries() -> Result<&'static [Arc<ActionLibrary>]> {
    static LIBRARIES: OnceLock<std::result::Result<Vec<Arc<ActionLibrary>>, String>> =
        OnceLock::new();
    LIBRARIES
        .get_or_init(|| {
            ActionLibrary::built_in()
                .map(|all| all.into_iter().map(Arc::new).collect())
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map(|v| v.as_slice())
        .map_err(|e| Error::Internal(anyhow::anyhow!("built-in action library: {e}")))
}

/// The latest action library: the one new plans take their actions from.
pub fn latest_library() -> Result<Arc<ActionLibrary>> {
    libraries()?
        .last()
        .cloned()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("no built-in action library")))
}

/// The library a plan's actions come from.
pub fn library_of(plan: &Plan) -> Result<Arc<ActionLibrary>> {
    libraries()?
        .iter()
        .find(|l| l.version == plan.library_version)
        .cloned()
        .ok_or_else(|| {
            Error::Internal(anyhow::anyhow!(
                "plan {} names unknown action library {}",
                plan.id,
                plan.library_version
            ))
        })
}

/// Reads a focus as a form sends it (element slugs); the message says what to fix.
pub fn parse_focus<'a>(slugs: impl IntoIterator<Item = &'a str>) -> Result<Vec<Element>> {
    let focus = slugs
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(|s| {
            Element::from_slug(s)
                .ok_or_else(|| Error::Invalid(format!("{s:?} is not an element of trust")))
        })
        .collect::<Result<Vec<_>>>()?;
    plan::check_focus(&focus).map_err(|e| Error::Invalid(sentence(&e.to_string())))?;
    Ok(focus)
}

/// Reads a date typed as `YYYY-MM-DD`.
pub fn parse_day(what: &str, text: &str) -> Result<Date> {
    Date::parse(
        text.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| {
        Error::Invalid(format!(
            "Give the {what} as a date, for example 2026-05-31."
        ))
    })
}

/// `text` as a sentence: capitalised, with a full stop.
pub(crate) fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// The store's refusal of a rule as the leader reads it.
pub(crate) fn as_sentence(e: Error) -> Error {
    match e {
        Error::Conflict(message) => Error::Conflict(sentence(&message)),
        other => other,
    }
}

/// Starts `leader`'s plan from their report in `campaign` with `focus`, taking actions from
/// the latest library.
#[tracing::instrument(skip_all, fields(leader = %leader, campaign = %campaign))]
pub async fn start(
    app: &App,
    leader: PersonId,
    campaign: CampaignId,
    focus: Vec<Element>,
) -> Result<Plan> {
    let library = latest_library()?;
    app.store
        .create_plan(&NewPlan {
            leader_id: leader,
            campaign_id: campaign,
            focus,
            library_version: library.version,
            today: crate::today(),
        })
        .await
        .map_err(|e| as_sentence(e.into()))
}

/// One of `leader`'s plans; any other is "not found".
pub async fn own(app: &App, leader: PersonId, id: PlanId) -> Result<Plan> {
    let plan = app.store.plan(id).await?;
    if plan.leader_id != leader {
        return Err(Error::NotFound("plan"));
    }
    Ok(plan)
}

/// A plan as `user` may see it: their own, or one shared with them as the leader's manager
/// now. Any other is "not found".
pub async fn visible_to(app: &App, user: &User, id: PlanId) -> Result<Plan> {
    let Some(me) = user.person_id else {
        return Err(Error::NotFound("plan"));
    };
    let plan = app.store.plan(id).await?;
    if plan.leader_id == me {
        return Ok(plan);
    }
    if plan.shared_with_manager {
        let leader = app.store.person(plan.leader_id).await?;
        if leader.manager_id == Some(me) {
            return Ok(plan);
        }
    }
    Err(Error::NotFound("plan"))
}

/// Adds the library action `action` (by its id in the plan's library) to a plan.
pub async fn add_library_action(
    app: &App,
    leader: PersonId,
    plan: PlanId,
    action: &str,
    target: Date,
    note: &str,
) -> Result<PlanAction> {
    let found = own(app, leader, plan).await?;
    let library = library_of(&found)?;
    let chosen = library
        .action(action)
        .map_err(|e| Error::Invalid(sentence(&e.to_string())))?;
    let new = NewAction {
        source: ActionSource::Library {
            id: chosen.id.clone(),
            version: library.version,
        },
        title: chosen.title.clone(),
        element: chosen.element,
        target,
        note: note.into(),
    };
    add(app, leader, plan, new).await
}

/// Adds `new` to one of `leader`'s plans, today.
async fn add(app: &App, leader: PersonId, plan: PlanId, new: NewAction) -> Result<PlanAction> {
    app.store
        .add_action(leader, plan, &new, crate::today())
        .await
        .map_err(|e| as_sentence(e.into()))
}

/// Adds the leader's own action to a plan.
pub async fn add_own_action(
    app: &App,
    leader: PersonId,
    plan: PlanId,
    title: &str,
    element: Element,
    target: Date,
    note: &str,
) -> Result<PlanAction> {
    let new = NewAction {
        source: ActionSource::Own,
        title: title.into(),
        element,
        target,
        note: note.into(),
    };
    add(app, leader, plan, new).await
}

/// Sets an action's status and note.
pub async fn set_status(
    app: &App,
    leader: PersonId,
    action: ActionId,
    status: ActionStatus,
    note: &str,
) -> Result<PlanAction> {
    app.store
        .set_action_status(leader, action, status, note, crate::today())
        .await
        .map_err(|e| as_sentence(e.into()))
}

/// The actions of `leader`'s plans marked done after `after` and on or before `until`: what
/// their report shows beside the scores of the campaign that ended on `until`.
pub async fn done_between(
    app: &App,
    leader: PersonId,
    after: Option<Date>,
    until: Date,
) -> Result<Vec<PlanAction>> {
    let actions: Vec<PlanAction> = app
        .store
        .plans_of(leader)
        .await?
        .into_iter()
        .flat_map(|p| p.actions)
        .collect();
    let states: Vec<ActionState> = actions
        .iter()
        .map(|a| ActionState {
            status: a.status,
            since: a.since,
        })
        .collect();
    let after = after.unwrap_or(Date::MIN);
    Ok(plan::done_between(&states, after, until)
        .into_iter()
        .map(|i| actions[i].clone())
        .collect())
}
