//! Breaches, their steps and amends, the recovery pulse's setting and the admins' counts
//! ([`RepairStore`]). The recovery pulse's scheduler, links and answers are in `recovery.rs`.

use super::pulse::small;
use super::pulse_answers::Which;
use super::*;
use crate::RepairStore;
use std::collections::BTreeSet;
use trustloop_domain::model::Element;
use trustloop_domain::repair::recovery::RecoveryMode;
use trustloop_domain::repair::{self, BreachKind, Step, StepDone, StepWarning};

/// The columns [`SqlStore::load_repair`] reads from `repairs` (as `r`) and its leader (`l`).
const REPAIR_SELECT: &str = "SELECT r.id, r.leader_id, l.name AS leader_name, r.what, r.happened,
    r.kind, r.element, r.recorded_by, r.by_admin, r.created_on, r.closed_on, r.recovery,
    r.recovery_started, r.recovery_k, r.instrument_version
    FROM repairs r JOIN people l ON l.id = r.leader_id";

/// A refusal of the repair rules, as the conflict that shows its message.
fn refused(e: repair::RepairError) -> StoreError {
    StoreError::Conflict(e.to_string())
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// The recovery state of a row of [`REPAIR_SELECT`].
    fn recovery_state(row: &DB::Row) -> StoreResult<RecoveryState> {
        let recovery: String = row.try_get("recovery")?;
        Ok(match recovery.as_str() {
            "not_started" => RecoveryState::NotStarted,
            "skipped" => RecoveryState::Skipped,
            slug => {
                let mode = RecoveryMode::from_slug(slug)
                    .ok_or_else(|| StoreError::Corrupt(format!("recovery {slug:?}")))?;
                let started: Option<String> = row.try_get("recovery_started")?;
                let k: Option<i64> = row.try_get("recovery_k")?;
                let version: Option<i64> = row.try_get("instrument_version")?;
                match (started, k, version) {
                    (Some(started), Some(k), Some(version)) => RecoveryState::Running {
                        mode,
                        started: parse_date(&started)?,
                        k: small(k, "k")?,
                        instrument_version: small(version, "instrument")?,
                    },
                    _ => {
                        return Err(StoreError::Corrupt(
                            "a recovery pulse without its day".into(),
                        ));
                    }
                }
            }
        })
    }

    /// One repair with its people, teams, steps and amends, read on `conn`.
    async fn load_repair(conn: &mut DB::Connection, id: i64) -> StoreResult<RepairRecord> {
        let row = sqlx::query(&format!("{REPAIR_SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound("repair"))?;
        let kind: String = row.try_get("kind")?;
        let element: String = row.try_get("element")?;
        let affected = sqlx::query(
            "SELECT p.id, p.name FROM repair_people rp JOIN people p ON p.id = rp.person_id
             WHERE rp.repair_id = $1 ORDER BY p.name, p.id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((PersonId(r.try_get("id")?), r.try_get("name")?)))
        .collect::<StoreResult<_>>()?;
        let teams = sqlx::query(
            "SELECT t.id, t.name FROM repair_teams rt JOIN teams t ON t.id = rt.team_id
             WHERE rt.repair_id = $1 ORDER BY t.name",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((TeamId(r.try_get("id")?), r.try_get("name")?)))
        .collect::<StoreResult<_>>()?;
        let mut steps = Vec::new();
        for r in sqlx::query("SELECT step, done_on, note FROM repair_steps WHERE repair_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
        {
            let step: String = r.try_get("step")?;
            steps.push(StepDone {
                step: Step::from_slug(&step)
                    .ok_or_else(|| StoreError::Corrupt(format!("step {step:?}")))?,
                on: parse_date(&r.try_get::<String, _>("done_on")?)?,
                note: r.try_get("note")?,
            });
        }
        steps.sort_by_key(|s| s.step);
        let amends = sqlx::query_scalar(
            "SELECT commitment_id FROM repair_amends WHERE repair_id = $1 ORDER BY commitment_id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(CommitmentId)
        .collect();
        Ok(RepairRecord {
            id: RepairId(id),
            leader_id: PersonId(row.try_get("leader_id")?),
            leader_name: row.try_get("leader_name")?,
            what: row.try_get("what")?,
            happened: parse_date(&row.try_get::<String, _>("happened")?)?,
            kind: BreachKind::from_slug(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("breach kind {kind:?}")))?,
            element: Element::from_slug(&element)
                .ok_or_else(|| StoreError::Corrupt(format!("element {element:?}")))?,
            affected,
            teams,
            recorded_by: row.try_get("recorded_by")?,
            by_admin: row.try_get::<i64, _>("by_admin")? == 1,
            created_on: parse_date(&row.try_get::<String, _>("created_on")?)?,
            closed_on: row
                .try_get::<Option<String>, _>("closed_on")?
                .map(|d| parse_date(&d))
                .transpose()?,
            steps,
            amends,
            recovery: Self::recovery_state(&row)?,
        })
    }

    /// The leader's repair `id`, its row locked (PostgreSQL) for the rest of `conn`'s
    /// transaction: another leader's is "not found".
    async fn own_repair(
        conn: &mut DB::Connection,
        id: RepairId,
        leader: PersonId,
    ) -> StoreResult<RepairRecord> {
        let owner: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT leader_id FROM repairs WHERE id = $1 {}",
            DB::LOCK_SELECTED
        ))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
        if owner != Some(leader.0) {
            return Err(StoreError::NotFound("repair"));
        }
        Self::load_repair(conn, id.0).await
    }
}

/// Refuses a change to a closed repair.
fn still_open(found: &RepairRecord) -> StoreResult<()> {
    match found.closed_on {
        Some(on) => Err(StoreError::Conflict(format!(
            "this repair was closed on {on}: it no longer changes"
        ))),
        None => Ok(()),
    }
}

#[sql_impl]
#[async_trait]
impl<DB> RepairStore for SqlStore<DB> {
    #[tracing::instrument(skip_all, fields(leader = %breach.leader_id))]
    async fn record_breach(&self, breach: &NewBreach) -> StoreResult<RepairId> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let leader: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE id = $1")
            .bind(breach.leader_id.0)
            .fetch_optional(&mut *tx)
            .await?;
        leader.ok_or(StoreError::NotFound("leader"))?;
        let mut affected: BTreeSet<i64> = BTreeSet::new();
        for person in &breach.people {
            let row = sqlx::query("SELECT name, left_on FROM people WHERE id = $1")
                .bind(person.0)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound("person"))?;
            if row.try_get::<Option<String>, _>("left_on")?.is_some() {
                return Err(StoreError::Conflict(format!(
                    "{} has left the organisation: a recovery pulse could not ask them",
                    row.try_get::<String, _>("name")?
                )));
            }
            affected.insert(person.0);
        }
        let teams: BTreeSet<i64> = breach.teams.iter().map(|t| t.0).collect();
        for team in &teams {
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM teams WHERE id = $1")
                .bind(team)
                .fetch_optional(&mut *tx)
                .await?;
            found.ok_or(StoreError::NotFound("team"))?;
            let members: Vec<i64> =
                sqlx::query_scalar("SELECT id FROM people WHERE team_id = $1 AND left_on IS NULL")
                    .bind(team)
                    .fetch_all(&mut *tx)
                    .await?;
            affected.extend(members);
        }
        affected.remove(&breach.leader_id.0);
        repair::check_breach(&breach.what, breach.happened, breach.today, affected.len())
            .map_err(refused)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO repairs (leader_id, what, happened, kind, element, recorded_by, by_admin,
                 created_on)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(breach.leader_id.0)
        .bind(breach.what.trim())
        .bind(format_date(breach.happened))
        .bind(breach.kind.slug())
        .bind(breach.element.slug())
        .bind(&breach.recorded_by)
        .bind(i64::from(breach.by_admin))
        .bind(format_date(breach.today))
        .fetch_one(&mut *tx)
        .await?;
        for person in &affected {
            sqlx::query("INSERT INTO repair_people (repair_id, person_id) VALUES ($1, $2)")
                .bind(id)
                .bind(person)
                .execute(&mut *tx)
                .await?;
        }
        for team in &teams {
            sqlx::query("INSERT INTO repair_teams (repair_id, team_id) VALUES ($1, $2)")
                .bind(id)
                .bind(team)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(RepairId(id))
    }

    #[tracing::instrument(skip_all, fields(repair = %id))]
    async fn repair(&self, id: RepairId) -> StoreResult<RepairRecord> {
        Self::load_repair(&mut *self.pool.acquire().await?, id.0).await
    }

    #[tracing::instrument(skip_all, fields(leader = %leader))]
    async fn repairs_of(&self, leader: PersonId) -> StoreResult<Vec<RepairRecord>> {
        let mut conn = self.pool.acquire().await?;
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM repairs WHERE leader_id = $1 ORDER BY id DESC")
                .bind(leader.0)
                .fetch_all(&mut *conn)
                .await?;
        let mut repairs = Vec::with_capacity(ids.len());
        for id in ids {
            repairs.push(Self::load_repair(&mut conn, id).await?);
        }
        Ok(repairs)
    }

    #[tracing::instrument(skip_all, fields(repair = %step.repair))]
    async fn record_step(&self, step: &RecordStep) -> StoreResult<Option<StepWarning>> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let found = Self::own_repair(&mut tx, step.repair, step.leader_id).await?;
        still_open(&found)?;
        let warning = repair::check_step(&step.done, &found.steps, found.happened, step.today)
            .map_err(refused)?;
        sqlx::query(
            "INSERT INTO repair_steps (repair_id, step, done_on, note) VALUES ($1, $2, $3, $4)",
        )
        .bind(step.repair.0)
        .bind(step.done.step.slug())
        .bind(format_date(step.done.on))
        .bind(step.done.note.trim())
        .execute(&mut *tx)
        .await
        .map_err(conflict_on_unique(|| {
            "this step was recorded already".into()
        }))?;
        tx.commit().await?;
        Ok(warning)
    }

    #[tracing::instrument(skip_all, fields(repair = %repair, commitment = %commitment))]
    async fn add_amends(
        &self,
        repair: RepairId,
        leader: PersonId,
        commitment: CommitmentId,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let found = Self::own_repair(&mut tx, repair, leader).await?;
        still_open(&found)?;
        let own: Option<i64> =
            sqlx::query_scalar("SELECT id FROM commitments WHERE id = $1 AND leader_id = $2")
                .bind(commitment.0)
                .bind(leader.0)
                .fetch_optional(&mut *tx)
                .await?;
        own.ok_or(StoreError::NotFound("commitment"))?;
        sqlx::query("INSERT INTO repair_amends (repair_id, commitment_id) VALUES ($1, $2)")
            .bind(repair.0)
            .bind(commitment.0)
            .execute(&mut *tx)
            .await
            .map_err(conflict_on_unique(|| {
                "this commitment is already part of the amends".into()
            }))?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(repair = %repair))]
    async fn choose_recovery(
        &self,
        repair: RepairId,
        leader: PersonId,
        choice: RecoveryChoice,
        k: u32,
        today: time::Date,
    ) -> StoreResult<RecoveryState> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let found = Self::own_repair(&mut tx, repair, leader).await?;
        still_open(&found)?;
        match found.recovery {
            RecoveryState::NotStarted => {}
            RecoveryState::Skipped => {
                return Err(StoreError::Conflict(
                    "the recovery pulse of this repair was skipped".into(),
                ));
            }
            RecoveryState::Running { started, .. } => {
                return Err(StoreError::Conflict(format!(
                    "the recovery pulse of this repair started on {started}"
                )));
            }
        }
        let state = match choice {
            RecoveryChoice::Skip => {
                sqlx::query("UPDATE repairs SET recovery = 'skipped' WHERE id = $1")
                    .bind(repair.0)
                    .execute(&mut *tx)
                    .await?;
                RecoveryState::Skipped
            }
            RecoveryChoice::Run { named_ok } => {
                let staying: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM repair_people rp JOIN people p ON p.id = rp.person_id
                     WHERE rp.repair_id = $1 AND p.left_on IS NULL",
                )
                .bind(repair.0)
                .fetch_one(&mut *tx)
                .await?;
                if staying == 0 {
                    return Err(StoreError::Conflict(
                        "everyone the breach affected has left: there is no one to ask".into(),
                    ));
                }
                let mode = RecoveryMode::for_affected(usize::try_from(staying).unwrap_or(0), k);
                if mode == RecoveryMode::Named && !named_ok {
                    return Err(StoreError::Conflict(format!(
                        "only {staying} people are affected, fewer than the {k} an anonymous pulse needs: the recovery pulse can only be named (each of them is told, before answering, that you will see their name beside their answer). Choose a named pulse or skip it."
                    )));
                }
                let version = Instrument::recovery_current().version;
                sqlx::query(
                    "UPDATE repairs SET recovery = $2, recovery_started = $3, recovery_k = $4,
                         instrument_version = $5 WHERE id = $1",
                )
                .bind(repair.0)
                .bind(mode.slug())
                .bind(format_date(today))
                .bind(i64::from(k))
                .bind(i64::from(version))
                .execute(&mut *tx)
                .await?;
                RecoveryState::Running {
                    mode,
                    started: today,
                    k,
                    instrument_version: version,
                }
            }
        };
        tx.commit().await?;
        Ok(state)
    }

    #[tracing::instrument(skip_all, fields(repair = %repair))]
    async fn close_repair(
        &self,
        repair: RepairId,
        leader: PersonId,
        today: time::Date,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let found = Self::own_repair(&mut tx, repair, leader).await?;
        still_open(&found)?;
        sqlx::query("UPDATE repairs SET closed_on = $2 WHERE id = $1")
            .bind(repair.0)
            .bind(format_date(today))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(%today))]
    async fn advance_recovery(
        &self,
        today: time::Date,
        new_token: &(dyn Fn() -> (String, String) + Send + Sync),
    ) -> StoreResult<RecoveryAdvance> {
        let repairs: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM repairs WHERE recovery IN ('anonymous', 'named') ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut done = RecoveryAdvance::default();
        for id in repairs {
            match self.advance_repair(id, today, new_token, &mut done).await {
                // Another server handled this round first: its transaction is the one kept.
                Err(StoreError::Conflict(reason)) => {
                    tracing::info!(repair = id, %reason, "recovery round left to another server");
                }
                other => other?,
            }
        }
        Ok(done)
    }

    async fn recovery_invitation_by_token(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<RecoveryInvitation>> {
        self.recovery_links(Which::Token(token_hash.to_string()))
            .await
            .map(|mut found| found.pop())
    }

    async fn open_recovery_invitations(
        &self,
        person: PersonId,
    ) -> StoreResult<Vec<RecoveryInvitation>> {
        self.recovery_links(Which::OpenFor(person.0)).await
    }

    async fn submit_recovery_answer(
        &self,
        invitation: RecoveryInvitationId,
        answers: &SurveyAnswers,
        today: time::Date,
    ) -> StoreResult<()> {
        self.accept_recovery_answer(invitation, answers, today)
            .await
    }

    async fn recovery_rounds(&self, repair: RepairId) -> StoreResult<Vec<RecoveryRoundRecord>> {
        self.read_recovery_rounds(repair).await
    }

    async fn own_recovery_answers(&self, person: PersonId) -> StoreResult<Vec<OwnRecoveryAnswer>> {
        self.read_own_recovery_answers(person).await
    }

    #[tracing::instrument(skip_all)]
    async fn repair_counts(&self) -> StoreResult<Vec<RepairCount>> {
        let rows = sqlx::query(
            "SELECT t.name AS team,
                    CAST(SUM(CASE WHEN r.closed_on IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS open_n,
                    CAST(SUM(CASE WHEN r.closed_on IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS closed_n
             FROM repairs r JOIN people l ON l.id = r.leader_id
             LEFT JOIN teams t ON t.id = l.team_id
             GROUP BY t.name ORDER BY t.name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RepairCount {
                    team: row.try_get("team")?,
                    open: small(row.try_get("open_n")?, "count")?,
                    closed: small(row.try_get("closed_n")?, "count")?,
                })
            })
            .collect()
    }
}
