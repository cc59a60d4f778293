//! The records of the learning module: a person's progress on each lesson version, their
//! knowledge-check attempts and reflections, and the counts the organisation view shows.

use serde::Serialize;

/// One lesson version, as progress is kept for it: a changed lesson text gets a new version,
/// and progress on the old one stays what it was.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LessonVersion {
    /// The lesson's id.
    pub lesson: String,
    /// Its version.
    pub version: u32,
}

/// A person's progress on one lesson version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LessonProgress {
    /// The lesson's id.
    pub lesson: String,
    /// The version read.
    pub version: u32,
    /// When they first opened it (Unix seconds).
    pub opened_at: i64,
    /// When they marked it read, if they did.
    pub read_at: Option<i64>,
    /// Knowledge-check attempts.
    pub attempts: u32,
    /// The score of the latest attempt, in percent.
    pub last_score: Option<u32>,
    /// The best score of any attempt, in percent.
    pub best_score: Option<u32>,
    /// Whether any attempt passed.
    pub passed: bool,
}

/// One knowledge-check attempt, scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckAttempt {
    /// When it was submitted (Unix seconds).
    pub at: i64,
    /// The share answered right, in percent.
    pub score: u32,
    /// Whether it reached the pass mark.
    pub passed: bool,
}

/// A learner's answer to one reflection prompt: readable by them only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReflectionNote {
    /// The prompt's id within its lesson.
    pub prompt: String,
    /// What they wrote.
    pub text: String,
    /// When they last changed it (Unix seconds).
    pub updated_at: i64,
}

/// How far one team's learners are with one lesson (any version): counts only, never who.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamLessonCounts {
    /// The lesson's id.
    pub lesson: String,
    /// Learners of the team who marked it read.
    pub read: u32,
    /// Learners of the team who passed its check.
    pub passed: u32,
}

/// One team's learning, in counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamLearning {
    /// The team's name.
    pub team: String,
    /// People of the team who opened any lesson.
    pub learners: u32,
    /// Per lesson any of them opened, by lesson id.
    pub lessons: Vec<TeamLessonCounts>,
}
