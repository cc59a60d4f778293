//! The API of feedback, read only (feedback is given, marked and answered through the pages):
//! what the caller received (delivered items only; anonymous ones carry no sender and only the
//! weeks of their batch) with the counts by element over time, and for admins the counts by
//! team (never contents).

use super::{ApiResult, ApiUser};
use crate::client::ClientAddress;
use crate::error::ErrorJson;
use crate::extract::QueryPairs;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use trustloop_app::feedback as uses;
use trustloop_domain::feedback::{TeamCount, week_label};
use trustloop_storage::FeedbackItem;
use utoipa::ToSchema;

/// A feedback item the caller received.
#[derive(Serialize, ToSchema)]
pub struct FeedbackItemJson {
    id: i64,
    /// relationships, judgement or consistency.
    element: String,
    /// The sender's name; null for anonymous feedback.
    sender: Option<String>,
    /// What the request it answers was about, if it answers one (named items only).
    request: Option<String>,
    situation: String,
    behaviour: String,
    impact: String,
    suggestion: Option<String>,
    /// Named: the day written (YYYY-MM-DD). Anonymous: the ISO week the batch was first
    /// written in (YYYY-Www).
    written: String,
    /// Named: the day delivered. Anonymous: the ISO week the batch was delivered in.
    delivered: String,
    /// Items delivered together with it (1 for named feedback).
    batch_size: u32,
    /// Whether the caller found it helpful; null until they say.
    helpful: Option<bool>,
    /// The caller's reply, if any (named items only).
    reply: Option<String>,
}

fn item_json(i: FeedbackItem) -> FeedbackItemJson {
    let anonymous = i.is_anonymous();
    let date = |d: time::Date| {
        if anonymous {
            week_label(d)
        } else {
            d.to_string()
        }
    };
    FeedbackItemJson {
        id: i.id.0,
        element: i.element.slug().into(),
        written: date(i.written_on),
        delivered: date(i.delivered_on),
        sender: i.sender.map(|(_, name)| name),
        request: i.request_about,
        situation: i.situation,
        behaviour: i.behaviour,
        impact: i.impact,
        suggestion: i.suggestion,
        batch_size: i.batch_size,
        helpful: i.helpful,
        reply: i.reply.map(|(text, _)| text),
    }
}

/// What one period's feedback counts.
#[derive(Serialize, ToSchema)]
pub struct FeedbackPeriodJson {
    /// "2026-03" or "2026 Q1".
    period: String,
    /// The period's first day.
    start: String,
    relationships: u32,
    judgement: u32,
    consistency: u32,
    /// Items marked helpful or not.
    rated: u32,
    /// Items marked helpful.
    helpful: u32,
}

/// The caller's received feedback.
#[derive(Serialize, ToSchema)]
pub struct MyFeedbackJson {
    /// Newest first; an anonymous batch in its random order.
    items: Vec<FeedbackItemJson>,
    /// month or quarter.
    period: String,
    /// Counts by element and period, oldest first.
    periods: Vec<FeedbackPeriodJson>,
    /// The share of rated items found helpful, in percent; null before any is rated.
    helpful_share: Option<u32>,
    /// Anonymous feedback is delivered once this many have sent it.
    anonymous_minimum: u32,
}

/// The feedback delivered to the caller (anonymous feedback still waiting for others is not
/// included), with its counts by element over time. `by=month` counts by month (by quarter
/// otherwise).
#[utoipa::path(get, path = "/api/v1/me/feedback",
    params(("by" = Option<String>, Query, description = "month or quarter (the default)")),
    responses((status = 200, body = MyFeedbackJson), (status = 400, body = ErrorJson), (status = 401, body = ErrorJson), (status = 503, body = ErrorJson)))]
#[tracing::instrument(skip_all)]
pub(super) async fn my_feedback(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    QueryPairs(query): QueryPairs,
) -> ApiResult<MyFeedbackJson> {
    let period = uses::parse_period(
        query
            .iter()
            .rev()
            .find(|(k, _)| k == "by")
            .map(|(_, v)| v.as_str()),
    );
    let Some(me) = user.user.person_id else {
        return Ok(Json(MyFeedbackJson {
            items: Vec::new(),
            period: period.slug().into(),
            periods: Vec::new(),
            helpful_share: None,
            anonymous_minimum: uses::k(),
        }));
    };
    let received = uses::received(&state.app, me, period).await?;
    Ok(Json(MyFeedbackJson {
        helpful_share: received.helpful_share(),
        period: period.slug().into(),
        periods: received
            .periods
            .iter()
            .map(|p| FeedbackPeriodJson {
                period: p.label.clone(),
                start: p.start.to_string(),
                relationships: p.by_element[0],
                judgement: p.by_element[1],
                consistency: p.by_element[2],
                rated: p.rated,
                helpful: p.helpful,
            })
            .collect(),
        items: received.items.into_iter().map(item_json).collect(),
        anonymous_minimum: uses::k(),
    }))
}

/// A count, or null where it rests on fewer than `min_senders` senders.
fn shown(count: TeamCount) -> Option<u32> {
    match count {
        TeamCount::Count(n) => Some(n),
        TeamCount::FewerThan(_) => None,
    }
}

/// One team's feedback counts.
#[derive(Serialize, ToSchema)]
pub struct TeamFeedbackJson {
    team: String,
    /// Items its members received; null when from fewer than `min_senders` senders.
    items: Option<u32>,
    /// Of those, marked helpful or not; null as `items`.
    rated: Option<u32>,
    /// Of those, marked helpful; null as `items`.
    helpful: Option<u32>,
}

/// Feedback counts by team.
#[derive(Serialize, ToSchema)]
pub struct TeamsFeedbackJson {
    /// Counts resting on fewer senders than this are null.
    min_senders: u32,
    teams: Vec<TeamFeedbackJson>,
}

/// How much feedback each team's members received and found helpful (admin): counts only,
/// never contents or senders, null where fewer than k senders gave them. Each call is audited.
#[utoipa::path(get, path = "/api/v1/feedback/teams", responses(
    (status = 200, body = TeamsFeedbackJson), (status = 401, body = ErrorJson), (status = 403, body = ErrorJson), (status = 503, body = ErrorJson)))]
#[tracing::instrument(skip_all)]
pub(super) async fn teams_feedback(
    State(state): State<AppState>,
    address: ClientAddress,
    ApiUser(user): ApiUser,
) -> ApiResult<TeamsFeedbackJson> {
    user.require_admin()?;
    let actor = address.actor(&user.user.email);
    let rows = uses::team_counts(&state.app, &actor, "api").await?;
    Ok(Json(TeamsFeedbackJson {
        min_senders: uses::k(),
        teams: rows
            .into_iter()
            .map(|r| TeamFeedbackJson {
                team: r.team,
                items: shown(r.items),
                rated: shown(r.rated),
                helpful: shown(r.helpful),
            })
            .collect(),
    }))
}
