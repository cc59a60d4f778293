//! Segment views ([`SegmentViewStore`]): the attributes offered in the filter form, and each
//! viewer's history of the views they were shown, which the privacy engine needs to refuse a
//! view that differs from an earlier one by fewer than k respondents.
//!
//! The history keeps filter sets (canonical JSON), respondents and the day; never the answers a
//! view selected.

use super::*;
use crate::SegmentViewStore;

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// A view a user was shown, from a row of `segment_views`.
    fn view_from_row(row: &DB::Row) -> StoreResult<SegmentViewRecord> {
        let day: String = row.try_get("seen_on")?;
        Ok(SegmentViewRecord {
            filters: row.try_get("filters")?,
            respondents: u32::try_from(row.try_get::<i64, _>("respondents")?)
                .map_err(|e| StoreError::Corrupt(format!("respondents: {e}")))?,
            seen_on: parse_date(&day)?,
        })
    }

    /// The views `user` was shown in `campaign`, oldest first, read on `conn`.
    async fn views_seen_on(
        conn: &mut DB::Connection,
        campaign: CampaignId,
        user: UserId,
    ) -> StoreResult<Vec<SegmentViewRecord>> {
        let rows = sqlx::query(
            "SELECT filters, respondents, seen_on FROM segment_views
             WHERE campaign_id = $1 AND user_id = $2 ORDER BY id",
        )
        .bind(campaign.0)
        .bind(user.0)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(Self::view_from_row).collect()
    }
}

#[sql_impl]
#[async_trait]
impl<DB> SegmentViewStore for SqlStore<DB> {
    #[tracing::instrument(skip_all, fields(max_values))]
    async fn attribute_values(
        &self,
        max_values: u32,
    ) -> StoreResult<Vec<(String, Option<Vec<String>>)>> {
        let entries = DB::ATTRIBUTE_ENTRIES;
        let names = sqlx::query(&format!(
            "SELECT a.key AS name, COUNT(DISTINCT a.value) AS n FROM people p, {entries} GROUP BY a.key"
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut attributes: BTreeMap<String, Option<Vec<String>>> = BTreeMap::new();
        for row in &names {
            let n: i64 = row.try_get("n")?;
            attributes.insert(
                row.try_get("name")?,
                (n <= i64::from(max_values)).then(Vec::new),
            );
        }
        let rows = sqlx::query(&format!(
            "SELECT DISTINCT a.key AS name, a.value AS value FROM people p, {entries} WHERE a.key IN (
                 SELECT a.key FROM people p, {entries} GROUP BY a.key HAVING COUNT(DISTINCT a.value) <= $1)"
        ))
        .bind(i64::from(max_values))
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            let name: String = row.try_get("name")?;
            if let Some(Some(values)) = attributes.get_mut(&name) {
                values.push(row.try_get("value")?);
            }
        }
        // Sorted here, so both backends list values in the same (byte) order.
        for values in attributes.values_mut().flatten() {
            values.sort();
        }
        Ok(attributes.into_iter().collect())
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign, user = %user))]
    async fn segment_views_seen(
        &self,
        campaign: CampaignId,
        user: UserId,
    ) -> StoreResult<Vec<SegmentViewRecord>> {
        Self::views_seen_on(&mut *self.pool.acquire().await?, campaign, user).await
    }

    // Holds the user's row locked (PostgreSQL) or the write lock (SQLite), so that two requests
    // of the same user cannot both pass the check against a history that lacks the other's view.
    #[tracing::instrument(skip_all, fields(campaign = %campaign, user = %user))]
    async fn record_segment_views(
        &self,
        campaign: CampaignId,
        user: UserId,
        day: time::Date,
        decide: &crate::DecideViews<'_>,
    ) -> StoreResult<()> {
        let day = format_date(day);
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let exists: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM users WHERE id = $1 {}",
            DB::LOCK_SELECTED
        ))
        .bind(user.0)
        .fetch_optional(&mut *tx)
        .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound("user"));
        }
        let seen = Self::views_seen_on(&mut tx, campaign, user).await?;
        for (filters, respondents) in decide(&seen) {
            sqlx::query(
                "INSERT INTO segment_views (campaign_id, user_id, filters, respondents, seen_on)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (campaign_id, user_id, filters) DO NOTHING",
            )
            .bind(campaign.0)
            .bind(user.0)
            .bind(filters)
            .bind(i64::from(respondents))
            .bind(day.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
