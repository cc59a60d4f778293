//! Trust by segment: a closed campaign's direct-report answers filtered by rater attributes
//! (location, function…) and optionally compared by one attribute. Every decision about what may
//! be shown is the domain's ([`trustloop_domain::segments::plan_view`]); this module reads the
//! query, loads the answers, decides against the campaign's disclosure history (everything any
//! admin was shown of the campaign, the team heatmap included), records what was shown and
//! audits it.

use crate::disclosures;
use crate::{Actor, App, Error, Result};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::privacy::disclosure::Refusal;
use trustloop_domain::segments::{
    self, Catalog, MAX_LISTED_VALUES, SeenPopulation, SegmentQuery, SegmentView,
};
use trustloop_storage::{Campaign, CampaignId, Disclosed, DisclosureKind};

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

/// Decides a segment view of a closed campaign for an admin (`actor`, as the audit log names
/// them): reads the query, asks the domain what may be shown given everything already shown of
/// the campaign to any admin, records what is shown in the campaign's history (in the same
/// transaction as the decision) and audits the view or its refusal.
#[tracing::instrument(skip_all, fields(campaign = %campaign.id))]
pub async fn decide(
    app: &App,
    actor: &Actor,
    campaign: &Campaign,
    catalog: &Catalog,
    params: &[(String, String)],
) -> Result<Outcome> {
    require_closed(campaign)?;
    crate::campaign_edits::record_result_read(app, campaign.id).await?;
    let query = match read_params(params)
        .and_then(|(filters, by)| segments::parse_query(catalog, &filters, by).map_err(|e| e.0))
    {
        Ok(query) => query,
        Err(message) => return Ok(Outcome::BadQuery(message)),
    };
    let answers = disclosures::answers(app, campaign.id).await?;
    let k = campaign.rules.min_segment;
    let view = disclosures::record(app, campaign.id, |history| {
        match segments::plan_view(k, &answers, &query, &history.seen) {
            Ok(view) => {
                let populations =
                    disclosures::to_record(DisclosureKind::Segment, &view.seen).collect();
                let record = Disclosed {
                    populations,
                    heatmap_digest: None,
                };
                (Ok(view), record)
            }
            Err(refusal) => (Err(refusal), Disclosed::default()),
        }
    })
    .await?;
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
        actor,
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

/// A segment view shown of a campaign, described for admins.
pub struct SeenView {
    /// The population, in words.
    pub description: String,
    /// Answers it showed.
    pub respondents: u32,
    /// The day it was first shown.
    pub seen_on: time::Date,
}

/// The team heatmap as shown of a campaign.
pub struct SeenHeatmap {
    /// Whether it showed team rows.
    pub teams: bool,
    /// Whether it showed the organisation total.
    pub total: bool,
    /// The day it was first shown.
    pub seen_on: time::Date,
}

/// What was already shown of a campaign to any admin, which new views are checked against: the
/// segment views' populations, oldest first, and the team heatmap, when it was shown (one line,
/// not one per team).
pub struct Shown {
    /// The populations segment views showed.
    pub segments: Vec<SeenView>,
    /// The team heatmap, when it was shown.
    pub heatmap: Option<SeenHeatmap>,
}

/// What was already shown of a campaign to any admin.
pub async fn shown(app: &App, campaign: CampaignId) -> Result<Shown> {
    let segments = app
        .store
        .disclosures(campaign, Some(DisclosureKind::Segment))
        .await?
        .into_iter()
        .map(|s| SeenView {
            description: SeenPopulation::from_canonical_json(&s.population)
                .map_or_else(|_| s.population.clone(), |p| p.filters.describe()),
            respondents: s.respondents,
            seen_on: s.first_seen,
        })
        .collect();
    let summary = app.store.disclosure_summary(campaign).await?;
    let teams = summary.first_seen(DisclosureKind::Team);
    let total = summary.first_seen(DisclosureKind::Total);
    let heatmap = teams
        .into_iter()
        .chain(total)
        .min()
        .map(|seen_on| SeenHeatmap {
            teams: teams.is_some(),
            total: total.is_some(),
            seen_on,
        });
    Ok(Shown { segments, heatmap })
}
