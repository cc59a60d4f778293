//! Trust by segment: a closed campaign's direct-report answers filtered by rater attributes
//! (location, function…) and optionally compared by one attribute. Every decision about what may
//! be shown is the domain's ([`trustloop_domain::segments::plan_view`]); this module reads the
//! query, loads the answers and the viewer's history, records what was shown and audits it.

use crate::{Actor, App, Error, Result};
use std::sync::Mutex;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::privacy::disclosure::Refusal;
use trustloop_domain::segments::{
    self, Catalog, MAX_LISTED_VALUES, SeenPopulation, SegmentQuery, SegmentView,
};
use trustloop_storage::{Campaign, CampaignId, UserId};

/// What became of a request for a segment view.
pub enum Outcome {
    /// The query was read; the view is shown or refused by the privacy rules.
    Decided {
        /// What was asked.
        query: SegmentQuery,
        /// The view, or why it may not be shown.
        view: std::result::Result<Box<SegmentView>, Refusal>,
    },
    /// The query is malformed; the message says how to fix it.
    BadQuery(String),
}

/// The admin asking for a segment view: their account (whose history of views counts) and how
/// the audit log names them.
pub struct Viewer<'a> {
    /// Their account.
    pub user: UserId,
    /// Who they are in the audit log.
    pub actor: &'a Actor,
}

/// The attributes offered for filtering: every person's, never only the raters'.
pub async fn catalog(app: &App) -> Result<Catalog> {
    Ok(Catalog::new(
        app.store.attribute_values(MAX_LISTED_VALUES as u32).await?,
    ))
}

/// Refuses a campaign that has not closed: its segments would change as answers arrive.
pub fn require_closed(campaign: &Campaign) -> Result<()> {
    if campaign.status == CampaignStatus::Closed {
        Ok(())
    } else {
        Err(Error::Conflict(
            "Segment results are shown once the campaign has closed, so that nobody can watch them change as answers arrive.".into(),
        ))
    }
}

/// Reads the query parameters: `f` (name:value, repeatable) and `by` (at most once). Anything
/// else is refused, so that no parameter is silently ignored.
fn read_params(
    params: &[(String, String)],
) -> std::result::Result<(Vec<&str>, Option<&str>), String> {
    let mut filters = Vec::new();
    let mut by = None;
    for (key, value) in params {
        match key.as_str() {
            "f" => filters.push(value.as_str()),
            "by" if by.is_none() => by = Some(value.as_str()),
            "by" => return Err("Compare by one attribute at a time (by is given twice).".into()),
            other => {
                return Err(format!(
                    "Unknown parameter {other:?}: use f=name:value for each filter and by=name to compare."
                ));
            }
        }
    }
    Ok((filters, by))
}

/// Decides a segment view of a closed campaign for an admin: reads the query, asks the domain
/// what may be shown given what this admin already saw, records what is shown in their history
/// (in the same transaction as the decision) and audits the view or its refusal.
#[tracing::instrument(skip_all, fields(campaign = %campaign.id, user = %viewer.user))]
pub async fn decide(
    app: &App,
    viewer: &Viewer<'_>,
    campaign: &Campaign,
    catalog: &Catalog,
    params: &[(String, String)],
) -> Result<Outcome> {
    require_closed(campaign)?;
    let query = match read_params(params)
        .and_then(|(filters, by)| segments::parse_query(catalog, &filters, by).map_err(|e| e.0))
    {
        Ok(query) => query,
        Err(message) => return Ok(Outcome::BadQuery(message)),
    };
    // Indexed before the recording transaction starts, so that it stays short.
    let answers = segments::Answers::new(
        app.store
            .segment_answers(campaign.id)
            .await?
            .into_iter()
            .map(|a| segments::Answer {
                team: None,
                attributes: a.attributes,
                scores: a.scores,
            })
            .collect(),
    );
    let k = campaign.rules.min_segment;
    type Decided = std::result::Result<std::result::Result<SegmentView, Refusal>, String>;
    let decided: Mutex<Option<Decided>> = Mutex::new(None);
    app.store
        .record_segment_views(campaign.id, viewer.user, crate::today(), &|seen| {
            let outcome = seen
                .iter()
                .map(|s| SeenPopulation::from_canonical_json(&s.filters))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map(|seen| segments::plan_view(k, &answers, &query, &seen));
            let record = match &outcome {
                Ok(Ok(view)) => view
                    .seen
                    .iter()
                    .map(|(population, n)| (population.to_canonical_json(), *n))
                    .collect(),
                _ => Vec::new(),
            };
            if let Ok(mut slot) = decided.lock() {
                *slot = Some(outcome);
            }
            record
        })
        .await?;
    let view = decided
        .into_inner()
        .ok()
        .flatten()
        .ok_or_else(|| anyhow::anyhow!("the segment view was not decided"))?
        .map_err(|e| anyhow::anyhow!("a segment view history entry is unreadable: {e}"))?;
    let detail = format!(
        "filters {}{}{}",
        query.filters.to_canonical_json(),
        query
            .by
            .as_ref()
            .map_or(String::new(), |b| format!(" by {b}")),
        match &view {
            Ok(v) => format!(" · {} answers", v.total.respondents),
            Err(_) => " · refused".into(),
        }
    );
    app.audit(
        viewer.actor,
        if view.is_ok() {
            "segment_results_viewed"
        } else {
            "segment_view_refused"
        },
        &format!("campaign {}", campaign.id),
        &detail,
    )
    .await?;
    Ok(Outcome::Decided {
        query,
        view: view.map(Box::new),
    })
}

/// One view an admin was shown, described for them.
pub struct SeenView {
    /// The filters, in words.
    pub description: String,
    /// Answers it showed.
    pub respondents: u32,
    /// The day it was first shown.
    pub seen_on: time::Date,
}

/// The views an admin was shown in a campaign, oldest first: what later views are checked
/// against.
pub async fn history(app: &App, campaign: CampaignId, user: UserId) -> Result<Vec<SeenView>> {
    Ok(app
        .store
        .segment_views_seen(campaign, user)
        .await?
        .into_iter()
        .map(|s| SeenView {
            description: SeenPopulation::from_canonical_json(&s.filters)
                .map_or_else(|_| s.filters.clone(), |p| p.filters.describe()),
            respondents: s.respondents,
            seen_on: s.seen_on,
        })
        .collect())
}
