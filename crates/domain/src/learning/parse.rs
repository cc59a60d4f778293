//! Reading one lesson file: the TOML front matter between `+++` lines, then the Markdown body,
//! each checked, every refusal naming the line of the file it is about.

use super::{Choice, Lesson, LessonError, Practice, Question, Reflection};
use crate::model::Element;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag};
use serde::Deserialize;
use std::collections::HashSet;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLesson {
    id: String,
    module: String,
    module_title: String,
    order: u32,
    title: String,
    element: String,
    version: u32,
    language: String,
    minutes: u32,
    summary: String,
    practice: RawPractice,
    #[serde(default)]
    reflections: Vec<RawReflection>,
    #[serde(default)]
    questions: Vec<RawQuestion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPractice {
    title: String,
    text: String,
    element: String,
    days: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReflection {
    id: String,
    prompt: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: String,
    text: String,
    #[serde(default)]
    options: Vec<RawChoice>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    text: String,
    correct: bool,
    #[serde(default)]
    explanation: String,
}

/// The longest practice title: it becomes a plan action's or commitment's title.
const PRACTICE_TITLE_MAX: usize = 80;

/// The file's lines: the front matter is from line 2 (after the opening `+++`).
struct Source<'a> {
    file: &'a str,
    text: &'a str,
    /// The front matter's text.
    front: &'a str,
    /// The body's text and the line it starts on.
    body: &'a str,
    body_line: usize,
}

impl Source<'_> {
    fn error(&self, line: usize, message: impl Into<String>) -> LessonError {
        LessonError {
            file: self.file.to_string(),
            line,
            message: message.into(),
        }
    }

    /// The line of the `n`th (from 0) line that is `header` (such as `[[questions]]`) after
    /// line `after`, or `after` when there is none.
    fn header_line(&self, header: &str, n: usize, after: usize) -> usize {
        self.text
            .lines()
            .enumerate()
            .skip(after)
            .filter(|(_, l)| l.trim() == header)
            .nth(n)
            .map_or(after.max(1), |(i, _)| i + 1)
    }
}

/// The line (from 1) of the first top-level `key = …` of a lesson file's front matter, or 1.
pub(super) fn line_of_key(text: &str, key: &str) -> usize {
    text.lines()
        .enumerate()
        .skip(1)
        .take_while(|(_, l)| !l.trim_start().starts_with('[') && l.trim() != "+++")
        .find(|(_, l)| {
            l.split_once('=')
                .is_some_and(|(k, _)| k.trim() == key && !l.trim_start().starts_with('#'))
        })
        .map_or(1, |(i, _)| i + 1)
}

/// Every `lesson:` link in a lesson file's body, with the line it is on.
pub(super) fn lesson_links(text: &str) -> Vec<(String, usize)> {
    let Some((_, body, body_line)) = split(text) else {
        return Vec::new();
    };
    Parser::new(body)
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::Link { dest_url, .. }) => dest_url
                .strip_prefix("lesson:")
                .map(|id| (id.to_string(), body_line + line_at(body, range.start) - 1)),
            _ => None,
        })
        .collect()
}

/// The line (from 1) that byte `offset` of `text` is on.
fn line_at(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(0, |t| t.matches('\n').count()) + 1
}

/// The front matter and body of a lesson file, with the line the body starts on; `None` when
/// the file does not start with a `+++` line or the front matter is not closed.
fn split(text: &str) -> Option<(&str, &str, usize)> {
    let rest = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let front = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let body_line = 2 + front.matches('\n').count() + 1;
            return Some((front, body, body_line));
        }
        offset += line.len();
    }
    None
}

/// Whether `id` is lowercase letters, digits and `-`, starting with a letter or digit.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Reads and checks one lesson file; `file` names it in every refusal.
pub fn parse_lesson(file: &str, text: &str) -> Result<Lesson, LessonError> {
    let (front, body, body_line) = split(text).ok_or_else(|| LessonError {
        file: file.to_string(),
        line: 1,
        message: "a lesson starts with a line \"+++\", then its front matter (TOML), then \"+++\" and the text".into(),
    })?;
    let source = Source {
        file,
        text,
        front,
        body,
        body_line,
    };
    let raw: RawLesson = toml::from_str(source.front).map_err(|e| {
        let line = e.span().map_or(2, |s| 1 + line_at(source.front, s.start));
        source.error(line, format!("front matter: {}", e.message()))
    })?;
    let key = |k: &str| line_of_key(text, k);
    if !valid_id(&raw.id) {
        return Err(source.error(
            key("id"),
            format!(
                "the id {:?} must be lowercase letters, digits and '-'",
                raw.id
            ),
        ));
    }
    if !valid_id(&raw.module) {
        return Err(source.error(
            key("module"),
            format!(
                "the module {:?} must be lowercase letters, digits and '-'",
                raw.module
            ),
        ));
    }
    for (k, value) in [
        ("title", &raw.title),
        ("module_title", &raw.module_title),
        ("language", &raw.language),
        ("summary", &raw.summary),
    ] {
        if value.trim().is_empty() {
            return Err(source.error(key(k), format!("{k} must not be empty")));
        }
    }
    if raw.order == 0 || raw.version == 0 {
        let k = if raw.order == 0 { "order" } else { "version" };
        return Err(source.error(key(k), format!("{k} starts at 1")));
    }
    if !(1..=60).contains(&raw.minutes) {
        return Err(source.error(key("minutes"), "minutes must be 1 to 60"));
    }
    let element = match raw.element.as_str() {
        "none" => None,
        slug => Some(Element::from_slug(slug).ok_or_else(|| {
            source.error(
                key("element"),
                format!(
                    "element {slug:?} is not one of relationships, judgement, consistency or none"
                ),
            )
        })?),
    };
    let practice = practice(&source, raw.practice)?;
    let reflections = reflections(&source, raw.reflections)?;
    let questions = questions(&source, raw.questions)?;
    check_body(&source)?;
    Ok(Lesson {
        id: raw.id,
        module: raw.module,
        module_title: raw.module_title,
        order: raw.order,
        title: raw.title,
        element,
        version: raw.version,
        language: raw.language,
        minutes: raw.minutes,
        summary: raw.summary,
        practice,
        reflections,
        questions,
        body: body.to_string(),
        file: file.to_string(),
    })
}

fn practice(source: &Source, raw: RawPractice) -> Result<Practice, LessonError> {
    let line = source.header_line("[practice]", 0, 0);
    let element = Element::from_slug(&raw.element).ok_or_else(|| {
        source.error(
            line,
            format!(
                "the practice's element {:?} is not one of relationships, judgement or consistency",
                raw.element
            ),
        )
    })?;
    if raw.title.trim().is_empty() || raw.title.chars().count() > PRACTICE_TITLE_MAX {
        return Err(source.error(
            line,
            format!("the practice's title must be 1 to {PRACTICE_TITLE_MAX} characters"),
        ));
    }
    if raw.text.trim().is_empty() || raw.days == 0 {
        return Err(source.error(
            line,
            "the practice needs a text and a number of days (at least 1)",
        ));
    }
    Ok(Practice {
        title: raw.title,
        text: raw.text,
        element,
        days: raw.days,
    })
}

fn reflections(source: &Source, raw: Vec<RawReflection>) -> Result<Vec<Reflection>, LessonError> {
    if !(2..=4).contains(&raw.len()) {
        let line = source.header_line("[[reflections]]", 0, 0);
        return Err(source.error(line, "a lesson has 2 to 4 reflections"));
    }
    let mut ids = HashSet::new();
    let mut reflections = Vec::with_capacity(raw.len());
    for (n, r) in raw.into_iter().enumerate() {
        let line = source.header_line("[[reflections]]", n, 0);
        if !valid_id(&r.id) || !ids.insert(r.id.clone()) {
            return Err(source.error(
                line,
                format!(
                    "the reflection id {:?} is used twice or is not lowercase letters, digits and '-'",
                    r.id
                ),
            ));
        }
        if r.prompt.trim().is_empty() {
            return Err(source.error(line, "a reflection needs a prompt"));
        }
        reflections.push(Reflection {
            id: r.id,
            prompt: r.prompt,
        });
    }
    Ok(reflections)
}

fn questions(source: &Source, raw: Vec<RawQuestion>) -> Result<Vec<Question>, LessonError> {
    if !(3..=5).contains(&raw.len()) {
        let line = source.header_line("[[questions]]", 0, 0);
        return Err(source.error(line, "a knowledge check has 3 to 5 questions"));
    }
    let mut ids = HashSet::new();
    let mut questions = Vec::with_capacity(raw.len());
    for (n, q) in raw.into_iter().enumerate() {
        let line = source.header_line("[[questions]]", n, 0);
        if !valid_id(&q.id) || !ids.insert(q.id.clone()) {
            return Err(source.error(
                line,
                format!(
                    "the question id {:?} is used twice or is not lowercase letters, digits and '-'",
                    q.id
                ),
            ));
        }
        if q.text.trim().is_empty() {
            return Err(source.error(line, format!("question {} has no text", q.id)));
        }
        if !(3..=4).contains(&q.options.len()) {
            return Err(source.error(line, format!("question {} needs 3 or 4 options", q.id)));
        }
        let correct = q.options.iter().filter(|o| o.correct).count();
        if correct != 1 {
            return Err(source.error(
                line,
                format!(
                    "question {} needs exactly one correct option, not {correct}",
                    q.id
                ),
            ));
        }
        let mut options = Vec::with_capacity(q.options.len());
        for (m, o) in q.options.into_iter().enumerate() {
            let option_line = source.header_line("[[questions.options]]", m, line);
            if o.text.trim().is_empty() || o.explanation.trim().is_empty() {
                return Err(source.error(
                    option_line,
                    format!(
                        "option {} of question {} needs a text and an explanation",
                        m + 1,
                        q.id
                    ),
                ));
            }
            options.push(Choice {
                text: o.text,
                correct: o.correct,
                explanation: o.explanation,
            });
        }
        questions.push(Question {
            id: q.id,
            text: q.text,
            options,
        });
    }
    Ok(questions)
}

/// The body: CommonMark with headings from `##`, no raw HTML, no images, and links only to
/// other lessons (`lesson:ID`, checked against the library later).
fn check_body(source: &Source) -> Result<(), LessonError> {
    if source.body.trim().is_empty() {
        return Err(source.error(source.body_line, "the lesson has no text"));
    }
    for (event, range) in Parser::new(source.body).into_offset_iter() {
        let line = source.body_line + line_at(source.body, range.start) - 1;
        match event {
            Event::Html(_) | Event::InlineHtml(_) => {
                return Err(source.error(
                    line,
                    "raw HTML is not allowed in a lesson: write Markdown only",
                ));
            }
            Event::Start(Tag::Image { .. }) => {
                return Err(source.error(line, "images are not allowed in a lesson"));
            }
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }) => {
                return Err(source.error(
                    line,
                    "headings start at ## (the page shows the title as the first heading)",
                ));
            }
            Event::Start(Tag::Link { dest_url, .. }) => match dest_url.strip_prefix("lesson:") {
                Some(id) if valid_id(id) => {}
                _ => {
                    return Err(source.error(
                        line,
                        format!(
                            "the link {dest_url:?} goes nowhere a lesson may link: write [text](lesson:ID)"
                        ),
                    ));
                }
            },
            _ => {}
        }
    }
    Ok(())
}
