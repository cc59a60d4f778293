//! The learning module: lessons with each learner's progress and their latest element scores,
//! lesson reading, knowledge checks, private reflections, and the organisation's view of
//! completion by team (teams of at least k learners only, audited).
//!
//! A learner is a person of the organisation: progress and reflections belong to a person, and
//! every use case here takes the signed-in user's own person, never another's. Reflections are
//! read by [`lesson`] only, for the learner themselves: no use case reads another person's.

use crate::{App, Error, Result, now};
use std::path::Path;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::learning::{CheckAnswers, CheckResult, Lesson, Library};
use trustloop_domain::model::Element;
use trustloop_domain::privacy::PrivacyRules;
use trustloop_domain::scoring::Score;
use trustloop_storage::{
    Campaign, CheckAttempt, LessonProgress, LessonVersion, PersonId, ReflectionNote,
};

/// The longest reflection answer kept, in characters.
pub const REFLECTION_MAX_CHARS: usize = 10_000;

/// The built-in lessons and the organisation's own from `folder` (every `*.md` file in it, in
/// name order), all checked: a broken file is refused with its path and line, which stops the
/// server from starting.
pub fn load_library(folder: Option<&Path>) -> anyhow::Result<Library> {
    let mut extra = Vec::new();
    if let Some(folder) = folder {
        let entries = std::fs::read_dir(folder).map_err(|e| {
            anyhow::anyhow!("cannot read the lessons folder {}: {e}", folder.display())
        })?;
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry
                .map_err(|e| {
                    anyhow::anyhow!("cannot read the lessons folder {}: {e}", folder.display())
                })?
                .path();
            if path.extension().is_some_and(|e| e == "md") {
                paths.push(path);
            }
        }
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| anyhow::anyhow!("cannot read the lesson {}: {e}", path.display()))?;
            extra.push((path.display().to_string(), text));
        }
    }
    Library::with_extra(&extra).map_err(|e| anyhow::anyhow!("a lesson is not valid: {e}"))
}

/// A lesson with the learner's progress on its current version.
#[derive(Debug, Clone)]
pub struct LessonStatus {
    /// The lesson.
    pub lesson: Lesson,
    /// The learner's progress on its current version, if they opened it.
    pub progress: Option<LessonProgress>,
}

/// A leader's element scores from their latest closed campaign.
#[derive(Debug, Clone)]
pub struct LatestScores {
    /// The campaign they come from.
    pub campaign: Campaign,
    /// Others' pooled score per element, in the order of [`Element::ALL`], when shown.
    pub elements: Vec<(Element, Option<Score>)>,
}

impl LatestScores {
    /// Others' score on `element`, if shown.
    pub fn of(&self, element: Element) -> Option<&Score> {
        self.elements
            .iter()
            .find(|(e, _)| *e == element)
            .and_then(|(_, s)| s.as_ref())
    }
}

/// The learner's page: every lesson with their progress, and their latest element scores.
#[derive(Debug, Clone)]
pub struct Overview {
    /// Every lesson, by module and position.
    pub lessons: Vec<LessonStatus>,
    /// The learner's scores from their latest closed campaign, if they have one.
    pub scores: Option<LatestScores>,
}

impl Overview {
    /// Lessons whose current version the learner marked read.
    pub fn read(&self) -> usize {
        self.lessons
            .iter()
            .filter(|l| l.progress.as_ref().is_some_and(|p| p.read_at.is_some()))
            .count()
    }

    /// Lessons whose current version's check the learner passed.
    pub fn passed(&self) -> usize {
        self.lessons
            .iter()
            .filter(|l| l.progress.as_ref().is_some_and(|p| p.passed))
            .count()
    }
}

/// The lesson `id`, or "not found".
fn find<'a>(app: &'a App, id: &str) -> Result<&'a Lesson> {
    app.lessons.lesson(id).ok_or(Error::NotFound("lesson"))
}

fn version_of(lesson: &Lesson) -> LessonVersion {
    LessonVersion {
        lesson: lesson.id.clone(),
        version: lesson.version,
    }
}

/// `learner`'s progress on each lesson's current version.
async fn progress(app: &App, learner: Option<PersonId>) -> Result<Vec<LessonStatus>> {
    let mine = match learner {
        Some(person) => app.store.learning_progress(person).await?,
        None => Vec::new(),
    };
    Ok(app
        .lessons
        .lessons()
        .iter()
        .map(|lesson| LessonStatus {
            progress: mine
                .iter()
                .find(|p| p.lesson == lesson.id && p.version == lesson.version)
                .cloned(),
            lesson: lesson.clone(),
        })
        .collect())
}

/// The leader's element scores (others' pooled) from their latest closed campaign.
pub async fn latest_scores(app: &App, leader: PersonId) -> Result<Option<LatestScores>> {
    let latest = app
        .store
        .campaigns_led_by(leader)
        .await?
        .into_iter()
        .filter(|c| c.status == CampaignStatus::Closed)
        .max_by_key(|c| c.id.0);
    let Some(campaign) = latest else {
        return Ok(None);
    };
    let loaded = crate::reports::load(app, campaign.id, leader).await?;
    let elements = loaded
        .report()
        .elements
        .iter()
        .filter_map(|row| Some((row.element?, row.others.clone())))
        .collect();
    Ok(Some(LatestScores {
        campaign: loaded.campaign,
        elements,
    }))
}

/// The learner's page. `learner` is the signed-in user's person (`None` for an account without
/// one, which sees the lessons without progress).
#[tracing::instrument(skip_all)]
pub async fn overview(app: &App, learner: Option<PersonId>) -> Result<Overview> {
    let scores = match learner {
        Some(person) => latest_scores(app, person).await?,
        None => None,
    };
    Ok(Overview {
        lessons: progress(app, learner).await?,
        scores,
    })
}

/// A lesson as its learner sees it: their progress and their own reflections.
#[derive(Debug, Clone)]
pub struct LessonView {
    /// The lesson with the learner's progress.
    pub status: LessonStatus,
    /// The learner's own answers to its reflection prompts.
    pub reflections: Vec<ReflectionNote>,
    /// The lesson before and after it in its module, for the page's links.
    pub neighbours: (Option<Lesson>, Option<Lesson>),
}

/// Opens lesson `id` for `learner` (recording that they opened it) with their progress and
/// their own reflections.
#[tracing::instrument(skip_all, fields(lesson = id))]
pub async fn lesson(app: &App, learner: Option<PersonId>, id: &str) -> Result<LessonView> {
    let lesson = find(app, id)?;
    let reflections = match learner {
        Some(person) => {
            app.store
                .record_lesson_opened(person, &version_of(lesson), now())
                .await?;
            app.store.reflections(person, &lesson.id).await?
        }
        None => Vec::new(),
    };
    let status = progress(app, learner)
        .await?
        .into_iter()
        .find(|s| s.lesson.id == lesson.id)
        .ok_or(Error::NotFound("lesson"))?;
    let module: Vec<&Lesson> = app
        .lessons
        .lessons()
        .iter()
        .filter(|l| l.module == lesson.module)
        .collect();
    let at = module.iter().position(|l| l.id == lesson.id).unwrap_or(0);
    let neighbours = (
        at.checked_sub(1).map(|n| module[n].clone()),
        module.get(at + 1).map(|l| (*l).clone()),
    );
    Ok(LessonView {
        status,
        reflections,
        neighbours,
    })
}

/// Marks lesson `id` read by `learner`.
#[tracing::instrument(skip_all, fields(lesson = id))]
pub async fn mark_read(app: &App, learner: PersonId, id: &str) -> Result<()> {
    let lesson = find(app, id)?;
    app.store
        .record_lesson_read(learner, &version_of(lesson), now())
        .await?;
    Ok(())
}

/// Scores `learner`'s answers to lesson `id`'s knowledge check and records the attempt; any
/// number of attempts may be made.
#[tracing::instrument(skip_all, fields(lesson = id))]
pub async fn take_check(
    app: &App,
    learner: PersonId,
    id: &str,
    answers: &CheckAnswers,
) -> Result<(Lesson, CheckResult)> {
    let lesson = find(app, id)?;
    let result = lesson
        .check(answers)
        .map_err(|e| Error::Invalid(e.to_string()))?;
    app.store
        .record_check_attempt(
            learner,
            &version_of(lesson),
            CheckAttempt {
                at: now(),
                score: result.score,
                passed: result.passed,
            },
        )
        .await?;
    Ok((lesson.clone(), result))
}

/// Keeps `learner`'s answers to lesson `id`'s reflection prompts, as (prompt id, text); an
/// empty text deletes that answer.
#[tracing::instrument(skip_all, fields(lesson = id))]
pub async fn save_reflections(
    app: &App,
    learner: PersonId,
    id: &str,
    answers: &[(String, String)],
) -> Result<()> {
    let lesson = find(app, id)?;
    for (prompt, text) in answers {
        if lesson.reflection(prompt).is_none() {
            return Err(Error::Invalid(
                "the answers do not match this lesson's prompts (reload the page)".into(),
            ));
        }
        if text.chars().count() > REFLECTION_MAX_CHARS {
            return Err(Error::Invalid(format!(
                "an answer can be at most {REFLECTION_MAX_CHARS} characters"
            )));
        }
    }
    let at = now();
    for (prompt, text) in answers {
        app.store
            .save_reflection(learner, &lesson.id, prompt, text.trim(), at)
            .await?;
    }
    Ok(())
}

/// One team in the organisation's view of learning.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamProgress {
    /// The team's name.
    pub team: String,
    /// People of the team who opened any lesson.
    pub learners: u32,
    /// The share of (learner, lesson) pairs read, in percent of learners × lessons.
    pub completion: f64,
    /// The share of (learner, lesson) pairs whose check was passed, in percent.
    pub pass_rate: f64,
}

/// The organisation's view of learning: teams of at least `k` learners, counts only.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamView {
    /// The smallest team shown (the product's minimum for team views).
    pub k: u32,
    /// The lessons the rates are over.
    pub lessons: usize,
    /// Teams of at least `k` learners, by name.
    pub teams: Vec<TeamProgress>,
    /// How many teams have learners but fewer than `k`: not shown, not even by name.
    pub hidden: usize,
}

/// Completion and check pass rates by team, for an admin; teams with fewer than k learners
/// are left out (and no total is shown, which would let the left-out teams be worked out).
/// Never a person's answers or reflections: the store gives counts only. Audited like every
/// view of team results (`via` says which page or the API).
#[tracing::instrument(skip_all)]
pub async fn team_view(app: &App, actor: &crate::Actor, via: &str) -> Result<TeamView> {
    let k = PrivacyRules::default().min_team;
    let counts = app.store.team_learning().await?;
    app.audit(actor, "learning_progress_viewed", "teams", via)
        .await?;
    let lessons = app.lessons.lessons();
    let known = |id: &str| lessons.iter().any(|l| l.id == id);
    let mut hidden = 0;
    let mut teams = Vec::new();
    for team in counts {
        if team.learners < k {
            hidden += 1;
            continue;
        }
        let pairs = f64::from(team.learners) * lessons.len() as f64;
        let (read, passed) = team
            .lessons
            .iter()
            .filter(|l| known(&l.lesson))
            .fold((0u32, 0u32), |(r, p), l| (r + l.read, p + l.passed));
        let rate = |n: u32| {
            if pairs > 0.0 {
                100.0 * f64::from(n) / pairs
            } else {
                0.0
            }
        };
        teams.push(TeamProgress {
            team: team.team,
            learners: team.learners,
            completion: rate(read),
            pass_rate: rate(passed),
        });
    }
    Ok(TeamView {
        k,
        lessons: lessons.len(),
        teams,
        hidden,
    })
}

/// The lesson a report's focus element links to, if the library has one.
pub fn lesson_for(library: &Library, element: Element) -> Option<String> {
    library.for_element(element).map(|l| l.id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../domain/tests/fixtures/lessons"
    );

    #[test]
    fn an_organisations_folder_adds_its_lessons_after_the_built_in_ones() {
        let library = load_library(Some(Path::new(&format!("{FIXTURES}/valid")))).expect("valid");
        let built_in = Library::built_in().lessons().len();
        assert_eq!(library.lessons().len(), built_in + 2);
        assert_eq!(library.lessons()[built_in].id, "fixture-listening");
        assert_eq!(load_library(None).expect("built-in"), Library::built_in());
    }

    #[test]
    fn a_broken_file_or_a_missing_folder_is_refused_with_where() {
        let dir = tempfile::tempdir().expect("dir");
        let broken =
            std::fs::read_to_string(format!("{FIXTURES}/broken/raw-html.md")).expect("fixture");
        std::fs::write(dir.path().join("ours.md"), broken).expect("written");
        std::fs::write(dir.path().join("notes.txt"), "not a lesson").expect("written");
        let error = load_library(Some(dir.path()))
            .expect_err("refused")
            .to_string();
        let expected = format!("{}:81: raw HTML", dir.path().join("ours.md").display());
        assert!(error.contains(&expected), "{error}");
        let error = load_library(Some(&dir.path().join("missing")))
            .expect_err("refused")
            .to_string();
        assert!(error.contains("cannot read the lessons folder"), "{error}");
    }
}
