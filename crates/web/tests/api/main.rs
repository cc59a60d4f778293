//! Integration tests: each starts the real server on port 0 with a fresh SQLite file and talks
//! to it over HTTP.

mod helpers;

mod access;
mod attacks;
mod bad_input;
mod campaign_edits;
mod campaign_flow;
mod docs;
mod exports;
mod feedback;
mod figures;
mod forms;
mod import;
mod learning;
mod ledger;
mod matrix;
mod observability;
mod outcomes;
mod pulse;
mod segments;
mod survey;
mod throttle;
// Breach repair.
mod repair;
