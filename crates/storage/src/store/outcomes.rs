//! Team-level outcome figures (attrition, engagement, customer satisfaction…) that an admin
//! imports, to see how team trust goes with them. Figures are the organisation's, per team:
//! they hold no one's answers.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;
use time::Date;

/// Outcome figures by team, metric and period.
#[async_trait]
pub trait OutcomeStore: Send + Sync {
    /// Stores `figures` in one transaction, replacing any figure of the same team, metric
    /// (whatever its case) and period. A team name that does not exist is "not found", and
    /// nothing is stored. Returns how many figures were stored.
    async fn import_outcomes(&self, figures: &[OutcomeFigure], today: Date) -> StoreResult<u64>;
    /// Every metric with its periods, by metric name.
    async fn outcome_metrics(&self) -> StoreResult<Vec<OutcomeMetric>>;
    /// Each team's figure (team name, value) of `metric` (any case) in `period`, by team name.
    async fn outcome_values(&self, metric: &str, period: &str) -> StoreResult<Vec<(String, f64)>>;
    /// The names of the organisation's teams.
    async fn team_names(&self) -> StoreResult<Vec<String>>;
}
