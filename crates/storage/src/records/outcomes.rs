//! Team-level outcome figures ([`crate::OutcomeStore`]).

use serde::Serialize;

/// One outcome figure to store: a team (by name), what was measured, the period and the value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeFigure {
    /// The team's name, as the people file gave it.
    pub team: String,
    /// What was measured, as written.
    pub metric: String,
    /// The period, as `trustloop_domain::outcomes::Period` writes it.
    pub period: String,
    /// The value.
    pub value: f64,
}

/// A metric with the periods it has figures for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeMetric {
    /// The metric, as last imported.
    pub metric: String,
    /// Its periods, as written, in no particular order.
    pub periods: Vec<String>,
    /// Teams with a figure, in any period.
    pub teams: u64,
}
