//! The learning module's progress ([`LearningStore`]): per person and lesson version, private
//! reflections, and counts by team.

use crate::helpers::*;
use trustloop_storage::*;

fn version(lesson: &str, version: u32) -> LessonVersion {
    LessonVersion {
        lesson: lesson.into(),
        version,
    }
}

fn attempt(at: i64, score: u32) -> CheckAttempt {
    CheckAttempt {
        at,
        score,
        passed: score >= 80,
    }
}

pub(crate) async fn progress_is_kept_per_person_and_lesson_version(store: DynStore) {
    import(
        &store,
        vec![
            row("Ann", "ann@example.org", None, Some("Core")),
            row("Bo", "bo@example.org", None, Some("Core")),
        ],
    )
    .await
    .expect("imported");
    let ann = id_of(&store, "ann@example.org").await;
    let bo = id_of(&store, "bo@example.org").await;
    let consistency = version("consistency", 1);
    store
        .record_lesson_opened(ann, &consistency, 100)
        .await
        .expect("opened");
    store
        .record_lesson_opened(ann, &consistency, 200)
        .await
        .expect("opened again");
    store
        .record_lesson_read(ann, &consistency, 300)
        .await
        .expect("read");
    store
        .record_lesson_read(ann, &consistency, 400)
        .await
        .expect("read again");
    store
        .record_check_attempt(ann, &consistency, attempt(500, 66))
        .await
        .expect("attempt");
    store
        .record_check_attempt(ann, &consistency, attempt(600, 100))
        .await
        .expect("retake");
    store
        .record_check_attempt(ann, &consistency, attempt(700, 33))
        .await
        .expect("another retake");
    // A check taken without opening first opens the lesson; a new version starts afresh.
    store
        .record_check_attempt(ann, &version("consistency", 2), attempt(800, 0))
        .await
        .expect("attempt on the new version");
    store
        .record_lesson_read(ann, &version("good-judgement", 1), 900)
        .await
        .expect("read without opening first");

    let progress = store.learning_progress(ann).await.expect("progress");
    assert_eq!(
        progress,
        vec![
            LessonProgress {
                lesson: "consistency".into(),
                version: 1,
                opened_at: 100,
                read_at: Some(300),
                attempts: 3,
                last_score: Some(33),
                best_score: Some(100),
                passed: true,
            },
            LessonProgress {
                lesson: "consistency".into(),
                version: 2,
                opened_at: 800,
                read_at: None,
                attempts: 1,
                last_score: Some(0),
                best_score: Some(0),
                passed: false,
            },
            LessonProgress {
                lesson: "good-judgement".into(),
                version: 1,
                opened_at: 900,
                read_at: Some(900),
                attempts: 0,
                last_score: None,
                best_score: None,
                passed: false,
            },
        ]
    );
    assert!(
        store
            .learning_progress(bo)
            .await
            .expect("progress")
            .is_empty(),
        "one person's progress is theirs alone"
    );
}

pub(crate) async fn a_reflection_is_read_back_only_for_its_own_person_and_lesson(store: DynStore) {
    import(
        &store,
        vec![
            row("Ann", "ann@example.org", None, None),
            row("Bo", "bo@example.org", None, None),
        ],
    )
    .await
    .expect("imported");
    let ann = id_of(&store, "ann@example.org").await;
    let bo = id_of(&store, "bo@example.org").await;
    store
        .save_reflection(
            ann,
            "consistency",
            "r1",
            "I promised Bo a review and forgot.",
            10,
        )
        .await
        .expect("saved");
    store
        .save_reflection(ann, "consistency", "r2", "Too many promises at once.", 11)
        .await
        .expect("saved");
    store
        .save_reflection(
            ann,
            "consistency",
            "r1",
            "I promised a review and let it slip.",
            12,
        )
        .await
        .expect("changed");
    let notes = store
        .reflections(ann, "consistency")
        .await
        .expect("her own");
    assert_eq!(
        notes,
        vec![
            ReflectionNote {
                prompt: "r1".into(),
                text: "I promised a review and let it slip.".into(),
                updated_at: 12,
            },
            ReflectionNote {
                prompt: "r2".into(),
                text: "Too many promises at once.".into(),
                updated_at: 11,
            },
        ]
    );
    assert!(
        store
            .reflections(bo, "consistency")
            .await
            .expect("his")
            .is_empty(),
        "another person reads none of them"
    );
    assert!(
        store
            .reflections(ann, "good-judgement")
            .await
            .expect("other lesson")
            .is_empty()
    );
    store
        .save_reflection(ann, "consistency", "r2", "  ", 13)
        .await
        .expect("cleared");
    let notes = store.reflections(ann, "consistency").await.expect("hers");
    assert_eq!(notes.len(), 1, "an emptied answer is deleted");
}

pub(crate) async fn teams_are_counted_by_learners_read_and_passed(store: DynStore) {
    import(
        &store,
        vec![
            row("Ann", "ann@example.org", None, Some("Core")),
            row("Bo", "bo@example.org", None, Some("Core")),
            row("Cy", "cy@example.org", None, Some("Core")),
            row("Di", "di@example.org", None, Some("Field")),
            row("Ed", "ed@example.org", None, None),
        ],
    )
    .await
    .expect("imported");
    let person = |address: &'static str| {
        let store = store.clone();
        async move { id_of(&store, address).await }
    };
    let (ann, bo, cy, di, ed) = (
        person("ann@example.org").await,
        person("bo@example.org").await,
        person("cy@example.org").await,
        person("di@example.org").await,
        person("ed@example.org").await,
    );
    let lesson = version("consistency", 1);
    for who in [ann, bo] {
        store
            .record_lesson_read(who, &lesson, 1)
            .await
            .expect("read");
    }
    store
        .record_lesson_opened(cy, &lesson, 1)
        .await
        .expect("opened");
    // Passed on two versions: counted once.
    store
        .record_check_attempt(ann, &lesson, attempt(2, 100))
        .await
        .expect("passed");
    store
        .record_check_attempt(ann, &version("consistency", 2), attempt(3, 100))
        .await
        .expect("passed again");
    store
        .record_check_attempt(bo, &lesson, attempt(2, 40))
        .await
        .expect("failed");
    store
        .record_lesson_read(di, &version("trust-in-change", 1), 1)
        .await
        .expect("read");
    // Someone without a team is in no team's counts.
    store
        .record_lesson_read(ed, &lesson, 1)
        .await
        .expect("read");

    let teams = store.team_learning().await.expect("counts");
    assert_eq!(
        teams,
        vec![
            TeamLearning {
                team: "Core".into(),
                learners: 3,
                lessons: vec![TeamLessonCounts {
                    lesson: "consistency".into(),
                    read: 2,
                    passed: 1,
                }],
            },
            TeamLearning {
                team: "Field".into(),
                learners: 1,
                lessons: vec![TeamLessonCounts {
                    lesson: "trust-in-change".into(),
                    read: 1,
                    passed: 0,
                }],
            },
        ]
    );
}
