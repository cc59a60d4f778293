//! Pulse series, their teams, the scheduler's pass, change events and the figures the people
//! ledger decided ([`PulseStore`]). Links, answers and their release are in `pulse_answers.rs`.

use super::pulse_answers::{MEASURE_COLUMNS, Which};
use super::pulse_reads::sum_columns;
use super::*;
use crate::PulseStore;
use trustloop_domain::pulse::{Cadence, EventKind, RoundDates, Schedule, Shown, Step};

/// Links written by one multi-row INSERT (4 values each).
const LINK_ROWS: usize = 1000;

/// The columns [`SqlStore::series_from_row`] reads.
const SERIES_COLUMNS: &str = "SELECT id, name, cadence, window_days, start_on, instrument_version,
    min_team, alert_points, members_see_results, created_by, created_on FROM pulse_series";

/// Narrows a stored count or number to `u32`.
pub(super) fn small(value: i64, what: &str) -> StoreResult<u32> {
    u32::try_from(value).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// The stored figure decision's words and smallest group.
fn shown_text(shown: Shown) -> (&'static str, i64) {
    match shown {
        Shown::Yes => ("yes", 0),
        Shown::NotEnoughAnswers => ("not_enough_answers", 0),
        Shown::WouldSingleOut { smallest } => ("would_single_out", i64::from(smallest)),
    }
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// A series from a row of [`SERIES_COLUMNS`], with its teams.
    fn series_from_row(row: &DB::Row, teams: Vec<TeamId>) -> StoreResult<PulseSeries> {
        let cadence: String = row.try_get("cadence")?;
        let cadence = Cadence::from_slug(&cadence)
            .ok_or_else(|| StoreError::Corrupt(format!("cadence {cadence:?}")))?;
        let window = u16::try_from(row.try_get::<i64, _>("window_days")?)
            .map_err(|e| StoreError::Corrupt(format!("window: {e}")))?;
        Ok(PulseSeries {
            id: PulseSeriesId(row.try_get("id")?),
            name: row.try_get("name")?,
            teams,
            schedule: Schedule {
                start: parse_date(&row.try_get::<String, _>("start_on")?)?,
                cadence,
                window_days: window,
            },
            instrument_version: small(row.try_get("instrument_version")?, "instrument")?,
            k: small(row.try_get("min_team")?, "k")?,
            alert_points: row.try_get("alert_points")?,
            members_see_results: row.try_get::<i64, _>("members_see_results")? == 1,
            created_by: row.try_get("created_by")?,
            created_on: parse_date(&row.try_get::<String, _>("created_on")?)?,
        })
    }

    /// Each team's leader: the member to whom another member reports and whose own manager is
    /// outside the team (the lowest id if several), read on `conn`.
    pub(super) async fn team_leaders(
        conn: &mut DB::Connection,
        only: Option<i64>,
    ) -> StoreResult<HashMap<i64, i64>> {
        // One team's people are found by its index; `$1 IS NULL OR ...` would read everyone.
        // Only people with reports can lead: for every team, the IN list narrows everyone to
        // them first (for one team, building it would cost more than the team's few people).
        let sql = format!(
            "SELECT l.team_id, MIN(l.id) AS leader_id FROM people l
             WHERE l.team_id IS NOT NULL {}
               AND EXISTS (SELECT 1 FROM people r WHERE r.manager_id = l.id AND r.team_id = l.team_id)
               AND NOT EXISTS (SELECT 1 FROM people m WHERE m.id = l.manager_id AND m.team_id = l.team_id)
             GROUP BY l.team_id",
            if only.is_some() {
                "AND l.team_id = $1"
            } else {
                "AND l.id IN (SELECT manager_id FROM people WHERE manager_id IS NOT NULL
                              GROUP BY manager_id)"
            }
        );
        let rows = Self::bind_ids(sqlx::query(&sql), only.as_slice())
            .fetch_all(&mut *conn)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("team_id")?, row.try_get("leader_id")?)))
            .collect()
    }

    /// The members who answer in each team of a series (everyone in the team but its
    /// leader), by id, read on `conn`.
    async fn series_members(
        conn: &mut DB::Connection,
        series: i64,
    ) -> StoreResult<BTreeMap<i64, Vec<i64>>> {
        let leaders = Self::team_leaders(conn, None).await?;
        let rows = sqlx::query(
            "SELECT st.team_id, p.id FROM pulse_series_teams st
             JOIN people p ON p.team_id = st.team_id
             WHERE st.series_id = $1 ORDER BY st.team_id, p.id",
        )
        .bind(series)
        .fetch_all(&mut *conn)
        .await?;
        let mut members: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for row in rows {
            let (team, person): (i64, i64) = (row.try_get("team_id")?, row.try_get("id")?);
            if leaders.get(&team) != Some(&person) {
                members.entry(team).or_default().push(person);
            }
        }
        Ok(members)
    }

    /// The teams of each series (of one, when given), read on `conn`.
    async fn teams_of_series(
        conn: &mut DB::Connection,
        series: Option<i64>,
    ) -> StoreResult<HashMap<i64, Vec<TeamId>>> {
        let sql = format!(
            "SELECT series_id, team_id FROM pulse_series_teams {} ORDER BY series_id, team_id",
            if series.is_some() {
                "WHERE series_id = $1"
            } else {
                ""
            }
        );
        let rows = Self::bind_ids(sqlx::query(&sql), series.as_slice())
            .fetch_all(&mut *conn)
            .await?;
        let mut teams: HashMap<i64, Vec<TeamId>> = HashMap::new();
        for row in rows {
            teams
                .entry(row.try_get("series_id")?)
                .or_default()
                .push(TeamId(row.try_get("team_id")?));
        }
        Ok(teams)
    }

    /// One series' pass of the scheduler in one transaction (see
    /// [`PulseStore::advance_pulses`]), adding what it did to `done`.
    async fn advance_series(
        &self,
        series: i64,
        today: time::Date,
        new_token: &(dyn Fn() -> (String, String) + Send + Sync),
        done: &mut PulseAdvance,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        // The lock every pass of this series takes first: passes run one after the other.
        let row = sqlx::query(&format!(
            "{SERIES_COLUMNS} WHERE id = $1 {}",
            DB::LOCK_SELECTED
        ))
        .bind(series)
        .fetch_one(&mut *tx)
        .await?;
        let found = Self::series_from_row(&row, Vec::new())?;
        let id = found.id;
        let ending: Vec<(i64, i64)> = sqlx::query(
            "SELECT id, round_index FROM pulse_rounds
             WHERE series_id = $1 AND status = 'open' AND closes_on < $2 ORDER BY round_index",
        )
        .bind(series)
        .bind(format_date(today))
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("round_index")?)))
        .collect::<StoreResult<_>>()?;
        for (round, index) in ending {
            Self::release_round(&mut tx, &self.key, round, found.instrument_version, found.k)
                .await?;
            sqlx::query("UPDATE pulse_rounds SET status = 'closed' WHERE id = $1")
                .bind(round)
                .execute(&mut *tx)
                .await?;
            done.closed.push((id, small(index, "round")?));
        }
        let last: Option<i64> =
            sqlx::query_scalar("SELECT MAX(round_index) FROM pulse_rounds WHERE series_id = $1")
                .bind(series)
                .fetch_one(&mut *tx)
                .await?;
        let last = last.map(|i| small(i, "round")).transpose()?;
        let (missed, open) = match found.schedule.next_step(last, today) {
            Step::Nothing => (Vec::new(), None),
            Step::ClockBehind { .. } => {
                done.clock_behind.push(id);
                (Vec::new(), None)
            }
            Step::Missed { missed } => (missed, None),
            Step::Open { index, missed } => (missed, Some(index)),
        };
        for index in &missed {
            Self::insert_round(&mut tx, &found, *index, RoundStatus::Missed).await?;
        }
        let mut opened = None;
        if let Some(index) = open {
            let round = Self::insert_round(&mut tx, &found, index, RoundStatus::Open).await?;
            let members = Self::series_members(&mut tx, series).await?;
            let mut links = Vec::new();
            for (team, people) in &members {
                for person in people {
                    let (token, hash) = new_token();
                    links.push((
                        hash,
                        PulseLink {
                            invitation: PulseInvitationId(0),
                            person: PersonId(*person),
                            team: TeamId(*team),
                            token,
                        },
                    ));
                }
            }
            for chunk in links.chunks(LINK_ROWS) {
                let sql = format!(
                    "INSERT INTO pulse_invitations (round_id, team_id, person_id, token_hash) VALUES {}",
                    row_placeholders::<DB>(chunk.len(), 4)
                );
                let mut insert = sqlx::query(&sql);
                for (hash, link) in chunk {
                    insert = insert
                        .bind(round)
                        .bind(link.team.0)
                        .bind(link.person.0)
                        .bind(hash.as_str());
                }
                insert.execute(&mut *tx).await?;
            }
            Self::start_team_rounds(&mut tx, round, &members).await?;
            // Each link's invitation, found by its hash (the inserts return no ids).
            let ids: HashMap<String, i64> =
                sqlx::query("SELECT id, token_hash FROM pulse_invitations WHERE round_id = $1")
                    .bind(round)
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|row| Ok((row.try_get("token_hash")?, row.try_get("id")?)))
                    .collect::<StoreResult<_>>()?;
            opened = Some(OpenedRound {
                series: id,
                index,
                links: links
                    .into_iter()
                    .map(|(hash, mut link)| {
                        link.invitation = PulseInvitationId(ids.get(&hash).copied().unwrap_or(0));
                        link
                    })
                    .collect(),
            });
        }
        tx.commit().await?;
        done.missed.extend(missed.into_iter().map(|i| (id, i)));
        done.opened.extend(opened);
        Ok(())
    }

    /// The running sums of each team of a round just opened: `members` asked, none answered.
    async fn start_team_rounds(
        conn: &mut DB::Connection,
        round: i64,
        members: &BTreeMap<i64, Vec<i64>>,
    ) -> StoreResult<()> {
        let teams: Vec<(&i64, &Vec<i64>)> = members.iter().collect();
        // The sums start at zero: written as constants, three values bound per row.
        let zeros = vec!["0"; 2 + 3 * MEASURE_COLUMNS.len()].join(", ");
        for chunk in teams.chunks(LINK_ROWS) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let (a, b, c) = (
                        placeholder::<DB>(3 * i + 1),
                        placeholder::<DB>(3 * i + 2),
                        placeholder::<DB>(3 * i + 3),
                    );
                    format!("({a}, {b}, {c}, {zeros})")
                })
                .collect();
            let sql = format!(
                "INSERT INTO pulse_team_rounds (round_id, team_id, invited, answered, released, {})
                 VALUES {}",
                sum_columns(""),
                rows.join(", ")
            );
            let mut insert = sqlx::query(&sql);
            for (team, people) in chunk {
                insert = insert
                    .bind(round)
                    .bind(**team)
                    .bind(i64::try_from(people.len()).unwrap_or(i64::MAX));
            }
            insert.execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Records round `index` of `series` with `status`; returns its id. Another server's round
    /// of the same number is a conflict.
    async fn insert_round(
        conn: &mut DB::Connection,
        series: &PulseSeries,
        index: u32,
        status: RoundStatus,
    ) -> StoreResult<i64> {
        let dates = series
            .schedule
            .round(index)
            .ok_or_else(|| StoreError::Conflict("the round lies past the calendar's end".into()))?;
        sqlx::query_scalar(
            "INSERT INTO pulse_rounds (series_id, round_index, opens_on, closes_on, status)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(series.id.0)
        .bind(i64::from(index))
        .bind(format_date(dates.opens))
        .bind(format_date(dates.closes))
        .bind(status.slug())
        .fetch_one(&mut *conn)
        .await
        .map_err(conflict_on_unique(|| {
            format!("round {index} was handled by another server")
        }))
    }
}

#[sql_impl]
#[async_trait]
impl<DB> PulseStore for SqlStore<DB> {
    #[tracing::instrument(skip_all)]
    async fn pulse_teams(&self) -> StoreResult<Vec<PulseTeam>> {
        Self::teams_on(&mut *self.pool.acquire().await?, None).await
    }

    #[tracing::instrument(skip_all)]
    async fn line_managers(&self) -> StoreResult<Vec<(PersonId, Option<PersonId>)>> {
        let rows = sqlx::query(
            // The managers from the index of managers (a third of the time of asking each
            // person whether someone reports to them).
            "SELECT l.id, l.manager_id FROM (SELECT manager_id AS id FROM people
                 WHERE manager_id IS NOT NULL GROUP BY manager_id) x
             JOIN people l ON l.id = x.id ORDER BY l.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    PersonId(row.try_get("id")?),
                    row.try_get::<Option<i64>, _>("manager_id")?.map(PersonId),
                ))
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn create_pulse_series(&self, series: &NewPulseSeries) -> StoreResult<PulseSeriesId> {
        let teams = self.pulse_teams().await?;
        for id in &series.teams {
            let team = teams
                .iter()
                .find(|t| t.id == *id)
                .ok_or(StoreError::NotFound("team"))?;
            if team.members == 0 {
                return Err(StoreError::Conflict(format!(
                    "the team {} has no members besides its leader",
                    team.name
                )));
            }
        }
        if series.teams.is_empty() {
            return Err(StoreError::Conflict("choose at least one team".into()));
        }
        let version = trustloop_domain::instrument::Instrument::pulse_current().version;
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO pulse_series (name, cadence, window_days, start_on, instrument_version,
                 min_team, alert_points, members_see_results, created_by, created_on)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(&series.name)
        .bind(series.schedule.cadence.slug())
        .bind(i64::from(series.schedule.window_days))
        .bind(format_date(series.schedule.start))
        .bind(i64::from(version))
        .bind(i64::from(series.k))
        .bind(series.alert_points)
        .bind(i64::from(series.members_see_results))
        .bind(&series.created_by)
        .bind(format_date(series.created_on))
        .fetch_one(&mut *tx)
        .await?;
        for team in &series.teams {
            sqlx::query("INSERT INTO pulse_series_teams (series_id, team_id) VALUES ($1, $2)")
                .bind(id)
                .bind(team.0)
                .execute(&mut *tx)
                .await
                .map_err(conflict_on_unique(|| "a team is named twice".into()))?;
        }
        tx.commit().await?;
        Ok(PulseSeriesId(id))
    }

    #[tracing::instrument(skip_all)]
    async fn pulse_series_list(&self) -> StoreResult<Vec<PulseSeries>> {
        let mut conn = self.pool.acquire().await?;
        let mut teams = Self::teams_of_series(&mut conn, None).await?;
        let rows = sqlx::query(&format!("{SERIES_COLUMNS} ORDER BY id DESC"))
            .fetch_all(&mut *conn)
            .await?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get("id")?;
                Self::series_from_row(row, teams.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    #[tracing::instrument(skip_all, fields(series = %id))]
    async fn pulse_series(&self, id: PulseSeriesId) -> StoreResult<PulseSeries> {
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query(&format!("{SERIES_COLUMNS} WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound("pulse series"))?;
        let mut teams = Self::teams_of_series(&mut conn, Some(id.0)).await?;
        Self::series_from_row(&row, teams.remove(&id.0).unwrap_or_default())
    }

    #[tracing::instrument(skip_all, fields(series = %series))]
    async fn pulse_rounds(&self, series: PulseSeriesId) -> StoreResult<Vec<PulseRound>> {
        let rows = sqlx::query(
            "SELECT round_index, opens_on, closes_on, status FROM pulse_rounds
             WHERE series_id = $1 ORDER BY round_index",
        )
        .bind(series.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let status: String = row.try_get("status")?;
                Ok(PulseRound {
                    dates: RoundDates {
                        index: small(row.try_get("round_index")?, "round")?,
                        opens: parse_date(&row.try_get::<String, _>("opens_on")?)?,
                        closes: parse_date(&row.try_get::<String, _>("closes_on")?)?,
                    },
                    status: RoundStatus::from_slug(&status)
                        .ok_or_else(|| StoreError::Corrupt(format!("round status {status:?}")))?,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all, fields(%today))]
    async fn advance_pulses(
        &self,
        today: time::Date,
        new_token: &(dyn Fn() -> (String, String) + Send + Sync),
    ) -> StoreResult<PulseAdvance> {
        let series: Vec<i64> = sqlx::query_scalar("SELECT id FROM pulse_series ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        let mut done = PulseAdvance::default();
        for id in series {
            match self.advance_series(id, today, new_token, &mut done).await {
                // Another server handled this round first: its transaction is the one kept.
                Err(StoreError::Conflict(reason)) => {
                    tracing::info!(series = id, %reason, "round left to another server");
                }
                other => other?,
            }
        }
        Ok(done)
    }

    #[tracing::instrument(skip_all)]
    async fn add_pulse_event(&self, event: &NewPulseEvent) -> StoreResult<PulseEventId> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO pulse_events (kind, happened, note, created_by, created_on)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(event.kind.slug())
        .bind(format_date(event.on))
        .bind(&event.note)
        .bind(&event.created_by)
        .bind(format_date(event.created_on))
        .fetch_one(&mut *tx)
        .await?;
        for team in &event.teams {
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM teams WHERE id = $1")
                .bind(team.0)
                .fetch_optional(&mut *tx)
                .await?;
            known.ok_or(StoreError::NotFound("team"))?;
            sqlx::query("INSERT INTO pulse_event_teams (event_id, team_id) VALUES ($1, $2)")
                .bind(id)
                .bind(team.0)
                .execute(&mut *tx)
                .await
                .map_err(conflict_on_unique(|| "a team is named twice".into()))?;
        }
        tx.commit().await?;
        Ok(PulseEventId(id))
    }

    #[tracing::instrument(skip_all)]
    async fn pulse_events(&self, teams: Option<&[TeamId]>) -> StoreResult<Vec<PulseEvent>> {
        let rows = sqlx::query(
            "SELECT e.id, e.kind, e.happened, e.note, e.created_by, et.team_id
             FROM pulse_events e JOIN pulse_event_teams et ON et.event_id = e.id
             ORDER BY e.happened, e.id, et.team_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut events: Vec<PulseEvent> = Vec::new();
        for row in rows {
            let id = PulseEventId(row.try_get("id")?);
            let team = TeamId(row.try_get("team_id")?);
            if let Some(last) = events.last_mut().filter(|e| e.id == id) {
                last.teams.push(team);
                continue;
            }
            let kind: String = row.try_get("kind")?;
            events.push(PulseEvent {
                id,
                kind: EventKind::from_slug(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("event kind {kind:?}")))?,
                on: parse_date(&row.try_get::<String, _>("happened")?)?,
                note: row.try_get("note")?,
                teams: vec![team],
                created_by: row.try_get("created_by")?,
            });
        }
        if let Some(teams) = teams {
            events.retain(|e| e.teams.iter().any(|t| teams.contains(t)));
        }
        Ok(events)
    }

    #[tracing::instrument(skip_all, fields(series = %series))]
    async fn decide_pulse_figures(
        &self,
        series: PulseSeriesId,
        decide: &DecideFigures<'_>,
    ) -> StoreResult<Vec<PulseFigure>> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        sqlx::query(&format!(
            "SELECT id FROM pulse_series WHERE id = $1 {}",
            DB::LOCK_SELECTED
        ))
        .bind(series.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("pulse series"))?;
        let rows = sqlx::query(
            "SELECT figure, shown, smallest, people FROM pulse_figures
             WHERE series_id = $1 ORDER BY id",
        )
        .bind(series.0)
        .fetch_all(&mut *tx)
        .await?;
        let mut figures = Self::figures_from_rows(&rows)?;
        let known: HashSet<String> = figures.iter().map(|f| f.figure.clone()).collect();
        let added: Vec<PulseFigure> = decide(&figures)
            .into_iter()
            .filter(|f| !known.contains(&f.figure))
            .collect();
        for figure in &added {
            let (shown, smallest) = shown_text(figure.shown);
            sqlx::query(
                "INSERT INTO pulse_figures (series_id, figure, shown, smallest, people)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(series.0)
            .bind(&figure.figure)
            .bind(shown)
            .bind(smallest)
            .bind(json_text(&figure.people)?)
            .execute(&mut *tx)
            .await
            .map_err(conflict_on_unique(|| "a figure was decided twice".into()))?;
        }
        tx.commit().await?;
        figures.extend(added);
        Ok(figures)
    }

    async fn pulse_invitation_by_token(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<PulseInvitation>> {
        self.pulse_links(Which::Token(token_hash.to_string()))
            .await
            .map(|mut found| found.pop())
    }

    async fn open_pulse_invitations(&self, person: PersonId) -> StoreResult<Vec<PulseInvitation>> {
        self.pulse_links(Which::OpenFor(person.0)).await
    }

    async fn submit_pulse_answer(
        &self,
        invitation: PulseInvitationId,
        answers: &SurveyAnswers,
        today: time::Date,
    ) -> StoreResult<()> {
        self.accept_pulse_answer(invitation, answers, today).await
    }

    async fn pulse_round_teams(
        &self,
        series: PulseSeriesId,
        teams: Option<&[TeamId]>,
        from_round: u32,
    ) -> StoreResult<Vec<RoundTeam>> {
        self.round_teams(series, teams, from_round).await
    }

    async fn pulse_answers(
        &self,
        series: PulseSeriesId,
        teams: Option<&[TeamId]>,
        from_round: u32,
    ) -> StoreResult<Vec<PulseAnswer>> {
        self.released_pulse_answers(series, teams, from_round).await
    }

    async fn load_pulse_answers(
        &self,
        answers: &[(PulseInvitationId, SurveyAnswers)],
        today: time::Date,
    ) -> StoreResult<()> {
        self.bulk_pulse_answers(answers, today).await
    }

    async fn pulse_figures(
        &self,
        series: PulseSeriesId,
        names: &[String],
    ) -> StoreResult<Vec<PulseFigure>> {
        self.named_figures(series, names).await
    }

    async fn pulse_team_rounds(
        &self,
        series: PulseSeriesId,
        teams: Option<&[TeamId]>,
        from_round: u32,
    ) -> StoreResult<Vec<TeamRound>> {
        self.team_round_sums(series, teams, from_round).await
    }

    async fn pulse_team(&self, id: TeamId) -> StoreResult<PulseTeam> {
        Self::teams_on(&mut *self.pool.acquire().await?, Some(id.0))
            .await?
            .pop()
            .ok_or(StoreError::NotFound("team"))
    }
}
