//! The [`Store`] both SQL backends share. The schemas of SQLite and PostgreSQL are kept alike
//! (same tables, columns and constraints; integers that Rust reads as `i64` are `BIGINT` in
//! PostgreSQL, days are `'YYYY-MM-DD'` text in both), so one set of statements serves both.
//! Placeholders are written `$1`, `$2`…, which both accept, except in statements with many
//! values, where [`Backend::push_placeholder`] writes them. What differs lives behind
//! [`Backend`], and in each backend's module (how to connect, its migrations).

mod accounts;
mod campaigns;
mod dialect;
mod instruments;
mod intake;
mod people;
mod rows;
mod team_sums;

pub use dialect::Backend;
pub(crate) use instruments::Instruments;
pub(crate) use rows::*;
pub(crate) use team_sums::*;

use crate::prelude::*;
use crate::records::*;
use crate::seal::{Purpose, SealKey};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use intake::{IntakeJob, Sent};
use sqlx::{Database, Pool, Row};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use trustloop_domain::analytics::{Contribution, TeamSums, TeamTotals};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::rating::SurveyAnswers;
use trustloop_domain::report::{Comment, Response};
use trustloop_storage_macros::sql_impl;

/// Audit events per multi-row INSERT (6 values each, well under both databases' limit on bound
/// values: 32,766 for SQLite, 65,535 for PostgreSQL).
const AUDIT_BATCH: usize = 2000;

/// The statement that writes `events` audit events (6 values each).
fn audit_insert<DB: Backend>(events: usize) -> String {
    format!(
        "INSERT INTO audit_events (at, actor, action, target, address, detail) VALUES {}",
        row_placeholders::<DB>(events, 6)
    )
}

/// A Trustloop database behind an SQL connection pool: [`SqliteStore`](crate::SqliteStore) or
/// [`PgStore`](crate::PgStore).
pub struct SqlStore<DB: Database> {
    pub(crate) pool: Pool<DB>,
    /// Seals answers waiting for their batch and raters' attributes.
    pub(crate) key: Arc<SealKey>,
    /// Answers on their way to the intake task, which commits those that arrive together in
    /// one transaction.
    intake: mpsc::Sender<IntakeJob>,
    /// Instrument versions already read.
    instruments: Instruments,
    /// The reads the backend answers faster outside the pool, where it has such a way.
    native: Option<Arc<dyn NativeReads>>,
}

/// Reads that a backend answers faster outside the pool's driver, made on a blocking thread.
/// SQLite's driver hands every row of a result between threads (about 4 µs a row): reading
/// the ~9,000 teams of an organisation's heatmap through it cost more than the query itself.
pub(crate) trait NativeReads: Send + Sync {
    /// Every team's running sums in a campaign, ordered by team.
    fn team_sums(&self, campaign: i64) -> StoreResult<Vec<(String, TeamSums)>>;
}

impl<DB: Database> Clone for SqlStore<DB> {
    fn clone(&self) -> Self {
        SqlStore {
            pool: self.pool.clone(),
            key: self.key.clone(),
            intake: self.intake.clone(),
            instruments: self.instruments.clone(),
            native: self.native.clone(),
        }
    }
}

impl<DB: Database> std::fmt::Debug for SqlStore<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &DB::NAME)
            .field("connections", &self.pool.size())
            .finish()
    }
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// Binds each event's six values to an [`audit_insert`] statement.
    fn bind_audit_events<'q>(
        mut insert: sqlx::query::Query<'q, DB, DB::Arguments<'q>>,
        events: &'q [AuditEvent],
    ) -> sqlx::query::Query<'q, DB, DB::Arguments<'q>> {
        for event in events {
            insert = insert
                .bind(event.at)
                .bind(event.actor.as_str())
                .bind(event.action.as_str())
                .bind(event.target.as_str())
                .bind(event.address.as_str())
                .bind(event.detail.as_str());
        }
        insert
    }

    /// Groups rating rows (ordered by response id) into responses with their leader.
    /// Computes, once, the scores of a campaign's responses stored before scores were kept
    /// (`scored = 0`), in batches.
    async fn score_older_responses(&self, campaign: CampaignId) -> StoreResult<()> {
        let mut instrument = None;
        loop {
            let rows = sqlx::query(&format!(
                "{RESPONSE_ROWS} WHERE campaign_id = $1 AND scored = 0 LIMIT 500"
            ))
            .bind(campaign.0)
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                return Ok(());
            }
            if instrument.is_none() {
                let version = self.campaign(campaign).await?.instrument_version;
                instrument = Some(self.instrument(version).await?);
            }
            let instrument = instrument.as_ref().expect("loaded above");
            let ids = rows
                .iter()
                .map(|row| row.try_get::<String, _>("id"))
                .collect::<Result<Vec<_>, _>>()?;
            let responses = Self::responses_from_rows(rows)?;
            let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
            for (id, (_, response)) in ids.iter().zip(&responses) {
                // A response without any rating has no scores: it is marked scored all the same.
                let contribution = Contribution::of(instrument, &response.ratings);
                let mut update = sqlx::query(
                    "UPDATE responses SET scored = 1, m0 = $1, m1 = $2, m2 = $3, m3 = $4 WHERE id = $5",
                );
                for value in contribution.values {
                    update = update.bind(value);
                }
                update.bind(id.as_str()).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        }
    }

    /// Hands an answer to the intake task; returns once it is committed or refused.
    async fn send_to_intake(&self, sent: Sent, today: time::Date) -> StoreResult<()> {
        let (reply, outcome) = oneshot::channel();
        let job = IntakeJob { sent, today, reply };
        if self.intake.send(job).await.is_err() {
            return Err(sqlx::Error::PoolClosed.into());
        }
        outcome.await.map_err(|_| sqlx::Error::PoolClosed)?
    }

    async fn survey_invitation_where(
        &self,
        clause: &str,
        binds: (&str, i64),
    ) -> StoreResult<Option<SurveyInvitation>> {
        let row = sqlx::query(&format!("{SURVEY_INVITATION_SELECT} WHERE {clause}"))
            .bind(binds.0)
            .bind(binds.1)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref()
            .map(Self::survey_invitation_from_row)
            .transpose()
    }
}

#[sql_impl]
#[async_trait]
impl<DB> HealthStore for SqlStore<DB> {
    async fn health(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

#[sql_impl]
#[async_trait]
impl<DB> Store for SqlStore<DB> {
    async fn invitation_by_token(&self, token_hash: &str) -> StoreResult<Option<SurveyInvitation>> {
        self.survey_invitation_where("i.token_hash = $1 AND $2 = 0", (token_hash, 0))
            .await
    }

    async fn self_invitation(
        &self,
        campaign: CampaignId,
        leader: PersonId,
    ) -> StoreResult<Option<SurveyInvitation>> {
        let row = sqlx::query_scalar::<_, i64>(
            "SELECT id FROM invitations WHERE campaign_id = $1 AND leader_id = $2 AND rater_group = 'self'",
        )
        .bind(campaign.0)
        .bind(leader.0)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(id) => {
                self.survey_invitation_where("$1 = '' AND i.id = $2", ("", id))
                    .await
            }
            None => Ok(None),
        }
    }

    async fn submit_response(
        &self,
        invitation: InvitationId,
        answers: &SurveyAnswers,
        today: time::Date,
    ) -> StoreResult<()> {
        self.send_to_intake(Sent::Checked(invitation, answers.clone()), today)
            .await
    }

    async fn submit_form(
        &self,
        token_hash: &str,
        fields: Vec<(String, String)>,
        today: time::Date,
    ) -> StoreResult<bool> {
        // Checked here, on the request's task, rather than by the intake one form after another.
        let checked = self
            .instruments
            .read()
            .expect("the instrument cache is never poisoned")
            .iter()
            .map(|(version, instrument)| (*version, SurveyAnswers::parse(instrument, &fields).ok()))
            .collect();
        match self
            .send_to_intake(Sent::Form(token_hash.to_owned(), fields, checked), today)
            .await
        {
            Ok(()) => Ok(true),
            Err(StoreError::NotFound(_) | StoreError::Conflict(_)) => Ok(false),
            Err(error) => Err(error),
        }
    }

    async fn load_responses(
        &self,
        answers: &[(InvitationId, SurveyAnswers)],
        today: time::Date,
    ) -> StoreResult<()> {
        let sent: Vec<Sent> = answers
            .iter()
            .map(|(invitation, answers)| Sent::Checked(*invitation, answers.clone()))
            .collect();
        let sent: Vec<(&Sent, time::Date)> = sent.iter().map(|sent| (sent, today)).collect();
        for outcome in Self::accept_batch(
            &mut *self.pool.acquire().await?,
            &self.key,
            &self.instruments,
            &sent,
            true,
        )
        .await?
        {
            outcome?;
        }
        Ok(())
    }

    async fn responses(
        &self,
        campaign: CampaignId,
        leader: PersonId,
    ) -> StoreResult<(Vec<Response>, Vec<Comment>)> {
        // One row per response, its ratings on it (`code=value,…`): a report reads a few rows
        // instead of one per rating, each of which costs a hand-over between threads on SQLite.
        let rows = sqlx::query(&format!(
            "{RESPONSE_ROWS} WHERE campaign_id = $1 AND leader_id = $2 AND ratings <> '' ORDER BY id"
        ))
        .bind(campaign.0)
        .bind(leader.0)
        .fetch_all(&self.pool)
        .await?;
        let responses = Self::responses_from_rows(rows)?
            .into_iter()
            .map(|(_, response)| response)
            .collect();
        let rows = sqlx::query(
            "SELECT rater_group, question_code, body FROM response_comments
             WHERE campaign_id = $1 AND leader_id = $2 ORDER BY id",
        )
        .bind(campaign.0)
        .bind(leader.0)
        .fetch_all(&self.pool)
        .await?;
        let comments = rows
            .iter()
            .map(|row| {
                Ok(Comment {
                    group: parse_group(&row.try_get::<String, _>("rater_group")?)?,
                    code: row.try_get("question_code")?,
                    text: row.try_get("body")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((responses, comments))
    }

    async fn campaign_responses(
        &self,
        campaign: CampaignId,
    ) -> StoreResult<Vec<(PersonId, Response)>> {
        let rows = sqlx::query(&format!(
            "{RESPONSE_ROWS} WHERE campaign_id = $1 AND ratings <> '' ORDER BY id"
        ))
        .bind(campaign.0)
        .fetch_all(&self.pool)
        .await?;
        Self::responses_from_rows(rows)
    }

    async fn campaign_rater_scores(
        &self,
        campaign: CampaignId,
    ) -> StoreResult<Vec<(PersonId, RaterGroup, [Option<f64>; 4])>> {
        self.score_older_responses(campaign).await?;
        // Streamed: a campaign of 100,000 answers would otherwise hold every row object at
        // once (tens of MB) before converting it.
        let mut rows = sqlx::query(
            "SELECT leader_id, rater_group, m0, m1, m2, m3 FROM responses WHERE campaign_id = $1",
        )
        .bind(campaign.0)
        .fetch(&self.pool);
        let mut scores = Vec::new();
        while let Some(row) = futures_util::TryStreamExt::try_next(&mut rows).await? {
            scores.push((
                PersonId(row.try_get(0)?),
                parse_group(&row.try_get::<String, _>(1)?)?,
                [
                    row.try_get(2)?,
                    row.try_get(3)?,
                    row.try_get(4)?,
                    row.try_get(5)?,
                ],
            ));
        }
        Ok(scores)
    }

    async fn segment_answers(&self, campaign: CampaignId) -> StoreResult<Vec<SegmentAnswer>> {
        self.score_older_responses(campaign).await?;
        let rows = sqlx::query(
            "SELECT rater_attributes, m0, m1, m2, m3 FROM responses
             WHERE campaign_id = $1 AND rater_group = 'direct_report'",
        )
        .bind(campaign.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let sealed: Option<Vec<u8>> = row.try_get("rater_attributes")?;
                let attributes = match sealed {
                    Some(sealed) => {
                        let plain = self.key.open(Purpose::RaterAttributes, &sealed)?;
                        serde_json::from_slice(&plain)
                            .map_err(|e| StoreError::Corrupt(format!("attributes: {e}")))?
                    }
                    None => BTreeMap::new(),
                };
                Ok(SegmentAnswer {
                    attributes,
                    scores: [
                        row.try_get("m0")?,
                        row.try_get("m1")?,
                        row.try_get("m2")?,
                        row.try_get("m3")?,
                    ],
                })
            })
            .collect()
    }

    async fn answered_by_group(
        &self,
        campaign: CampaignId,
        leader: PersonId,
    ) -> StoreResult<BTreeMap<RaterGroup, u32>> {
        let rows = sqlx::query(
            "SELECT rater_group, COUNT(*) AS n FROM invitations
             WHERE campaign_id = $1 AND leader_id = $2 AND completed <> 0 GROUP BY rater_group",
        )
        .bind(campaign.0)
        .bind(leader.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    parse_group(&row.try_get::<String, _>("rater_group")?)?,
                    row.try_get::<i64, _>("n")? as u32,
                ))
            })
            .collect()
    }

    async fn pending_answers(&self, campaign: CampaignId) -> StoreResult<u64> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM pending_answers WHERE campaign_id = $1")
                .bind(campaign.0)
                .fetch_one(&self.pool)
                .await?;
        Ok(n as u64)
    }

    async fn campaign_context(&self, campaign: CampaignId) -> StoreResult<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT context FROM campaign_contexts WHERE campaign_id = $1")
                .bind(campaign.0)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn save_campaign_context(&self, campaign: CampaignId, context: &str) -> StoreResult<()> {
        sqlx::query("INSERT INTO campaign_contexts (campaign_id, context) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(campaign.0)
            .bind(context)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn team_sums(&self, campaign: CampaignId) -> StoreResult<Vec<(String, TeamSums)>> {
        self.read_team_sums(campaign, true).await
    }

    async fn team_totals(&self, campaign: CampaignId) -> StoreResult<Vec<(String, TeamTotals)>> {
        let sums = self.read_team_sums(campaign, false).await?;
        Ok(sums.into_iter().map(|(t, s)| (t, s.into())).collect())
    }

    async fn recomputed_team_sums(
        &self,
        campaign: CampaignId,
    ) -> StoreResult<Vec<(String, TeamSums)>> {
        let campaign_row = self.campaign(campaign).await?;
        let instrument = self.instrument(campaign_row.instrument_version).await?;
        let rows = sqlx::query(
            "SELECT team, ratings FROM responses
             WHERE campaign_id = $1 AND rater_group = 'direct_report' AND team IS NOT NULL",
        )
        .bind(campaign.0)
        .fetch_all(&self.pool)
        .await?;
        let answers = rows
            .iter()
            .map(|row| {
                Ok((
                    row.try_get::<String, _>("team")?,
                    parse_ratings(&row.try_get::<String, _>("ratings")?)?,
                ))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let mut by_team: BTreeMap<String, TeamSums> = BTreeMap::new();
        for (team, ratings) in answers {
            by_team
                .entry(team)
                .or_default()
                .add(&Contribution::of(&instrument, &ratings));
        }
        Ok(by_team.into_iter().collect())
    }

    async fn create_import_job(&self, now: i64) -> StoreResult<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO import_jobs (status, created_at) VALUES ('running', $1) RETURNING id",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    async fn update_import_job(&self, job: &ImportJob) -> StoreResult<()> {
        let status = match job.status {
            ImportStatus::Running => "running",
            ImportStatus::Done => "done",
            ImportStatus::Failed => "failed",
        };
        let problems = serde_json::to_string(&job.problems)
            .map_err(|e| StoreError::Corrupt(format!("problems: {e}")))?;
        sqlx::query(
            "UPDATE import_jobs SET status = $1, total_rows = $2, processed = $3, message = $4, problems = $5 WHERE id = $6",
        )
        .bind(status)
        .bind(job.total_rows as i64)
        .bind(job.processed as i64)
        .bind(&job.message)
        .bind(problems)
        .bind(job.id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn import_job(&self, id: i64) -> StoreResult<ImportJob> {
        let row = sqlx::query("SELECT * FROM import_jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("import"))?;
        let status: String = row.try_get("status")?;
        let problems: String = row.try_get("problems")?;
        Ok(ImportJob {
            id,
            status: match status.as_str() {
                "running" => ImportStatus::Running,
                "done" => ImportStatus::Done,
                _ => ImportStatus::Failed,
            },
            total_rows: row.try_get::<i64, _>("total_rows")? as u64,
            processed: row.try_get::<i64, _>("processed")? as u64,
            message: row.try_get("message")?,
            problems: serde_json::from_str(&problems)
                .map_err(|e| StoreError::Corrupt(format!("problems: {e}")))?,
        })
    }

    async fn record_audit(&self, event: &AuditEvent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_events (at, actor, action, target, address, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(event.at)
        .bind(&event.actor)
        .bind(&event.action)
        .bind(&event.target)
        .bind(&event.address)
        .bind(&event.detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn record_audits(&self, events: &[AuditEvent]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        // One statement is a transaction of its own: one round trip to the database instead
        // of three (BEGIN, INSERT, COMMIT) for the usual group of events.
        if events.len() <= AUDIT_BATCH {
            let sql = audit_insert::<DB>(events.len());
            Self::bind_audit_events(sqlx::query(&sql), events)
                .execute(&self.pool)
                .await?;
            return Ok(());
        }
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        for chunk in events.chunks(AUDIT_BATCH) {
            let sql = audit_insert::<DB>(chunk.len());
            Self::bind_audit_events(sqlx::query(&sql), chunk)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn audit_events(
        &self,
        limit: u32,
        before: Option<i64>,
    ) -> StoreResult<Vec<(i64, AuditEvent)>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, target, address, detail FROM audit_events
             WHERE ($1 IS NULL OR id < $1) ORDER BY id DESC LIMIT $2",
        )
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("id")?,
                    AuditEvent {
                        at: row.try_get("at")?,
                        actor: row.try_get("actor")?,
                        action: row.try_get("action")?,
                        target: row.try_get("target")?,
                        address: row.try_get("address")?,
                        detail: row.try_get("detail")?,
                    },
                ))
            })
            .collect()
    }

    async fn attribute_values(&self, max: u32) -> StoreResult<Vec<(String, Option<Vec<String>>)>> {
        self.read_attribute_values(max).await
    }

    async fn segment_views_seen(
        &self,
        campaign: CampaignId,
        user: UserId,
    ) -> StoreResult<Vec<crate::SegmentViewRecord>> {
        self.read_segment_views(campaign, user).await
    }

    async fn record_segment_views(
        &self,
        campaign: CampaignId,
        user: UserId,
        day: time::Date,
        decide: &crate::DecideViews<'_>,
    ) -> StoreResult<()> {
        self.write_segment_views(campaign, user, day, decide).await
    }
}
