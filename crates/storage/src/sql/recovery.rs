//! The recovery pulse: the scheduler's pass over each running pulse, links, and answers. An
//! anonymous answer leaves a ballot mark (a keyed hash of its link), waits sealed until its
//! round has k waiting, and is then released with the others as scores under random ids in
//! random order; at a round's close what waits is released only where the round reaches k in
//! all. These are the team pulse's rules (`pulse_answers.rs`), applied per round rather than
//! per team. A named answer (fewer than k affected, each respondent told before answering) is
//! kept with its respondent.

use super::pulse::small;
use super::pulse_answers::Which;
use super::*;
use rand::seq::SliceRandom;
use trustloop_domain::model::Element;
use trustloop_domain::pulse::{PulseMeasure, RoundDates};
use trustloop_domain::repair::recovery::{
    RecoveryMode, RecoveryRound, RoundAction, asked, due_rounds, recovery_scores,
};

/// The recovery instrument of `version`, narrowed to the items asked about `element`.
fn asked_instrument(version: u32, element: Element) -> StoreResult<Instrument> {
    let instrument = Instrument::recovery_built_in()
        .into_iter()
        .find(|i| i.version == version)
        .ok_or_else(|| StoreError::Corrupt(format!("no recovery instrument version {version}")))?;
    Ok(asked(&instrument, element))
}

/// An element named in the database.
fn element_of(slug: &str) -> StoreResult<Element> {
    Element::from_slug(slug).ok_or_else(|| StoreError::Corrupt(format!("element {slug:?}")))
}

/// Scores from the `overall` and `element` columns.
fn scores_of(
    overall: Option<f64>,
    value: Option<f64>,
    element: Element,
) -> BTreeMap<PulseMeasure, f64> {
    let mut scores = BTreeMap::new();
    if let Some(o) = overall {
        scores.insert(PulseMeasure::Overall, o);
    }
    if let Some(e) = value {
        scores.insert(PulseMeasure::Element(element), e);
    }
    scores
}

/// The recovery round numbered `index` in the database.
fn round_of(index: u32) -> StoreResult<RecoveryRound> {
    RecoveryRound::from_index(index)
        .ok_or_else(|| StoreError::Corrupt(format!("recovery round {index}")))
}

/// A round's status read from the database.
fn status_of(slug: &str) -> StoreResult<RoundStatus> {
    RoundStatus::from_slug(slug)
        .ok_or_else(|| StoreError::Corrupt(format!("round status {slug:?}")))
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// One repair's pass of the scheduler in one transaction (see
    /// [`RepairStore::advance_recovery`](crate::RepairStore::advance_recovery)).
    pub(super) async fn advance_repair(
        &self,
        repair: i64,
        today: time::Date,
        new_token: &(dyn Fn() -> (String, String) + Send + Sync),
        done: &mut RecoveryAdvance,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        // The lock every pass of this repair takes first: passes run one after the other.
        let row = sqlx::query(&format!(
            "SELECT recovery, recovery_started, recovery_k, instrument_version, element, closed_on
             FROM repairs WHERE id = $1 {}",
            DB::LOCK_SELECTED
        ))
        .bind(repair)
        .fetch_one(&mut *tx)
        .await?;
        let mode: String = row.try_get("recovery")?;
        let Some(mode) = RecoveryMode::from_slug(&mode) else {
            return Ok(());
        };
        let started = parse_date(&row.try_get::<String, _>("recovery_started")?)?;
        let k = small(row.try_get("recovery_k")?, "k")?;
        let version = small(row.try_get("instrument_version")?, "instrument")?;
        let element = element_of(&row.try_get::<String, _>("element")?)?;
        let closed: Option<String> = row.try_get("closed_on")?;
        let ending: Vec<(i64, i64)> = sqlx::query(
            "SELECT id, round_index FROM recovery_rounds
             WHERE repair_id = $1 AND status = 'open' AND closes_on < $2 ORDER BY round_index",
        )
        .bind(repair)
        .bind(format_date(today))
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("round_index")?)))
        .collect::<StoreResult<_>>()?;
        for (round, index) in ending {
            if mode == RecoveryMode::Anonymous {
                let (waiting, released) = Self::recovery_counts(&mut tx, round).await?;
                if waiting > 0 && waiting + released >= i64::from(k) {
                    Self::release_recovery(&mut tx, &self.key, round, version, element).await?;
                }
            }
            sqlx::query("UPDATE recovery_rounds SET status = 'closed' WHERE id = $1")
                .bind(round)
                .execute(&mut *tx)
                .await?;
            if let Some(r) = RecoveryRound::from_index(small(index, "round")?) {
                done.closed.push((RepairId(repair), r));
            }
        }
        if closed.is_none() {
            let amends: Option<String> = sqlx::query_scalar(
                "SELECT done_on FROM repair_steps WHERE repair_id = $1 AND step = 'make_amends'",
            )
            .bind(repair)
            .fetch_optional(&mut *tx)
            .await?;
            let amends = amends.map(|d| parse_date(&d)).transpose()?;
            let handled: Vec<RecoveryRound> =
                sqlx::query_scalar("SELECT round_index FROM recovery_rounds WHERE repair_id = $1")
                    .bind(repair)
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .filter_map(|i: i64| RecoveryRound::from_index(u32::try_from(i).ok()?))
                    .collect();
            for (round, action) in due_rounds(started, amends, &handled, today) {
                match action {
                    RoundAction::Missed(dates) => {
                        Self::insert_recovery_round(&mut tx, repair, dates, RoundStatus::Missed)
                            .await?;
                        done.missed.push((RepairId(repair), round));
                    }
                    RoundAction::Open(dates) => {
                        let id =
                            Self::insert_recovery_round(&mut tx, repair, dates, RoundStatus::Open)
                                .await?;
                        let links =
                            Self::mint_recovery_links(&mut tx, repair, id, new_token).await?;
                        done.opened.push((RepairId(repair), round, links));
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records a round of `repair` with `status`; returns its id. Another server's round of
    /// the same number is a conflict.
    async fn insert_recovery_round(
        conn: &mut DB::Connection,
        repair: i64,
        dates: RoundDates,
        status: RoundStatus,
    ) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO recovery_rounds (repair_id, round_index, opens_on, closes_on, status)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(repair)
        .bind(i64::from(dates.index))
        .bind(format_date(dates.opens))
        .bind(format_date(dates.closes))
        .bind(status.slug())
        .fetch_one(&mut *conn)
        .await
        .map_err(conflict_on_unique(|| {
            format!(
                "recovery round {} was handled by another server",
                dates.index
            )
        }))
    }

    /// One link per affected person who has not left, for round `round` of `repair`.
    async fn mint_recovery_links(
        conn: &mut DB::Connection,
        repair: i64,
        round: i64,
        new_token: &(dyn Fn() -> (String, String) + Send + Sync),
    ) -> StoreResult<Vec<RecoveryLink>> {
        let people: Vec<i64> = sqlx::query_scalar(
            "SELECT rp.person_id FROM repair_people rp JOIN people p ON p.id = rp.person_id
             WHERE rp.repair_id = $1 AND p.left_on IS NULL ORDER BY rp.person_id",
        )
        .bind(repair)
        .fetch_all(&mut *conn)
        .await?;
        let mut links = Vec::with_capacity(people.len());
        for person in people {
            let (token, hash) = new_token();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO recovery_invitations (round_id, person_id, token_hash)
                 VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(round)
            .bind(person)
            .bind(hash)
            .fetch_one(&mut *conn)
            .await?;
            links.push(RecoveryLink {
                invitation: RecoveryInvitationId(id),
                person: PersonId(person),
                token,
            });
        }
        Ok(links)
    }

    /// How many answers of `round` wait sealed and how many were released.
    async fn recovery_counts(conn: &mut DB::Connection, round: i64) -> StoreResult<(i64, i64)> {
        let waiting: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM recovery_pending WHERE round_id = $1")
                .bind(round)
                .fetch_one(&mut *conn)
                .await?;
        let released: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM recovery_answers WHERE round_id = $1")
                .bind(round)
                .fetch_one(&mut *conn)
                .await?;
        Ok((waiting, released))
    }

    /// Opens every answer waiting in `round` and writes their scores in random order.
    async fn release_recovery(
        conn: &mut DB::Connection,
        key: &SealKey,
        round: i64,
        version: u32,
        element: Element,
    ) -> StoreResult<()> {
        let instrument = asked_instrument(version, element)?;
        let sealed: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT sealed FROM recovery_pending WHERE round_id = $1")
                .bind(round)
                .fetch_all(&mut *conn)
                .await?;
        let mut scores = Vec::with_capacity(sealed.len());
        for sealed in sealed {
            let plain = key.open(Purpose::RecoveryAnswer, &sealed)?;
            let answers: SurveyAnswers = serde_json::from_slice(&plain)
                .map_err(|e| StoreError::Corrupt(format!("recovery answer: {e}")))?;
            scores.push(recovery_scores(&instrument, &answers.ratings));
        }
        scores.shuffle(&mut rand::rng());
        for respondent in scores {
            sqlx::query(
                "INSERT INTO recovery_answers (id, round_id, overall, element)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(uuid::Uuid::new_v4().simple().to_string())
            .bind(round)
            .bind(respondent.get(&PulseMeasure::Overall).copied())
            .bind(respondent.get(&PulseMeasure::Element(element)).copied())
            .execute(&mut *conn)
            .await?;
        }
        sqlx::query("DELETE FROM recovery_pending WHERE round_id = $1")
            .bind(round)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// The links `which` selects, with whether each was answered.
    pub(super) async fn recovery_links(
        &self,
        which: Which,
    ) -> StoreResult<Vec<RecoveryInvitation>> {
        let select = "SELECT i.id, r.repair_id, l.name AS leader_name, r.round_index, r.opens_on,
                r.closes_on, r.status, rp.recovery, rp.element, rp.instrument_version,
                rp.recovery_k
             FROM recovery_invitations i JOIN recovery_rounds r ON r.id = i.round_id
             JOIN repairs rp ON rp.id = r.repair_id JOIN people l ON l.id = rp.leader_id";
        let rows = self.link_rows(select, which, "r.id").await?;
        let mut links = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let used = self
                .ballot_used("recovery_used_ballots", &self.key.recovery_mark(id))
                .await?;
            let index = small(row.try_get("round_index")?, "round")?;
            let mode: String = row.try_get("recovery")?;
            links.push(RecoveryInvitation {
                id: RecoveryInvitationId(id),
                repair: RepairId(row.try_get("repair_id")?),
                leader_name: row.try_get("leader_name")?,
                round: round_of(index)?,
                dates: RoundDates {
                    index,
                    opens: parse_date(&row.try_get::<String, _>("opens_on")?)?,
                    closes: parse_date(&row.try_get::<String, _>("closes_on")?)?,
                },
                status: status_of(&row.try_get::<String, _>("status")?)?,
                mode: RecoveryMode::from_slug(&mode)
                    .ok_or_else(|| StoreError::Corrupt(format!("recovery {mode:?}")))?,
                element: element_of(&row.try_get::<String, _>("element")?)?,
                instrument_version: small(row.try_get("instrument_version")?, "instrument")?,
                k: small(row.try_get("recovery_k")?, "k")?,
                answered: used,
            });
        }
        Ok(links)
    }

    /// [`RepairStore::submit_recovery_answer`](crate::RepairStore::submit_recovery_answer).
    pub(super) async fn accept_recovery_answer(
        &self,
        invitation: RecoveryInvitationId,
        answers: &SurveyAnswers,
        today: time::Date,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let link = sqlx::query(
            "SELECT i.round_id, i.person_id, rp.recovery, rp.recovery_k, rp.instrument_version,
                    rp.element
             FROM recovery_invitations i JOIN recovery_rounds r ON r.id = i.round_id
             JOIN repairs rp ON rp.id = r.repair_id WHERE i.id = $1",
        )
        .bind(invitation.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("recovery link"))?;
        let round: i64 = link.try_get("round_id")?;
        let mode: String = link.try_get("recovery")?;
        let mode = RecoveryMode::from_slug(&mode)
            .ok_or_else(|| StoreError::Corrupt(format!("recovery {mode:?}")))?;
        let k: i64 = link.try_get("recovery_k")?;
        let version = small(link.try_get("instrument_version")?, "instrument")?;
        let element = element_of(&link.try_get::<String, _>("element")?)?;
        // The round's row, locked (PostgreSQL): closing it waits for this answer, and two
        // answers never both release, or both miss, the same waiting answers.
        let row = sqlx::query(&format!(
            "SELECT status, opens_on, closes_on FROM recovery_rounds WHERE id = $1 {}",
            DB::LOCK_SELECTED
        ))
        .bind(round)
        .fetch_one(&mut *tx)
        .await?;
        let status: String = row.try_get("status")?;
        let opens = parse_date(&row.try_get::<String, _>("opens_on")?)?;
        let closes = parse_date(&row.try_get::<String, _>("closes_on")?)?;
        if status != RoundStatus::Open.slug() || today < opens || today > closes {
            return Err(StoreError::Conflict(format!(
                "this recovery round is closed: it took answers from {opens} to {closes}"
            )));
        }
        sqlx::query("INSERT INTO recovery_used_ballots (mark, round_id) VALUES ($1, $2)")
            .bind(self.key.recovery_mark(invitation.0).to_vec())
            .bind(round)
            .execute(&mut *tx)
            .await
            .map_err(conflict_on_unique(|| {
                "this link has already been used: your earlier answer is kept, and a link answers once".into()
            }))?;
        match mode {
            RecoveryMode::Named => {
                let scores =
                    recovery_scores(&asked_instrument(version, element)?, &answers.ratings);
                sqlx::query(
                    "INSERT INTO recovery_named_answers (round_id, person_id, overall, element)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(round)
                .bind(link.try_get::<i64, _>("person_id")?)
                .bind(scores.get(&PulseMeasure::Overall).copied())
                .bind(scores.get(&PulseMeasure::Element(element)).copied())
                .execute(&mut *tx)
                .await?;
            }
            RecoveryMode::Anonymous => {
                let plain = serde_json::to_vec(answers)
                    .map_err(|e| StoreError::Corrupt(format!("answer: {e}")))?;
                sqlx::query(
                    "INSERT INTO recovery_pending (id, round_id, sealed) VALUES ($1, $2, $3)",
                )
                .bind(uuid::Uuid::new_v4().simple().to_string())
                .bind(round)
                .bind(self.key.seal(Purpose::RecoveryAnswer, &plain))
                .execute(&mut *tx)
                .await?;
                let (waiting, _) = Self::recovery_counts(&mut tx, round).await?;
                if waiting >= k {
                    Self::release_recovery(&mut tx, &self.key, round, version, element).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// [`RepairStore::recovery_rounds`](crate::RepairStore::recovery_rounds).
    pub(super) async fn read_recovery_rounds(
        &self,
        repair: RepairId,
    ) -> StoreResult<Vec<RecoveryRoundRecord>> {
        let mut conn = self.pool.acquire().await?;
        let element: String = sqlx::query_scalar("SELECT element FROM repairs WHERE id = $1")
            .bind(repair.0)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound("repair"))?;
        let element = element_of(&element)?;
        let rounds = sqlx::query(
            "SELECT r.id, r.round_index, r.opens_on, r.closes_on, r.status,
                (SELECT COUNT(*) FROM recovery_invitations i WHERE i.round_id = r.id) AS invited,
                (SELECT COUNT(*) FROM recovery_used_ballots b WHERE b.round_id = r.id) AS answered
             FROM recovery_rounds r WHERE r.repair_id = $1 ORDER BY r.round_index",
        )
        .bind(repair.0)
        .fetch_all(&mut *conn)
        .await?;
        let mut records = Vec::with_capacity(rounds.len());
        for row in rounds {
            let id: i64 = row.try_get("id")?;
            let index = small(row.try_get("round_index")?, "round")?;
            let released = sqlx::query(
                "SELECT overall, element FROM recovery_answers WHERE round_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                Ok(scores_of(
                    r.try_get("overall")?,
                    r.try_get("element")?,
                    element,
                ))
            })
            .collect::<StoreResult<_>>()?;
            let named = sqlx::query(
                "SELECT n.person_id, p.name, n.overall, n.element FROM recovery_named_answers n
                 JOIN people p ON p.id = n.person_id WHERE n.round_id = $1 ORDER BY p.name",
            )
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                Ok(NamedAnswer {
                    person: PersonId(r.try_get("person_id")?),
                    name: r.try_get("name")?,
                    scores: scores_of(r.try_get("overall")?, r.try_get("element")?, element),
                })
            })
            .collect::<StoreResult<_>>()?;
            records.push(RecoveryRoundRecord {
                round: round_of(index)?,
                dates: RoundDates {
                    index,
                    opens: parse_date(&row.try_get::<String, _>("opens_on")?)?,
                    closes: parse_date(&row.try_get::<String, _>("closes_on")?)?,
                },
                status: status_of(&row.try_get::<String, _>("status")?)?,
                invited: small(row.try_get("invited")?, "count")?,
                answered: small(row.try_get("answered")?, "count")?,
                released,
                named,
            });
        }
        Ok(records)
    }

    /// [`RepairStore::own_recovery_answers`](crate::RepairStore::own_recovery_answers).
    pub(super) async fn read_own_recovery_answers(
        &self,
        person: PersonId,
    ) -> StoreResult<Vec<OwnRecoveryAnswer>> {
        let rows = sqlx::query(
            "SELECT l.name AS leader_name, r.round_index, r.opens_on, n.overall, n.element,
                    rp.element AS touched
             FROM recovery_named_answers n JOIN recovery_rounds r ON r.id = n.round_id
             JOIN repairs rp ON rp.id = r.repair_id JOIN people l ON l.id = rp.leader_id
             WHERE n.person_id = $1 ORDER BY r.opens_on DESC, r.id DESC",
        )
        .bind(person.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let index = small(row.try_get("round_index")?, "round")?;
                let element = element_of(&row.try_get::<String, _>("touched")?)?;
                Ok(OwnRecoveryAnswer {
                    leader_name: row.try_get("leader_name")?,
                    round: round_of(index)?,
                    opens: parse_date(&row.try_get::<String, _>("opens_on")?)?,
                    scores: scores_of(row.try_get("overall")?, row.try_get("element")?, element),
                })
            })
            .collect()
    }
}
