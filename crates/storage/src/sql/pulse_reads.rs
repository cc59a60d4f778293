//! What the pulse's pages read: who was asked in each team's rounds, the released answers, and
//! the figures the people ledger decided, each for the teams and rounds a page shows only (a
//! team's trend reads its own 26 rounds, not the series' two million answers).

use super::pulse::small;
use super::pulse_answers::MEASURE_COLUMNS;
use super::*;
use trustloop_domain::analytics::Sums;
use trustloop_domain::pulse::{PulseMeasure, RoundSums, Shown};

/// `AND column IN (…)` for `count` teams after `first - 1` other values, or nothing.
fn teams_in<DB: Backend>(column: &str, first: usize, count: Option<usize>) -> String {
    match count {
        Some(n) => format!(
            "AND {column} IN {}",
            numbered_placeholders::<DB>(first, n.max(1))
        ),
        None => String::new(),
    }
}

/// The chunks of team ids a read is split into: one chunk of none when every team is read.
fn team_chunks(teams: Option<&[TeamId]>) -> Vec<Option<Vec<i64>>> {
    match teams {
        None => vec![None],
        Some(teams) => teams
            .chunks(ID_BATCH)
            .map(|c| Some(c.iter().map(|t| t.0).collect()))
            .collect(),
    }
}

/// The running sums' columns of `pulse_team_rounds`, each prefixed with `table`: per measure
/// its count, sum and sum of squares.
pub(super) fn sum_columns(table: &str) -> String {
    MEASURE_COLUMNS
        .iter()
        .flat_map(|c| ["n", "sum", "sq"].map(|part| format!("{table}{c}_{part}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A stored count as a `u64`.
fn count(value: i64) -> StoreResult<u64> {
    u64::try_from(value).map_err(|e| StoreError::Corrupt(format!("count: {e}")))
}

/// The stored figure decision.
fn shown_of(words: &str, smallest: u32) -> Shown {
    match words {
        "yes" => Shown::Yes,
        "not_enough_answers" => Shown::NotEnoughAnswers,
        _ => Shown::WouldSingleOut { smallest },
    }
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// [`PulseStore::pulse_round_teams`].
    pub(super) async fn round_teams(
        &self,
        series: PulseSeriesId,
        teams: Option<&[TeamId]>,
        from_round: u32,
    ) -> StoreResult<Vec<RoundTeam>> {
        let mut found: Vec<RoundTeam> = Vec::new();
        for chunk in team_chunks(teams) {
            let n = chunk.as_ref().map(Vec::len);
            let (p1, p2) = (placeholder::<DB>(1), placeholder::<DB>(2));
            let members = format!(
                "SELECT r.round_index, i.team_id, i.person_id
                 FROM pulse_rounds r JOIN pulse_invitations i ON i.round_id = r.id
                 WHERE r.series_id = {p1} AND r.round_index >= {p2} {}
                 ORDER BY r.round_index, i.team_id, i.person_id",
                teams_in::<DB>("i.team_id", 3, n)
            );
            let answered = format!(
                "SELECT r.round_index, b.team_id, COUNT(*) AS answered
                 FROM pulse_rounds r JOIN pulse_used_ballots b ON b.round_id = r.id
                 WHERE r.series_id = {p1} AND r.round_index >= {p2} {}
                 GROUP BY r.round_index, b.team_id",
                teams_in::<DB>("b.team_id", 3, n)
            );
            let ids = chunk.unwrap_or_default();
            let counts: HashMap<(i64, i64), i64> = Self::bind_ids(
                sqlx::query(&answered)
                    .bind(series.0)
                    .bind(i64::from(from_round)),
                &ids,
            )
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok((
                    (row.try_get("round_index")?, row.try_get("team_id")?),
                    row.try_get("answered")?,
                ))
            })
            .collect::<StoreResult<_>>()?;
            let rows = Self::bind_ids(
                sqlx::query(&members)
                    .bind(series.0)
                    .bind(i64::from(from_round)),
                &ids,
            )
            .fetch_all(&self.pool)
            .await?;
            for row in rows {
                let (index, team): (i64, i64) =
                    (row.try_get("round_index")?, row.try_get("team_id")?);
                let person = PersonId(row.try_get("person_id")?);
                let index32 = small(index, "round")?;
                match found.last_mut() {
                    Some(last) if last.index == index32 && last.team.0 == team => {
                        last.members.push(person)
                    }
                    _ => found.push(RoundTeam {
                        index: index32,
                        team: TeamId(team),
                        members: vec![person],
                        answered: small(
                            counts.get(&(index, team)).copied().unwrap_or(0),
                            "answered",
                        )?,
                    }),
                }
            }
        }
        found.sort_by_key(|t| (t.index, t.team));
        Ok(found)
    }

    /// The rows `select` reads of a series' rounds numbered `from_round` or later, of `teams`
    /// (all, when `None`) a chunk at a time: `{series}`, `{round}` and `{teams}` in `select`
    /// stand for the series, the first round and the chunk's `AND column IN (…)`.
    async fn round_rows(
        &self,
        select: &str,
        column: &str,
        series: PulseSeriesId,
        teams: Option<&[TeamId]>,
        from_round: u32,
    ) -> StoreResult<Vec<DB::Row>> {
        let mut rows = Vec::new();
        for chunk in team_chunks(teams) {
            let sql = select
                .replace("{series}", &placeholder::<DB>(1))
                .replace("{round}", &placeholder::<DB>(2))
                .replace(
                    "{teams}",
                    &teams_in::<DB>(column, 3, chunk.as_ref().map(Vec::len)),
                );
            let ids = chunk.unwrap_or_default();
            rows.extend(
                Self::bind_ids(
                    sqlx::query(&sql).bind(series.0).bind(i64::from(from_round)),
                    &ids,
                )
                .fetch_all(&self.pool)
                .await?,
            );
        }
        Ok(rows)
    }

    /// [`PulseStore::pulse_team_rounds`].
    pub(super) async fn team_round_sums(
        &self,
        series: PulseSeriesId,
        teams: Option<&[TeamId]>,
        from_round: u32,
    ) -> StoreResult<Vec<TeamRound>> {
        let select = format!(
            "SELECT r.round_index, t.team_id, t.invited, t.answered, t.released, {}
             FROM pulse_rounds r JOIN pulse_team_rounds t ON t.round_id = r.id
             WHERE r.series_id = {{series}} AND r.round_index >= {{round}} {{teams}}",
            sum_columns("t.")
        );
        let mut found = Vec::new();
        for row in self
            .round_rows(&select, "t.team_id", series, teams, from_round)
            .await?
        {
            let mut sums = RoundSums {
                respondents: count(row.try_get("released")?)?,
                ..RoundSums::default()
            };
            for (slot, column) in sums.measures.iter_mut().zip(MEASURE_COLUMNS) {
                *slot = Sums {
                    n: count(row.try_get(format!("{column}_n").as_str())?)?,
                    sum: row.try_get(format!("{column}_sum").as_str())?,
                    sum_sq: row.try_get(format!("{column}_sq").as_str())?,
                };
            }
            found.push(TeamRound {
                index: small(row.try_get("round_index")?, "round")?,
                team: TeamId(row.try_get("team_id")?),
                invited: small(row.try_get("invited")?, "invited")?,
                answered: small(row.try_get("answered")?, "answered")?,
                sums,
            });
        }
        found.sort_by_key(|t| (t.index, t.team));
        Ok(found)
    }

    /// [`PulseStore::pulse_answers`].
    pub(super) async fn released_pulse_answers(
        &self,
        series: PulseSeriesId,
        teams: Option<&[TeamId]>,
        from_round: u32,
    ) -> StoreResult<Vec<PulseAnswer>> {
        let select = format!(
            "SELECT r.round_index, a.team_id, {} FROM pulse_rounds r
             JOIN pulse_answers a ON a.round_id = r.id
             WHERE r.series_id = {{series}} AND r.round_index >= {{round}} {{teams}}",
            MEASURE_COLUMNS.join(", ")
        );
        let mut answers = Vec::new();
        for row in self
            .round_rows(&select, "a.team_id", series, teams, from_round)
            .await?
        {
            let mut scores = BTreeMap::new();
            for (measure, column) in PulseMeasure::ALL.into_iter().zip(MEASURE_COLUMNS) {
                if let Some(score) = row.try_get::<Option<f64>, _>(column)? {
                    scores.insert(measure, score);
                }
            }
            answers.push(PulseAnswer {
                index: small(row.try_get("round_index")?, "round")?,
                team: TeamId(row.try_get("team_id")?),
                scores,
            });
        }
        Ok(answers)
    }

    /// The figures of `series` from rows of `pulse_figures`.
    pub(super) fn figures_from_rows(rows: &[DB::Row]) -> StoreResult<Vec<PulseFigure>> {
        rows.iter()
            .map(|row| {
                let shown: String = row.try_get("shown")?;
                let smallest = small(row.try_get("smallest")?, "smallest")?;
                let people: Vec<PersonId> =
                    serde_json::from_str(&row.try_get::<String, _>("people")?)
                        .map_err(|e| StoreError::Corrupt(format!("figure people: {e}")))?;
                Ok(PulseFigure {
                    figure: row.try_get("figure")?,
                    shown: shown_of(&shown, smallest),
                    people,
                })
            })
            .collect()
    }

    /// [`PulseStore::pulse_figures`].
    pub(super) async fn named_figures(
        &self,
        series: PulseSeriesId,
        names: &[String],
    ) -> StoreResult<Vec<PulseFigure>> {
        let mut figures = Vec::with_capacity(names.len());
        for chunk in names.chunks(ID_BATCH) {
            let sql = format!(
                "SELECT figure, shown, smallest, people FROM pulse_figures
                 WHERE series_id = {} AND figure IN {}",
                placeholder::<DB>(1),
                numbered_placeholders::<DB>(2, chunk.len())
            );
            let mut query = sqlx::query(&sql).bind(series.0);
            for name in chunk {
                query = query.bind(name.as_str());
            }
            figures.extend(Self::figures_from_rows(
                &query.fetch_all(&self.pool).await?,
            )?);
        }
        Ok(figures)
    }

    /// Every team (or the one `only` names) with its leader and members, by name, read on
    /// `conn`.
    pub(super) async fn teams_on(
        conn: &mut DB::Connection,
        only: Option<i64>,
    ) -> StoreResult<Vec<PulseTeam>> {
        let leaders = Self::team_leaders(conn, only).await?;
        let sql = format!(
            // Each team's count from the team index (a join grouped by team reads every
            // person's row).
            "SELECT t.id, t.name, (SELECT COUNT(*) FROM people p WHERE p.team_id = t.id) AS people
             FROM teams t {} ORDER BY t.name",
            if only.is_some() {
                "WHERE t.id = $1"
            } else {
                ""
            }
        );
        let rows = Self::bind_ids(sqlx::query(&sql), only.as_slice())
            .fetch_all(&mut *conn)
            .await?;
        let ids: Vec<i64> = leaders.values().copied().collect();
        let mut people: HashMap<i64, (String, Option<i64>)> = HashMap::new();
        for chunk in ids.chunks(ID_BATCH) {
            let sql = format!(
                "SELECT id, name, manager_id FROM people WHERE id IN {}",
                row_placeholders::<DB>(1, chunk.len())
            );
            for row in Self::bind_ids(sqlx::query(&sql), chunk)
                .fetch_all(&mut *conn)
                .await?
            {
                people.insert(
                    row.try_get("id")?,
                    (row.try_get("name")?, row.try_get("manager_id")?),
                );
            }
        }
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get("id")?;
                let leader = leaders.get(&id).copied();
                let found = leader.and_then(|l| people.get(&l));
                let count = small(row.try_get("people")?, "members")?;
                Ok(PulseTeam {
                    id: TeamId(id),
                    name: row.try_get("name")?,
                    leader: leader.map(PersonId),
                    leader_name: found.map(|(name, _)| name.clone()),
                    leader_manager: found.and_then(|(_, m)| m.map(PersonId)),
                    members: count - u32::from(leader.is_some()),
                })
            })
            .collect()
    }
}
