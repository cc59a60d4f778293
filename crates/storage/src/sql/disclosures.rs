//! The disclosure history ([`DisclosureStore`]): every population of a campaign's answers shown
//! to anyone, as canonical JSON with what showed it, its respondents and the day it was first
//! shown; never the answers it selected (they are selected again from the answers each time).

use super::*;
use crate::DisclosureStore;

/// Populations written by one INSERT: a heatmap's first view adds one per shown team, which can
/// be thousands.
const INSERT_BATCH: usize = 200;

/// The columns [`SqlStore::disclosure_from_row`] reads.
const DISCLOSURE_COLUMNS: &str =
    "SELECT population, kind, respondents, first_seen FROM disclosures";

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// A population shown, from a row of `disclosures`.
    fn disclosure_from_row(row: &DB::Row) -> StoreResult<Disclosure> {
        let kind: String = row.try_get("kind")?;
        let day: String = row.try_get("first_seen")?;
        Ok(Disclosure {
            population: row.try_get("population")?,
            kind: DisclosureKind::from_slug(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("disclosure kind {kind:?}")))?,
            respondents: u32::try_from(row.try_get::<i64, _>("respondents")?)
                .map_err(|e| StoreError::Corrupt(format!("respondents: {e}")))?,
            first_seen: parse_date(&day)?,
        })
    }

    /// The populations shown of `campaign` (of `kind` only, when given), in the order they
    /// were first shown, read on `conn`.
    async fn disclosures_on(
        conn: &mut DB::Connection,
        campaign: CampaignId,
        kind: Option<DisclosureKind>,
    ) -> StoreResult<Vec<Disclosure>> {
        let rows = match kind {
            None => {
                sqlx::query(&format!(
                    "{DISCLOSURE_COLUMNS} WHERE campaign_id = $1 ORDER BY id"
                ))
                .bind(campaign.0)
                .fetch_all(&mut *conn)
                .await?
            }
            Some(kind) => {
                sqlx::query(&format!(
                    "{DISCLOSURE_COLUMNS} WHERE campaign_id = $1 AND kind = $2 ORDER BY id"
                ))
                .bind(campaign.0)
                .bind(kind.as_str())
                .fetch_all(&mut *conn)
                .await?
            }
        };
        rows.iter().map(Self::disclosure_from_row).collect()
    }
}

#[sql_impl]
#[async_trait]
impl<DB> DisclosureStore for SqlStore<DB> {
    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
    async fn disclosures(
        &self,
        campaign: CampaignId,
        kind: Option<DisclosureKind>,
    ) -> StoreResult<Vec<Disclosure>> {
        Self::disclosures_on(&mut *self.pool.acquire().await?, campaign, kind).await
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
    async fn disclosure_summary(&self, campaign: CampaignId) -> StoreResult<DisclosureSummary> {
        // One look-up in the index of (campaign, kind, day) per kind: a GROUP BY would read
        // every entry (9,000 teams' in 2 ms in the SQLite shell, against 0.07 ms).
        let firsts: Vec<String> = DisclosureKind::ALL
            .iter()
            .map(|kind| {
                format!(
                    "(SELECT MIN(first_seen) FROM disclosures WHERE campaign_id = $1 AND kind = '{}')",
                    kind.as_str()
                )
            })
            .collect();
        let row = sqlx::query(&format!(
            "SELECT {}, (SELECT digest FROM disclosed_heatmaps WHERE campaign_id = $1)",
            firsts.join(", ")
        ))
        .bind(campaign.0)
        .fetch_one(&self.pool)
        .await?;
        let mut summary = DisclosureSummary {
            kinds: Vec::new(),
            heatmap_digest: row.try_get(DisclosureKind::ALL.len())?,
        };
        for (n, kind) in DisclosureKind::ALL.into_iter().enumerate() {
            if let Some(day) = row.try_get::<Option<String>, _>(n)? {
                summary.kinds.push((kind, parse_date(&day)?));
            }
        }
        Ok(summary)
    }

    // Holds the campaign's row locked (PostgreSQL) or the write lock (SQLite) from the read of
    // the history to the commit, so that two figures decided at once (two admins, a heatmap
    // and a segment view) cannot both pass against a history that lacks the other.
    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
    async fn record_disclosures(
        &self,
        campaign: CampaignId,
        day: time::Date,
        decide: &DecideDisclosures<'_>,
    ) -> StoreResult<()> {
        let day = format_date(day);
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let exists: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM campaigns WHERE id = $1 {}",
            DB::LOCK_SELECTED
        ))
        .bind(campaign.0)
        .fetch_optional(&mut *tx)
        .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound("campaign"));
        }
        let history = Self::disclosures_on(&mut tx, campaign, None).await?;
        // Each population once: those already shown keep their first day. No unique index
        // does this: a population can be long (a heatmap's total names every team), longer
        // than PostgreSQL can index, and this transaction already sees every other's writes.
        let decided = decide(&history);
        let mut known: HashSet<&str> = history.iter().map(|d| d.population.as_str()).collect();
        let new: Vec<&NewDisclosure> = decided
            .populations
            .iter()
            .filter(|d| known.insert(&d.population))
            .collect();
        for chunk in new.chunks(INSERT_BATCH) {
            let sql = format!(
                "INSERT INTO disclosures (campaign_id, population, kind, respondents, first_seen)
                 VALUES {}",
                row_placeholders::<DB>(chunk.len(), 5)
            );
            let mut insert = sqlx::query(&sql);
            for d in chunk {
                insert = insert
                    .bind(campaign.0)
                    .bind(d.population.as_str())
                    .bind(d.kind.as_str())
                    .bind(i64::from(d.respondents))
                    .bind(day.as_str());
            }
            insert.execute(&mut *tx).await?;
        }
        if let Some(digest) = &decided.heatmap_digest {
            sqlx::query(
                "INSERT INTO disclosed_heatmaps (campaign_id, digest) VALUES ($1, $2)
                 ON CONFLICT (campaign_id) DO UPDATE SET digest = excluded.digest",
            )
            .bind(campaign.0)
            .bind(digest.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
