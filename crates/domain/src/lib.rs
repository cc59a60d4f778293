//! The trust model of Trustloop and everything that can be decided without I/O: the elements of
//! trust, the instrument (items and scale, versioned data), validated survey answers, scoring,
//! statistics, the privacy rules, who may change a rater list, the people import format, and
//! what a leader does after a report: the development plan and the say-do ledger.
//!
//! Nothing here touches a database, a file or the network; every function is deterministic and
//! unit-tested beside its code.

pub mod analytics;
pub mod campaign;
pub mod closing;
pub mod display;
pub mod feedback;
pub mod instrument;
pub mod learning;
pub mod ledger;
pub mod model;
pub mod outcomes;
pub mod people;
pub mod plan;
pub mod privacy;
pub mod pulse;
pub mod quality;
pub mod raters;
pub mod rating;
pub mod repair;
pub mod report;
pub mod scoring;
pub mod segments;
pub mod stats;
pub mod text;
