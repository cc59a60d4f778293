//! The development plan pages: starting a plan from a closed report (the suggested focus
//! preselected, the library's actions per element), the plan with its actions and their
//! statuses, sharing it with the leader's manager, and the plans shared with a manager.

use super::{back_or_again, shown};
use crate::access::{Access, RouteSpec};
use crate::auth::{FormPost, SignedIn};
use crate::error::{AppError, AppResult};
use crate::extract::Id;
use crate::forms::field;
use crate::layout::Chrome;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use trustloop_app::{plans, reports};
use trustloop_domain::model::Element;
use trustloop_domain::plan::{ActionStatus, LibraryAction};
use trustloop_storage::{ActionId, ActionSource, CampaignId, PersonId, Plan, PlanId};

pub(super) fn routes() -> Vec<RouteSpec> {
    let signed_in = |path| RouteSpec::new(path, Access::SignedIn);
    vec![
        signed_in("/me/campaigns/{id}/plan")
            .get(start_page)
            .post(start),
        signed_in("/me/plans/{id}").get(plan_page),
        signed_in("/me/plans/{id}/actions").post(add_action),
        signed_in("/me/plans/{id}/share").post(share),
        signed_in("/me/actions/{id}/status").post(set_status),
        signed_in("/me/shared-plans").get(shared_plans),
    ]
}

/// The signed-in user's person; an account without one leads nothing.
fn me(signed_in: &SignedIn) -> AppResult<PersonId> {
    signed_in.user.person_id.ok_or(AppError::NotFound("plan"))
}

/// One element's library actions as the pages list them.
pub struct ElementActions {
    element: Element,
    actions: Vec<LibraryAction>,
}

fn by_element(library: &trustloop_domain::plan::ActionLibrary) -> Vec<ElementActions> {
    Element::ALL
        .into_iter()
        .map(|element| ElementActions {
            element,
            actions: library.for_element(element).cloned().collect(),
        })
        .collect()
}

/// The lesson address of a library action, when it has one.
pub fn lesson(action: &LibraryAction) -> Option<String> {
    action.lesson.as_deref().map(plans::lesson_path)
}

#[derive(Template, WebTemplate)]
#[template(path = "plan_start.html")]
struct StartPage {
    chrome: Chrome,
    campaign_id: i64,
    campaign_name: String,
    suggested: Option<Element>,
    elements: [Element; 3],
    error: Option<String>,
}

async fn start_form(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    error: Option<String>,
) -> AppResult<Response> {
    let leader = me(signed_in)?;
    let loaded = reports::load(&state.app, CampaignId(id), leader).await?;
    if let Some(plan) = state
        .app
        .store
        .plans_of(leader)
        .await?
        .into_iter()
        .find(|p| p.campaign_id.0 == id)
    {
        return Ok(Redirect::to(&format!("/me/plans/{}", plan.id)).into_response());
    }
    Ok(shown(
        error.is_some(),
        StartPage {
            chrome: signed_in.chrome(),
            campaign_id: id,
            campaign_name: loaded.campaign.name.clone(),
            suggested: loaded.report().focus,
            elements: Element::ALL,
            error,
        },
    ))
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn start_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Id(id): Id,
) -> AppResult<Response> {
    start_form(&state, &signed_in, id, None).await
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn start(State(state): State<AppState>, Id(id): Id, post: FormPost) -> AppResult<Response> {
    let leader = me(&post.signed_in)?;
    let chosen = post
        .fields
        .iter()
        .filter(|(k, _)| k == "focus")
        .map(|(_, v)| v.as_str());
    let made = match plans::parse_focus(chosen) {
        Ok(focus) => plans::start(&state.app, leader, CampaignId(id), focus).await,
        Err(e) => Err(e),
    };
    let to = match &made {
        Ok(plan) => format!("/me/plans/{}", plan.id),
        Err(_) => String::new(),
    };
    back_or_again(made, &to, |m| {
        start_form(&state, &post.signed_in, id, Some(m))
    })
    .await
}

/// One action on the plan page.
pub struct ActionRow {
    id: i64,
    title: String,
    element: Element,
    target: String,
    status: ActionStatus,
    since: String,
    note: String,
    /// Why and how to start, and the lesson, for a library action.
    library: Option<LibraryAction>,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan.html")]
struct PlanPage {
    chrome: Chrome,
    plan: Plan,
    own: bool,
    rows: Vec<ActionRow>,
    choices: Vec<ElementActions>,
    statuses: [ActionStatus; 4],
    elements: [Element; 3],
    error: Option<String>,
}

async fn plan_view(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    error: Option<String>,
) -> AppResult<Response> {
    let plan = plans::visible_to(&state.app, &signed_in.user, PlanId(id)).await?;
    let library = plans::library_of(&plan)?;
    let rows = plan
        .actions
        .iter()
        .map(|a| ActionRow {
            id: a.id.0,
            title: a.title.clone(),
            element: a.element,
            target: a.target.to_string(),
            status: a.status,
            since: a.since.to_string(),
            note: a.note.clone(),
            library: match &a.source {
                ActionSource::Library { id, .. } => library.action(id).ok().cloned(),
                ActionSource::Own => None,
            },
        })
        .collect();
    let mut choices = by_element(&library);
    // The plan's focus first, the others after.
    choices.sort_by_key(|c| !plan.focus.contains(&c.element));
    Ok(shown(
        error.is_some(),
        PlanPage {
            chrome: signed_in.chrome(),
            own: signed_in.user.person_id == Some(plan.leader_id),
            plan,
            rows,
            choices,
            statuses: ActionStatus::ALL,
            elements: Element::ALL,
            error,
        },
    ))
}

#[tracing::instrument(skip_all, fields(plan = id))]
async fn plan_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Id(id): Id,
) -> AppResult<Response> {
    plan_view(&state, &signed_in, id, None).await
}

/// Shows the plan again with `result`'s refusal, or goes back to it.
async fn back_to_plan<T>(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    result: trustloop_app::Result<T>,
) -> AppResult<Response> {
    back_or_again(result, &format!("/me/plans/{id}"), |m| {
        plan_view(state, signed_in, id, Some(m))
    })
    .await
}

#[tracing::instrument(skip_all, fields(plan = id))]
async fn add_action(
    State(state): State<AppState>,
    Id(id): Id,
    post: FormPost,
) -> AppResult<Response> {
    let leader = me(&post.signed_in)?;
    let f = &post.fields;
    let result = async {
        let target = plans::parse_day("target date", field(f, "target"))?;
        let note = field(f, "note");
        match field(f, "library") {
            "" => {
                let element = Element::from_slug(field(f, "element")).ok_or_else(|| {
                    trustloop_app::Error::Invalid("Choose the element the action builds.".into())
                })?;
                plans::add_own_action(
                    &state.app,
                    leader,
                    PlanId(id),
                    field(f, "title"),
                    element,
                    target,
                    note,
                )
                .await
            }
            action => {
                plans::add_library_action(&state.app, leader, PlanId(id), action, target, note)
                    .await
            }
        }
    }
    .await;
    back_to_plan(&state, &post.signed_in, id, result).await
}

#[tracing::instrument(skip_all, fields(plan = id))]
async fn share(State(state): State<AppState>, Id(id): Id, post: FormPost) -> AppResult<Response> {
    let leader = me(&post.signed_in)?;
    let shared = field(&post.fields, "shared") == "yes";
    state
        .app
        .store
        .share_plan(leader, PlanId(id), shared)
        .await
        .map_err(trustloop_app::Error::from)?;
    Ok(Redirect::to(&format!("/me/plans/{id}")).into_response())
}

#[tracing::instrument(skip_all, fields(action = id))]
async fn set_status(
    State(state): State<AppState>,
    Id(id): Id,
    post: FormPost,
) -> AppResult<Response> {
    let leader = me(&post.signed_in)?;
    let status = ActionStatus::from_slug(field(&post.fields, "status"))
        .ok_or_else(|| AppError::BadRequest("Choose a status.".into()))?;
    let plan = field(&post.fields, "plan")
        .parse::<i64>()
        .unwrap_or_default();
    let result = plans::set_status(
        &state.app,
        leader,
        ActionId(id),
        status,
        field(&post.fields, "note"),
    )
    .await;
    if plan == 0 {
        return match result {
            Ok(_) => Ok(Redirect::to("/me").into_response()),
            Err(e) => Err(e.into()),
        };
    }
    back_to_plan(&state, &post.signed_in, plan, result).await
}

#[derive(Template, WebTemplate)]
#[template(path = "shared_plans.html")]
struct SharedPlans {
    chrome: Chrome,
    plans: Vec<Plan>,
}

#[tracing::instrument(skip_all)]
async fn shared_plans(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> AppResult<SharedPlans> {
    let plans = match signed_in.user.person_id {
        Some(me) => state.app.store.plans_shared_with(me).await?,
        None => Vec::new(),
    };
    Ok(SharedPlans {
        chrome: signed_in.chrome(),
        plans,
    })
}
