//! Statistics used by the report: descriptive summaries, confidence intervals, reliability and
//! agreement indices. Every function here is checked against an independent reference
//! implementation (see `tools/reference/`).
