//! Instrument versions ([`InstrumentStore`]), with the cache of those already read that the
//! store and its intake share: a released version never changes.

use super::SqlStore;
use crate::{InstrumentStore, StoreError, StoreResult};
use async_trait::async_trait;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;
use trustloop_domain::instrument::Instrument;
use trustloop_storage_macros::sql_impl;

/// Instrument versions already read, shared by a store's clones and its intake: a released
/// version never changes.
pub(crate) type Instruments = Arc<std::sync::RwLock<HashMap<u32, Arc<Instrument>>>>;

/// An instrument version already read.
pub(crate) fn cached_instrument(
    instruments: &Instruments,
    version: u32,
) -> Option<Arc<Instrument>> {
    instruments
        .read()
        .expect("the instrument cache is never poisoned")
        .get(&version)
        .cloned()
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// Reads every instrument version stored into the cache: run when the store is opened, so
    /// that [`InstrumentStore::known_instruments`] lists them all.
    pub(crate) async fn read_instruments(&self) -> StoreResult<()> {
        let rows = sqlx::query("SELECT version, definition FROM instruments")
            .fetch_all(&self.pool)
            .await?;
        for row in rows {
            let instrument: Instrument =
                serde_json::from_str(&row.try_get::<String, _>("definition")?)
                    .map_err(|e| StoreError::Corrupt(format!("instrument: {e}")))?;
            if i64::from(instrument.version) != row.try_get::<i64, _>("version")? {
                return Err(StoreError::Corrupt(format!(
                    "instrument version {} stored as another version",
                    instrument.version
                )));
            }
            self.keep_instrument(&instrument);
        }
        Ok(())
    }

    /// Keeps an instrument version in the cache.
    fn keep_instrument(&self, instrument: &Instrument) {
        self.instruments
            .write()
            .expect("the instrument cache is never poisoned")
            .insert(instrument.version, Arc::new(instrument.clone()));
    }

    /// An instrument version, read from `conn` the first time only.
    pub(crate) async fn instrument_on(
        conn: &mut DB::Connection,
        instruments: &Instruments,
        version: u32,
    ) -> StoreResult<Arc<Instrument>> {
        if let Some(known) = cached_instrument(instruments, version) {
            return Ok(known);
        }
        let definition: Option<String> =
            sqlx::query_scalar("SELECT definition FROM instruments WHERE version = $1")
                .bind(i64::from(version))
                .fetch_optional(&mut *conn)
                .await?;
        let definition = definition.ok_or(StoreError::NotFound("instrument version"))?;
        let instrument: Arc<Instrument> = Arc::new(
            serde_json::from_str(&definition)
                .map_err(|e| StoreError::Corrupt(format!("instrument: {e}")))?,
        );
        instruments
            .write()
            .expect("the instrument cache is never poisoned")
            .insert(version, instrument.clone());
        Ok(instrument)
    }
}

#[sql_impl]
#[async_trait]
impl<DB> InstrumentStore for SqlStore<DB> {
    #[tracing::instrument(skip_all, fields(version = instrument.version))]
    async fn register_instrument(&self, instrument: &Instrument) -> StoreResult<()> {
        let definition = serde_json::to_string(instrument)
            .map_err(|e| StoreError::Corrupt(format!("instrument does not serialise: {e}")))?;
        let stored: Option<String> =
            sqlx::query_scalar("SELECT definition FROM instruments WHERE version = $1")
                .bind(i64::from(instrument.version))
                .fetch_optional(&self.pool)
                .await?;
        match stored {
            None => {
                let written = DB::rows_affected(&sqlx::query("INSERT INTO instruments (version, definition) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(i64::from(instrument.version))
                    .bind(&definition)
                    .execute(&self.pool)
                    .await?);
                // Another server may have stored the version first: it is then read when
                // needed, as stored.
                if written == 1 {
                    self.keep_instrument(instrument);
                }
                Ok(())
            }
            Some(existing) if existing == definition => {
                self.keep_instrument(instrument);
                Ok(())
            }
            Some(_) => Err(StoreError::Conflict(format!(
                "instrument version {} in this build differs from the one stored; a released version must never change",
                instrument.version
            ))),
        }
    }

    #[tracing::instrument(skip_all, fields(version))]
    async fn instrument(&self, version: u32) -> StoreResult<Instrument> {
        let known = match cached_instrument(&self.instruments, version) {
            Some(known) => known,
            None => {
                let mut conn = self.pool.acquire().await?;
                Self::instrument_on(&mut conn, &self.instruments, version).await?
            }
        };
        Ok(known.as_ref().clone())
    }

    fn known_instruments(&self) -> Vec<Arc<Instrument>> {
        self.instruments
            .read()
            .expect("the instrument cache is never poisoned")
            .values()
            .cloned()
            .collect()
    }
}
