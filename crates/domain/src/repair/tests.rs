use super::recovery::*;
use super::*;
use crate::instrument::Instrument;
use crate::pulse::{PulseMeasure, RoundDates};
use crate::rating::Rating;
use time::macros::date;

fn done(step: Step, on: Date) -> StepDone {
    StepDone {
        step,
        on,
        note: "said so".into(),
    }
}

#[test]
fn a_breach_needs_words_a_past_day_and_someone_affected() {
    let today = date!(2026 - 03 - 10);
    assert_eq!(
        check_breach(
            "Missed the deadline I promised",
            date!(2026 - 03 - 09),
            today,
            2
        ),
        Ok(())
    );
    assert_eq!(
        check_breach("  ", today, today, 2),
        Err(RepairError::NoWhat)
    );
    let huge = "x".repeat(MAX_WHAT + 1);
    assert_eq!(
        check_breach(&huge, today, today, 2),
        Err(RepairError::WhatTooLong)
    );
    assert_eq!(
        check_breach("x", date!(2026 - 03 - 11), today, 2),
        Err(RepairError::Future(date!(2026 - 03 - 11)))
    );
    assert_eq!(
        check_breach("x", date!(2010 - 01 - 01), today, 2),
        Err(RepairError::TooOld(date!(2010 - 01 - 01)))
    );
    assert_eq!(
        check_breach("x", today, today, 0),
        Err(RepairError::NoOneAffected)
    );
}

#[test]
fn a_step_out_of_order_is_recorded_with_a_warning_naming_the_skipped_steps() {
    let (happened, today) = (date!(2026 - 03 - 01), date!(2026 - 03 - 10));
    let amends = done(Step::MakeAmends, date!(2026 - 03 - 05));
    let warning = check_step(
        &amends,
        &[done(Step::Acknowledge, happened)],
        happened,
        today,
    )
    .expect("allowed")
    .expect("a warning");
    assert_eq!(
        warning.skipped,
        vec![Step::Apologise, Step::TakeResponsibility]
    );
    assert!(warning.message().contains("Apologise, Take responsibility"));
    let first = done(Step::Acknowledge, happened);
    assert_eq!(check_step(&first, &[], happened, today), Ok(None));
}

#[test]
fn a_step_twice_in_the_future_before_the_breach_or_without_a_note_is_refused() {
    let (happened, today) = (date!(2026 - 03 - 05), date!(2026 - 03 - 10));
    let ack = done(Step::Acknowledge, date!(2026 - 03 - 06));
    assert_eq!(
        check_step(&ack, std::slice::from_ref(&ack), happened, today),
        Err(RepairError::AlreadyDone(date!(2026 - 03 - 06)))
    );
    let future = done(Step::Apologise, date!(2026 - 03 - 11));
    assert_eq!(
        check_step(&future, &[], happened, today),
        Err(RepairError::Future(date!(2026 - 03 - 11)))
    );
    let early = done(Step::Apologise, date!(2026 - 03 - 04));
    assert!(matches!(
        check_step(&early, &[], happened, today),
        Err(RepairError::BeforeBreach { .. })
    ));
    let mut silent = done(Step::Apologise, today);
    silent.note = " ".into();
    assert_eq!(
        check_step(&silent, &[], happened, today),
        Err(RepairError::NoNote)
    );
    silent.note = "y".repeat(MAX_NOTE + 1);
    assert_eq!(
        check_step(&silent, &[], happened, today),
        Err(RepairError::NoteTooLong)
    );
}

#[test]
fn progress_names_the_first_step_not_done_and_the_day_of_amends() {
    let start = Progress::of(&[]);
    assert_eq!(start.next, Some(Step::Acknowledge));
    assert_eq!(start.done(), 0);
    let on = date!(2026 - 03 - 05);
    let some = Progress::of(&[done(Step::Acknowledge, on), done(Step::MakeAmends, on)]);
    assert_eq!(some.next, Some(Step::Apologise));
    assert_eq!(some.amends_on(), Some(on));
    assert_eq!(some.done(), 2);
    let all: Vec<StepDone> = Step::ALL.iter().map(|s| done(*s, on)).collect();
    let finished = Progress::of(&all);
    assert_eq!(finished.next, None);
    assert!(finished.what_next().contains("Every step is done"));
}

#[test]
fn guidance_differs_between_competence_and_integrity_for_every_step() {
    for step in Step::ALL {
        assert_ne!(
            step.guidance(BreachKind::Competence),
            step.guidance(BreachKind::Integrity)
        );
        assert_eq!(Step::from_slug(step.slug()), Some(step));
    }
    assert!(BreachKind::Competence.guidance().contains("apology"));
    assert!(
        BreachKind::Integrity
            .guidance()
            .contains("over the following weeks")
    );
    assert_eq!(
        BreachKind::from_slug("integrity"),
        Some(BreachKind::Integrity)
    );
    assert_eq!(BreachKind::from_slug("Integrity"), None);
}

#[test]
fn rounds_open_before_amends_and_two_and_six_weeks_after_them() {
    let started = date!(2026 - 03 - 02);
    assert_eq!(
        due_rounds(started, None, &[], started),
        vec![(
            RecoveryRound::Before,
            RoundAction::Open(RoundDates {
                index: 0,
                opens: started,
                closes: date!(2026 - 03 - 08)
            })
        )]
    );
    // Amends on the 10th: the later rounds open on the 24th and on 21 April.
    let amends = Some(date!(2026 - 03 - 10));
    let handled = [RecoveryRound::Before];
    assert!(due_rounds(started, amends, &handled, date!(2026 - 03 - 23)).is_empty());
    let two = due_rounds(started, amends, &handled, date!(2026 - 03 - 24));
    assert_eq!(two.len(), 1);
    assert!(
        matches!(two[0], (RecoveryRound::TwoWeeks, RoundAction::Open(d)) if d.opens == date!(2026 - 03 - 24))
    );
    let both = [RecoveryRound::Before, RecoveryRound::TwoWeeks];
    let six = due_rounds(started, amends, &both, date!(2026 - 04 - 21));
    assert!(
        matches!(six[0], (RecoveryRound::SixWeeks, RoundAction::Open(d)) if d.closes == date!(2026 - 04 - 27))
    );
}

#[test]
fn a_round_whose_window_passed_is_missed_and_amends_first_leave_no_before_round() {
    let started = date!(2026 - 03 - 02);
    let late = due_rounds(started, None, &[], date!(2026 - 03 - 20));
    assert!(matches!(
        late[..],
        [(RecoveryRound::Before, RoundAction::Missed(_))]
    ));
    let amends_first = due_rounds(started, Some(started), &[], date!(2026 - 03 - 02));
    assert!(
        amends_first.is_empty(),
        "no before round once amends were made"
    );
    assert_eq!(RecoveryRound::Before.dates(started, Some(started)), None);
}

#[test]
fn fewer_than_k_affected_makes_the_pulse_named_and_named_rounds_show_from_one_answer() {
    assert_eq!(RecoveryMode::for_affected(5, 5), RecoveryMode::Anonymous);
    assert_eq!(RecoveryMode::for_affected(4, 5), RecoveryMode::Named);
    assert!(!RecoveryMode::Anonymous.shows(4, 5));
    assert!(RecoveryMode::Anonymous.shows(5, 5));
    assert!(RecoveryMode::Named.shows(1, 5));
    assert!(!RecoveryMode::Named.shows(0, 5));
    assert_eq!(RecoveryMode::from_slug("named"), Some(RecoveryMode::Named));
}

#[test]
fn a_round_asks_overall_trust_and_the_element_touched_only() {
    let instrument = Instrument::recovery_current();
    let asked = asked(&instrument, Element::Consistency);
    assert_eq!(asked.items.len(), 2);
    assert!(asked.open_questions.is_empty());
    let ratings = asked
        .items
        .iter()
        .map(|i| (i.code.clone(), Rating::Score(4)))
        .collect();
    let scores = recovery_scores(&asked, &ratings);
    assert_eq!(
        scores.keys().copied().collect::<Vec<_>>(),
        vec![
            PulseMeasure::Element(Element::Consistency),
            PulseMeasure::Overall
        ]
    );
    assert_eq!(scores[&PulseMeasure::Overall], 75.0);
}
