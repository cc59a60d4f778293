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
use trustloop_domain::pulse::{PulseMeasure, RoundDates, respondent_scores};

/// The columns of `pulse_answers` holding each measure's score, in [`PulseMeasure::ALL`]'s
/// order.
const MEASURE_COLUMNS: [&str; 5] = [
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
    /// The links `which` selects, with whether each was answered.
    pub(super) async fn pulse_links(&self, which: Which) -> StoreResult<Vec<PulseInvitation>> {
        let select = "SELECT i.id, i.team_id, t.name AS team_name, s.id AS series_id,
                s.name AS series_name, s.instrument_version, s.members_see_results, s.min_team,
                r.round_index, r.opens_on, r.closes_on, r.status
             FROM pulse_invitations i JOIN pulse_rounds r ON r.id = i.round_id
             JOIN pulse_series s ON s.id = r.series_id JOIN teams t ON t.id = i.team_id";
        let rows = match which {
            Which::Token(hash) => {
                sqlx::query(&format!("{select} WHERE i.token_hash = $1"))
                    .bind(hash)
                    .fetch_all(&self.pool)
                    .await?
            }
            Which::OpenFor(person) => sqlx::query(&format!(
                "{select} WHERE i.person_id = $1 AND r.status = 'open' ORDER BY r.opens_on, s.id"
            ))
            .bind(person)
            .fetch_all(&self.pool)
            .await?,
        };
        let mut links = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let status: String = row.try_get("status")?;
            let used: Option<i64> =
                sqlx::query_scalar("SELECT round_id FROM pulse_used_ballots WHERE mark = $1")
                    .bind(self.key.pulse_mark(id).to_vec())
                    .fetch_optional(&self.pool)
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
                answered: used.is_some(),
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
        for respondent in scores {
            let mut insert = sqlx::query(
                "INSERT INTO pulse_answers (id, round_id, team_id, trust_index, relationships,
                     judgement, consistency, overall) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(uuid::Uuid::new_v4().simple().to_string())
            .bind(round)
            .bind(team);
            for measure in PulseMeasure::ALL {
                insert = insert.bind(respondent.get(&measure).copied());
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

    /// [`PulseStore::pulse_round_teams`].
    pub(super) async fn round_teams(&self, series: PulseSeriesId) -> StoreResult<Vec<RoundTeam>> {
        let rows = sqlx::query(
            "SELECT r.id AS round_id, r.round_index, i.team_id, i.person_id
             FROM pulse_rounds r JOIN pulse_invitations i ON i.round_id = r.id
             WHERE r.series_id = $1 ORDER BY r.round_index, i.team_id, i.person_id",
        )
        .bind(series.0)
        .fetch_all(&self.pool)
        .await?;
        let answered: HashMap<(i64, i64), i64> = sqlx::query(
            "SELECT b.round_id, b.team_id, COUNT(*) AS answered FROM pulse_used_ballots b
             JOIN pulse_rounds r ON r.id = b.round_id WHERE r.series_id = $1
             GROUP BY b.round_id, b.team_id",
        )
        .bind(series.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok((
                (row.try_get("round_id")?, row.try_get("team_id")?),
                row.try_get("answered")?,
            ))
        })
        .collect::<StoreResult<_>>()?;
        let mut teams: Vec<RoundTeam> = Vec::new();
        for row in rows {
            let (round, team): (i64, i64) = (row.try_get("round_id")?, row.try_get("team_id")?);
            let index = small(row.try_get("round_index")?, "round")?;
            let person = PersonId(row.try_get("person_id")?);
            match teams.last_mut() {
                Some(last) if last.index == index && last.team.0 == team => {
                    last.members.push(person)
                }
                _ => teams.push(RoundTeam {
                    index,
                    team: TeamId(team),
                    members: vec![person],
                    answered: small(
                        answered.get(&(round, team)).copied().unwrap_or(0),
                        "answered",
                    )?,
                }),
            }
        }
        Ok(teams)
    }

    /// [`PulseStore::pulse_answers`].
    pub(super) async fn released_pulse_answers(
        &self,
        series: PulseSeriesId,
        teams: Option<&[TeamId]>,
    ) -> StoreResult<Vec<PulseAnswer>> {
        let rows = sqlx::query(&format!(
            "SELECT r.round_index, a.team_id, {} FROM pulse_answers a
             JOIN pulse_rounds r ON r.id = a.round_id WHERE r.series_id = $1
             ORDER BY r.round_index, a.team_id, a.id",
            MEASURE_COLUMNS.join(", ")
        ))
        .bind(series.0)
        .fetch_all(&self.pool)
        .await?;
        let mut answers = Vec::with_capacity(rows.len());
        for row in rows {
            let team = TeamId(row.try_get("team_id")?);
            if teams.is_some_and(|teams| !teams.contains(&team)) {
                continue;
            }
            let mut scores = BTreeMap::new();
            for (measure, column) in PulseMeasure::ALL.into_iter().zip(MEASURE_COLUMNS) {
                if let Some(score) = row.try_get::<Option<f64>, _>(column)? {
                    scores.insert(measure, score);
                }
            }
            answers.push(PulseAnswer {
                index: small(row.try_get("round_index")?, "round")?,
                team,
                scores,
            });
        }
        Ok(answers)
    }
}
