//! The release of sealed answers: an answer waits sealed in `pending_answers` until its rater
//! group (that leader, that group, that campaign) has enough waiting, or the campaign closes;
//! then the answers chosen to go are opened and written to the readable tables in random
//! order, with their scores, comments, a direct report's sealed attributes and their team's
//! running sums. The intake (`intake.rs`) calls it with each batch it commits, and closing a
//! campaign with whatever still waits.

use super::*;
use crate::seal::Purpose;
use rand::seq::SliceRandom;
use std::collections::BTreeSet;
use trustloop_domain::privacy::{GroupPlan, plan_rater_groups};

/// Rows per multi-row INSERT of released answers (at most 15 values a row: well under both
/// databases' limits on bound values).
const WRITE_ROWS: usize = 1000;

/// What a sealed waiting answer holds: the answers, and a direct report's attributes. Who
/// answered is not in it.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct PendingAnswer {
    pub(super) answers: SurveyAnswers,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(super) attributes: BTreeMap<String, String>,
}

/// An answer to release: its `pending_answers` id (none for an answer of the batch being
/// committed, which was never written there), leader, group and content.
type Opened = (Option<String>, i64, RaterGroup, PendingAnswer);

/// A new random id for a waiting answer: 128 random bits in hex, so that neither the id nor
/// the row's place in a table ordered by it follows arrival.
fn pending_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A released answer's new response id, scores and sealed attributes.
type Released = (String, Contribution, Option<Vec<u8>>);

/// A team's share of a batch: respondents, and n, sum and sum of squares of each measure.
type TeamDelta = (i64, [(i64, f64, f64); 4]);

/// The rater group of one leader in one campaign: the unit answers are released in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Cell {
    pub(super) campaign: i64,
    pub(super) leader: i64,
    pub(super) group: RaterGroup,
}

/// What releasing a batch's answers needs to know of each campaign and leader in it.
#[derive(Default)]
pub(super) struct Context {
    /// Each campaign's instrument version.
    pub(super) instruments: BTreeMap<i64, u32>,
    /// Each leader's team.
    pub(super) teams: HashMap<i64, String>,
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// Writes answers that stay waiting, sealed, to `pending_answers`.
    pub(super) async fn seal_waiting(
        conn: &mut DB::Connection,
        key: &SealKey,
        waiting: &[(Cell, PendingAnswer)],
    ) -> StoreResult<()> {
        for chunk in waiting.chunks(WRITE_ROWS) {
            let sql = format!(
                "INSERT INTO pending_answers (id, campaign_id, leader_id, rater_group, sealed) VALUES {}",
                row_placeholders::<DB>(chunk.len(), 5)
            );
            let mut insert = sqlx::query(&sql);
            for (cell, pending) in chunk {
                let plain = serde_json::to_vec(pending)
                    .map_err(|e| StoreError::Corrupt(format!("answer: {e}")))?;
                insert = insert
                    .bind(pending_id())
                    .bind(cell.campaign)
                    .bind(cell.leader)
                    .bind(cell.group.slug())
                    .bind(key.seal(Purpose::PendingAnswer, &plain));
            }
            insert.execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Releases answers of each of `cells` that has enough waiting, counting the batch's own
    /// (`fresh`): opens the stored ones, writes them to the readable tables in random order and
    /// removes them from `pending_answers`. Returns the fresh answers that stay waiting; a
    /// fresh answer released at once is never written to `pending_answers`; and whether any
    /// answer was released.
    ///
    /// An anonymous group (batch size k) is released only once it has 2k answers waiting, and
    /// then all but k of them, chosen at random among the stored and the fresh: k always stay
    /// behind, so the release when the campaign closes also holds at least k, and every batch
    /// a reader of the database can watch appear holds at least k answers. The leader's and
    /// the manager's own answers (batch size 1) are written at once.
    pub(super) async fn release_full_cells(
        conn: &mut DB::Connection,
        key: &SealKey,
        (instruments, context): (&Instruments, &Context),
        cells: &BTreeMap<Cell, i64>,
        fresh: Vec<(Cell, PendingAnswer)>,
        today: Option<time::Date>,
    ) -> StoreResult<(Vec<(Cell, PendingAnswer)>, bool)> {
        let mut released_any = false;
        let mut fresh_by_cell: BTreeMap<Cell, Vec<PendingAnswer>> = BTreeMap::new();
        for (cell, pending) in fresh {
            fresh_by_cell.entry(cell).or_default().push(pending);
        }
        let mut by_campaign: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
        for cell in cells.keys() {
            by_campaign
                .entry(cell.campaign)
                .or_default()
                .insert(cell.leader);
        }
        let mut staying = Vec::new();
        for (campaign, leaders) in by_campaign {
            let leaders: Vec<i64> = leaders.into_iter().collect();
            // Answers already waiting in the batch's leaders' groups: their ids only, which the
            // index on (campaign, leader, group) holds, so that only the answers chosen to go
            // are read and opened.
            let mut stored: BTreeMap<(i64, RaterGroup), Vec<String>> = BTreeMap::new();
            for chunk in leaders.chunks(ID_BATCH) {
                let sql = format!(
                    "SELECT id, leader_id, rater_group FROM pending_answers
                     WHERE campaign_id = {} AND leader_id IN {}",
                    placeholder::<DB>(1),
                    numbered_placeholders::<DB>(2, chunk.len())
                );
                let select = Self::bind_ids(sqlx::query(&sql).bind(campaign), chunk);
                for row in select.fetch_all(&mut *conn).await? {
                    let group = parse_group(&row.try_get::<String, _>("rater_group")?)?;
                    stored
                        .entry((row.try_get("leader_id")?, group))
                        .or_default()
                        .push(row.try_get("id")?);
                }
            }
            // Which answers of each cell go, chosen at random, not by arrival, among the stored
            // and the fresh alike; in an anonymous cell, k stay behind. A stored answer that
            // stays is left as it is.
            let mut going: Vec<(Cell, Option<String>, Option<PendingAnswer>)> = Vec::new();
            for (cell, batch) in cells.iter().filter(|(cell, _)| cell.campaign == campaign) {
                let ids = stored
                    .remove(&(cell.leader, cell.group))
                    .unwrap_or_default();
                let fresh = fresh_by_cell.remove(cell).unwrap_or_default();
                let waiting = (ids.len() + fresh.len()) as i64;
                let stay = match *batch {
                    1 => 0,
                    batch if waiting >= 2 * batch => batch as usize,
                    _ => {
                        staying.extend(fresh.into_iter().map(|pending| (*cell, pending)));
                        continue;
                    }
                };
                let mut order: Vec<usize> = (0..ids.len() + fresh.len()).collect();
                order.shuffle(&mut rand::rng());
                let go = order.len().saturating_sub(stay);
                let mut fresh: Vec<Option<PendingAnswer>> = fresh.into_iter().map(Some).collect();
                for (place, i) in order.into_iter().enumerate() {
                    match i.checked_sub(ids.len()) {
                        None if place < go => going.push((*cell, Some(ids[i].clone()), None)),
                        None => {}
                        Some(f) => {
                            let pending = fresh[f].take().expect("each fresh answer once");
                            if place < go {
                                going.push((*cell, None, Some(pending)));
                            } else {
                                staying.push((*cell, pending));
                            }
                        }
                    }
                }
            }
            // The stored answers chosen to go, read and opened.
            let to_open: Vec<&str> = going
                .iter()
                .filter_map(|(_, id, _)| id.as_deref())
                .collect();
            let mut sealed: HashMap<String, Opened> = HashMap::with_capacity(to_open.len());
            for chunk in to_open.chunks(ID_BATCH) {
                let sql = format!(
                    "SELECT id, leader_id, rater_group, sealed FROM pending_answers WHERE id IN {}",
                    row_placeholders::<DB>(1, chunk.len())
                );
                let mut select = sqlx::query(&sql);
                for id in chunk {
                    select = select.bind(*id);
                }
                for row in select.fetch_all(&mut *conn).await? {
                    let opened = Self::open_row(key, &row)?;
                    let id = opened.0.clone().expect("a stored answer has an id");
                    sealed.insert(id, opened);
                }
            }
            let opened = going
                .into_iter()
                .map(|(cell, id, fresh)| match (id, fresh) {
                    (Some(id), _) => sealed.remove(&id).ok_or_else(|| {
                        StoreError::Conflict(
                            "a waiting answer was released by another transaction".into(),
                        )
                    }),
                    (None, Some(pending)) => Ok((None, cell.leader, cell.group, pending)),
                    (None, None) => unreachable!("an answer to release is stored or fresh"),
                })
                .collect::<StoreResult<Vec<_>>>()?;
            if !opened.is_empty() {
                let instrument =
                    Self::instrument_on(conn, instruments, context.instruments[&campaign]).await?;
                let released = (campaign, opened, today);
                Self::write_released(conn, key, &instrument, &context.teams, released).await?;
                released_any = true;
            }
        }
        Ok((staying, released_any))
    }

    /// Releases everything still waiting in a campaign that is closing, following the report's
    /// rules so that no readable rater group of a leader is smaller than k: a group below k
    /// that the report pools into "Others" is written as "Others"; a group the report hides
    /// stays sealed, in no figure and in no readable table.
    pub(super) async fn release_closing_campaign(
        conn: &mut DB::Connection,
        key: &SealKey,
        instruments: &Instruments,
        campaign: i64,
    ) -> StoreResult<()> {
        let rows = sqlx::query(
            "SELECT id, leader_id, rater_group, sealed FROM pending_answers WHERE campaign_id = $1",
        )
        .bind(campaign)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut opened = rows
            .iter()
            .map(|row| Self::open_row(key, row))
            .collect::<StoreResult<Vec<_>>>()?;
        let plans = Self::closing_plans(conn, campaign, &opened).await?;
        opened.retain_mut(|(_, leader, group, _)| {
            let plan = &plans[leader];
            if plan.hidden.contains(group) {
                false
            } else {
                if plan.merged.contains(group) {
                    *group = RaterGroup::Other;
                }
                true
            }
        });
        if opened.is_empty() {
            return Ok(());
        }
        let version: i64 =
            sqlx::query_scalar("SELECT instrument_version FROM campaigns WHERE id = $1")
                .bind(campaign)
                .fetch_one(&mut *conn)
                .await?;
        let version = u32::try_from(version)
            .map_err(|e| StoreError::Corrupt(format!("instrument version: {e}")))?;
        let instrument = Self::instrument_on(conn, instruments, version).await?;
        let leaders: BTreeSet<i64> = opened.iter().map(|(_, leader, ..)| *leader).collect();
        let teams = Self::leader_teams(conn, leaders).await?;
        Self::write_released(conn, key, &instrument, &teams, (campaign, opened, None)).await
    }

    /// Each leader's team.
    async fn leader_teams(
        conn: &mut DB::Connection,
        leaders: BTreeSet<i64>,
    ) -> StoreResult<HashMap<i64, String>> {
        let leaders: Vec<i64> = leaders.into_iter().collect();
        let mut teams: HashMap<i64, String> = HashMap::new();
        let select =
            "SELECT p.id, t.name FROM people p JOIN teams t ON t.id = p.team_id WHERE p.id IN";
        for row in Self::rows_with_ids(conn, select, &leaders).await? {
            teams.insert(row.try_get("id")?, row.try_get("name")?);
        }
        Ok(teams)
    }

    /// Opens a `pending_answers` row.
    fn open_row(key: &SealKey, row: &DB::Row) -> StoreResult<Opened> {
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let plain = key.open(Purpose::PendingAnswer, &sealed)?;
        let pending: PendingAnswer = serde_json::from_slice(&plain)
            .map_err(|e| StoreError::Corrupt(format!("waiting answer: {e}")))?;
        Ok((
            Some(row.try_get::<String, _>("id")?),
            row.try_get::<i64, _>("leader_id")?,
            parse_group(&row.try_get::<String, _>("rater_group")?)?,
            pending,
        ))
    }

    /// The report's rater-group plan of each leader with waiting answers, counting both the
    /// answers already released and those waiting.
    async fn closing_plans(
        conn: &mut DB::Connection,
        campaign: i64,
        waiting: &[Opened],
    ) -> StoreResult<BTreeMap<i64, GroupPlan>> {
        let row = sqlx::query(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1"
        ))
        .bind(campaign)
        .fetch_one(&mut *conn)
        .await?;
        let rules = Self::campaign_from_row(&row)?.rules;
        let mut counts: BTreeMap<i64, BTreeMap<RaterGroup, u32>> = BTreeMap::new();
        for (_, leader, group, _) in waiting {
            *counts
                .entry(*leader)
                .or_default()
                .entry(*group)
                .or_default() += 1;
        }
        let released = sqlx::query(
            "SELECT leader_id, rater_group, COUNT(*) AS n FROM responses WHERE campaign_id = $1
             GROUP BY leader_id, rater_group",
        )
        .bind(campaign)
        .fetch_all(&mut *conn)
        .await?;
        for row in &released {
            let leader: i64 = row.try_get("leader_id")?;
            if let Some(groups) = counts.get_mut(&leader) {
                let group = parse_group(&row.try_get::<String, _>("rater_group")?)?;
                *groups.entry(group).or_default() += row.try_get::<i64, _>("n")? as u32;
            }
        }
        Ok(counts
            .into_iter()
            .map(|(leader, groups)| (leader, plan_rater_groups(&rules, &groups)))
            .collect())
    }

    /// Writes released answers to the readable tables in random order and removes them from
    /// `pending_answers`: each response (random id, the day of the batch only) with its ratings
    /// and scores, its comments, a direct report's sealed attributes, and direct reports' answers
    /// added to their team's running sums. `teams` holds each leader's team as read in the same
    /// transaction: a direct report's answer counts for the team the leader has when it is
    /// released.
    async fn write_released(
        conn: &mut DB::Connection,
        key: &SealKey,
        instrument: &Instrument,
        teams: &HashMap<i64, String>,
        (campaign, mut opened, today): (i64, Vec<Opened>, Option<time::Date>),
    ) -> StoreResult<()> {
        if opened.is_empty() {
            return Ok(());
        }
        opened.shuffle(&mut rand::rng());
        // Every answer of the batch gets the day of the batch, not the day it arrived.
        let day = format_date(today.unwrap_or_else(|| time::OffsetDateTime::now_utc().date()));
        let released: Vec<Released> = opened
            .iter()
            .map(|(_, _, group, pending)| {
                let attributes = if *group == RaterGroup::DirectReport {
                    let plain = serde_json::to_vec(&pending.attributes)
                        .map_err(|e| StoreError::Corrupt(format!("attributes: {e}")))?;
                    Some(key.seal(Purpose::RaterAttributes, &plain))
                } else {
                    None
                };
                Ok((
                    uuid::Uuid::new_v4().to_string(),
                    Contribution::of(instrument, &pending.answers.ratings),
                    attributes,
                ))
            })
            .collect::<StoreResult<_>>()?;
        let rows: Vec<(&Opened, &Released)> = opened.iter().zip(&released).collect();
        // One row per answer: its ratings and four scores on it, so that campaign-wide
        // figures never read every rating.
        for chunk in rows.chunks(WRITE_ROWS) {
            let sql = format!(
                "INSERT INTO responses (id, campaign_id, leader_id, rater_group, submitted_on, team,
                     rater_attributes, scored, m0, m1, m2, m3, ratings) VALUES {}",
                row_placeholders::<DB>(chunk.len(), 13)
            );
            let mut insert = sqlx::query(&sql);
            for ((_, leader, group, pending), (id, contribution, attributes)) in chunk {
                insert = insert
                    .bind(id.as_str())
                    .bind(campaign)
                    .bind(*leader)
                    .bind(group.slug())
                    .bind(day.as_str())
                    .bind(teams.get(leader).map(String::as_str))
                    .bind(attributes.clone())
                    .bind(1_i64);
                for value in contribution.values {
                    insert = insert.bind(value);
                }
                insert = insert.bind(ratings_text(&pending.answers.ratings));
            }
            insert.execute(&mut *conn).await?;
        }
        // Comments are shown pooled: everyone's but the leader's own are kept under one label,
        // so the manager's comment (managers are told comments are pooled) is not stored as the
        // manager's. They are shuffled on their own, so that their order in a table says
        // nothing about which response they came with.
        let mut comments: Vec<(i64, RaterGroup, &str, &str)> = opened
            .iter()
            .flat_map(|(_, leader, group, pending)| {
                let label = if *group == RaterGroup::SelfRating {
                    RaterGroup::SelfRating
                } else {
                    RaterGroup::Other
                };
                pending
                    .answers
                    .comments
                    .iter()
                    .map(move |(code, text)| (*leader, label, code.as_str(), text.as_str()))
            })
            .collect();
        comments.shuffle(&mut rand::rng());
        for chunk in comments.chunks(WRITE_ROWS) {
            let sql = format!(
                "INSERT INTO response_comments (id, campaign_id, leader_id, rater_group, question_code, body) VALUES {}",
                row_placeholders::<DB>(chunk.len(), 6)
            );
            let mut insert = sqlx::query(&sql);
            for (leader, group, code, text) in chunk {
                insert = insert
                    .bind(uuid::Uuid::new_v4().to_string())
                    .bind(campaign)
                    .bind(*leader)
                    .bind(group.slug())
                    .bind(*code)
                    .bind(*text);
            }
            insert.execute(&mut *conn).await?;
        }
        // Direct reports' answers, summed per team, added to the team's running sums.
        let mut sums: BTreeMap<&str, TeamDelta> = BTreeMap::new();
        for ((_, leader, group, _), (_, contribution, _)) in &rows {
            let (RaterGroup::DirectReport, Some(team)) = (group, teams.get(leader)) else {
                continue;
            };
            let entry = sums.entry(team.as_str()).or_default();
            entry.0 += 1;
            for (slot, value) in entry.1.iter_mut().zip(contribution.values) {
                if let Some(v) = value {
                    slot.0 += 1;
                    slot.1 += v;
                    slot.2 += v * v;
                }
            }
        }
        // One statement for all the batch's teams (a few hundred at most per statement).
        let sums: Vec<(&str, TeamDelta)> = sums.into_iter().collect();
        for chunk in sums.chunks(WRITE_ROWS / 2) {
            let sql = aggregate_upsert::<DB>(chunk.len());
            let mut upsert = sqlx::query(&sql);
            for (team, (respondents, measures)) in chunk {
                upsert = upsert.bind(campaign).bind(*team).bind(*respondents);
                for (n, sum, sum_sq) in measures {
                    upsert = upsert.bind(*n).bind(*sum).bind(*sum_sq);
                }
            }
            upsert.execute(&mut *conn).await?;
        }
        let stored: Vec<&str> = opened.iter().filter_map(|(id, ..)| id.as_deref()).collect();
        for chunk in stored.chunks(ID_BATCH) {
            let sql = format!(
                "DELETE FROM pending_answers WHERE id IN {}",
                row_placeholders::<DB>(1, chunk.len())
            );
            let mut delete = sqlx::query(&sql);
            for id in chunk {
                delete = delete.bind(*id);
            }
            // Each sealed answer is released once: one that is already gone was released by
            // another transaction, and this one must not write it again.
            if DB::rows_affected(&delete.execute(&mut *conn).await?) != chunk.len() as u64 {
                return Err(StoreError::Conflict(
                    "a waiting answer was released by another transaction".into(),
                ));
            }
        }
        Ok(())
    }
}
