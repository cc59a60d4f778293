//! Development plans ([`PlanStore`]). Each write reads what the rules of
//! `trustloop_domain::plan` need in its own transaction (the campaign's status, the plan's
//! leader), asks them, and writes; another leader's plan or action is "not found".

use super::*;
use crate::PlanStore;
use time::Date;
use trustloop_domain::model::Element;
use trustloop_domain::plan::{self, ActionStatus, PlanError};

/// Plans with their leader's and campaign's names.
const PLAN_SELECT: &str = "SELECT pl.id, pl.leader_id, p.name AS leader_name, pl.campaign_id,
        c.name AS campaign_name, pl.focus, pl.library_version, pl.shared_with_manager, pl.created_on
 FROM plans pl JOIN people p ON p.id = pl.leader_id JOIN campaigns c ON c.id = pl.campaign_id";

const ACTION_COLUMNS: &str =
    "id, plan_id, library_id, library_version, title, element, target, status, since, note";

fn refused(e: PlanError) -> StoreError {
    StoreError::Conflict(e.to_string())
}

fn focus_text(focus: &[Element]) -> String {
    focus.iter().map(|e| e.slug()).collect::<Vec<_>>().join(",")
}

fn parse_element(text: &str) -> StoreResult<Element> {
    Element::from_slug(text).ok_or_else(|| StoreError::Corrupt(format!("element {text:?}")))
}

fn parse_action_status(text: &str) -> StoreResult<ActionStatus> {
    ActionStatus::from_slug(text)
        .ok_or_else(|| StoreError::Corrupt(format!("action status {text:?}")))
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    fn action_from_row(row: &DB::Row) -> StoreResult<(PlanId, PlanAction)> {
        let library_id: Option<String> = row.try_get("library_id")?;
        let library_version: Option<i64> = row.try_get("library_version")?;
        let source = match (library_id, library_version) {
            (Some(id), Some(version)) => ActionSource::Library {
                id,
                version: version as u32,
            },
            _ => ActionSource::Own,
        };
        Ok((
            PlanId(row.try_get("plan_id")?),
            PlanAction {
                id: ActionId(row.try_get("id")?),
                source,
                title: row.try_get("title")?,
                element: parse_element(&row.try_get::<String, _>("element")?)?,
                target: parse_date(&row.try_get::<String, _>("target")?)?,
                status: parse_action_status(&row.try_get::<String, _>("status")?)?,
                since: parse_date(&row.try_get::<String, _>("since")?)?,
                note: row.try_get("note")?,
            },
        ))
    }

    fn plan_from_row(row: &DB::Row) -> StoreResult<Plan> {
        let focus = row
            .try_get::<String, _>("focus")?
            .split(',')
            .map(parse_element)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Plan {
            id: PlanId(row.try_get("id")?),
            leader_id: PersonId(row.try_get("leader_id")?),
            leader_name: row.try_get("leader_name")?,
            campaign_id: CampaignId(row.try_get("campaign_id")?),
            campaign_name: row.try_get("campaign_name")?,
            focus,
            library_version: row.try_get::<i64, _>("library_version")? as u32,
            shared_with_manager: row.try_get::<i64, _>("shared_with_manager")? != 0,
            created_on: parse_date(&row.try_get::<String, _>("created_on")?)?,
            actions: Vec::new(),
        })
    }

    /// The plans `filter` selects (a condition on `pl` and `p`, with `$1` bound to `value`),
    /// newest first, each with its actions.
    async fn plans_where(
        conn: &mut DB::Connection,
        filter: &str,
        value: i64,
    ) -> StoreResult<Vec<Plan>> {
        let rows = sqlx::query(&format!("{PLAN_SELECT} WHERE {filter} ORDER BY pl.id DESC"))
            .bind(value)
            .fetch_all(&mut *conn)
            .await?;
        let mut plans = rows
            .iter()
            .map(Self::plan_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        if plans.is_empty() {
            return Ok(plans);
        }
        let actions = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} FROM plan_actions WHERE plan_id IN
                 (SELECT pl.id FROM plans pl JOIN people p ON p.id = pl.leader_id WHERE {filter})
             ORDER BY id"
        ))
        .bind(value)
        .fetch_all(&mut *conn)
        .await?;
        for row in &actions {
            let (plan, action) = Self::action_from_row(row)?;
            if let Some(p) = plans.iter_mut().find(|p| p.id == plan) {
                p.actions.push(action);
            }
        }
        Ok(plans)
    }

    /// One plan of `leader` on `conn`, its row locked on PostgreSQL; any other is "not found".
    async fn leaders_plan_on(
        conn: &mut DB::Connection,
        leader: PersonId,
        plan: PlanId,
    ) -> StoreResult<()> {
        let found: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM plans WHERE id = $1 AND leader_id = $2 {}",
            DB::LOCK_SELECTED
        ))
        .bind(plan.0)
        .bind(leader.0)
        .fetch_optional(&mut *conn)
        .await?;
        found.map(|_| ()).ok_or(StoreError::NotFound("plan"))
    }

    async fn plan_on(conn: &mut DB::Connection, plan: PlanId) -> StoreResult<Plan> {
        let row = sqlx::query(&format!("{PLAN_SELECT} WHERE pl.id = $1"))
            .bind(plan.0)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound("plan"))?;
        let mut found = Self::plan_from_row(&row)?;
        let actions = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} FROM plan_actions WHERE plan_id = $1 ORDER BY id"
        ))
        .bind(plan.0)
        .fetch_all(&mut *conn)
        .await?;
        for row in &actions {
            found.actions.push(Self::action_from_row(row)?.1);
        }
        Ok(found)
    }

    async fn action_on(conn: &mut DB::Connection, action: ActionId) -> StoreResult<PlanAction> {
        let row = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} FROM plan_actions WHERE id = $1"
        ))
        .bind(action.0)
        .fetch_one(&mut *conn)
        .await?;
        Ok(Self::action_from_row(&row)?.1)
    }
}

#[sql_impl]
#[async_trait]
impl<DB> PlanStore for SqlStore<DB> {
    #[tracing::instrument(skip_all, fields(leader = %plan.leader_id, campaign = %plan.campaign_id))]
    async fn create_plan(&self, plan: &NewPlan) -> StoreResult<Plan> {
        plan::check_focus(&plan.focus).map_err(refused)?;
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let status: Option<String> = sqlx::query_scalar(&format!(
            "SELECT c.status FROM campaign_leaders l JOIN campaigns c ON c.id = l.campaign_id
             WHERE l.campaign_id = $1 AND l.leader_id = $2 {}",
            DB::LOCK_SELECTED
        ))
        .bind(plan.campaign_id.0)
        .bind(plan.leader_id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let status = parse_status(&status.ok_or(StoreError::NotFound("report"))?)?;
        if status != CampaignStatus::Closed {
            return Err(StoreError::Conflict(
                "a plan starts from a report, which is released when its campaign closes".into(),
            ));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO plans (leader_id, campaign_id, focus, library_version, created_on)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(plan.leader_id.0)
        .bind(plan.campaign_id.0)
        .bind(focus_text(&plan.focus))
        .bind(i64::from(plan.library_version))
        .bind(format_date(plan.today))
        .fetch_one(&mut *tx)
        .await
        .map_err(conflict_on_unique(|| {
            "there is already a plan from this report: open it to add actions".to_string()
        }))?;
        let made = Self::plan_on(&mut tx, PlanId(id)).await?;
        tx.commit().await?;
        Ok(made)
    }

    #[tracing::instrument(skip_all, fields(leader = %leader, plan = %plan))]
    async fn add_action(
        &self,
        leader: PersonId,
        plan: PlanId,
        action: &NewAction,
        today: Date,
    ) -> StoreResult<PlanAction> {
        plan::check_action(&action.title, action.target, today, &action.note).map_err(refused)?;
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        Self::leaders_plan_on(&mut tx, leader, plan).await?;
        let (library_id, library_version) = match &action.source {
            ActionSource::Library { id, version } => (Some(id.as_str()), Some(i64::from(*version))),
            ActionSource::Own => (None, None),
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO plan_actions (plan_id, library_id, library_version, title, element, target,
                                       status, since, note)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(plan.0)
        .bind(library_id)
        .bind(library_version)
        .bind(action.title.trim())
        .bind(action.element.slug())
        .bind(format_date(action.target))
        .bind(ActionStatus::Planned.slug())
        .bind(format_date(today))
        .bind(action.note.trim())
        .fetch_one(&mut *tx)
        .await?;
        let added = Self::action_on(&mut tx, ActionId(id)).await?;
        tx.commit().await?;
        Ok(added)
    }

    #[tracing::instrument(skip_all, fields(leader = %leader, action = %action))]
    async fn set_action_status(
        &self,
        leader: PersonId,
        action: ActionId,
        status: ActionStatus,
        note: &str,
        today: Date,
    ) -> StoreResult<PlanAction> {
        if note.chars().count() > plan::MAX_NOTE {
            return Err(refused(PlanError::Note));
        }
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let current: Option<String> = sqlx::query_scalar(&format!(
            "SELECT a.status FROM plan_actions a JOIN plans pl ON pl.id = a.plan_id
             WHERE a.id = $1 AND pl.leader_id = $2 {}",
            DB::LOCK_SELECTED
        ))
        .bind(action.0)
        .bind(leader.0)
        .fetch_optional(&mut *tx)
        .await?;
        let current = parse_action_status(&current.ok_or(StoreError::NotFound("action"))?)?;
        // The day is the day the status was set: a note alone does not move it.
        sqlx::query(
            "UPDATE plan_actions SET status = $1, note = $2,
                 since = CASE WHEN $3 = 1 THEN $4 ELSE since END
             WHERE id = $5",
        )
        .bind(status.slug())
        .bind(note.trim())
        .bind(i64::from(current != status))
        .bind(format_date(today))
        .bind(action.0)
        .execute(&mut *tx)
        .await?;
        let changed = Self::action_on(&mut tx, action).await?;
        tx.commit().await?;
        Ok(changed)
    }

    #[tracing::instrument(skip_all, fields(leader = %leader, plan = %plan))]
    async fn share_plan(&self, leader: PersonId, plan: PlanId, shared: bool) -> StoreResult<Plan> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        Self::leaders_plan_on(&mut tx, leader, plan).await?;
        sqlx::query("UPDATE plans SET shared_with_manager = $1 WHERE id = $2")
            .bind(i64::from(shared))
            .bind(plan.0)
            .execute(&mut *tx)
            .await?;
        let changed = Self::plan_on(&mut tx, plan).await?;
        tx.commit().await?;
        Ok(changed)
    }

    #[tracing::instrument(skip_all, fields(plan = %plan))]
    async fn plan(&self, plan: PlanId) -> StoreResult<Plan> {
        let mut conn = self.pool.acquire().await?;
        Self::plan_on(&mut conn, plan).await
    }

    #[tracing::instrument(skip_all, fields(leader = %leader))]
    async fn plans_of(&self, leader: PersonId) -> StoreResult<Vec<Plan>> {
        let mut conn = self.pool.acquire().await?;
        Self::plans_where(&mut conn, "pl.leader_id = $1", leader.0).await
    }

    #[tracing::instrument(skip_all, fields(manager = %manager))]
    async fn plans_shared_with(&self, manager: PersonId) -> StoreResult<Vec<Plan>> {
        let mut conn = self.pool.acquire().await?;
        Self::plans_where(
            &mut conn,
            "pl.shared_with_manager = 1 AND p.manager_id = $1",
            manager.0,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn plan_counts_by_team(&self) -> StoreResult<Vec<TeamPlanCount>> {
        let rows = sqlx::query(
            "SELECT t.name AS team, COUNT(*) AS plans, COUNT(DISTINCT pl.leader_id) AS leaders,
                    (SELECT COUNT(*) FROM commitments m JOIN people q ON q.id = m.leader_id
                     WHERE q.team_id IS NOT DISTINCT FROM p.team_id) AS commitments
             FROM plans pl JOIN people p ON p.id = pl.leader_id LEFT JOIN teams t ON t.id = p.team_id
             GROUP BY p.team_id, t.name ORDER BY t.name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TeamPlanCount {
                    team: row.try_get("team")?,
                    plans: row.try_get::<i64, _>("plans")? as u64,
                    leaders: row.try_get::<i64, _>("leaders")? as u64,
                    commitments: row.try_get::<i64, _>("commitments")? as u64,
                })
            })
            .collect()
    }
}
