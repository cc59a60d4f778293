//! What the server keeps in memory between requests: only data that can never change once
//! stored, so that several servers behind a load balancer stay correct without telling each
//! other anything. Instrument versions are frozen once released; the context of a closed
//! campaign (reliability and norms) is computed once, stored, and never rewritten.

use crate::error::AppResult;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::report::CampaignContext;
use trustloop_storage::CampaignId;

/// Contexts of closed campaigns kept at once (each about 4 × 8 bytes per leader: some 320 kB for
/// a campaign of 10,000 leaders).
const CONTEXTS: usize = 64;

/// Instrument versions kept at once (there are a handful).
const INSTRUMENTS: usize = 16;

/// Immutable data read from the database, parsed once.
#[derive(Default)]
pub struct ReadCache {
    instruments: Bounded<u32, Instrument>,
    contexts: Bounded<CampaignId, CampaignContext>,
}

impl ReadCache {
    /// The instrument `version`, loading it with `load` the first time.
    pub async fn instrument<F, Fut>(&self, version: u32, load: F) -> AppResult<Arc<Instrument>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<Instrument>>,
    {
        self.instruments
            .get_or_load(version, INSTRUMENTS, load)
            .await
    }

    /// The context of the closed campaign `campaign`, loading it with `load` the first time.
    /// Only for closed campaigns: an open campaign's context changes with every answer.
    pub async fn closed_campaign_context<F, Fut>(
        &self,
        campaign: CampaignId,
        load: F,
    ) -> AppResult<Arc<CampaignContext>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<CampaignContext>>,
    {
        self.contexts.get_or_load(campaign, CONTEXTS, load).await
    }
}

/// A map of at most a given number of values, each loaded once even when many requests ask
/// for it at the same moment; when full, the value used longest ago makes room.
struct Bounded<K, V> {
    entries: Mutex<HashMap<K, Entry<V>>>,
}

struct Entry<V> {
    cell: Arc<OnceCell<Arc<V>>>,
    used: u64,
}

impl<K, V> Default for Bounded<K, V> {
    fn default() -> Self {
        Bounded {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Copy, V> Bounded<K, V> {
    async fn get_or_load<F, Fut>(&self, key: K, capacity: usize, load: F) -> AppResult<Arc<V>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<V>>,
    {
        let cell = {
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            let clock = entries.values().map(|e| e.used).max().unwrap_or(0) + 1;
            if !entries.contains_key(&key) && entries.len() >= capacity {
                let oldest = entries.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| *k);
                if let Some(oldest) = oldest {
                    entries.remove(&oldest);
                }
            }
            let entry = entries.entry(key).or_insert_with(|| Entry {
                cell: Arc::new(OnceCell::new()),
                used: clock,
            });
            entry.used = clock;
            entry.cell.clone()
        };
        // A failed load leaves the cell empty: the next request tries again.
        let value = cell
            .get_or_try_init(|| async { load().await.map(Arc::new) })
            .await?;
        Ok(value.clone())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::error::AppError;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_value_is_loaded_once_and_the_least_recently_used_makes_room() {
        let cache: Bounded<u32, String> = Bounded::default();
        let loads = AtomicUsize::new(0);
        let load = |v: &'static str| {
            let loads = &loads;
            move || async move {
                loads.fetch_add(1, Ordering::SeqCst);
                Ok(v.to_string())
            }
        };
        assert_eq!(*cache.get_or_load(1, 2, load("one")).await.unwrap(), "one");
        assert_eq!(
            *cache.get_or_load(1, 2, load("other")).await.unwrap(),
            "one"
        );
        cache.get_or_load(2, 2, load("two")).await.unwrap();
        cache.get_or_load(1, 2, load("one")).await.unwrap();
        assert_eq!(loads.load(Ordering::SeqCst), 2);
        // Full: 2 was used longest ago and goes.
        cache.get_or_load(3, 2, load("three")).await.unwrap();
        cache.get_or_load(1, 2, load("one")).await.unwrap();
        assert_eq!(loads.load(Ordering::SeqCst), 3);
        cache.get_or_load(2, 2, load("two")).await.unwrap();
        assert_eq!(loads.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_failed_load_is_tried_again() {
        let cache: Bounded<u32, String> = Bounded::default();
        let failed = cache
            .get_or_load(1, 2, || async { Err(AppError::NotFound("thing")) })
            .await;
        assert!(failed.is_err());
        let loaded = cache
            .get_or_load(1, 2, || async { Ok("one".to_string()) })
            .await
            .unwrap();
        assert_eq!(*loaded, "one");
    }
}
