//! The learning module "Building trust and relationships": lessons as versioned Markdown files
//! with TOML front matter (the format is described in `lessons/README.md`), each with reflection
//! prompts, a knowledge check and one practice.
//!
//! A [`Library`] holds every lesson the server offers: the built-in ones, embedded from
//! `lessons/en/*.md` and registered in [`BUILT_IN`] like the instrument versions, and any an
//! organisation adds as files in a configured folder. Every file is checked when the library
//! is made (at start-up and in the tests): a broken one is refused with its file and line.
//! [`render`] turns a lesson's body into HTML with raw HTML dropped; [`Lesson::check`] scores a
//! knowledge check.

mod parse;
mod render;

pub use parse::parse_lesson;
pub use render::render;

use crate::model::Element;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The built-in module's id.
pub const BUILT_IN_MODULE: &str = "building-trust";

/// The share of a knowledge check's questions (in percent) answered right that passes it.
pub const PASS_MARK: u32 = 80;

/// The lessons shipped with this build, as (file name, text), in the order of their module.
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "01-why-trust-matters.md",
        include_str!("../lessons/en/01-why-trust-matters.md"),
    ),
    (
        "02-positive-relationships.md",
        include_str!("../lessons/en/02-positive-relationships.md"),
    ),
    (
        "03-good-judgement.md",
        include_str!("../lessons/en/03-good-judgement.md"),
    ),
    (
        "04-consistency.md",
        include_str!("../lessons/en/04-consistency.md"),
    ),
    (
        "05-trust-across-differences.md",
        include_str!("../lessons/en/05-trust-across-differences.md"),
    ),
    (
        "06-trust-in-change.md",
        include_str!("../lessons/en/06-trust-in-change.md"),
    ),
    (
        "07-trust-after-a-breach.md",
        include_str!("../lessons/en/07-trust-after-a-breach.md"),
    ),
];

/// The ids of the built-in lessons for the three situations that make trust hard, which the
/// product links to from a change event and from a breach.
pub const TRUST_IN_CHANGE: &str = "trust-in-change";
/// The lesson a recorded breach links to.
pub const TRUST_AFTER_A_BREACH: &str = "trust-after-a-breach";

/// One lesson, checked: every question has exactly one correct option and an explanation for
/// each, ids are unique, and its body holds no raw HTML and only links to other lessons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    /// Unique across the library: lowercase letters, digits and `-`.
    pub id: String,
    /// The module it belongs to (`building-trust` for the built-in one).
    pub module: String,
    /// The module's title, shown above its lessons.
    pub module_title: String,
    /// Its position in its module, from 1.
    pub order: u32,
    /// The title.
    pub title: String,
    /// The element of trust it teaches, if one.
    pub element: Option<Element>,
    /// Its version: a changed text gets the next one, and progress is kept per version.
    pub version: u32,
    /// The language of its text (`en`).
    pub language: String,
    /// Estimated reading time in minutes.
    pub minutes: u32,
    /// One sentence shown on the lesson list.
    pub summary: String,
    /// The one practice it suggests.
    pub practice: Practice,
    /// Reflection prompts; the answers are private to the learner.
    pub reflections: Vec<Reflection>,
    /// The knowledge check.
    pub questions: Vec<Question>,
    /// The body, Markdown.
    pub body: String,
    /// The file it was read from, for messages.
    pub file: String,
}

/// What a lesson suggests doing: what becomes a plan action or a ledger commitment in one
/// click once those exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Practice {
    /// What to do, in at most 80 characters: the action's or commitment's title.
    pub title: String,
    /// What to do, with whom and how to know it worked.
    pub text: String,
    /// The element the practice builds.
    pub element: Element,
    /// The suggested target date, in days from the day it is taken up.
    pub days: u32,
}

/// A reflection prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reflection {
    /// Unique within its lesson.
    pub id: String,
    /// The question the learner answers for themselves.
    pub prompt: String,
}

/// A knowledge-check question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Unique within its lesson.
    pub id: String,
    /// The question.
    pub text: String,
    /// Three or four options, exactly one correct.
    pub options: Vec<Choice>,
}

impl Question {
    /// The position of the correct option.
    pub fn correct(&self) -> usize {
        self.options.iter().position(|o| o.correct).unwrap_or(0)
    }
}

/// One option of a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The option.
    pub text: String,
    /// Whether it is the right answer.
    pub correct: bool,
    /// Why it is right, or why not: shown after the check is submitted.
    pub explanation: String,
}

/// Why a lesson file was refused: the file, the line (from 1) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct LessonError {
    /// The file's name.
    pub file: String,
    /// The line of the file where the problem is.
    pub line: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// The answers given to a knowledge check: for each question id, the position of the option
/// chosen.
pub type CheckAnswers = BTreeMap<String, usize>;

/// A knowledge check, scored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// Questions answered right.
    pub correct: u32,
    /// Questions asked.
    pub total: u32,
    /// The share answered right, in whole percent (rounded down, so a pass is never rounded
    /// up into being).
    pub score: u32,
    /// Whether the score reaches [`PASS_MARK`].
    pub passed: bool,
    /// For each question in order: the option chosen and the correct one.
    pub marks: Vec<(usize, usize)>,
}

/// Why a knowledge check's answers were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// A question has no answer.
    #[error("answer every question: \"{0}\" has no answer")]
    Unanswered(String),
    /// An answer names an option the question does not have, or a question the lesson does
    /// not have.
    #[error("the answers do not match this lesson's questions (reload the page)")]
    Mismatch,
}

impl Lesson {
    /// Scores `answers`: each question needs exactly one answer among its options.
    pub fn check(&self, answers: &CheckAnswers) -> Result<CheckResult, CheckError> {
        if answers
            .keys()
            .any(|id| !self.questions.iter().any(|q| &q.id == id))
        {
            return Err(CheckError::Mismatch);
        }
        let mut marks = Vec::with_capacity(self.questions.len());
        for question in &self.questions {
            let chosen = *answers
                .get(&question.id)
                .ok_or_else(|| CheckError::Unanswered(question.text.clone()))?;
            if chosen >= question.options.len() {
                return Err(CheckError::Mismatch);
            }
            marks.push((chosen, question.correct()));
        }
        let total = u32::try_from(marks.len()).unwrap_or(u32::MAX);
        let correct = u32::try_from(marks.iter().filter(|(c, r)| c == r).count()).unwrap_or(0);
        let score = (correct * 100).checked_div(total).unwrap_or(0);
        Ok(CheckResult {
            correct,
            total,
            score,
            passed: score >= PASS_MARK,
            marks,
        })
    }

    /// The reflection prompt `id`, if the lesson has it.
    pub fn reflection(&self, id: &str) -> Option<&Reflection> {
        self.reflections.iter().find(|r| r.id == id)
    }
}

/// Every lesson the server offers, checked together: ids unique, positions unique within each
/// module, and every `lesson:` link naming a lesson in the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Library {
    /// By module (the built-in one first), then position.
    lessons: Vec<Lesson>,
    by_id: HashMap<String, usize>,
}

impl Library {
    /// The built-in lessons only.
    pub fn built_in() -> Library {
        Library::with_extra(&[]).expect("the built-in lessons are checked by tests")
    }

    /// The built-in lessons and `extra` (an organisation's files, as (file name, text)),
    /// checked together.
    pub fn with_extra(extra: &[(String, String)]) -> Result<Library, LessonError> {
        let files = BUILT_IN
            .iter()
            .map(|(file, text)| (file.to_string(), text.to_string()))
            .chain(extra.iter().cloned());
        let mut lessons = Vec::new();
        for (file, text) in files {
            lessons.push((parse_lesson(&file, &text)?, text));
        }
        Library::from_parsed(lessons)
    }

    /// Checks lessons (each with its file's text, for line numbers) against each other.
    fn from_parsed(parsed: Vec<(Lesson, String)>) -> Result<Library, LessonError> {
        let mut by_id: HashMap<String, usize> = HashMap::new();
        let mut places: HashSet<(String, u32)> = HashSet::new();
        let mut titles: HashMap<String, String> = HashMap::new();
        for (n, (lesson, text)) in parsed.iter().enumerate() {
            let at = |key: &str, message: String| LessonError {
                file: lesson.file.clone(),
                line: parse::line_of_key(text, key),
                message,
            };
            if let Some(other) = by_id.insert(lesson.id.clone(), n) {
                return Err(at(
                    "id",
                    format!(
                        "the lesson id {:?} is already used by {}",
                        lesson.id, parsed[other].0.file
                    ),
                ));
            }
            if !places.insert((lesson.module.clone(), lesson.order)) {
                return Err(at(
                    "order",
                    format!(
                        "another lesson of module {:?} already has order {}",
                        lesson.module, lesson.order
                    ),
                ));
            }
            let title = titles
                .entry(lesson.module.clone())
                .or_insert_with(|| lesson.module_title.clone());
            if *title != lesson.module_title {
                return Err(at(
                    "module_title",
                    format!(
                        "module {:?} is called {:?} by its other lessons",
                        lesson.module, title
                    ),
                ));
            }
        }
        for (lesson, text) in &parsed {
            for (target, line) in parse::lesson_links(text) {
                if !by_id.contains_key(&target) {
                    return Err(LessonError {
                        file: lesson.file.clone(),
                        line,
                        message: format!("the link lesson:{target} names no lesson"),
                    });
                }
            }
        }
        let mut lessons: Vec<Lesson> = parsed.into_iter().map(|(l, _)| l).collect();
        lessons.sort_by(|a, b| {
            (a.module != BUILT_IN_MODULE, &a.module, a.order).cmp(&(
                b.module != BUILT_IN_MODULE,
                &b.module,
                b.order,
            ))
        });
        let by_id = lessons
            .iter()
            .enumerate()
            .map(|(n, l)| (l.id.clone(), n))
            .collect();
        Ok(Library { lessons, by_id })
    }

    /// Every lesson, by module (the built-in one first), then position.
    pub fn lessons(&self) -> &[Lesson] {
        &self.lessons
    }

    /// The lesson `id`.
    pub fn lesson(&self, id: &str) -> Option<&Lesson> {
        self.by_id.get(id).map(|n| &self.lessons[*n])
    }

    /// The built-in lesson on `element`: where a report's focus element links.
    pub fn for_element(&self, element: Element) -> Option<&Lesson> {
        self.lessons
            .iter()
            .find(|l| l.module == BUILT_IN_MODULE && l.element == Some(element))
    }
}

impl Default for Library {
    fn default() -> Self {
        Library::built_in()
    }
}

#[cfg(test)]
mod tests;
