//! The store's traits, one per aggregate of the model, and [`Store`], their sum.
//!
//! Each aggregate (people, campaigns, answers…) has a small trait of its own in a module here,
//! implemented for both SQL backends by the module of the same name in `crate::sql`, and tested
//! on both by the file of the same name in `tests/contract/`. A new capability adds its
//! aggregate the same way:
//! 1. a trait here (`store/NAME.rs`), re-exported from the crate and its prelude, and named in
//!    `store_of!` below, which makes it one of the supertraits of [`Store`];
//! 2. its SQL in `sql/NAME.rs`: `#[sql_impl] #[async_trait] impl<DB> NameStore for SqlStore<DB>`
//!    (the attribute adds the bounds every statement needs), with its tables in a new migration
//!    for each backend;
//! 3. its contract in `tests/contract/NAME.rs`, listed in `contract!` (in `main.rs`) so that
//!    every test runs on SQLite and PostgreSQL.

mod accounts;
mod answers;
mod audit;
mod campaign_edits;
mod campaigns;
mod disclosures;
mod feedback;
mod import_jobs;
mod instruments;
mod learning;
mod ledger;
mod maintenance;
mod outcomes;
mod people;
mod plans;
mod pulse;
mod rater_lists;
mod results;
mod segments;
// Breach repair.
mod repair;

pub use accounts::AccountStore;
pub use answers::AnswerStore;
pub use audit::AuditStore;
pub use campaign_edits::CampaignEditStore;
pub use campaigns::CampaignStore;
pub use disclosures::DisclosureStore;
pub use feedback::FeedbackStore;
pub use import_jobs::ImportJobStore;
pub use instruments::InstrumentStore;
pub use learning::LearningStore;
pub use ledger::LedgerStore;
pub use maintenance::{Backup, HealthStore, MaintenanceStore};
pub use outcomes::OutcomeStore;
pub use people::PeopleStore;
pub use plans::PlanStore;
pub use pulse::PulseStore;
pub use rater_lists::RaterListStore;
pub use results::ResultStore;
pub use segments::SegmentViewStore;
// Breach repair.
pub use repair::RepairStore;

use std::sync::Arc;

/// A shared handle to the configured backend.
pub type DynStore = Arc<dyn Store>;

/// Declares [`Store`] as the sum of `aggregates`, and gives it to whatever implements them all:
/// the list of aggregates is written once, here.
macro_rules! store_of {
    ($($aggregate:ident),+ $(,)?) => {
        /// Everything Trustloop keeps: the sum of the aggregates' stores, for whoever needs all
        /// of it (the web layer and the command line hold a [`DynStore`]). Each method is one
        /// unit of work: writes that belong together are done in one transaction inside the
        /// backend.
        pub trait Store: $($aggregate +)+ Send + Sync + 'static {}

        impl<T> Store for T where T: $($aggregate +)+ Send + Sync + 'static {}
    };
}

store_of!(
    HealthStore,
    MaintenanceStore,
    InstrumentStore,
    PeopleStore,
    AccountStore,
    CampaignStore,
    RaterListStore,
    AnswerStore,
    ResultStore,
    ImportJobStore,
    AuditStore,
    SegmentViewStore,
    DisclosureStore,
    LearningStore,
    PlanStore,
    LedgerStore,
    PulseStore,
    OutcomeStore,
    FeedbackStore,
    RepairStore,
    CampaignEditStore,
);
