//! Pulse links and answers: an answer leaves a ballot mark (a keyed hash of its link, as in
//! the 360's intake), waits sealed until the member's team has k answers waiting in the round,
//! and is then released with the others as scores, under random ids, in random order. When a
//! round closes, what still waits is released only where the team's answers reach k in all;
//! otherwise it stays sealed and the round reads "not enough answers".
//!
//! These are the 360 intake's rules, applied by a transaction per answer rather than by the
//! intake's group-commit task, whose cells are a campaign's leader and rater group: a pulse
//! answers a few questions once a week, not the 360's bursts.

use super::pulse::small;
use super::*;
use rand::seq::SliceRandom;
use trustloop_domain::pulse::{PulseMeasure, RoundDates, RoundSums, respondent_scores};

/// The columns of `pulse_answers` holding each measure's score, in [`PulseMeasure::ALL`]'s
/// order.
pub(super) const MEASURE_COLUMNS: [&str; 5] = [
    "trust_index",
    "relationships",
    "judgement",
    "consistency",
    "overall",
];

/// How links are looked up.
pub(super) enum Which {
    /// By the hash of the link's token.
    Token(String),
    /// A person's links to open rounds.
    OpenFor(i64),
}

/// The pulse instrument of `version`.
fn pulse_instrument(version: u32) -> StoreResult<Instrument> {
    Instrument::pulse_built_in()
        .into_iter()
        .find(|i| i.version == version)
        .ok_or_else(|| StoreError::Corrupt(format!("no pulse instrument version {version}")))
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// The rows of a link query (`select`, whose links are `i` and rounds `r`) that `which`
    /// selects: by token, or a person's links to open rounds ordered by opening day, then by
    /// `then`.
    pub(super) async fn link_rows(
        &self,
        select: &str,
        which: Which,
        then: &str,
    ) -> StoreResult<Vec<DB::Row>> {
        Ok(match which {
            Which::Token(hash) => {
                sqlx::query(&format!("{select} WHERE i.token_hash = $1"))
                    .bind(hash)
                    .fetch_all(&self.pool)
                    .await?
            }
            Which::OpenFor(person) => sqlx::query(&format!(
                "{select} WHERE i.person_id = $1 AND r.status = 'open' ORDER BY r.opens_on, {then}"
            ))
            .bind(person)
            .fetch_all(&self.pool)
            .await?,
        })
    }

    /// Whether the ballot `mark` is among the used ones of `table` (a link answered).
    pub(super) async fn ballot_used(&self, table: &str, mark: &[u8]) -> StoreResult<bool> {
        let used: Option<i64> =
            sqlx::query_scalar(&format!("SELECT round_id FROM {table} WHERE mark = $1"))
                .bind(mark.to_vec())
                .fetch_optional(&self.pool)
                .await?;
        Ok(used.is_some())
    }

    /// The links `which` selects, with whether each was answered.
    pub(super) async fn pulse_links(&self, which: Which) -> StoreResult<Vec<PulseInvitation>> {
        let select = "SELECT i.id, i.team_id, t.name AS team_name, s.id AS series_id,
                s.name AS series_name, s.instrument_version, s.members_see_results, s.min_team,
                r.round_index, r.opens_on, r.closes_on, r.status
             FROM pulse_invitations i JOIN pulse_rounds r ON r.id = i.round_id
             JOIN pulse_series s ON s.id = r.series_id JOIN teams t ON t.id = i.team_id";
        let rows = self.link_rows(select, which, "s.id").await?;
        let mut links = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let status: String = row.try_get("status")?;
            let used = self
                .ballot_used("pulse_used_ballots", &self.key.pulse_mark(id))
                .await?;
            links.push(PulseInvitation {
                id: PulseInvitationId(id),
                series: PulseSeriesId(row.try_get("series_id")?),
                series_name: row.try_get("series_name")?,
                round: RoundDates {
                    index: small(row.try_get("round_index")?, "round")?,
                    opens: parse_date(&row.try_get::<String, _>("opens_on")?)?,
                    closes: parse_date(&row.try_get::<String, _>("closes_on")?)?,
                },
                status: RoundStatus::from_slug(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("round status {status:?}")))?,
                team: TeamId(row.try_get("team_id")?),
                team_name: row.try_get("team_name")?,
                instrument_version: small(row.try_get("instrument_version")?, "instrument")?,
                members_see_results: row.try_get::<i64, _>("members_see_results")? == 1,
                k: small(row.try_get("min_team")?, "k")?,
                answered: used,
            });
        }
        Ok(links)
    }

    /// [`PulseStore::submit_pulse_answer`].
    pub(super) async fn accept_pulse_answer(
        &self,
        invitation: PulseInvitationId,
        answers: &SurveyAnswers,
        today: time::Date,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let link = sqlx::query(
            "SELECT i.round_id, i.team_id, s.min_team, s.instrument_version
             FROM pulse_invitations i JOIN pulse_rounds r ON r.id = i.round_id
             JOIN pulse_series s ON s.id = r.series_id WHERE i.id = $1",
        )
        .bind(invitation.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("pulse link"))?;
        let (round, team): (i64, i64) = (link.try_get("round_id")?, link.try_get("team_id")?);
        let k: i64 = link.try_get("min_team")?;
        let version = small(link.try_get("instrument_version")?, "instrument")?;
        // The round's row, locked (PostgreSQL): closing it waits for this answer, and two
        // answers of one team never both release, or both miss, the same waiting answers.
        let row = sqlx::query(&format!(
            "SELECT status, opens_on, closes_on FROM pulse_rounds WHERE id = $1 {}",
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
                "this pulse round is closed: it took answers from {opens} to {closes}"
            )));
        }
        sqlx::query("INSERT INTO pulse_used_ballots (mark, round_id, team_id) VALUES ($1, $2, $3)")
            .bind(self.key.pulse_mark(invitation.0).to_vec())
            .bind(round)
            .bind(team)
            .execute(&mut *tx)
            .await
            .map_err(conflict_on_unique(|| {
                "this pulse has already been answered".into()
            }))?;
        Self::count_answered(&mut tx, round, team, 1).await?;
        let plain =
            serde_json::to_vec(answers).map_err(|e| StoreError::Corrupt(format!("answer: {e}")))?;
        sqlx::query(
            "INSERT INTO pulse_pending (id, round_id, team_id, sealed) VALUES ($1, $2, $3, $4)",
        )
        .bind(uuid::Uuid::new_v4().simple().to_string())
        .bind(round)
        .bind(team)
        .bind(self.key.seal(Purpose::PulseAnswer, &plain))
        .execute(&mut *tx)
        .await?;
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pulse_pending WHERE round_id = $1 AND team_id = $2",
        )
        .bind(round)
        .bind(team)
        .fetch_one(&mut *tx)
        .await?;
        if waiting >= k {
            Self::release_team(&mut tx, &self.key, round, team, version).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// At a round's close: releases what waits of each team whose answers, released and
    /// waiting, reach `k`; the rest stays sealed.
    pub(super) async fn release_round(
        conn: &mut DB::Connection,
        key: &SealKey,
        round: i64,
        version: u32,
        k: u32,
    ) -> StoreResult<()> {
        let teams = sqlx::query(
            "SELECT w.team_id, COUNT(*) AS waiting,
                    (SELECT COUNT(*) FROM pulse_answers a
                     WHERE a.round_id = w.round_id AND a.team_id = w.team_id) AS released
             FROM pulse_pending w WHERE w.round_id = $1 GROUP BY w.round_id, w.team_id",
        )
        .bind(round)
        .fetch_all(&mut *conn)
        .await?;
        for row in teams {
            let (waiting, released): (i64, i64) =
                (row.try_get("waiting")?, row.try_get("released")?);
            if waiting + released >= i64::from(k) {
                Self::release_team(conn, key, round, row.try_get("team_id")?, version).await?;
            }
        }
        Ok(())
    }

    /// Opens every answer of `team` waiting in `round` and writes their scores in random order.
    async fn release_team(
        conn: &mut DB::Connection,
        key: &SealKey,
        round: i64,
        team: i64,
        version: u32,
    ) -> StoreResult<()> {
        let instrument = pulse_instrument(version)?;
        let sealed: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT sealed FROM pulse_pending WHERE round_id = $1 AND team_id = $2",
        )
        .bind(round)
        .bind(team)
        .fetch_all(&mut *conn)
        .await?;
        let mut scores = Vec::with_capacity(sealed.len());
        for sealed in sealed {
            let plain = key.open(Purpose::PulseAnswer, &sealed)?;
            let answers: SurveyAnswers = serde_json::from_slice(&plain)
                .map_err(|e| StoreError::Corrupt(format!("pulse answer: {e}")))?;
            scores.push(respondent_scores(&instrument, &answers.ratings));
        }
        scores.shuffle(&mut rand::rng());
        let mut sums = RoundSums::default();
        scores.iter().for_each(|s| sums.add(s));
        Self::add_released(conn, round, team, &sums).await?;
        for chunk in scores.chunks(1000) {
            let sql = format!(
                "INSERT INTO pulse_answers (id, round_id, team_id, {}) VALUES {}",
                MEASURE_COLUMNS.join(", "),
                row_placeholders::<DB>(chunk.len(), 3 + MEASURE_COLUMNS.len())
            );
            let mut insert = sqlx::query(&sql);
            for respondent in chunk {
                insert = insert
                    .bind(uuid::Uuid::new_v4().simple().to_string())
                    .bind(round)
                    .bind(team);
                for measure in PulseMeasure::ALL {
                    insert = insert.bind(respondent.get(&measure).copied());
                }
            }
            insert.execute(&mut *conn).await?;
        }
        sqlx::query("DELETE FROM pulse_pending WHERE round_id = $1 AND team_id = $2")
            .bind(round)
            .bind(team)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// [`PulseStore::load_pulse_answers`].
    pub(super) async fn bulk_pulse_answers(
        &self,
        answers: &[(PulseInvitationId, SurveyAnswers)],
        today: time::Date,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let ids: Vec<i64> = answers.iter().map(|(id, _)| id.0).collect();
        // Each link's round, team, and its series' k and instrument version.
        let mut links: HashMap<i64, (i64, i64, i64, u32)> = HashMap::with_capacity(ids.len());
        let mut rounds: BTreeMap<i64, (String, time::Date, time::Date)> = BTreeMap::new();
        for chunk in ids.chunks(ID_BATCH) {
            let sql = format!(
                "SELECT i.id, i.round_id, i.team_id, s.min_team, s.instrument_version, r.status,
                        r.opens_on, r.closes_on
                 FROM pulse_invitations i JOIN pulse_rounds r ON r.id = i.round_id
                 JOIN pulse_series s ON s.id = r.series_id WHERE i.id IN {}",
                row_placeholders::<DB>(1, chunk.len())
            );
            for row in Self::bind_ids(sqlx::query(&sql), chunk)
                .fetch_all(&mut *tx)
                .await?
            {
                let round: i64 = row.try_get("round_id")?;
                links.insert(
                    row.try_get("id")?,
                    (
                        round,
                        row.try_get("team_id")?,
                        row.try_get("min_team")?,
                        small(row.try_get("instrument_version")?, "instrument")?,
                    ),
                );
                rounds.insert(
                    round,
                    (
                        row.try_get("status")?,
                        parse_date(&row.try_get::<String, _>("opens_on")?)?,
                        parse_date(&row.try_get::<String, _>("closes_on")?)?,
                    ),
                );
            }
        }
        for (status, opens, closes) in rounds.values() {
            if status != RoundStatus::Open.slug() || today < *opens || today > *closes {
                return Err(StoreError::Conflict(format!(
                    "a pulse round is closed: it took answers from {opens} to {closes}"
                )));
            }
        }
        let mut marks = Vec::with_capacity(answers.len());
        let mut groups: BTreeMap<(i64, i64), (i64, u32, Vec<&SurveyAnswers>)> = BTreeMap::new();
        for (id, given) in answers {
            let (round, team, k, version) =
                *links.get(&id.0).ok_or(StoreError::NotFound("pulse link"))?;
            marks.push((self.key.pulse_mark(id.0), round, team));
            groups
                .entry((round, team))
                .or_insert((k, version, Vec::new()))
                .2
                .push(given);
        }
        for chunk in marks.chunks(1000) {
            let sql = format!(
                "INSERT INTO pulse_used_ballots (mark, round_id, team_id) VALUES {}",
                row_placeholders::<DB>(chunk.len(), 3)
            );
            let mut insert = sqlx::query(&sql);
            for (mark, round, team) in chunk {
                insert = insert.bind(mark.to_vec()).bind(*round).bind(*team);
            }
            insert
                .execute(&mut *tx)
                .await
                .map_err(conflict_on_unique(|| {
                    "a pulse link was answered twice".into()
                }))?;
        }
        for ((round, team), (_, _, given)) in &groups {
            let n = i64::try_from(given.len()).unwrap_or(i64::MAX);
            Self::count_answered(&mut tx, *round, *team, n).await?;
        }
        let round_ids: Vec<i64> = rounds.keys().copied().collect();
        let mut waiting: HashMap<(i64, i64), i64> = HashMap::new();
        let sql = format!(
            "SELECT round_id, team_id, COUNT(*) AS waiting FROM pulse_pending
             WHERE round_id IN {} GROUP BY round_id, team_id",
            row_placeholders::<DB>(1, round_ids.len().max(1))
        );
        if !round_ids.is_empty() {
            for row in Self::bind_ids(sqlx::query(&sql), &round_ids)
                .fetch_all(&mut *tx)
                .await?
            {
                waiting.insert(
                    (row.try_get("round_id")?, row.try_get("team_id")?),
                    row.try_get("waiting")?,
                );
            }
        }
        let mut sealed: Vec<(i64, i64, Vec<u8>)> = Vec::new();
        for ((round, team), (k, version, given)) in groups {
            let before = waiting.get(&(round, team)).copied().unwrap_or(0);
            if before + given.len() as i64 >= k {
                // Enough with those waiting: the new answers wait for the release below.
                for answers in given {
                    let plain = serde_json::to_vec(answers)
                        .map_err(|e| StoreError::Corrupt(format!("answer: {e}")))?;
                    sealed.push((round, team, self.key.seal(Purpose::PulseAnswer, &plain)));
                }
                Self::write_sealed(&mut tx, &mut sealed).await?;
                Self::release_team(&mut tx, &self.key, round, team, version).await?;
            } else {
                for answers in given {
                    let plain = serde_json::to_vec(answers)
                        .map_err(|e| StoreError::Corrupt(format!("answer: {e}")))?;
                    sealed.push((round, team, self.key.seal(Purpose::PulseAnswer, &plain)));
                }
            }
        }
        Self::write_sealed(&mut tx, &mut sealed).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Counts `more` answers (released or sealed) of `team` in `round` in its running sums.
    async fn count_answered(
        conn: &mut DB::Connection,
        round: i64,
        team: i64,
        more: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE pulse_team_rounds SET answered = answered + $1
             WHERE round_id = $2 AND team_id = $3",
        )
        .bind(more)
        .bind(round)
        .bind(team)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Adds the sums of answers just released to the running sums of `team` in `round`, in the
    /// transaction that releases them.
    async fn add_released(
        conn: &mut DB::Connection,
        round: i64,
        team: i64,
        sums: &RoundSums,
    ) -> StoreResult<()> {
        let mut sets = vec!["released = released + $1".to_string()];
        for (i, column) in MEASURE_COLUMNS.iter().enumerate() {
            let at = 3 * i + 2;
            sets.push(format!(
                "{column}_n = {column}_n + ${at}, {column}_sum = {column}_sum + ${}, \
                 {column}_sq = {column}_sq + ${}",
                at + 1,
                at + 2
            ));
        }
        let last = 3 * MEASURE_COLUMNS.len() + 2;
        let sql = format!(
            "UPDATE pulse_team_rounds SET {} WHERE round_id = ${last} AND team_id = ${}",
            sets.join(", "),
            last + 1
        );
        let mut update =
            sqlx::query(&sql).bind(i64::try_from(sums.respondents).unwrap_or(i64::MAX));
        for measure in &sums.measures {
            update = update
                .bind(i64::try_from(measure.n).unwrap_or(i64::MAX))
                .bind(measure.sum)
                .bind(measure.sum_sq);
        }
        update.bind(round).bind(team).execute(&mut *conn).await?;
        Ok(())
    }

    /// Writes `sealed` answers to `pulse_pending` under random ids, and empties it.
    async fn write_sealed(
        conn: &mut DB::Connection,
        sealed: &mut Vec<(i64, i64, Vec<u8>)>,
    ) -> StoreResult<()> {
        for chunk in sealed.chunks(1000) {
            let sql = format!(
                "INSERT INTO pulse_pending (id, round_id, team_id, sealed) VALUES {}",
                row_placeholders::<DB>(chunk.len(), 4)
            );
            let mut insert = sqlx::query(&sql);
            for (round, team, bytes) in chunk {
                insert = insert
                    .bind(uuid::Uuid::new_v4().simple().to_string())
                    .bind(*round)
                    .bind(*team)
                    .bind(bytes.clone());
            }
            insert.execute(&mut *conn).await?;
        }
        sealed.clear();
        Ok(())
    }
}
