//! What the server keeps in memory between requests: only data that can never change once
//! stored, so that several servers behind a load balancer stay correct without telling each
//! other anything. Instrument versions are frozen once released; the context of a closed
//! campaign (reliability and norms) is computed once, stored, and never rewritten; a leader's
//! report in a closed campaign is computed from data that no longer changes (a closed campaign
//! takes no answers, raters or leaders, and never reopens); and the leaders' consistency scores
//! in their latest closed campaigns, which change only when another campaign closes; and a
//! pulse series' teams over its latest closed rounds (a closed round takes no answers, and its
//! figures are decided once).

use crate::Result;
use crate::pulse::trend::ClosedTeams;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::report::{CampaignContext, ChangeRow, Report};
use trustloop_storage::{CampaignId, PersonId, PulseSeriesId};

/// Contexts of closed campaigns kept at once (each about 4 × 8 bytes per leader: some 320 kB for
/// a campaign of 10,000 leaders).
const CONTEXTS: usize = 64;

/// Instrument versions kept at once (there are a handful).
const INSTRUMENTS: usize = 16;

/// Finished reports kept at once (a few kB each: with 2,000 kept, the bench's server peaked at
/// 55 MB in all).
const REPORTS: usize = 2048;

/// Sets of consistency scores kept at once (8 + 8 bytes a leader: 160 kB for 10,000 leaders);
/// the latest is the one asked for.
const CONSISTENCY: usize = 2;

/// Pulse series' teams over their latest closed rounds kept at once (about 3 kB a team: some
/// 30 MB for a series of 10,000 teams); the latest is the one asked for.
const PULSE_TEAMS: usize = 2;

/// A leader's report in a closed campaign, and the change since the previous closed campaign
/// it is compared with.
pub struct FinishedReport {
    /// The instrument the campaign used.
    pub instrument: Arc<Instrument>,
    /// The report.
    pub report: Report,
    /// The change since the previous campaign, when there is one.
    pub change: Option<Vec<ChangeRow>>,
}

/// Which finished report: the campaign, the leader, and the earlier closed campaign it is
/// compared with (a campaign created earlier may close later and become the one compared with).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FinishedReportKey {
    /// The closed campaign.
    pub campaign: CampaignId,
    /// The leader.
    pub leader: PersonId,
    /// The previous closed campaign of the same leader, if any.
    pub previous: Option<CampaignId>,
}

/// Immutable data read from the database, parsed once.
#[derive(Default)]
pub struct ReadCache {
    instruments: Bounded<u32, Instrument>,
    contexts: Bounded<CampaignId, CampaignContext>,
    reports: Bounded<FinishedReportKey, FinishedReport>,
    consistency: Bounded<u64, HashMap<PersonId, f64>>,
    pulse_teams: Bounded<(PulseSeriesId, Option<u32>), ClosedTeams>,
}

impl ReadCache {
    /// The instrument `version`, loading it with `load` the first time.
    pub async fn instrument<F, Fut>(&self, version: u32, load: F) -> Result<Arc<Instrument>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Instrument>>,
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
    ) -> Result<Arc<CampaignContext>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<CampaignContext>>,
    {
        self.contexts.get_or_load(campaign, CONTEXTS, load).await
    }

    /// A leader's finished report in a closed campaign, computing it with `load` the first
    /// time. The caller checks first that the leader may read it (the cache does not).
    pub async fn finished_report<F, Fut>(
        &self,
        key: FinishedReportKey,
        load: F,
    ) -> Result<Arc<FinishedReport>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<FinishedReport>>,
    {
        self.reports.get_or_load(key, REPORTS, load).await
    }

    /// Each leader's consistency score in their latest closed campaign when `closed` campaigns
    /// have closed (the set only grows: a closed campaign never reopens), loading them with
    /// `load` the first time.
    pub async fn consistency_scores<F, Fut>(
        &self,
        closed: u64,
        load: F,
    ) -> Result<Arc<HashMap<PersonId, f64>>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<HashMap<PersonId, f64>>>,
    {
        self.consistency
            .get_or_load(closed, CONSISTENCY, load)
            .await
    }
}

impl ReadCache {
    /// Each team of a pulse series over the latest closed round `key.1` (none yet: `None`) and
    /// the one before it, working them out with `load` the first time (closed rounds and their
    /// decided figures never change).
    pub async fn closed_pulse_teams<F, Fut>(
        &self,
        key: (PulseSeriesId, Option<u32>),
        load: F,
    ) -> Result<Arc<ClosedTeams>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<ClosedTeams>>,
    {
        self.pulse_teams.get_or_load(key, PULSE_TEAMS, load).await
    }
}

/// A map of at most a given number of values, each loaded once even when many requests ask
/// for it at the same moment; when full, the value used longest ago makes room.
struct Bounded<K, V> {
    entries: Mutex<Entries<K, V>>,
}

struct Entries<K, V> {
    map: HashMap<K, Entry<V>>,
    /// Counts uses, to know which entry was used longest ago.
    clock: u64,
}

struct Entry<V> {
    cell: Arc<OnceCell<Arc<V>>>,
    used: u64,
}

impl<K, V> Default for Bounded<K, V> {
    fn default() -> Self {
        Bounded {
            entries: Mutex::new(Entries {
                map: HashMap::new(),
                clock: 0,
            }),
        }
    }
}

impl<K: Eq + Hash + Copy, V> Bounded<K, V> {
    async fn get_or_load<F, Fut>(&self, key: K, capacity: usize, load: F) -> Result<Arc<V>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V>>,
    {
        let cell = {
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            entries.clock += 1;
            let clock = entries.clock;
            let map = &mut entries.map;
            if !map.contains_key(&key) && map.len() >= capacity {
                let oldest = map.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| *k);
                if let Some(oldest) = oldest {
                    map.remove(&oldest);
                }
            }
            let entry = map.entry(key).or_insert_with(|| Entry {
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
    use crate::Error;
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
            .get_or_load(1, 2, || async { Err(Error::NotFound("thing")) })
            .await;
        assert!(failed.is_err());
        let loaded = cache
            .get_or_load(1, 2, || async { Ok("one".to_string()) })
            .await
            .unwrap();
        assert_eq!(*loaded, "one");
    }
}
