//! Answers ([`AnswerStore`]): the invitation a link opens, and the calls that hand answers to
//! the intake (`intake.rs`) and count them.

use super::intake::stored_or_error;
use super::*;
use crate::AnswerStore;
use trustloop_domain::rating::CheckedForm;

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// Hands an answer to the intake task; returns once it is committed or refused.
    async fn send_to_intake(&self, sent: Sent, today: time::Date) -> StoreResult<IntakeOutcome> {
        let (reply, outcome) = oneshot::channel();
        let job = IntakeJob { sent, today, reply };
        // Cloned out of the lock: a closing store waits for the answers already sent.
        let intake = self.intake.lock().expect("never poisoned").clone();
        let Some(intake) = intake else {
            return Err(sqlx::Error::PoolClosed.into());
        };
        if intake.send(job).await.is_err() {
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
        let Some(row) = row else { return Ok(None) };
        let mut invitation = Self::survey_invitation_from_row(&row)?;
        invitation.completed = self.is_answered(invitation.id.0).await?;
        Ok(Some(invitation))
    }

    /// Empties the write-ahead log where the store keeps one ([`Backend::TRUNCATE_LOG`]),
    /// trying a few times while readers still use it; a log that cannot be emptied now is
    /// emptied by a later checkpoint, and said so in the log.
    pub(crate) async fn truncate_log(&self) {
        let Some(truncate) = DB::TRUNCATE_LOG else {
            return;
        };
        for attempt in 1..=5 {
            // The pragma answers (busy, pages in the log, pages copied); busy = 1 when a
            // reader or writer kept it from finishing.
            match sqlx::query(truncate).fetch_one(&self.pool).await {
                Ok(row) if row.try_get::<i64, _>(0).is_ok_and(|busy| busy == 0) => return,
                Ok(_) => tracing::debug!(attempt, "the log is in use; truncating it again"),
                Err(error) => {
                    tracing::warn!(%error, "the log could not be truncated");
                    return;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
        }
        tracing::warn!(
            "the log could not be truncated while readers used it; a later checkpoint will"
        );
    }

    /// Whether an invitation has been answered: whether its ballot mark is used.
    pub(crate) async fn is_answered(&self, invitation: i64) -> StoreResult<bool> {
        let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM used_ballots WHERE mark = $1")
            .bind(self.key.ballot_mark(invitation).to_vec())
            .fetch_one(&self.pool)
            .await?;
        Ok(used > 0)
    }

    /// Turns the answered flags that versions before ballot marks kept on invitations into
    /// marks, once, in one transaction, and clears the flags (which said who answered).
    pub(crate) async fn mark_answered_flags(&self) -> StoreResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let rows = sqlx::query(
            "SELECT id, campaign_id, leader_id, rater_group FROM invitations WHERE completed <> 0",
        )
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            sqlx::query(
                "INSERT INTO used_ballots (mark, campaign_id, leader_id, rater_group)
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(self.key.ballot_mark(id).to_vec())
            .bind(row.try_get::<i64, _>("campaign_id")?)
            .bind(row.try_get::<i64, _>("leader_id")?)
            .bind(row.try_get::<String, _>("rater_group")?)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE invitations SET completed = 0 WHERE completed <> 0")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(
            answered = rows.len(),
            "answered flags of invitations turned into ballot marks"
        );
        Ok(())
    }
}

#[sql_impl]
#[async_trait]
impl<DB> AnswerStore for SqlStore<DB> {
    #[tracing::instrument(skip_all)]
    async fn invitation_by_token(&self, token_hash: &str) -> StoreResult<Option<SurveyInvitation>> {
        self.survey_invitation_where("i.token_hash = $1 AND $2 = 0", (token_hash, 0))
            .await
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign, leader = %leader))]
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
        stored_or_error(
            self.send_to_intake(Sent::Checked(invitation, answers.clone()), today)
                .await?,
        )
    }

    async fn submit_form(
        &self,
        token_hash: &str,
        form: CheckedForm,
        today: time::Date,
    ) -> StoreResult<IntakeOutcome> {
        self.send_to_intake(Sent::Form(token_hash.to_owned(), form), today)
            .await
    }

    #[tracing::instrument(skip_all, fields(answers = answers.len()))]
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
        // All or none: any refusal is the error.
        Self::accept_batch(
            &mut *self.pool.acquire().await?,
            &self.key,
            &self.instruments,
            &sent,
            true,
        )
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign, leader = %leader))]
    async fn answered_by_group(
        &self,
        campaign: CampaignId,
        leader: PersonId,
    ) -> StoreResult<BTreeMap<RaterGroup, u32>> {
        let rows = sqlx::query(
            "SELECT rater_group, COUNT(*) AS n FROM used_ballots
             WHERE campaign_id = $1 AND leader_id = $2 GROUP BY rater_group",
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

    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
    async fn pending_answers(&self, campaign: CampaignId) -> StoreResult<u64> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM pending_answers WHERE campaign_id = $1")
                .bind(campaign.0)
                .fetch_one(&self.pool)
                .await?;
        Ok(n as u64)
    }
}
