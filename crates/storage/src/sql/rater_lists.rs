//! Rater lists ([`RaterListStore`]): nominations, their approval or removal, and the change list
//! of each leader. Every write reads the facts the rules of `trustloop_domain::raters` need
//! (campaign status, the acting account, the rater's nomination) in its own transaction, with
//! the campaign's row locked on PostgreSQL so that opening the campaign waits for it (or it for
//! the opening), asks the rules, and records the change beside the change itself.

use super::*;
use crate::RaterListStore;
use trustloop_domain::raters::{
    self, ChangedBy, Editor, ListedRater, NominationState, RaterChange, Refusal,
};

/// Nominations with their campaign, leader and nominator's name, for [`SqlStore::nomination_from_row`].
const NOMINATION_SELECT: &str =
    "SELECT i.id, i.campaign_id, c.name AS campaign_name, i.leader_id, p.name AS leader_name,
        i.rater_group, i.rater_name, i.rater_email, i.outside_directory, i.state, i.nominated_by,
        u.display_name AS nominator_name, i.approved_by
 FROM invitations i JOIN campaigns c ON c.id = i.campaign_id JOIN people p ON p.id = i.leader_id
 LEFT JOIN users u ON u.id = i.nominated_by";

/// The order nominations are listed in: by leader, peers before others, then by name.
const NOMINATION_ORDER: &str =
    "ORDER BY p.name, i.leader_id, CASE i.rater_group WHEN 'peer' THEN 0 ELSE 1 END, i.rater_name";

/// Only the nominated groups.
const NOMINATED: &str = "i.rater_group IN ('peer', 'other')";

/// What the rules refuse, as the conflict the caller shows.
fn refused(refusal: Refusal) -> StoreError {
    StoreError::Conflict(refusal.to_string())
}

/// The current time in Unix seconds, for the change list.
pub(crate) fn now_seconds() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// One change to a leader's rater list, to be recorded.
pub(crate) struct ChangeRow<'a> {
    pub(crate) campaign: CampaignId,
    pub(crate) leader: PersonId,
    pub(crate) change: RaterChange,
    /// The rater, when the change is about one: group, name, email.
    pub(crate) rater: Option<(RaterGroup, &'a str, &'a str)>,
    pub(crate) by: ChangedBy,
    pub(crate) user: Option<UserId>,
}

/// A listed rater with what the rules need, read with its row locked.
struct Listed {
    campaign: CampaignId,
    leader: PersonId,
    status: CampaignStatus,
    rater: ListedRater<i64>,
    name: String,
    email: String,
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// `insert` (a statement into `rater_list_changes` whose first five values are campaign,
    /// leader, time, change and who) with those five bound, ready for the rest.
    fn change_insert<'q>(
        insert: &'q str,
        campaign: CampaignId,
        leader: Option<PersonId>,
        change: RaterChange,
        by: ChangedBy,
    ) -> sqlx::query::Query<'q, DB, DB::Arguments<'q>> {
        sqlx::query(insert)
            .bind(campaign.0)
            .bind(leader.map(|l| l.0))
            .bind(now_seconds())
            .bind(change.slug())
            .bind(by.slug())
    }

    /// Records `row` on `conn`.
    pub(crate) async fn record_rater_change_on(
        conn: &mut DB::Connection,
        row: ChangeRow<'_>,
    ) -> StoreResult<()> {
        let (group, name, email) = match row.rater {
            Some((group, name, email)) => (Some(group.slug()), name, email),
            None => (None, "", ""),
        };
        Self::change_insert(
            "INSERT INTO rater_list_changes (campaign_id, leader_id, at, change, changed_by, rater_group, rater_name, rater_email, user_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            row.campaign,
            Some(row.leader),
            row.change,
            row.by,
        )
        .bind(group)
        .bind(name)
        .bind(email)
        .bind(row.user.map(|u| u.0))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Records `change` by `by` for each leader of `campaign` (or only `leader`): the list
    /// locking, or else once for every rater on the list (adding a leader proposes them all
    /// from the reporting lines), in list order.
    pub(crate) async fn record_whole_lists_on(
        conn: &mut DB::Connection,
        campaign: CampaignId,
        leader: Option<PersonId>,
        change: RaterChange,
        by: ChangedBy,
    ) -> StoreResult<()> {
        let (raters, source, order) = if change == RaterChange::Locked {
            ("", "campaign_leaders", "")
        } else {
            (
                ", rater_group, rater_name, rater_email",
                "invitations",
                ", CASE rater_group WHEN 'self' THEN 0 WHEN 'manager' THEN 1 ELSE 2 END, rater_name",
            )
        };
        let insert = format!(
            "INSERT INTO rater_list_changes (campaign_id, leader_id, at, change, changed_by{raters})
             SELECT campaign_id, leader_id, $3, $4, $5{raters} FROM {source}
             WHERE campaign_id = $1 AND ($2 IS NULL OR leader_id = $2) ORDER BY leader_id{order}"
        );
        Self::change_insert(&insert, campaign, leader, change, by)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Nominations still awaiting approval in `campaign`, per leader (name, how many).
    pub(crate) async fn awaiting_by_leader_on(
        conn: &mut DB::Connection,
        campaign: CampaignId,
    ) -> StoreResult<Vec<(String, u32)>> {
        let rows = sqlx::query(
            "SELECT p.name, COUNT(*) AS n FROM invitations i JOIN people p ON p.id = i.leader_id
             WHERE i.campaign_id = $1 AND i.state = 'nominated'
             GROUP BY i.leader_id, p.name ORDER BY p.name, i.leader_id",
        )
        .bind(campaign.0)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("name")?, row.try_get::<i64, _>("n")? as u32)))
            .collect()
    }

    /// `user` about to change `leader`'s rater list, as the rules see them; an unknown account
    /// is "not found".
    async fn editor_on(
        conn: &mut DB::Connection,
        user: UserId,
        leader: PersonId,
    ) -> StoreResult<Editor<i64>> {
        let row = sqlx::query(
            "SELECT u.role, u.person_id, p.manager_id FROM users u LEFT JOIN people p ON p.id = $2
             WHERE u.id = $1",
        )
        .bind(user.0)
        .bind(leader.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
        let person: Option<i64> = row.try_get("person_id")?;
        let manager: Option<i64> = row.try_get("manager_id")?;
        Ok(Editor {
            user: user.0,
            is_leader: person == Some(leader.0),
            is_manager: person.is_some() && person == manager,
            is_admin: row.try_get::<String, _>("role")? == Role::Admin.slug(),
        })
    }

    /// A listed rater and their campaign's status, both rows locked until the transaction ends
    /// on PostgreSQL; an unknown rater is "not found".
    async fn listed_on(conn: &mut DB::Connection, invitation: InvitationId) -> StoreResult<Listed> {
        let row = sqlx::query(&format!(
            "SELECT i.campaign_id, i.leader_id, i.rater_group, i.rater_name, i.rater_email, i.state,
                    i.nominated_by, i.approved_by, i.outside_directory, c.status
             FROM invitations i JOIN campaigns c ON c.id = i.campaign_id WHERE i.id = $1 {}",
            DB::LOCK_SELECTED
        ))
        .bind(invitation.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("rater"))?;
        Ok(Listed {
            campaign: CampaignId(row.try_get("campaign_id")?),
            leader: PersonId(row.try_get("leader_id")?),
            status: parse_status(&row.try_get::<String, _>("status")?)?,
            rater: ListedRater {
                group: parse_group(&row.try_get::<String, _>("rater_group")?)?,
                state: parse_state(&row.try_get::<String, _>("state")?)?,
                nominated_by: row.try_get("nominated_by")?,
                approved_by: row.try_get("approved_by")?,
                outside_directory: row.try_get::<i64, _>("outside_directory")? != 0,
            },
            name: row.try_get("rater_name")?,
            email: row.try_get("rater_email")?,
        })
    }

    async fn nomination_on(
        conn: &mut DB::Connection,
        invitation: InvitationId,
    ) -> StoreResult<Nomination> {
        let row = sqlx::query(&format!("{NOMINATION_SELECT} WHERE i.id = $1"))
            .bind(invitation.0)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound("rater"))?;
        Self::nomination_from_row(&row)
    }

    fn nomination_from_row(row: &DB::Row) -> StoreResult<Nomination> {
        Ok(Nomination {
            id: InvitationId(row.try_get("id")?),
            campaign_id: CampaignId(row.try_get("campaign_id")?),
            campaign_name: row.try_get("campaign_name")?,
            leader_id: PersonId(row.try_get("leader_id")?),
            leader_name: row.try_get("leader_name")?,
            group: parse_group(&row.try_get::<String, _>("rater_group")?)?,
            rater_name: row.try_get("rater_name")?,
            rater_email: row.try_get("rater_email")?,
            outside_directory: row.try_get::<i64, _>("outside_directory")? != 0,
            state: parse_state(&row.try_get::<String, _>("state")?)?,
            nominated_by: row.try_get::<Option<i64>, _>("nominated_by")?.map(UserId),
            nominator_name: row.try_get("nominator_name")?,
            approved_by: row.try_get::<Option<i64>, _>("approved_by")?.map(UserId),
        })
    }
}

fn parse_state(text: &str) -> StoreResult<NominationState> {
    NominationState::from_slug(text)
        .ok_or_else(|| StoreError::Corrupt(format!("nomination state {text:?}")))
}

fn parse_change(text: &str) -> StoreResult<RaterChange> {
    RaterChange::from_slug(text)
        .ok_or_else(|| StoreError::Corrupt(format!("rater list change {text:?}")))
}

fn parse_changed_by(text: &str) -> StoreResult<ChangedBy> {
    ChangedBy::from_slug(text).ok_or_else(|| StoreError::Corrupt(format!("changed by {text:?}")))
}

#[sql_impl]
#[async_trait]
impl<DB> RaterListStore for SqlStore<DB> {
    #[tracing::instrument(skip_all, fields(campaign = %nomination.campaign_id, leader = %nomination.leader_id))]
    async fn nominate(&self, nomination: &NewNomination) -> StoreResult<Nomination> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let status: Option<String> = sqlx::query_scalar(&format!(
            "SELECT c.status FROM campaign_leaders l JOIN campaigns c ON c.id = l.campaign_id
             WHERE l.campaign_id = $1 AND l.leader_id = $2 {}",
            DB::LOCK_SELECTED
        ))
        .bind(nomination.campaign_id.0)
        .bind(nomination.leader_id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let status = parse_status(&status.ok_or(StoreError::NotFound("leader in this campaign"))?)?;
        let editor = Self::editor_on(&mut tx, nomination.by, nomination.leader_id).await?;
        // The rater in the directory, and where the reporting lines put them for this leader.
        let rater = sqlx::query(
            "SELECT r.id, CASE WHEN r.id = l.id THEN 'self' WHEN r.id = l.manager_id THEN 'manager'
                               WHEN r.manager_id = l.id THEN 'direct_report' END AS reporting
             FROM people r JOIN people l ON l.id = $2 WHERE r.email = $1",
        )
        .bind(nomination.rater_email.as_str())
        .bind(nomination.leader_id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let person: Option<i64> = rater.as_ref().map(|r| r.try_get("id")).transpose()?;
        let reporting = match &rater {
            Some(row) => row
                .try_get::<Option<String>, _>("reporting")?
                .as_deref()
                .map(parse_group)
                .transpose()?,
            None => None,
        };
        let by = raters::check_nomination(nomination.group, status, &editor, reporting)
            .map_err(refused)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO invitations (campaign_id, leader_id, rater_group, person_id, rater_name, rater_email,
                                      state, nominated_by, outside_directory)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(nomination.campaign_id.0)
        .bind(nomination.leader_id.0)
        .bind(nomination.group.slug())
        .bind(person)
        .bind(&nomination.rater_name)
        .bind(nomination.rater_email.as_str())
        .bind(NominationState::AwaitingApproval.slug())
        .bind(nomination.by.0)
        .bind(i64::from(person.is_none()))
        .fetch_one(&mut *tx)
        .await
        .map_err(conflict_on_unique(|| {
            format!(
                "{} is already on this leader's rater list",
                nomination.rater_email
            )
        }))?;
        Self::record_rater_change_on(
            &mut tx,
            ChangeRow {
                campaign: nomination.campaign_id,
                leader: nomination.leader_id,
                change: RaterChange::Nominated,
                rater: Some((
                    nomination.group,
                    &nomination.rater_name,
                    nomination.rater_email.as_str(),
                )),
                by,
                user: Some(nomination.by),
            },
        )
        .await?;
        let nominated = Self::nomination_on(&mut tx, InvitationId(id)).await?;
        tx.commit().await?;
        Ok(nominated)
    }

    #[tracing::instrument(skip_all, fields(invitation = %decision.invitation))]
    async fn approve_rater(&self, decision: &RaterDecision) -> StoreResult<Nomination> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let listed = Self::listed_on(&mut tx, decision.invitation).await?;
        let editor = Self::editor_on(&mut tx, decision.by, listed.leader).await?;
        let by = raters::check_approval(
            &listed.rater,
            listed.status,
            &editor,
            decision.outside_confirmed,
        )
        .map_err(refused)?;
        sqlx::query("UPDATE invitations SET state = $1, approved_by = $2 WHERE id = $3")
            .bind(NominationState::Approved.slug())
            .bind(decision.by.0)
            .bind(decision.invitation.0)
            .execute(&mut *tx)
            .await?;
        Self::record_rater_change_on(
            &mut tx,
            ChangeRow {
                campaign: listed.campaign,
                leader: listed.leader,
                change: RaterChange::Approved,
                rater: Some((listed.rater.group, &listed.name, &listed.email)),
                by,
                user: Some(decision.by),
            },
        )
        .await?;
        let approved = Self::nomination_on(&mut tx, decision.invitation).await?;
        tx.commit().await?;
        Ok(approved)
    }

    #[tracing::instrument(skip_all, fields(invitation = %decision.invitation))]
    async fn remove_rater(
        &self,
        decision: &RaterDecision,
    ) -> StoreResult<(Nomination, RaterChange)> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let listed = Self::listed_on(&mut tx, decision.invitation).await?;
        let editor = Self::editor_on(&mut tx, decision.by, listed.leader).await?;
        let (by, change) =
            raters::check_removal(&listed.rater, listed.status, &editor).map_err(refused)?;
        let removed = Self::nomination_on(&mut tx, decision.invitation).await?;
        sqlx::query("DELETE FROM invitations WHERE id = $1")
            .bind(decision.invitation.0)
            .execute(&mut *tx)
            .await?;
        Self::record_rater_change_on(
            &mut tx,
            ChangeRow {
                campaign: listed.campaign,
                leader: listed.leader,
                change,
                rater: Some((listed.rater.group, &listed.name, &listed.email)),
                by,
                user: Some(decision.by),
            },
        )
        .await?;
        tx.commit().await?;
        Ok((removed, change))
    }

    #[tracing::instrument(skip_all, fields(invitation = %invitation))]
    async fn nomination(&self, invitation: InvitationId) -> StoreResult<Nomination> {
        let row = sqlx::query(&format!(
            "{NOMINATION_SELECT} WHERE i.id = $1 AND {NOMINATED}"
        ))
        .bind(invitation.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("nomination"))?;
        Self::nomination_from_row(&row)
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
    async fn nominations(
        &self,
        campaign: CampaignId,
        leader: Option<PersonId>,
    ) -> StoreResult<Vec<Nomination>> {
        let rows = sqlx::query(&format!(
            "{NOMINATION_SELECT} WHERE i.campaign_id = $1 AND ($2 IS NULL OR i.leader_id = $2)
             AND {NOMINATED} {NOMINATION_ORDER}"
        ))
        .bind(campaign.0)
        .bind(leader.map(|l| l.0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::nomination_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(manager = %manager))]
    async fn nominations_awaiting(&self, manager: PersonId) -> StoreResult<Vec<Nomination>> {
        let rows = sqlx::query(&format!(
            "{NOMINATION_SELECT} WHERE i.state = 'nominated' AND c.status = 'draft' AND p.manager_id = $1
             ORDER BY i.campaign_id DESC, p.name, i.leader_id, i.rater_name"
        ))
        .bind(manager.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::nomination_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign, leader = %leader))]
    async fn rater_list_changes(
        &self,
        campaign: CampaignId,
        leader: PersonId,
    ) -> StoreResult<Vec<RaterListChange>> {
        let rows = sqlx::query(
            "SELECT at, change, rater_group, rater_name, rater_email, changed_by FROM rater_list_changes
             WHERE campaign_id = $1 AND leader_id = $2 ORDER BY id",
        )
        .bind(campaign.0)
        .bind(leader.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RaterListChange {
                    at: row.try_get("at")?,
                    change: parse_change(&row.try_get::<String, _>("change")?)?,
                    group: row
                        .try_get::<Option<String>, _>("rater_group")?
                        .as_deref()
                        .map(parse_group)
                        .transpose()?,
                    rater_name: row.try_get("rater_name")?,
                    rater_email: row.try_get("rater_email")?,
                    changed_by: parse_changed_by(&row.try_get::<String, _>("changed_by")?)?,
                })
            })
            .collect()
    }
}
