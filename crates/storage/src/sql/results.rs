//! Results ([`ResultStore`]): the released answers and what is kept of them (scores on each
//! response, team sums, campaign contexts).

use super::*;
use crate::ResultStore;

#[sql_impl]
impl<DB> SqlStore<DB> {
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
}

#[sql_impl]
#[async_trait]
impl<DB> ResultStore for SqlStore<DB> {
    #[tracing::instrument(skip_all, fields(campaign = %campaign, leader = %leader))]
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
            .map(Self::comment_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((responses, comments))
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
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

    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
    async fn team_sums(&self, campaign: CampaignId) -> StoreResult<Vec<(String, TeamSums)>> {
        self.read_team_sums(campaign, true).await
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
    async fn team_totals(&self, campaign: CampaignId) -> StoreResult<Vec<(String, TeamTotals)>> {
        let sums = self.read_team_sums(campaign, false).await?;
        Ok(sums.into_iter().map(|(t, s)| (t, s.into())).collect())
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
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

    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
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

    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
    async fn segment_answers(&self, campaign: CampaignId) -> StoreResult<Vec<SegmentAnswer>> {
        self.score_older_responses(campaign).await?;
        let rows = sqlx::query(
            "SELECT team, rater_attributes, m0, m1, m2, m3 FROM responses
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
                    team: row.try_get("team")?,
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

    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
    async fn campaign_context(&self, campaign: CampaignId) -> StoreResult<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT context FROM campaign_contexts WHERE campaign_id = $1")
                .bind(campaign.0)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    #[tracing::instrument(skip_all, fields(campaign = %campaign))]
    async fn save_campaign_context(&self, campaign: CampaignId, context: &str) -> StoreResult<()> {
        sqlx::query("INSERT INTO campaign_contexts (campaign_id, context) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(campaign.0)
            .bind(context)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
