//! Trustloop's use cases: what the pages, the JSON API and the command line do, in the
//! product's words and without HTTP. Each module is one part of the product: [`reports`] (a
//! leader's report), [`heatmap`] (trust by team), [`segments`] (trust by rater attributes; both
//! decided against the campaign's one disclosure history), [`imports`] (the people import),
//! [`campaigns`] (running a campaign), [`raters`] (who rates each leader: nominations,
//! approvals, each leader's change list), [`plans`] and [`ledger`] (the development plan and
//! the say-do ledger), [`accounts`] (sign-in accounts, passwords, sessions and API tokens),
//! [`learning`] (the lessons, each learner's progress and reflections, and completion by team),
//! [`outcomes`] (team outcome figures and their association with team trust) and [`feedback`]
//! (giving, asking for and receiving feedback, and its counts).
//!
//! The layers: `trustloop-domain` decides, `trustloop-storage` keeps, this crate puts them
//! together for one use, and `trustloop-web` and the `trustloop` binary only read requests and
//! show results. A use case takes what its caller checked (who is signed in, what they may
//! see) and returns [`Error`] for what went wrong; plain reads with no rule of their own are
//! made on [`App::store`] directly.

pub mod accounts;
pub mod audit;
pub mod cache;
pub mod campaign_edits;
pub mod campaign_guide;
pub mod campaign_leaders;
pub mod campaigns;
mod disclosures;
pub mod error;
pub mod feedback;
pub mod heatmap;
pub mod imports;
pub mod invitations;
pub mod learning;
pub mod ledger;
pub mod outcomes;
pub mod overview;
pub mod passwords;
pub mod plans;
pub mod pulse;
pub mod raters;
pub mod repair;
pub mod reports;
pub mod segments;
pub mod tokens;

pub use audit::Actor;
pub use error::{Error, FieldRefusal, Result};

use std::sync::Arc;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::learning::Library;
use trustloop_storage::{AuditEvent, DynStore};

/// What every use case works with: the database, the data kept in memory between uses, and
/// the audit log.
#[derive(Clone)]
pub struct App {
    /// The database.
    pub store: DynStore,
    /// Immutable data parsed once (instrument versions, closed campaigns' contexts and reports).
    pub cache: Arc<cache::ReadCache>,
    /// The lessons offered: the built-in ones and the organisation's own.
    pub lessons: Arc<Library>,
    audit: Arc<audit::AuditLog>,
}

impl App {
    /// The use cases over `store`. Starts the audit log's writer, so it is called inside a
    /// Tokio runtime.
    pub fn new(store: DynStore) -> App {
        App {
            audit: Arc::new(audit::AuditLog::start(store.clone())),
            store,
            cache: Arc::default(),
            lessons: Arc::new(Library::built_in()),
        }
    }

    /// The same use cases offering `lessons` (checked with [`learning::load_library`]).
    pub fn with_lessons(mut self, lessons: Arc<Library>) -> App {
        self.lessons = lessons;
        self
    }

    /// An instrument version, read and parsed once (a released version never changes): every
    /// survey page, answer and report needs it.
    pub async fn instrument(&self, version: u32) -> Result<Arc<Instrument>> {
        self.cache
            .instrument(version, || async {
                Ok(self.store.instrument(version).await?)
            })
            .await
    }

    /// Appends an event to the audit log, returning once it is committed: what is audited
    /// fails when its event cannot be recorded, so nothing audited happens unrecorded.
    pub async fn audit(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<()> {
        self.audit
            .record(AuditEvent {
                at: now(),
                actor: actor.name.clone(),
                action: action.into(),
                target: target.into(),
                address: actor.address.clone(),
                detail: detail.into(),
            })
            .await
    }
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Today's date (UTC).
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}
