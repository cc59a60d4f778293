//! Segment views ([`SegmentViewStore`]): the attributes offered in the filter form. What the
//! views show is kept in the campaign's disclosure history (`disclosures.rs`).

use super::*;
use crate::SegmentViewStore;

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
}
