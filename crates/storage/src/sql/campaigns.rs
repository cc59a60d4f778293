//! Campaigns ([`CampaignStore`]): leaders with the raters proposed from the org chart,
//! invitations, links (never to whoever chose their raters), status changes (opening locks the
//! rater lists; closing releases what still waits) and progress.

use super::*;
use crate::CampaignStore;
use trustloop_domain::raters::{ChangedBy, RaterChange, check_opening, may_hold_link};

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// A campaign's status, read on `conn`; `None` for an unknown campaign.
    async fn campaign_status_on(
        conn: &mut DB::Connection,
        campaign: CampaignId,
    ) -> StoreResult<Option<CampaignStatus>> {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM campaigns WHERE id = $1")
                .bind(campaign.0)
                .fetch_optional(&mut *conn)
                .await?;
        status.as_deref().map(parse_status).transpose()
    }
}

#[sql_impl]
#[async_trait]
impl<DB> CampaignStore for SqlStore<DB> {
    #[tracing::instrument(skip_all, fields(instrument = campaign.instrument_version))]
    async fn create_campaign(&self, campaign: &NewCampaign) -> StoreResult<CampaignId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO campaigns (name, status, instrument_version, deadline, min_rater_group, min_team, min_comments, created_on, min_segment)
             VALUES ($1, $9, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&campaign.name)
        .bind(i64::from(campaign.instrument_version))
        .bind(format_date(campaign.deadline))
        .bind(i64::from(campaign.rules.min_rater_group))
        .bind(i64::from(campaign.rules.min_team))
        .bind(i64::from(campaign.rules.min_comments))
        .bind(format_date(campaign.created_on))
        .bind(i64::from(campaign.rules.min_segment))
        .bind(CampaignStatus::Draft.slug())
        .fetch_one(&self.pool)
        .await?;
        Ok(CampaignId(id))
    }

    #[tracing::instrument(skip_all)]
    async fn campaigns(&self) -> StoreResult<Vec<Campaign>> {
        let rows = sqlx::query(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns ORDER BY id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::campaign_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(campaign = %id))]
    async fn campaign(&self, id: CampaignId) -> StoreResult<Campaign> {
        let row = sqlx::query(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        Self::campaign_from_row(&row.ok_or(StoreError::NotFound("campaign"))?)
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign, leader = %leader))]
    async fn add_leader(&self, campaign: CampaignId, leader: PersonId) -> StoreResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let status = match Self::campaign_status_on(&mut tx, campaign).await? {
            None => return Err(StoreError::NotFound("campaign")),
            Some(CampaignStatus::Closed) => {
                return Err(StoreError::Conflict(
                    "the campaign is closed; leaders can no longer be added".into(),
                ));
            }
            Some(status) => status,
        };
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE id = $1")
            .bind(leader.0)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound("person"));
        }
        sqlx::query("INSERT INTO campaign_leaders (campaign_id, leader_id) VALUES ($1, $2)")
            .bind(campaign.0)
            .bind(leader.0)
            .execute(&mut *tx)
            .await
            .map_err(conflict_on_unique(|| {
                "this person is already a leader in the campaign".into()
            }))?;
        let proposals = [
            (
                RaterGroup::SelfRating,
                "SELECT id, name, email FROM people WHERE id = $1",
            ),
            (
                RaterGroup::Manager,
                "SELECT m.id, m.name, m.email FROM people p JOIN people m ON m.id = p.manager_id WHERE p.id = $1",
            ),
            (
                RaterGroup::DirectReport,
                "SELECT id, name, email FROM people WHERE manager_id = $1",
            ),
        ];
        for (group, select) in proposals {
            // `WHERE true` keeps SQLite from reading ON CONFLICT as a join condition.
            sqlx::query(&format!(
                "INSERT INTO invitations (campaign_id, leader_id, rater_group, person_id, rater_name, rater_email)
                 SELECT $2, $1, '{}', id, name, email FROM ({select}) AS proposed WHERE true
                 ON CONFLICT DO NOTHING",
                group.slug()
            ))
            .bind(leader.0)
            .bind(campaign.0)
            .execute(&mut *tx)
            .await?;
        }
        Self::record_whole_lists_on(
            &mut tx,
            campaign,
            Some(leader),
            RaterChange::FromReportingLines,
            ChangedBy::ReportingLines,
        )
        .await?;
        if status == CampaignStatus::Open {
            // Nothing can be nominated for a leader who joins an open campaign.
            Self::record_whole_lists_on(
                &mut tx,
                campaign,
                Some(leader),
                RaterChange::Locked,
                ChangedBy::Admin,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
    async fn campaign_leaders(&self, campaign: CampaignId) -> StoreResult<Vec<Person>> {
        self.people_where(
            "p.id IN (SELECT leader_id FROM campaign_leaders WHERE campaign_id = $1)",
            campaign.0,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(leader = %leader))]
    async fn campaigns_led_by(&self, leader: PersonId) -> StoreResult<Vec<Campaign>> {
        let rows = sqlx::query(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id IN
                 (SELECT campaign_id FROM campaign_leaders WHERE leader_id = $1) ORDER BY id DESC"
        ))
        .bind(leader.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::campaign_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
    async fn invitations(
        &self,
        campaign: CampaignId,
        leader: Option<PersonId>,
    ) -> StoreResult<Vec<Invitation>> {
        let rows = sqlx::query(&format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations
             WHERE campaign_id = $1 AND ($2 IS NULL OR leader_id = $2) AND state = 'approved'
             ORDER BY leader_id, CASE rater_group WHEN 'self' THEN 0 WHEN 'manager' THEN 1 WHEN 'peer' THEN 2
                      WHEN 'direct_report' THEN 3 ELSE 4 END, rater_name"
        ))
        .bind(campaign.0)
        .bind(leader.map(|l| l.0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::invitation_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign, reissue))]
    async fn issue_links(
        &self,
        campaign: CampaignId,
        reissue: bool,
        holder: LinkHolder,
        new_token: &(dyn Fn() -> (String, String) + Send + Sync),
    ) -> StoreResult<IssuedLinks> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let rows = sqlx::query(&format!(
            "SELECT {INVITATION_COLUMNS}, nominated_by, approved_by FROM invitations
             WHERE campaign_id = $1 AND state = 'approved' AND (token_hash IS NULL OR $2)
             ORDER BY leader_id, rater_group, rater_name {}",
            DB::LOCK_SELECTED
        ))
        .bind(campaign.0)
        .bind(reissue)
        .fetch_all(&mut *tx)
        .await?;
        // Answered invitations need no new link: they are those whose ballot mark is used.
        let used: HashSet<Vec<u8>> =
            sqlx::query_scalar("SELECT mark FROM used_ballots WHERE campaign_id = $1")
                .bind(campaign.0)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
        let mut issued = IssuedLinks::default();
        for row in &rows {
            if let LinkHolder::Admin(user) = holder {
                let nominated_by: Option<i64> = row.try_get("nominated_by")?;
                let approved_by: Option<i64> = row.try_get("approved_by")?;
                if !may_hold_link(&user.0, nominated_by.as_ref(), approved_by.as_ref()) {
                    issued.withheld += 1;
                    continue;
                }
            }
            let mut invitation = Self::invitation_from_row(row)?;
            if used.contains(self.key.ballot_mark(invitation.id.0).as_slice()) {
                continue;
            }
            let (token, hash) = new_token();
            sqlx::query("UPDATE invitations SET token_hash = $1 WHERE id = $2")
                .bind(&hash)
                .bind(invitation.id.0)
                .execute(&mut *tx)
                .await?;
            invitation.has_link = true;
            issued.links.push((invitation, token));
        }
        tx.commit().await?;
        Ok(issued)
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign, status = status.slug()))]
    async fn set_campaign_status(
        &self,
        campaign: CampaignId,
        status: CampaignStatus,
    ) -> StoreResult<()> {
        let from = match status {
            CampaignStatus::Open => CampaignStatus::Draft,
            CampaignStatus::Closed => CampaignStatus::Open,
            CampaignStatus::Draft => {
                return Err(StoreError::Conflict(
                    "a campaign cannot go back to draft".into(),
                ));
            }
        };
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        if status == CampaignStatus::Open {
            let leaders: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM campaign_leaders WHERE campaign_id = $1")
                    .bind(campaign.0)
                    .fetch_one(&mut *tx)
                    .await?;
            if leaders == 0 {
                return Err(StoreError::Conflict(
                    "add at least one leader before opening the campaign".into(),
                ));
            }
        }
        let changed = DB::rows_affected(
            // The day it closed is the day its reports became readable: a leader's next report
            // lists the plan actions done since.
            &sqlx::query(
                "UPDATE campaigns SET status = $1,
                     closed_on = CASE WHEN $1 = 'closed' THEN $4 ELSE closed_on END,
                     closed_at = CASE WHEN $1 = 'closed' THEN $5 ELSE closed_at END
                 WHERE id = $2 AND status = $3",
            )
            .bind(status.slug())
            .bind(campaign.0)
            .bind(from.slug())
            .bind(format_date(time::OffsetDateTime::now_utc().date()))
            // When it closed, to the second: a campaign closed by mistake may reopen for a while.
            .bind(time::OffsetDateTime::now_utc().unix_timestamp())
            .execute(&mut *tx)
            .await?,
        );
        if changed == 0 {
            return match Self::campaign_status_on(&mut tx, campaign).await? {
                None => Err(StoreError::NotFound("campaign")),
                Some(current) => Err(StoreError::Conflict(format!(
                    "the campaign is {}; it can only become {} from {}",
                    current.slug(),
                    status.slug(),
                    from.slug()
                ))),
            };
        }
        if status == CampaignStatus::Open {
            // Checked after the campaign's row is updated: on PostgreSQL that row's lock makes
            // a nomination being written finish first (and be counted here), or wait and then
            // find the campaign open.
            let awaiting = Self::awaiting_by_leader_on(&mut tx, campaign).await?;
            check_opening(&awaiting)
                .map_err(|refusal| StoreError::Conflict(refusal.to_string()))?;
            Self::record_whole_lists_on(
                &mut tx,
                campaign,
                None,
                RaterChange::Locked,
                ChangedBy::Admin,
            )
            .await?;
        }
        if status == CampaignStatus::Closed {
            // Whatever still waits for its batch is released with the close, in one shuffle.
            Self::release_closing_campaign(&mut tx, &self.key, &self.instruments, campaign.0)
                .await?;
        }
        tx.commit().await?;
        if status == CampaignStatus::Closed {
            self.truncate_log().await;
        }
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
    async fn progress(&self, campaign: CampaignId) -> StoreResult<Vec<GroupProgress>> {
        let rows = sqlx::query(
            "SELECT i.leader_id, i.rater_group, COUNT(*) AS invited,
                    (SELECT COUNT(*) FROM used_ballots u WHERE u.campaign_id = i.campaign_id
                         AND u.leader_id = i.leader_id AND u.rater_group = i.rater_group) AS completed
             FROM invitations i WHERE i.campaign_id = $1 AND i.state = 'approved'
             GROUP BY i.campaign_id, i.leader_id, i.rater_group",
        )
        .bind(campaign.0)
        .fetch_all(&self.pool)
        .await?;
        let mut progress = rows
            .iter()
            .map(Self::progress_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        progress.sort_by_key(|p| (p.leader_id, p.group));
        Ok(progress)
    }
}
