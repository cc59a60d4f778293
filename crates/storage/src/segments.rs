//! Storage for segment views (organisation analytics by rater attribute): the attributes offered
//! in the filter form, and each viewer's history of the views they were shown, which the privacy
//! engine needs to refuse a view that differs from an earlier one by fewer than k respondents.
//!
//! The history keeps filter sets (canonical JSON), respondents and the day; never the answers a
//! view selected.

use crate::sql::{Backend, SqlStore};
use crate::{CampaignId, DecideViews, SegmentViewRecord, StoreError, StoreResult, UserId};
use sqlx::{ColumnIndex, Decode, Row, Type};
use std::collections::BTreeMap;
use trustloop_storage_macros::sql_impl;

fn day_format() -> &'static [time::format_description::BorrowedFormatItem<'static>] {
    time::macros::format_description!("[year]-[month]-[day]")
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// Every attribute name of the people in the organisation with its distinct values (sorted),
    /// or `None` for an attribute with more than `max_values` of them.
    pub(crate) async fn read_attribute_values(
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

    /// The views `user` was shown in `campaign`, oldest first.
    pub(crate) async fn read_segment_views(
        &self,
        campaign: CampaignId,
        user: UserId,
    ) -> StoreResult<Vec<SegmentViewRecord>> {
        let rows = sqlx::query(
            "SELECT filters, respondents, seen_on FROM segment_views
             WHERE campaign_id = $1 AND user_id = $2 ORDER BY id",
        )
        .bind(campaign.0)
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(view_from_row::<DB>).collect()
    }

    /// Reads the views `user` saw in `campaign`, lets `decide` choose what to add, and adds it,
    /// in one transaction that holds the user's row locked (PostgreSQL) or the write lock
    /// (SQLite), so that two requests of the same user cannot both pass the check against a
    /// history that lacks the other's view.
    pub(crate) async fn write_segment_views(
        &self,
        campaign: CampaignId,
        user: UserId,
        day: time::Date,
        decide: &DecideViews<'_>,
    ) -> StoreResult<()> {
        let day = day
            .format(day_format())
            .map_err(|e| StoreError::Corrupt(format!("day: {e}")))?;
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
        let rows = sqlx::query(
            "SELECT filters, respondents, seen_on FROM segment_views
             WHERE campaign_id = $1 AND user_id = $2 ORDER BY id",
        )
        .bind(campaign.0)
        .bind(user.0)
        .fetch_all(&mut *tx)
        .await?;
        let seen = rows
            .iter()
            .map(view_from_row::<DB>)
            .collect::<StoreResult<Vec<_>>>()?;
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

fn view_from_row<DB>(row: &DB::Row) -> StoreResult<SegmentViewRecord>
where
    DB: Backend,
    for<'q> i64: Decode<'q, DB> + Type<DB>,
    for<'q> String: Decode<'q, DB> + Type<DB>,
    for<'n> &'n str: ColumnIndex<DB::Row>,
{
    let day: String = row.try_get("seen_on")?;
    Ok(SegmentViewRecord {
        filters: row.try_get("filters")?,
        respondents: u32::try_from(row.try_get::<i64, _>("respondents")?)
            .map_err(|e| StoreError::Corrupt(format!("respondents: {e}")))?,
        seen_on: time::Date::parse(&day, day_format())
            .map_err(|e| StoreError::Corrupt(format!("day {day:?}: {e}")))?,
    })
}
