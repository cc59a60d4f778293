//! Instrument versions: the questionnaires campaigns use, stored once and never changed.

use crate::StoreResult;
use async_trait::async_trait;
use std::sync::Arc;
use trustloop_domain::instrument::Instrument;

/// The instrument versions a database holds.
#[async_trait]
pub trait InstrumentStore: Send + Sync {
    /// Records an instrument version, unless that version is already stored (then checks that
    /// its definition has not changed).
    async fn register_instrument(&self, instrument: &Instrument) -> StoreResult<()>;
    /// Reads an instrument version.
    async fn instrument(&self, version: u32) -> StoreResult<Instrument>;
    /// Every instrument version the database held when it was opened, and any registered
    /// since, without reading it: what a survey form is checked against before the version of
    /// its link is known ([`CheckedForm`](trustloop_domain::rating::CheckedForm)).
    fn known_instruments(&self) -> Vec<Arc<Instrument>>;
}
