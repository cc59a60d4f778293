//! The learning module's progress ([`LearningStore`]): lesson versions opened and read, check
//! attempts, and reflections sealed with the seal key and bound to their person, lesson and
//! prompt (a sealed answer copied to another person's row does not open).

use super::*;
use crate::LearningStore;

/// What a reflection's seal holds: the answer and whose answer to what it is, checked when it
/// is opened.
#[derive(serde::Serialize, serde::Deserialize)]
struct SealedReflection {
    person: i64,
    lesson: String,
    prompt: String,
    text: String,
}

/// A count or score read back as `u32`.
fn count(value: i64, what: &str) -> StoreResult<u32> {
    u32::try_from(value).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// Adds `person`'s progress row for `lesson`, opened at `at`, unless there is one, on
    /// `conn`.
    async fn open_lesson_on(
        conn: &mut DB::Connection,
        person: PersonId,
        lesson: &LessonVersion,
        at: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO lesson_progress (person_id, lesson_id, version, opened_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (person_id, lesson_id, version) DO NOTHING",
        )
        .bind(person.0)
        .bind(lesson.lesson.as_str())
        .bind(i64::from(lesson.version))
        .bind(at)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}

#[sql_impl]
#[async_trait]
impl<DB> LearningStore for SqlStore<DB> {
    #[tracing::instrument(skip_all, fields(person = %person, lesson = %lesson.lesson))]
    async fn record_lesson_opened(
        &self,
        person: PersonId,
        lesson: &LessonVersion,
        at: i64,
    ) -> StoreResult<()> {
        Self::open_lesson_on(&mut *self.pool.acquire().await?, person, lesson, at).await
    }

    #[tracing::instrument(skip_all, fields(person = %person, lesson = %lesson.lesson))]
    async fn record_lesson_read(
        &self,
        person: PersonId,
        lesson: &LessonVersion,
        at: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO lesson_progress (person_id, lesson_id, version, opened_at, read_at)
             VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (person_id, lesson_id, version)
             DO UPDATE SET read_at = COALESCE(lesson_progress.read_at, excluded.read_at)",
        )
        .bind(person.0)
        .bind(lesson.lesson.as_str())
        .bind(i64::from(lesson.version))
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(person = %person, lesson = %lesson.lesson))]
    async fn record_check_attempt(
        &self,
        person: PersonId,
        lesson: &LessonVersion,
        attempt: CheckAttempt,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        Self::open_lesson_on(&mut tx, person, lesson, attempt.at).await?;
        sqlx::query(
            "INSERT INTO check_attempts (person_id, lesson_id, version, at, score, passed)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(person.0)
        .bind(lesson.lesson.as_str())
        .bind(i64::from(lesson.version))
        .bind(attempt.at)
        .bind(i64::from(attempt.score))
        .bind(i64::from(attempt.passed))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(person = %person))]
    async fn learning_progress(&self, person: PersonId) -> StoreResult<Vec<LessonProgress>> {
        let attempts = "FROM check_attempts a WHERE a.person_id = p.person_id
                        AND a.lesson_id = p.lesson_id AND a.version = p.version";
        let rows = sqlx::query(&format!(
            "SELECT p.lesson_id, p.version, p.opened_at, p.read_at,
                    (SELECT COUNT(*) {attempts}) AS attempts,
                    (SELECT a.score {attempts} ORDER BY a.id DESC LIMIT 1) AS last_score,
                    (SELECT MAX(a.score) {attempts}) AS best_score,
                    (SELECT MAX(a.passed) {attempts}) AS passed
             FROM lesson_progress p WHERE p.person_id = $1
             ORDER BY p.lesson_id, p.version"
        ))
        .bind(person.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let score = |column: &str| -> StoreResult<Option<u32>> {
                    row.try_get::<Option<i64>, _>(column)?
                        .map(|s| count(s, column))
                        .transpose()
                };
                Ok(LessonProgress {
                    lesson: row.try_get("lesson_id")?,
                    version: count(row.try_get("version")?, "version")?,
                    opened_at: row.try_get("opened_at")?,
                    read_at: row.try_get("read_at")?,
                    attempts: count(row.try_get("attempts")?, "attempts")?,
                    last_score: score("last_score")?,
                    best_score: score("best_score")?,
                    passed: row.try_get::<Option<i64>, _>("passed")? == Some(1),
                })
            })
            .collect()
    }

    // The text is sealed with the person, lesson and prompt inside the seal: a row's sealed
    // value copied onto another person's row would open as someone else's and is refused.
    #[tracing::instrument(skip_all, fields(person = %person, lesson))]
    async fn save_reflection(
        &self,
        person: PersonId,
        lesson: &str,
        prompt: &str,
        text: &str,
        at: i64,
    ) -> StoreResult<()> {
        if text.trim().is_empty() {
            sqlx::query(
                "DELETE FROM reflections WHERE person_id = $1 AND lesson_id = $2 AND prompt_id = $3",
            )
            .bind(person.0)
            .bind(lesson)
            .bind(prompt)
            .execute(&self.pool)
            .await?;
            return Ok(());
        }
        let plain = serde_json::to_vec(&SealedReflection {
            person: person.0,
            lesson: lesson.into(),
            prompt: prompt.into(),
            text: text.into(),
        })
        .map_err(|e| StoreError::Corrupt(format!("reflection: {e}")))?;
        let sealed = self.key.seal(Purpose::Reflection, &plain);
        sqlx::query(
            "INSERT INTO reflections (person_id, lesson_id, prompt_id, sealed, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (person_id, lesson_id, prompt_id)
             DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
        )
        .bind(person.0)
        .bind(lesson)
        .bind(prompt)
        .bind(sealed)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(person = %person, lesson))]
    async fn reflections(
        &self,
        person: PersonId,
        lesson: &str,
    ) -> StoreResult<Vec<ReflectionNote>> {
        let rows = sqlx::query(
            "SELECT prompt_id, sealed, updated_at FROM reflections
             WHERE person_id = $1 AND lesson_id = $2 ORDER BY prompt_id",
        )
        .bind(person.0)
        .bind(lesson)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let prompt: String = row.try_get("prompt_id")?;
                let sealed: Vec<u8> = row.try_get("sealed")?;
                let opened: SealedReflection =
                    serde_json::from_slice(&self.key.open(Purpose::Reflection, &sealed)?)
                        .map_err(|e| StoreError::Corrupt(format!("reflection: {e}")))?;
                if opened.person != person.0 || opened.lesson != lesson || opened.prompt != prompt
                {
                    return Err(StoreError::Corrupt(
                        "a reflection is stored under another person, lesson or prompt than it was written for".into(),
                    ));
                }
                Ok(ReflectionNote {
                    prompt,
                    text: opened.text,
                    updated_at: row.try_get("updated_at")?,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn team_learning(&self) -> StoreResult<Vec<TeamLearning>> {
        let learners = sqlx::query(
            "SELECT t.name AS team, COUNT(DISTINCT p.person_id) AS learners
             FROM lesson_progress p JOIN people e ON e.id = p.person_id
             JOIN teams t ON t.id = e.team_id GROUP BY t.name ORDER BY t.name",
        )
        .fetch_all(&self.pool)
        .await?;
        let read = sqlx::query(
            "SELECT t.name AS team, p.lesson_id,
                    COUNT(DISTINCT CASE WHEN p.read_at IS NOT NULL THEN p.person_id END) AS n
             FROM lesson_progress p JOIN people e ON e.id = p.person_id
             JOIN teams t ON t.id = e.team_id GROUP BY t.name, p.lesson_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let passed = sqlx::query(
            "SELECT t.name AS team, a.lesson_id, COUNT(DISTINCT a.person_id) AS n
             FROM check_attempts a JOIN people e ON e.id = a.person_id
             JOIN teams t ON t.id = e.team_id WHERE a.passed = 1 GROUP BY t.name, a.lesson_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut teams: BTreeMap<String, TeamLearning> = BTreeMap::new();
        for row in &learners {
            let team: String = row.try_get("team")?;
            teams.insert(
                team.clone(),
                TeamLearning {
                    team,
                    learners: count(row.try_get("learners")?, "learners")?,
                    lessons: Vec::new(),
                },
            );
        }
        let mut counts: BTreeMap<(String, String), (u32, u32)> = BTreeMap::new();
        for row in &read {
            let key = (row.try_get("team")?, row.try_get("lesson_id")?);
            counts.entry(key).or_default().0 = count(row.try_get("n")?, "read")?;
        }
        for row in &passed {
            let key = (row.try_get("team")?, row.try_get("lesson_id")?);
            counts.entry(key).or_default().1 = count(row.try_get("n")?, "passed")?;
        }
        for ((team, lesson), (read, passed)) in counts {
            if let Some(entry) = teams.get_mut(&team) {
                entry.lessons.push(TeamLessonCounts {
                    lesson,
                    read,
                    passed,
                });
            }
        }
        Ok(teams.into_values().collect())
    }
}
