//! The say-do ledger ([`LedgerStore`]). Each write reads the commitment in its own transaction
//! (its row locked on PostgreSQL), rebuilds the domain's [`Commitment`], asks its rules, and
//! writes the history together with what it implies (the dates it is held to, how and when it
//! was settled, the counts of confirmations of the current revision), so that the
//! organisation's ratios are counted by one query without reading histories.

use super::*;
use crate::LedgerStore;
use time::Date;
use trustloop_domain::ledger::{
    self, Change, Commitment, Confirmation, LedgerError, Recipients, Tally,
};

/// Each leader's say-do counts (leader_id, due, kept), counted as `ledger::say_do` counts: due
/// in the window (`$1` to `$2`) when the date it is held to lies in it and it is settled or
/// that date has passed; kept when marked kept by that date and confirmed so (a team's answers
/// count from `$3`, k). Placeholders are numbered, so that SQLite's own interface binds them by
/// number too.
pub(crate) const SAY_DO_COUNTS: &str = "SELECT leader_id, COUNT(*) AS due,
        SUM(CASE WHEN settled = 'kept' AND settled_on <= counted_due AND kept_n > not_kept_n
                  AND (recipients = 'people' OR kept_n + not_kept_n + cant_say_n >= $3)
             THEN 1 ELSE 0 END) AS kept
 FROM commitments
 WHERE counted_due >= $1 AND counted_due <= $2 AND NOT (counted_due = $2 AND settled = 'open')
 GROUP BY leader_id ORDER BY leader_id";

fn refused(e: LedgerError) -> StoreError {
    StoreError::Conflict(e.to_string())
}

/// Commitments with what their records show beside them; `{agg}` and `{sep}` are the
/// backend's text aggregate and newline.
fn commitment_select<DB: Backend>() -> String {
    format!(
        "SELECT m.id, m.leader_id, p.name AS leader_name, m.what, m.recipients, t.name AS team_name,
            m.action_id, m.made_on, m.due, m.history, m.kept_n, m.not_kept_n, m.cant_say_n,
            (SELECT COUNT(*) FROM commitment_recipients r WHERE r.commitment_id = m.id)
                AS recipient_count,
            CASE WHEN m.recipients = 'people' THEN
                (SELECT {agg}(q.name, {chr}(10)) FROM commitment_recipients r
                 JOIN people q ON q.id = r.person_id WHERE r.commitment_id = m.id) END AS people
         FROM commitments m JOIN people p ON p.id = m.leader_id
         LEFT JOIN teams t ON t.id = m.team_id",
        agg = DB::STRING_AGG,
        chr = DB::CHR,
    )
}

fn recipients_slug(to: Recipients) -> &'static str {
    match to {
        Recipients::People => "people",
        Recipients::Team => "team",
    }
}

fn parse_recipients(text: &str) -> StoreResult<Recipients> {
    match text {
        "people" => Ok(Recipients::People),
        "team" => Ok(Recipients::Team),
        _ => Err(StoreError::Corrupt(format!("recipients {text:?}"))),
    }
}

fn count(row_value: i64) -> u32 {
    u32::try_from(row_value).unwrap_or(u32::MAX)
}

/// How a commitment was settled, and when, as stored beside its history.
fn settled(c: &Commitment) -> (&'static str, Option<Date>) {
    match c.history.last() {
        Some(Change::Kept { on }) => ("kept", Some(*on)),
        Some(Change::Broken { on }) => ("broken", Some(*on)),
        Some(Change::Dropped { on, .. }) => ("dropped", Some(*on)),
        _ => ("open", None),
    }
}

/// A recipient's row as a confirmation reads it.
struct Recipient {
    commitment: CommitmentId,
    person: PersonId,
    answered_revision: Option<i64>,
    link_revision: Option<i64>,
    left: bool,
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// The members of `team` other than `but` who have not left, by id; an unknown team is
    /// "not found". Who a team's commitment, or a team's request for feedback, goes to.
    pub(super) async fn team_members_but(
        conn: &mut DB::Connection,
        team: TeamId,
        but: PersonId,
    ) -> StoreResult<Vec<i64>> {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM teams WHERE id = $1")
            .bind(team.0)
            .fetch_optional(&mut *conn)
            .await?;
        found.ok_or(StoreError::NotFound("team"))?;
        Ok(sqlx::query_scalar(
            "SELECT id FROM people WHERE team_id = $1 AND id <> $2 AND left_on IS NULL
             ORDER BY id",
        )
        .bind(team.0)
        .bind(but.0)
        .fetch_all(&mut *conn)
        .await?)
    }

    fn commitment_from_row(row: &DB::Row) -> StoreResult<CommitmentRecord> {
        let history: Vec<Change> = serde_json::from_str(&row.try_get::<String, _>("history")?)
            .map_err(|e| StoreError::Corrupt(format!("commitment history: {e}")))?;
        let mut people: Vec<String> = row
            .try_get::<Option<String>, _>("people")?
            .map(|names| names.split('\n').map(String::from).collect())
            .unwrap_or_default();
        people.sort();
        Ok(CommitmentRecord {
            id: CommitmentId(row.try_get("id")?),
            leader_id: PersonId(row.try_get("leader_id")?),
            leader_name: row.try_get("leader_name")?,
            what: row.try_get("what")?,
            people,
            team: row.try_get("team_name")?,
            recipient_count: count(row.try_get("recipient_count")?),
            action_id: row.try_get::<Option<i64>, _>("action_id")?.map(ActionId),
            commitment: Commitment {
                made_on: parse_date(&row.try_get::<String, _>("made_on")?)?,
                due: parse_date(&row.try_get::<String, _>("due")?)?,
                to: parse_recipients(&row.try_get::<String, _>("recipients")?)?,
                history,
                tally: Tally {
                    kept: count(row.try_get("kept_n")?),
                    not_kept: count(row.try_get("not_kept_n")?),
                    cant_say: count(row.try_get("cant_say_n")?),
                },
            },
        })
    }

    async fn commitment_on(
        conn: &mut DB::Connection,
        id: CommitmentId,
    ) -> StoreResult<CommitmentRecord> {
        let row = sqlx::query(&format!("{} WHERE m.id = $1", commitment_select::<DB>()))
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound("commitment"))?;
        Self::commitment_from_row(&row)
    }

    /// Locks a commitment's row on PostgreSQL, so that changes and confirmations of it take
    /// turns; `leader`, when given, must be the one who made it. Otherwise "not found".
    async fn lock_commitment_on(
        conn: &mut DB::Connection,
        id: CommitmentId,
        leader: Option<PersonId>,
    ) -> StoreResult<CommitmentRecord> {
        let found: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM commitments WHERE id = $1 AND ($2 IS NULL OR leader_id = $2) {}",
            DB::LOCK_SELECTED
        ))
        .bind(id.0)
        .bind(leader.map(|l| l.0))
        .fetch_optional(&mut *conn)
        .await?;
        found.ok_or(StoreError::NotFound("commitment"))?;
        Self::commitment_on(conn, id).await
    }

    /// Writes a commitment's history and what it implies.
    async fn write_state_on(
        conn: &mut DB::Connection,
        id: CommitmentId,
        c: &Commitment,
    ) -> StoreResult<()> {
        let (settled, settled_on) = settled(c);
        sqlx::query(
            "UPDATE commitments SET history = $1, revision = $2, counted_due = $3, working_due = $4,
                 settled = $5, settled_on = $6, kept_n = $7, not_kept_n = $8, cant_say_n = $9
             WHERE id = $10",
        )
        .bind(json_text(&c.history)?)
        .bind(i64::from(c.revision()))
        .bind(format_date(c.counted_due()))
        .bind(format_date(c.working_due()))
        .bind(settled)
        .bind(settled_on.map(format_date))
        .bind(i64::from(c.tally.kept))
        .bind(i64::from(c.tally.not_kept))
        .bind(i64::from(c.tally.cant_say))
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// A recipient of a commitment, if they are one.
    async fn recipient_on(
        conn: &mut DB::Connection,
        commitment: CommitmentId,
        person: PersonId,
    ) -> StoreResult<Option<Recipient>> {
        let row = sqlx::query(
            "SELECT r.answered_revision, r.link_revision,
                    CAST(CASE WHEN q.left_on IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_left
             FROM commitment_recipients r JOIN people q ON q.id = r.person_id
             WHERE r.commitment_id = $1 AND r.person_id = $2",
        )
        .bind(commitment.0)
        .bind(person.0)
        .fetch_optional(&mut *conn)
        .await?;
        row.map(|row| {
            Ok(Recipient {
                commitment,
                person,
                answered_revision: row.try_get("answered_revision")?,
                link_revision: row.try_get("link_revision")?,
                left: row.try_get::<i64, _>("has_left")? != 0,
            })
        })
        .transpose()
    }

    /// Records `answer` from `recipient` (by link when `by_link`), after the checks both ways
    /// share, on `conn` inside the caller's transaction.
    async fn confirm_on(
        conn: &mut DB::Connection,
        recipient: &Recipient,
        answer: Confirmation,
        today: Date,
        by_link: bool,
    ) -> StoreResult<ConfirmOutcome> {
        let mut record = Self::lock_commitment_on(conn, recipient.commitment, None).await?;
        let c = &mut record.commitment;
        let revision = i64::from(c.revision());
        if recipient.left {
            return Ok(ConfirmOutcome::Left);
        }
        if by_link && recipient.link_revision != Some(revision) {
            return Ok(ConfirmOutcome::Changed);
        }
        if recipient.answered_revision == Some(revision) {
            return Ok(ConfirmOutcome::Used);
        }
        if !c.asks_confirmation(today) {
            return Ok(ConfirmOutcome::NotAsked);
        }
        c.tally.add(answer);
        Self::write_state_on(conn, recipient.commitment, c).await?;
        // A link is used up by any answer, so a second use finds nothing.
        sqlx::query(
            "UPDATE commitment_recipients SET answered_revision = $1, link_hash = NULL,
                 link_revision = NULL WHERE commitment_id = $2 AND person_id = $3",
        )
        .bind(revision)
        .bind(recipient.commitment.0)
        .bind(recipient.person.0)
        .execute(&mut *conn)
        .await?;
        Ok(ConfirmOutcome::Recorded)
    }

    fn ask_from_row(row: &DB::Row, today: Date) -> StoreResult<Option<ConfirmationAsk>> {
        let record = Self::commitment_from_row(row)?;
        let c = &record.commitment;
        if !c.asks_confirmation(today) {
            return Ok(None);
        }
        Ok(Some(ConfirmationAsk {
            id: record.id,
            leader_name: record.leader_name,
            what: record.what,
            due: c.counted_due(),
            to_team: c.to == Recipients::Team,
            marked_kept: matches!(c.history.last(), Some(Change::Kept { .. })),
        }))
    }
}

#[sql_impl]
#[async_trait]
impl<DB> LedgerStore for SqlStore<DB> {
    #[tracing::instrument(skip_all, fields(leader = %new.leader_id))]
    async fn make_commitment(&self, new: &NewCommitment) -> StoreResult<CommitmentRecord> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let leader_found: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE id = $1")
            .bind(new.leader_id.0)
            .fetch_optional(&mut *tx)
            .await?;
        leader_found.ok_or(StoreError::NotFound("leader"))?;
        let (to, team, recipients) = match &new.to {
            RecipientChoice::People(people) => {
                let mut ids: Vec<i64> = people.iter().map(|p| p.0).collect();
                ids.sort_unstable();
                ids.dedup();
                for id in &ids {
                    let row = sqlx::query("SELECT name, left_on FROM people WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or(StoreError::NotFound("person"))?;
                    if row.try_get::<Option<String>, _>("left_on")?.is_some() {
                        return Err(StoreError::Conflict(format!(
                            "{} has left the organisation: choose someone who can confirm it",
                            row.try_get::<String, _>("name")?
                        )));
                    }
                }
                ledger::check_new(&new.what, new.due, new.today, &new.leader_id.0, &ids)
                    .map_err(refused)?;
                (Recipients::People, None, ids)
            }
            RecipientChoice::Team(team) => {
                let members = Self::team_members_but(&mut tx, *team, new.leader_id).await?;
                if members.is_empty() {
                    ledger::check_team(0, new.min_team).map_err(refused)?;
                }
                ledger::check_new(&new.what, new.due, new.today, &new.leader_id.0, &members)
                    .map_err(refused)?;
                ledger::check_team(members.len(), new.min_team).map_err(refused)?;
                (Recipients::Team, Some(team.0), members)
            }
        };
        if let Some(action) = new.action_id {
            let found: Option<i64> = sqlx::query_scalar(
                "SELECT a.id FROM plan_actions a JOIN plans pl ON pl.id = a.plan_id
                 WHERE a.id = $1 AND pl.leader_id = $2",
            )
            .bind(action.0)
            .bind(new.leader_id.0)
            .fetch_optional(&mut *tx)
            .await?;
            found.ok_or(StoreError::NotFound("action"))?;
        }
        let commitment = Commitment::new(new.today, new.due, to);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO commitments (leader_id, what, recipients, team_id, action_id, made_on, due,
                                      counted_due, working_due)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7) RETURNING id",
        )
        .bind(new.leader_id.0)
        .bind(new.what.trim())
        .bind(recipients_slug(to))
        .bind(team)
        .bind(new.action_id.map(|a| a.0))
        .bind(format_date(commitment.made_on))
        .bind(format_date(commitment.due))
        .fetch_one(&mut *tx)
        .await?;
        for person in &recipients {
            sqlx::query(
                "INSERT INTO commitment_recipients (commitment_id, person_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(person)
            .execute(&mut *tx)
            .await?;
        }
        let made = Self::commitment_on(&mut tx, CommitmentId(id)).await?;
        tx.commit().await?;
        Ok(made)
    }

    #[tracing::instrument(skip_all, fields(commitment = %change.commitment))]
    async fn change_commitment(&self, change: &CommitmentChange) -> StoreResult<CommitmentRecord> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let mut record =
            Self::lock_commitment_on(&mut tx, change.commitment, Some(change.leader_id)).await?;
        record
            .commitment
            .apply(change.change.clone(), change.today)
            .map_err(refused)?;
        Self::write_state_on(&mut tx, change.commitment, &record.commitment).await?;
        let changed = Self::commitment_on(&mut tx, change.commitment).await?;
        tx.commit().await?;
        Ok(changed)
    }

    #[tracing::instrument(skip_all, fields(commitment = %id))]
    async fn commitment(&self, id: CommitmentId) -> StoreResult<CommitmentRecord> {
        let mut conn = self.pool.acquire().await?;
        Self::commitment_on(&mut conn, id).await
    }

    #[tracing::instrument(skip_all, fields(leader = %leader))]
    async fn commitments_of(&self, leader: PersonId) -> StoreResult<Vec<CommitmentRecord>> {
        let rows = sqlx::query(&format!(
            "{} WHERE m.leader_id = $1 ORDER BY m.id DESC",
            commitment_select::<DB>()
        ))
        .bind(leader.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::commitment_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(commitment = %id))]
    async fn recipients_of(&self, id: CommitmentId) -> StoreResult<Vec<PersonId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT person_id FROM commitment_recipients WHERE commitment_id = $1 ORDER BY person_id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(PersonId).collect())
    }

    #[tracing::instrument(skip_all, fields(person = %person))]
    async fn confirmations_asked(
        &self,
        person: PersonId,
        today: Date,
    ) -> StoreResult<Vec<ConfirmationAsk>> {
        let rows = sqlx::query(&format!(
            "{} JOIN commitment_recipients me ON me.commitment_id = m.id AND me.person_id = $1
             JOIN people self ON self.id = me.person_id
             WHERE self.left_on IS NULL AND m.settled IN ('open', 'kept')
               AND (me.answered_revision IS NULL OR me.answered_revision <> m.revision)
             ORDER BY m.counted_due, m.id",
            commitment_select::<DB>()
        ))
        .bind(person.0)
        .fetch_all(&self.pool)
        .await?;
        let mut asks = Vec::new();
        for row in &rows {
            asks.extend(Self::ask_from_row(row, today)?);
        }
        Ok(asks)
    }

    #[tracing::instrument(skip_all, fields(commitment = %id))]
    async fn issue_confirmation_links(
        &self,
        id: CommitmentId,
        today: Date,
        new_token: &(dyn Fn() -> (String, String) + Send + Sync),
    ) -> StoreResult<Vec<IssuedLink>> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let record = Self::lock_commitment_on(&mut tx, id, None).await?;
        if !record.commitment.asks_confirmation(today) {
            return Ok(Vec::new());
        }
        let revision = i64::from(record.commitment.revision());
        let rows = sqlx::query(
            "SELECT q.id, q.name, q.email FROM commitment_recipients r JOIN people q ON q.id = r.person_id
             WHERE r.commitment_id = $1 AND q.left_on IS NULL
               AND (r.answered_revision IS NULL OR r.answered_revision <> $2)
             ORDER BY q.name, q.id",
        )
        .bind(id.0)
        .bind(revision)
        .fetch_all(&mut *tx)
        .await?;
        let mut issued = Vec::with_capacity(rows.len());
        for row in &rows {
            let (token, hash) = new_token();
            let person = PersonId(row.try_get("id")?);
            sqlx::query(
                "UPDATE commitment_recipients SET link_hash = $1, link_revision = $2
                 WHERE commitment_id = $3 AND person_id = $4",
            )
            .bind(hash)
            .bind(revision)
            .bind(id.0)
            .bind(person.0)
            .execute(&mut *tx)
            .await?;
            issued.push(IssuedLink {
                person_id: person,
                name: row.try_get("name")?,
                email: row.try_get("email")?,
                token,
            });
        }
        tx.commit().await?;
        Ok(issued)
    }

    #[tracing::instrument(skip_all)]
    async fn confirmation_link(
        &self,
        token_hash: &str,
        today: Date,
    ) -> StoreResult<Option<ConfirmationAsk>> {
        let row = sqlx::query(&format!(
            "{} JOIN commitment_recipients me ON me.commitment_id = m.id
             JOIN people self ON self.id = me.person_id
             WHERE me.link_hash = $1 AND me.link_revision = m.revision AND self.left_on IS NULL",
            commitment_select::<DB>()
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Self::ask_from_row(&row, today),
            None => Ok(None),
        }
    }

    #[tracing::instrument(skip_all)]
    async fn confirm_by_link(
        &self,
        token_hash: &str,
        answer: Confirmation,
        today: Date,
    ) -> StoreResult<ConfirmOutcome> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let held = sqlx::query(
            "SELECT commitment_id, person_id FROM commitment_recipients WHERE link_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(held) = held else {
            return Ok(ConfirmOutcome::Used);
        };
        let (commitment, person) = (
            CommitmentId(held.try_get("commitment_id")?),
            PersonId(held.try_get("person_id")?),
        );
        let Some(recipient) = Self::recipient_on(&mut tx, commitment, person).await? else {
            return Ok(ConfirmOutcome::Used);
        };
        let outcome = Self::confirm_on(&mut tx, &recipient, answer, today, true).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    #[tracing::instrument(skip_all, fields(commitment = %confirmation.commitment, person = %confirmation.person_id))]
    async fn confirm_signed_in(
        &self,
        confirmation: &SignedInConfirmation,
    ) -> StoreResult<ConfirmOutcome> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let recipient =
            Self::recipient_on(&mut tx, confirmation.commitment, confirmation.person_id).await?;
        let Some(recipient) = recipient else {
            let leader: Option<i64> =
                sqlx::query_scalar("SELECT leader_id FROM commitments WHERE id = $1")
                    .bind(confirmation.commitment.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            if leader == Some(confirmation.person_id.0) {
                return Err(StoreError::Conflict(
                    "you cannot confirm your own commitment: the people you made it to do".into(),
                ));
            }
            return Err(StoreError::NotFound("commitment"));
        };
        let outcome = Self::confirm_on(
            &mut tx,
            &recipient,
            confirmation.answer,
            confirmation.today,
            false,
        )
        .await?;
        if outcome == ConfirmOutcome::Used {
            return Err(StoreError::Conflict(
                "you have already answered for this commitment as it stands".into(),
            ));
        }
        tx.commit().await?;
        Ok(outcome)
    }

    #[tracing::instrument(skip_all, fields(leader = %leader))]
    async fn shows_ratio_to_team(&self, leader: PersonId) -> StoreResult<bool> {
        let show: Option<i64> =
            sqlx::query_scalar("SELECT show_team FROM ledger_settings WHERE leader_id = $1")
                .bind(leader.0)
                .fetch_optional(&self.pool)
                .await?;
        Ok(show.unwrap_or(0) != 0)
    }

    #[tracing::instrument(skip_all, fields(leader = %leader))]
    async fn set_show_ratio_to_team(&self, leader: PersonId, show: bool) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO ledger_settings (leader_id, show_team) VALUES ($1, $2)
             ON CONFLICT (leader_id) DO UPDATE SET show_team = excluded.show_team",
        )
        .bind(leader.0)
        .bind(i64::from(show))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(leader = %leader))]
    async fn teams_of_leader(&self, leader: PersonId) -> StoreResult<Vec<TeamChoice>> {
        let rows = sqlx::query(
            "SELECT t.id, t.name,
                    (SELECT COUNT(*) FROM people m WHERE m.team_id = t.id AND m.id <> $1
                     AND m.left_on IS NULL) AS members
             FROM teams t WHERE t.id IN (SELECT team_id FROM people WHERE id = $1 OR manager_id = $1)
             ORDER BY t.name",
        )
        .bind(leader.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TeamChoice {
                    id: TeamId(row.try_get("id")?),
                    name: row.try_get("name")?,
                    members: count(row.try_get("members")?),
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all, fields(leader = %leader))]
    async fn people_near(&self, leader: PersonId) -> StoreResult<Vec<(PersonId, String)>> {
        let rows = sqlx::query(
            "SELECT q.id, q.name FROM people q JOIN people l ON l.id = $1
             WHERE q.id <> l.id AND q.left_on IS NULL
               AND (q.id = l.manager_id OR q.manager_id = l.id OR q.team_id = l.team_id)
             ORDER BY q.name, q.id",
        )
        .bind(leader.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((PersonId(row.try_get("id")?), row.try_get("name")?)))
            .collect()
    }

    #[tracing::instrument(skip_all, fields(person = %person))]
    async fn mark_left(&self, person: PersonId, on: Date) -> StoreResult<()> {
        let changed = sqlx::query("UPDATE people SET left_on = $1 WHERE id = $2")
            .bind(format_date(on))
            .bind(person.0)
            .execute(&self.pool)
            .await?;
        if DB::rows_affected(&changed) == 0 {
            return Err(StoreError::NotFound("person"));
        }
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn say_do_counts(&self, today: Date, k: u32) -> StoreResult<Vec<SayDoCount>> {
        let from = format_date(today - time::Duration::days(ledger::WINDOW_DAYS - 1));
        let (to, k) = (format_date(today), i64::from(k));
        if let Some(native) = &self.native {
            let native = native.clone();
            return tokio::task::spawn_blocking(move || native.say_do_counts(&from, &to, k))
                .await
                .map_err(|e| StoreError::Corrupt(format!("reading say-do counts: {e}")))?;
        }
        let rows = sqlx::query(SAY_DO_COUNTS)
            .bind(from)
            .bind(to)
            .bind(k)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(SayDoCount {
                    leader_id: PersonId(row.try_get("leader_id")?),
                    due: row.try_get::<i64, _>("due")? as u64,
                    kept_confirmed: row.try_get::<i64, _>("kept")? as u64,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn consistency_scores(&self) -> StoreResult<Vec<(PersonId, f64)>> {
        let rows = sqlx::query(
            "WITH latest AS (
                 SELECT l.leader_id, MAX(c.id) AS campaign_id
                 FROM campaign_leaders l JOIN campaigns c ON c.id = l.campaign_id
                 WHERE c.status = 'closed' GROUP BY l.leader_id)
             SELECT r.leader_id, AVG(r.m3) AS consistency
             FROM latest l
             JOIN responses r ON r.campaign_id = l.campaign_id AND r.leader_id = l.leader_id
             JOIN campaigns c ON c.id = l.campaign_id
             WHERE r.rater_group <> 'self' AND r.m3 IS NOT NULL
             GROUP BY r.leader_id HAVING COUNT(r.m3) >= MIN(c.min_rater_group)
             ORDER BY r.leader_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    PersonId(row.try_get("leader_id")?),
                    row.try_get("consistency")?,
                ))
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn closed_campaigns(&self) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM campaigns WHERE status = 'closed'")
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u64)
    }
}
