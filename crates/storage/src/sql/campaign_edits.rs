//! Edits to a campaign ([`CampaignEditStore`]): name and deadline, taking a leader off before
//! anyone answered for them, and reopening within the window while no result was read. Each
//! write holds the campaign's row (on PostgreSQL) so that answers, which lock it too, and status
//! changes wait for it.

use super::*;
use crate::CampaignEditStore;

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// The status of `campaign`, read with its row locked on PostgreSQL; "not found" when
    /// there is no such campaign.
    async fn locked_status_on(
        conn: &mut DB::Connection,
        campaign: CampaignId,
    ) -> StoreResult<CampaignStatus> {
        let status: Option<String> = sqlx::query_scalar(&format!(
            "SELECT status FROM campaigns WHERE id = $1 {}",
            DB::LOCK_SELECTED
        ))
        .bind(campaign.0)
        .fetch_optional(&mut *conn)
        .await?;
        parse_status(&status.ok_or(StoreError::NotFound("campaign"))?)
    }
}

#[sql_impl]
#[async_trait]
impl<DB> CampaignEditStore for SqlStore<DB> {
    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
    async fn edit_campaign(
        &self,
        campaign: CampaignId,
        name: &str,
        deadline: time::Date,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        if Self::locked_status_on(&mut tx, campaign).await? == CampaignStatus::Closed {
            return Err(StoreError::Conflict(
                "The campaign has closed: its name and deadline are part of its reports now."
                    .into(),
            ));
        }
        sqlx::query("UPDATE campaigns SET name = $1, deadline = $2 WHERE id = $3")
            .bind(name)
            .bind(format_date(deadline))
            .bind(campaign.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign, leader = %leader))]
    async fn remove_leader(&self, campaign: CampaignId, leader: PersonId) -> StoreResult<u64> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        if Self::locked_status_on(&mut tx, campaign).await? == CampaignStatus::Closed {
            return Err(StoreError::Conflict(
                "The campaign has closed: its leaders' reports are released and stay as they are."
                    .into(),
            ));
        }
        let listed = DB::rows_affected(
            &sqlx::query("DELETE FROM campaign_leaders WHERE campaign_id = $1 AND leader_id = $2")
                .bind(campaign.0)
                .bind(leader.0)
                .execute(&mut *tx)
                .await?,
        );
        if listed == 0 {
            return Err(StoreError::NotFound("leader in this campaign"));
        }
        let raters = DB::rows_affected(
            &sqlx::query("DELETE FROM invitations WHERE campaign_id = $1 AND leader_id = $2")
                .bind(campaign.0)
                .bind(leader.0)
                .execute(&mut *tx)
                .await?,
        );
        // Counted after the deletes: an answer that committed first is seen here.
        let answered: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM used_ballots WHERE campaign_id = $1 AND leader_id = $2)
                  + (SELECT COUNT(*) FROM responses WHERE campaign_id = $1 AND leader_id = $2)",
        )
        .bind(campaign.0)
        .bind(leader.0)
        .fetch_one(&mut *tx)
        .await?;
        if answered > 0 {
            return Err(StoreError::Conflict(
                "Someone has already answered for this leader: their answers cannot be taken back, so the leader stays in the campaign.".into(),
            ));
        }
        sqlx::query("DELETE FROM rater_list_changes WHERE campaign_id = $1 AND leader_id = $2")
            .bind(campaign.0)
            .bind(leader.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(raters)
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
    async fn record_result_read(&self, campaign: CampaignId, at: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE campaigns SET first_result_read_at = $1
             WHERE id = $2 AND first_result_read_at IS NULL",
        )
        .bind(at)
        .bind(campaign.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
    async fn campaign_closing(&self, campaign: CampaignId) -> StoreResult<CampaignClosing> {
        let row =
            sqlx::query("SELECT closed_at, first_result_read_at FROM campaigns WHERE id = $1")
                .bind(campaign.0)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound("campaign"))?;
        Ok(CampaignClosing {
            closed_at: row.try_get("closed_at")?,
            first_result_read_at: row.try_get("first_result_read_at")?,
        })
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
    async fn reopen_campaign(&self, campaign: CampaignId, now: i64) -> StoreResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let status = Self::locked_status_on(&mut tx, campaign).await?;
        let row =
            sqlx::query("SELECT closed_at, first_result_read_at FROM campaigns WHERE id = $1")
                .bind(campaign.0)
                .fetch_one(&mut *tx)
                .await?;
        let closed_at: Option<i64> = row.try_get("closed_at")?;
        let read: Option<i64> = row.try_get("first_result_read_at")?;
        let closed_at = closed_at.filter(|_| status == CampaignStatus::Closed);
        trustloop_domain::closing::check_reopening(closed_at, read, now)
            .map_err(|refusal| StoreError::Conflict(refusal.to_string()))?;
        sqlx::query(
            "UPDATE campaigns SET status = 'open', closed_on = NULL, closed_at = NULL WHERE id = $1",
        )
        .bind(campaign.0)
        .execute(&mut *tx)
        .await?;
        // Nothing was read, so nothing was derived from the release; a context computed anyway
        // would describe a campaign that is still changing.
        sqlx::query("DELETE FROM campaign_contexts WHERE campaign_id = $1")
            .bind(campaign.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
