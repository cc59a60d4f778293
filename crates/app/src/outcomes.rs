//! Trust and outcomes: importing team-level outcome figures, and the association across teams
//! between trust (each team's Trust Index as the heatmap of a closed campaign shows it) and an
//! outcome in a period and the period after.
//!
//! Only teams the heatmap shows take part: a team withheld there (too few answers, hidden with
//! a smaller one, or singling someone out with what was already shown) gives no point, so an
//! outcome import can never bring a withheld team's trust into view.

use crate::{Actor, App, Error, Result, heatmap};
use trustloop_domain::outcomes::{self, OutcomeAssociation, Period, TeamPoint};
use trustloop_domain::people::ImportRefused;
use trustloop_storage::{Campaign, CampaignId, OutcomeFigure, OutcomeMetric};

/// Imports an outcome file: every figure, or none with each problem and its line.
#[tracing::instrument(skip_all, fields(bytes = bytes.len()))]
pub async fn import(
    app: &App,
    actor: &Actor,
    bytes: &[u8],
) -> Result<std::result::Result<u64, ImportRefused>> {
    let teams = app.store.team_names().await?;
    let rows = match outcomes::parse_outcomes_csv(bytes, |team| teams.iter().any(|t| t == team)) {
        Ok(rows) => rows,
        Err(refused) => return Ok(Err(refused)),
    };
    let figures: Vec<OutcomeFigure> = rows
        .into_iter()
        .map(|r| OutcomeFigure {
            team: r.team,
            metric: r.metric,
            period: r.period.to_string(),
            value: r.value,
        })
        .collect();
    let stored = app
        .store
        .import_outcomes(&figures, crate::today())
        .await
        .map_err(|e| match e {
            trustloop_storage::StoreError::NotFound(_) => Error::Conflict(
                "A team in the file was removed while it was imported; nothing was stored. Import the file again.".into(),
            ),
            other => other.into(),
        })?;
    app.audit(
        actor,
        "outcomes_imported",
        "outcomes",
        &format!("{stored} figures"),
    )
    .await?;
    Ok(Ok(stored))
}

/// A metric with its periods in order.
#[derive(Debug, Clone)]
pub struct Metric {
    /// The metric's name.
    pub name: String,
    /// Its periods, oldest first.
    pub periods: Vec<Period>,
    /// Teams with a figure in any period.
    pub teams: u64,
}

/// Every metric imported, each with its periods in order.
pub async fn metrics(app: &App) -> Result<Vec<Metric>> {
    let stored: Vec<OutcomeMetric> = app.store.outcome_metrics().await?;
    Ok(stored
        .into_iter()
        .map(|m| {
            let mut periods: Vec<Period> = m
                .periods
                .iter()
                .filter_map(|p| Period::parse(p).ok())
                .collect();
            periods.sort();
            Metric {
                name: m.metric,
                periods,
                teams: m.teams,
            }
        })
        .collect())
}

/// The association between trust in a campaign and an outcome, in a period and a period later.
#[derive(Debug, Clone)]
pub struct OutcomeView {
    /// The campaign whose team trust is used.
    pub campaign: Campaign,
    /// The metric.
    pub metric: String,
    /// The period.
    pub period: Period,
    /// The association in that period.
    pub now: OutcomeAssociation,
    /// The period after, with the association then, when it has figures.
    pub later: Option<(Period, OutcomeAssociation)>,
}

/// The association across teams between trust in closed campaign `campaign` (its heatmap, as
/// shown, the view recorded and audited as one) and `metric` in `period` and the period after.
#[tracing::instrument(skip_all, fields(campaign = %campaign))]
pub async fn association(
    app: &App,
    actor: &Actor,
    campaign: CampaignId,
    metric: &str,
    period: &str,
) -> Result<OutcomeView> {
    let period = Period::parse(period).map_err(|e| Error::Invalid(format!("{e}.")))?;
    let known = metrics(app).await?;
    let Some(found) = known
        .iter()
        .find(|m| m.name.eq_ignore_ascii_case(metric.trim()))
    else {
        return Err(Error::NotFound("metric"));
    };
    let (campaign, map) = heatmap::team_results(app, actor, campaign, "outcomes").await?;
    let trust: Vec<(String, f64)> = map
        .rows
        .iter()
        .filter_map(|row| Some((row.team.clone(), row.means[0]?)))
        .collect();
    let points_in = |values: Vec<(String, f64)>| -> Vec<TeamPoint> {
        trust
            .iter()
            .filter_map(|(team, trust)| {
                let outcome = values.iter().find(|(t, _)| t == team)?.1;
                Some(TeamPoint {
                    team: team.clone(),
                    trust: *trust,
                    outcome,
                })
            })
            .collect()
    };
    let now = outcomes::associate(points_in(
        app.store
            .outcome_values(&found.name, &period.to_string())
            .await?,
    ));
    let next = period.next();
    let later = if found.periods.contains(&next) {
        let values = app
            .store
            .outcome_values(&found.name, &next.to_string())
            .await?;
        Some((next, outcomes::associate(points_in(values))))
    } else {
        None
    };
    Ok(OutcomeView {
        campaign,
        metric: found.name.clone(),
        period,
        now,
        later,
    })
}
