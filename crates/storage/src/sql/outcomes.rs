//! Team-level outcome figures ([`OutcomeStore`]).

use super::*;
use crate::OutcomeStore;
use time::Date;

#[sql_impl]
#[async_trait]
impl<DB> OutcomeStore for SqlStore<DB> {
    #[tracing::instrument(skip_all, fields(figures = figures.len()))]
    async fn import_outcomes(&self, figures: &[OutcomeFigure], today: Date) -> StoreResult<u64> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let teams: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM teams")
            .fetch_all(&mut *tx)
            .await?;
        let team_ids: HashMap<&str, i64> = teams.iter().map(|(id, n)| (n.as_str(), *id)).collect();
        let on = rows::format_date(today);
        for figure in figures {
            let team = *team_ids
                .get(figure.team.as_str())
                .ok_or(StoreError::NotFound("team"))?;
            sqlx::query(
                "INSERT INTO outcomes (team_id, metric_key, metric, period, value, imported_on)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (metric_key, period, team_id)
                 DO UPDATE SET metric = excluded.metric, value = excluded.value,
                               imported_on = excluded.imported_on",
            )
            .bind(team)
            .bind(figure.metric.to_lowercase())
            .bind(&figure.metric)
            .bind(&figure.period)
            .bind(figure.value)
            .bind(&on)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(figures.len() as u64)
    }

    #[tracing::instrument(skip_all)]
    async fn outcome_metrics(&self) -> StoreResult<Vec<OutcomeMetric>> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT metric_key, MAX(metric), period, COUNT(*) FROM outcomes
             GROUP BY metric_key, period ORDER BY metric_key, period",
        )
        .fetch_all(&self.pool)
        .await?;
        let teams: Vec<(String, i64)> = sqlx::query_as(
            "SELECT metric_key, COUNT(DISTINCT team_id) FROM outcomes GROUP BY metric_key",
        )
        .fetch_all(&self.pool)
        .await?;
        let teams: HashMap<String, i64> = teams.into_iter().collect();
        let mut metrics: Vec<OutcomeMetric> = Vec::new();
        for (key, metric, period, _) in rows {
            match metrics.last_mut() {
                Some(last) if last.metric.to_lowercase() == key => last.periods.push(period),
                _ => metrics.push(OutcomeMetric {
                    metric,
                    periods: vec![period],
                    teams: teams.get(&key).copied().unwrap_or(0).max(0) as u64,
                }),
            }
        }
        Ok(metrics)
    }

    #[tracing::instrument(skip_all)]
    async fn outcome_values(&self, metric: &str, period: &str) -> StoreResult<Vec<(String, f64)>> {
        Ok(sqlx::query_as(
            "SELECT t.name, o.value FROM outcomes o JOIN teams t ON t.id = o.team_id
             WHERE o.metric_key = $1 AND o.period = $2 ORDER BY t.name",
        )
        .bind(metric.to_lowercase())
        .bind(period)
        .fetch_all(&self.pool)
        .await?)
    }

    #[tracing::instrument(skip_all)]
    async fn team_names(&self) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT name FROM teams ORDER BY name")
            .fetch_all(&self.pool)
            .await?)
    }
}
