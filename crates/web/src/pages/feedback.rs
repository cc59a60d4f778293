//! The feedback pages: `/feedback` (what you received, with counts by element over time and
//! the share you found helpful; what you gave; requests made of you and by you), the give form
//! (each part explained with an example, the judgement warning shown before sending with the
//! words kept and a "send anyway" button, the anonymous option explained before sending), and
//! the admins' counts by team (`/admin/feedback`, counts only).

use super::{back_or_again, shown};
use crate::access::{Access, RouteSpec};
use crate::auth::{FormPost, SignedIn};
use crate::client::ClientAddress;
use crate::error::{AppError, AppResult};
use crate::extract::{Id, QueryPairs};
use crate::forms::{field, id_field, team_or_people, url_encode};
use crate::layout::Chrome;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use trustloop_app::feedback::{self as uses, GiveOutcome, GiveText, ReceivedFeedback, TeamRow};
use trustloop_domain::feedback::{Judgement, Part, PartProblem, week_label};
use trustloop_domain::model::Element;
use trustloop_storage::{
    FeedbackItem, FeedbackItemId, FeedbackRequest, FeedbackRequestId, PersonId, TeamChoice,
};

pub(super) fn routes() -> Vec<RouteSpec> {
    let signed_in = |path| RouteSpec::new(path, Access::SignedIn);
    vec![
        signed_in("/feedback").get(feedback_page),
        signed_in("/feedback/give").get(give_page).post(give),
        signed_in("/feedback/requests").post(ask),
        signed_in("/feedback/requests/{id}/aside").post(aside),
        signed_in("/feedback/items/{id}/helpful").post(helpful),
        signed_in("/feedback/items/{id}/reply").post(reply),
        RouteSpec::new("/admin/feedback", Access::Admin).get(admin_counts),
    ]
}

fn me(signed_in: &SignedIn) -> AppResult<PersonId> {
    signed_in
        .user
        .person_id
        .ok_or(AppError::NotFound("feedback"))
}

/// An item as the pages show it: its dates in words.
pub struct ItemView {
    /// The item.
    pub item: FeedbackItem,
    /// When it was written and delivered, in words.
    pub when: String,
}

impl ItemView {
    fn new(item: FeedbackItem) -> ItemView {
        let when = if item.is_anonymous() {
            let (from, to) = (week_label(item.written_on), week_label(item.delivered_on));
            let weeks = if from == to {
                format!("written in week {from}")
            } else {
                format!("written between weeks {from} and {to}")
            };
            format!(
                "{weeks}, delivered with {} other anonymous item(s) in random order",
                item.batch_size.saturating_sub(1)
            )
        } else {
            format!("{}", item.written_on)
        };
        ItemView { item, when }
    }

    /// The element's name.
    pub fn element(&self) -> &'static str {
        self.item.element.label()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback.html")]
struct FeedbackPage {
    chrome: Chrome,
    received: ReceivedFeedback,
    items: Vec<ItemView>,
    given: Vec<ItemView>,
    asked: Vec<FeedbackRequest>,
    mine: Vec<FeedbackRequest>,
    people: Vec<(PersonId, String)>,
    teams: Vec<TeamChoice>,
    elements: [Element; 3],
    message: Option<String>,
    error: Option<String>,
    k: u32,
    /// Received items not listed (older than the first [`FIRST_ITEMS`]) until all are asked for.
    hidden: usize,
}

/// How many received items `/feedback` lists before "show all".
const FIRST_ITEMS: usize = 10;

/// What `/feedback` shows: counted by which period, and whether every received item.
#[derive(Default)]
struct Shown<'a> {
    period: Option<&'a str>,
    all: bool,
}

async fn feedback_view(
    state: &AppState,
    signed_in: &SignedIn,
    shown_as: Shown<'_>,
    message: Option<String>,
    error: Option<String>,
) -> AppResult<Response> {
    let person = me(signed_in)?;
    let app = &state.app;
    let (received, given, asked, mine, people, teams) = tokio::try_join!(
        async {
            Ok::<_, AppError>(
                uses::received(app, person, uses::parse_period(shown_as.period)).await?,
            )
        },
        async { Ok(app.store.feedback_given(person).await?) },
        async { Ok(app.store.feedback_requests_for(person).await?) },
        async { Ok(app.store.feedback_requests_by(person).await?) },
        async { Ok(app.store.feedback_people().await?) },
        async { Ok(app.store.teams_of_leader(person).await?) },
    )?;
    Ok(shown(
        error.is_some(),
        FeedbackPage {
            chrome: signed_in.chrome(),
            items: received
                .items
                .iter()
                .take(if shown_as.all {
                    usize::MAX
                } else {
                    FIRST_ITEMS
                })
                .cloned()
                .map(ItemView::new)
                .collect(),
            hidden: if shown_as.all {
                0
            } else {
                received.items.len().saturating_sub(FIRST_ITEMS)
            },
            received,
            given: given.into_iter().map(ItemView::new).collect(),
            asked,
            mine,
            people: people.into_iter().filter(|(id, _)| *id != person).collect(),
            teams,
            elements: Element::ALL,
            message,
            error,
            k: uses::k(),
        },
    ))
}

#[tracing::instrument(skip_all)]
async fn feedback_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    QueryPairs(query): QueryPairs,
) -> AppResult<Response> {
    let message = uses::sent_message(field(&query, "sent"))
        .or_else(|| (field(&query, "asked") == "yes").then(|| "Your request was sent.".into()));
    let shown_as = Shown {
        period: query
            .iter()
            .rev()
            .find(|(k, _)| k == "by")
            .map(|(_, v)| v.as_str()),
        all: field(&query, "all") == "yes",
    };
    feedback_view(&state, &signed_in, shown_as, message, None).await
}

/// One part of the give form, with its value and problem.
pub struct PartField {
    /// The part.
    pub part: Part,
    /// What was typed.
    pub value: String,
    /// What is wrong with it.
    pub problem: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback_give.html")]
struct GivePage {
    chrome: Chrome,
    people: Vec<(PersonId, String)>,
    to: Option<i64>,
    request: Option<FeedbackRequest>,
    element: String,
    parts: Vec<PartField>,
    anonymous: bool,
    form_token: String,
    problems: Vec<PartProblem>,
    warnings: Vec<Judgement>,
    error: Option<String>,
    elements: [Element; 3],
    anonymous_rule: String,
}

impl GivePage {
    /// How a judgement's part reads.
    fn part_label(&self, judgement: &Judgement) -> &'static str {
        judgement.part.label()
    }

    /// Whether `person` is the one chosen.
    fn chosen(&self, person: &PersonId) -> bool {
        self.to == Some(person.0)
    }
}

/// What the give form showed and was sent with.
#[derive(Default)]
struct GiveValues {
    to: Option<i64>,
    request: Option<i64>,
    element: String,
    parts: [String; 4],
    anonymous: bool,
    form_token: Option<String>,
}

async fn give_view(
    state: &AppState,
    signed_in: &SignedIn,
    values: GiveValues,
    problems: Vec<PartProblem>,
    warnings: Vec<Judgement>,
    error: Option<String>,
) -> AppResult<Response> {
    let person = me(signed_in)?;
    let (people, asked) = tokio::try_join!(
        async { Ok::<_, AppError>(state.app.store.feedback_people().await?) },
        async { Ok(state.app.store.feedback_requests_for(person).await?) },
    )?;
    let request = values
        .request
        .and_then(|id| asked.into_iter().find(|r| r.id == FeedbackRequestId(id)));
    let to = request.as_ref().map(|r| r.asker_id.0).or(values.to);
    let parts = Part::ALL
        .into_iter()
        .zip(values.parts)
        .map(|(part, value)| PartField {
            part,
            problem: problems
                .iter()
                .find(|p| p.part == part)
                .map(|p| p.message.clone()),
            value,
        })
        .collect();
    let refused = !problems.is_empty() || error.is_some();
    Ok(shown(
        refused,
        GivePage {
            chrome: signed_in.chrome(),
            people: people.into_iter().filter(|(id, _)| *id != person).collect(),
            to,
            request,
            element: values.element,
            parts,
            anonymous: values.anonymous,
            form_token: values
                .form_token
                .unwrap_or_else(trustloop_app::tokens::random_token),
            problems,
            warnings,
            error,
            elements: Element::ALL,
            anonymous_rule: uses::anonymous_rule().explained(),
        },
    ))
}

#[tracing::instrument(skip_all)]
async fn give_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    QueryPairs(query): QueryPairs,
) -> AppResult<Response> {
    let values = GiveValues {
        to: id_field(&query, "to"),
        request: id_field(&query, "request"),
        ..GiveValues::default()
    };
    give_view(&state, &signed_in, values, Vec::new(), Vec::new(), None).await
}

#[tracing::instrument(skip_all)]
async fn give(State(state): State<AppState>, post: FormPost) -> AppResult<Response> {
    let sender = me(&post.signed_in)?;
    let f = &post.fields;
    let text = GiveText {
        to: id_field(f, "to"),
        request: id_field(f, "request"),
        element: field(f, "element"),
        situation: field(f, "situation"),
        behaviour: field(f, "behaviour"),
        impact: field(f, "impact"),
        suggestion: field(f, "suggestion"),
        anonymous: field(f, "anonymous") == "yes",
        form_token: field(f, "form"),
        send_anyway: field(f, "anyway") == "yes",
    };
    let values = GiveValues {
        to: text.to,
        request: text.request,
        element: text.element.into(),
        parts: Part::ALL.map(|p| field(f, p.slug()).to_string()),
        anonymous: text.anonymous,
        form_token: (!text.form_token.is_empty()).then(|| text.form_token.to_string()),
    };
    let state = &state;
    let signed_in = &post.signed_in;
    match uses::give(&state.app, sender, &text).await {
        Ok(GiveOutcome::Sent(sent)) => Ok(Redirect::to(&format!(
            "/feedback?sent={}",
            url_encode(uses::sent_slug(sent))
        ))
        .into_response()),
        Ok(GiveOutcome::Problems(problems)) => {
            give_view(state, signed_in, values, problems, Vec::new(), None).await
        }
        Ok(GiveOutcome::Warned(warnings)) => {
            give_view(state, signed_in, values, Vec::new(), warnings, None).await
        }
        Err(trustloop_app::Error::Invalid(m) | trustloop_app::Error::Conflict(m)) => {
            give_view(state, signed_in, values, Vec::new(), Vec::new(), Some(m)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Goes back to `/feedback` (at `anchor`), or shows it again with `result`'s refusal.
async fn back_to_feedback<T>(
    state: &AppState,
    signed_in: &SignedIn,
    result: trustloop_app::Result<T>,
    to: &str,
) -> AppResult<Response> {
    back_or_again(result, to, |m| {
        feedback_view(state, signed_in, Shown::default(), None, Some(m))
    })
    .await
}

#[tracing::instrument(skip_all)]
async fn ask(State(state): State<AppState>, post: FormPost) -> AppResult<Response> {
    let asker = me(&post.signed_in)?;
    let f = &post.fields;
    let (team, people) = team_or_people(f);
    let text = uses::AskText {
        about: field(f, "about"),
        people,
        team,
    };
    let result = uses::ask(&state.app, asker, &text).await;
    back_to_feedback(
        &state,
        &post.signed_in,
        result,
        "/feedback?asked=yes#requests",
    )
    .await
}

#[tracing::instrument(skip_all, fields(request = id))]
async fn aside(State(state): State<AppState>, Id(id): Id, post: FormPost) -> AppResult<Response> {
    let person = me(&post.signed_in)?;
    state
        .app
        .store
        .set_feedback_request_aside(person, FeedbackRequestId(id))
        .await
        .map_err(trustloop_app::Error::from)?;
    Ok(Redirect::to("/feedback#asked").into_response())
}

#[tracing::instrument(skip_all, fields(item = id))]
async fn helpful(State(state): State<AppState>, Id(id): Id, post: FormPost) -> AppResult<Response> {
    let person = me(&post.signed_in)?;
    let result = uses::mark(
        &state.app,
        person,
        FeedbackItemId(id),
        field(&post.fields, "helpful"),
    )
    .await;
    let to = format!("/feedback?all=yes#item-{id}");
    back_to_feedback(&state, &post.signed_in, result, &to).await
}

#[tracing::instrument(skip_all, fields(item = id))]
async fn reply(State(state): State<AppState>, Id(id): Id, post: FormPost) -> AppResult<Response> {
    let person = me(&post.signed_in)?;
    let result = uses::reply(
        &state.app,
        person,
        FeedbackItemId(id),
        field(&post.fields, "reply"),
    )
    .await;
    let to = format!("/feedback?all=yes#item-{id}");
    back_to_feedback(&state, &post.signed_in, result, &to).await
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/feedback.html")]
struct AdminPage {
    chrome: Chrome,
    rows: Vec<TeamRow>,
    k: u32,
}

#[tracing::instrument(skip_all)]
async fn admin_counts(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
) -> AppResult<AdminPage> {
    signed_in.require_admin()?;
    let actor = address.actor(&signed_in.user.email);
    let rows = uses::team_counts(&state.app, &actor, "page").await?;
    Ok(AdminPage {
        chrome: signed_in.chrome(),
        rows,
        k: uses::k(),
    })
}
