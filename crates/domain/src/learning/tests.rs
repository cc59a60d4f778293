use super::*;

const LISTENING: &str = include_str!("../../tests/fixtures/lessons/valid/01-listening.md");
const FOLLOWING_UP: &str = include_str!("../../tests/fixtures/lessons/valid/02-following-up.md");

fn fixture_files() -> Vec<(String, String)> {
    vec![
        ("01-listening.md".into(), LISTENING.into()),
        ("02-following-up.md".into(), FOLLOWING_UP.into()),
    ]
}

/// The refusal of a library made of the valid fixtures with `broken` in place of the first.
fn refusal(broken: &str) -> LessonError {
    let mut files = fixture_files();
    files[0] = ("broken.md".into(), broken.into());
    Library::with_extra(&files).expect_err("refused")
}

#[test]
fn every_built_in_lesson_is_registered_valid_and_its_links_resolve() {
    let library = Library::built_in();
    assert_eq!(library.lessons().len(), BUILT_IN.len());
    for lesson in library.lessons() {
        assert_eq!(lesson.module, BUILT_IN_MODULE, "{}", lesson.file);
        assert!((5..=10).contains(&lesson.minutes), "{}", lesson.file);
        assert!(
            lesson.file.ends_with(&format!("-{}.md", lesson.id)),
            "{} is named after its id",
            lesson.file
        );
        assert!(!render(&lesson.body).is_empty());
    }
    let ids: Vec<&str> = library.lessons().iter().map(|l| l.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "why-trust-matters",
            "positive-relationships",
            "good-judgement",
            "consistency",
            "trust-across-differences",
            TRUST_IN_CHANGE,
            TRUST_AFTER_A_BREACH,
        ]
    );
    // The element lessons are where a report's focus element links.
    for element in Element::ALL {
        let lesson = library.for_element(element).expect("a lesson per element");
        assert_eq!(lesson.element, Some(element));
        assert_eq!(
            lesson.id,
            element
                .slug()
                .replace("relationships", "positive-relationships")
                .replace("judgement", "good-judgement")
        );
    }
}

#[test]
fn organisation_lessons_join_the_built_in_ones_after_them() {
    let library = Library::with_extra(&fixture_files()).expect("valid");
    let listening = library.lesson("fixture-listening").expect("registered");
    assert_eq!(listening.version, 2);
    assert_eq!(listening.element, Some(Element::Relationships));
    assert_eq!(listening.questions.len(), 3);
    assert_eq!(listening.reflections[1].id, "r2");
    assert_eq!(listening.practice.days, 7);
    let order: Vec<&str> = library.lessons().iter().map(|l| l.id.as_str()).collect();
    assert_eq!(
        &order[order.len() - 2..],
        ["fixture-listening", "fixture-following-up"]
    );
    assert!(
        render(&listening.body).contains(r#"<a href="/learn/fixture-following-up">"#),
        "the lesson link points at its page"
    );
}

#[test]
fn a_question_with_two_correct_options_is_refused_at_its_line() {
    let text = include_str!("../../tests/fixtures/lessons/broken/two-correct.md");
    let error = refusal(text);
    assert_eq!(error.file, "broken.md");
    assert_eq!(error.line, 43, "the line of question q2's header");
    assert!(
        error.message.contains("exactly one correct option"),
        "{error}"
    );
    assert!(error.to_string().starts_with("broken.md:43: "), "{error}");
}

#[test]
fn an_option_without_an_explanation_is_refused_at_its_line() {
    let text = include_str!("../../tests/fixtures/lessons/broken/no-explanation.md");
    let error = refusal(text);
    assert_eq!(error.line, 50, "the line of q2's second option");
    assert!(error.message.contains("explanation"), "{error}");
}

#[test]
fn raw_html_in_the_text_is_refused_at_its_line() {
    let text = include_str!("../../tests/fixtures/lessons/broken/raw-html.md");
    let error = refusal(text);
    assert_eq!(error.line, 81);
    assert!(error.message.contains("raw HTML"), "{error}");
}

#[test]
fn a_link_to_no_lesson_is_refused_at_its_line() {
    let text = include_str!("../../tests/fixtures/lessons/broken/unknown-link.md");
    let error = refusal(text);
    assert_eq!(error.line, 78);
    assert!(error.message.contains("lesson:no-such-lesson"), "{error}");
}

#[test]
fn an_unknown_element_and_bad_toml_are_refused_at_their_lines() {
    let error = refusal(include_str!(
        "../../tests/fixtures/lessons/broken/unknown-element.md"
    ));
    assert_eq!(error.line, 7);
    assert!(error.message.contains("charm"), "{error}");
    let error = refusal(include_str!(
        "../../tests/fixtures/lessons/broken/bad-toml.md"
    ));
    assert_eq!(error.line, 10, "{error}");
    assert!(error.message.starts_with("front matter"), "{error}");
}

#[test]
fn ids_must_be_unique_across_the_library_and_within_a_lesson() {
    let mut files = fixture_files();
    files.push((
        "copy.md".into(),
        LISTENING.replace("order = 1", "order = 3"),
    ));
    let error = Library::with_extra(&files).expect_err("duplicate lesson id");
    assert_eq!((error.file.as_str(), error.line), ("copy.md", 2));
    assert!(error.message.contains("01-listening.md"), "{error}");
    let twice = LISTENING.replace("id = \"q3\"", "id = \"q1\"");
    let error = refusal(&twice);
    assert_eq!(error.line, 59, "the line of the third question");
    assert!(error.message.contains("used twice"), "{error}");
}

#[test]
fn other_link_targets_images_and_top_headings_are_refused() {
    for (text, message) in [
        ("[x](https://example.org)", "goes nowhere"),
        ("![x](lesson:fixture-listening)", "images"),
        ("# Title", "headings start at ##"),
    ] {
        let broken = LISTENING.replace("- Let them finish.", text);
        let error = refusal(&broken);
        assert_eq!(error.line, 80, "{error}");
        assert!(error.message.contains(message), "{error}");
    }
    let error = refusal("no front matter");
    assert_eq!(error.line, 1);
}

#[test]
fn a_check_is_scored_against_the_pass_mark() {
    let library = Library::with_extra(&fixture_files()).expect("valid");
    let lesson = library.lesson("fixture-listening").expect("registered");
    let answers = |picks: [usize; 3]| -> CheckAnswers {
        ["q1", "q2", "q3"]
            .into_iter()
            .map(String::from)
            .zip(picks)
            .collect()
    };
    let all = lesson.check(&answers([0, 0, 0])).expect("scored");
    assert_eq!(
        (all.correct, all.total, all.score, all.passed),
        (3, 3, 100, true)
    );
    let two = lesson.check(&answers([0, 1, 0])).expect("scored");
    assert_eq!((two.score, two.passed), (66, false), "2 of 3 is under 80%");
    assert_eq!(two.marks[1], (1, 0));
    let mut missing = answers([0, 0, 0]);
    missing.remove("q2");
    assert!(matches!(
        lesson.check(&missing),
        Err(CheckError::Unanswered(_))
    ));
    assert_eq!(lesson.check(&answers([0, 7, 0])), Err(CheckError::Mismatch));
    let mut extra = answers([0, 0, 0]);
    extra.insert("q9".into(), 0);
    assert_eq!(lesson.check(&extra), Err(CheckError::Mismatch));
}
