//! The learning module's progress: what each person opened, read and passed, their reflections
//! (sealed: readable through [`LearningStore::reflections`] only, which the layers above call for
//! the learner themselves), and the counts by team the organisation view shows.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;

/// Each person's learning, and the counts by team.
#[async_trait]
pub trait LearningStore: Send + Sync {
    /// Records that `person` opened `lesson` at `at`; the first opening is kept.
    async fn record_lesson_opened(
        &self,
        person: PersonId,
        lesson: &LessonVersion,
        at: i64,
    ) -> StoreResult<()>;
    /// Records that `person` read `lesson` at `at` (opening it too, if it was not); the first
    /// reading is kept.
    async fn record_lesson_read(
        &self,
        person: PersonId,
        lesson: &LessonVersion,
        at: i64,
    ) -> StoreResult<()>;
    /// Records a knowledge-check attempt of `person` on `lesson` (opening it too, if it was
    /// not), in one transaction.
    async fn record_check_attempt(
        &self,
        person: PersonId,
        lesson: &LessonVersion,
        attempt: CheckAttempt,
    ) -> StoreResult<()>;
    /// `person`'s progress on every lesson version they opened, by lesson id then version.
    async fn learning_progress(&self, person: PersonId) -> StoreResult<Vec<LessonProgress>>;
    /// Keeps `text` as `person`'s answer to reflection `prompt` of `lesson`, sealed; an empty
    /// text deletes the answer.
    async fn save_reflection(
        &self,
        person: PersonId,
        lesson: &str,
        prompt: &str,
        text: &str,
        at: i64,
    ) -> StoreResult<()>;
    /// `person`'s own answers to the reflection prompts of `lesson`, opened. Only ever called
    /// for the signed-in learner themselves.
    async fn reflections(&self, person: PersonId, lesson: &str)
    -> StoreResult<Vec<ReflectionNote>>;
    /// Every team's learners and, per lesson, how many of them read it and passed its check.
    async fn team_learning(&self) -> StoreResult<Vec<TeamLearning>>;
}
