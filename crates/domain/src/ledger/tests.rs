use super::*;
use proptest::prelude::*;
use time::macros::date;

const K: u32 = 3;

fn day(n: i64) -> Date {
    date!(2026 - 01 - 01) + Duration::days(n)
}

fn made(due: i64, to: Recipients) -> Commitment {
    Commitment::new(day(0), day(due), to)
}

fn confirmed(mut c: Commitment, answers: &[Confirmation]) -> Commitment {
    for a in answers {
        c.tally.add(*a);
    }
    c
}

#[test]
fn a_new_date_agreed_in_time_is_the_date_the_promise_is_held_to() {
    let mut c = made(10, Recipients::People);
    c.apply(
        Change::Renegotiated {
            on: day(10),
            due: day(20),
        },
        day(10),
    )
    .expect("agreed on the due date itself is in time");
    assert_eq!(c.counted_due(), day(20));
    assert_eq!(c.status(day(15)), Status::Renegotiated);
    c.apply(Change::Kept { on: day(18) }, day(18))
        .expect("open");
    assert_eq!(c.status(day(30)), Status::Kept);
}

#[test]
fn a_new_date_agreed_after_the_due_date_moves_reminders_but_not_the_promise() {
    let mut c = made(10, Recipients::People);
    assert_eq!(c.status(day(11)), Status::Overdue);
    c.apply(
        Change::Renegotiated {
            on: day(11),
            due: day(20),
        },
        day(11),
    )
    .expect("a late renegotiation is recorded");
    assert_eq!(c.counted_due(), day(10));
    assert_eq!(c.working_due(), day(20));
    assert_eq!(
        c.status(day(12)),
        Status::Open,
        "not overdue against the new date"
    );
    c.apply(Change::Kept { on: day(19) }, day(19))
        .expect("open");
    assert_eq!(c.status(day(19)), Status::KeptLate);
}

#[test]
fn a_chain_of_renegotiations_counts_only_while_each_is_in_time() {
    let mut c = made(10, Recipients::People);
    let mut renegotiate = |on: i64, due: i64| {
        c.apply(
            Change::Renegotiated {
                on: day(on),
                due: day(due),
            },
            day(on),
        )
        .expect("open");
    };
    renegotiate(5, 15); // in time: held to 15
    renegotiate(16, 25); // after 15: held to 15 still
    renegotiate(20, 30); // before 25 but the promise is held to 15: still 15
    assert_eq!(c.counted_due(), day(15));
    assert_eq!(c.working_due(), day(30));
}

#[test]
fn a_settled_commitment_cannot_change_and_bad_changes_are_refused() {
    let mut c = made(10, Recipients::People);
    assert_eq!(
        c.apply(
            Change::Dropped {
                on: day(2),
                reason: "  ".into()
            },
            day(2)
        ),
        Err(LedgerError::NoReason)
    );
    assert_eq!(
        c.apply(
            Change::Renegotiated {
                on: day(3),
                due: day(2)
            },
            day(3)
        ),
        Err(LedgerError::DateInThePast(day(2)))
    );
    assert_eq!(
        c.apply(
            Change::Renegotiated {
                on: day(3),
                due: day(10)
            },
            day(3)
        ),
        Err(LedgerError::SameDate)
    );
    assert_eq!(
        c.apply(Change::Kept { on: day(2) }, day(3)),
        Err(LedgerError::OutOfOrder),
        "a change is dated the day it is made"
    );
    assert!(c.history.is_empty(), "nothing refused was recorded");
    c.apply(Change::Broken { on: day(4) }, day(4))
        .expect("open");
    assert_eq!(
        c.apply(Change::Kept { on: day(5) }, day(5)),
        Err(LedgerError::Settled(Status::Broken))
    );
    assert_eq!(c.revision(), 1);
}

#[test]
fn a_change_resets_the_confirmations_of_the_revision_before() {
    let mut c = confirmed(made(10, Recipients::People), &[Confirmation::NotKept]);
    c.apply(Change::Kept { on: day(9) }, day(9)).expect("open");
    assert_eq!(c.tally, Tally::default());
    assert_eq!(c.revision(), 1);
}

#[test]
fn a_new_commitment_needs_what_a_date_not_past_and_recipients_other_than_the_leader() {
    let today = day(5);
    assert_eq!(
        check_new("", day(6), today, &1, &[2]),
        Err(LedgerError::What)
    );
    let long = "x".repeat(MAX_WHAT + 1);
    assert_eq!(
        check_new(&long, day(6), today, &1, &[2]),
        Err(LedgerError::What)
    );
    assert_eq!(
        check_new("Send the roadmap", day(4), today, &1, &[2]),
        Err(LedgerError::DateInThePast(day(4)))
    );
    assert_eq!(
        check_new("Send the roadmap", day(6), today, &1, &[]),
        Err(LedgerError::NoRecipients)
    );
    assert_eq!(
        check_new("Send the roadmap", day(6), today, &1, &[2, 1]),
        Err(LedgerError::ToSelf)
    );
    assert_eq!(
        check_new("Send the roadmap", day(5), today, &1, &[2]),
        Ok(())
    );
}

#[test]
fn a_team_counts_only_from_k_answers_and_shows_no_counts_before() {
    let two = Tally {
        kept: 2,
        not_kept: 0,
        cant_say: 0,
    };
    assert_eq!(Recipients::Team.verdict(two, K), Verdict::Unconfirmed);
    assert_eq!(Recipients::Team.shown_tally(two, K), None);
    let three = Tally {
        kept: 2,
        not_kept: 1,
        cant_say: 0,
    };
    assert_eq!(Recipients::Team.verdict(three, K), Verdict::ConfirmedKept);
    assert_eq!(Recipients::Team.shown_tally(three, K), Some(three));
    let split = Tally {
        kept: 2,
        not_kept: 2,
        cant_say: 1,
    };
    assert_eq!(
        Recipients::Team.verdict(split, K),
        Verdict::ConfirmedNotKept
    );
    let unsure = Tally {
        kept: 0,
        not_kept: 0,
        cant_say: 4,
    };
    assert_eq!(Recipients::Team.verdict(unsure, K), Verdict::Unconfirmed);
    let one = Tally {
        kept: 1,
        not_kept: 0,
        cant_say: 0,
    };
    assert_eq!(Recipients::People.verdict(one, K), Verdict::ConfirmedKept);
}

#[test]
fn a_team_smaller_than_k_is_refused_and_a_history_reads_back() {
    assert_eq!(
        check_team(2, 3),
        Err(LedgerError::TeamTooSmall { members: 2, k: 3 })
    );
    assert_eq!(check_team(3, 3), Ok(()));
    let history = vec![
        Change::Renegotiated {
            on: day(1),
            due: day(9),
        },
        Change::Dropped {
            on: day(2),
            reason: "moved".into(),
        },
    ];
    let json = serde_json::to_string(&history).expect("serialises");
    let back: Vec<Change> = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back, history);
}

#[test]
fn recipients_are_asked_once_it_is_marked_kept_or_its_date_passed() {
    let mut c = made(10, Recipients::People);
    assert!(!c.asks_confirmation(day(10)));
    assert!(c.asks_confirmation(day(11)), "overdue");
    let mut dropped = c.clone();
    dropped
        .apply(
            Change::Dropped {
                on: day(4),
                reason: "The project was cancelled".into(),
            },
            day(4),
        )
        .expect("open");
    assert!(!dropped.asks_confirmation(day(11)));
    c.apply(Change::Kept { on: day(4) }, day(4)).expect("open");
    assert!(c.asks_confirmation(day(4)));
}

#[test]
fn reminders_say_due_soon_overdue_and_awaiting_confirmation() {
    let c = made(10, Recipients::People);
    assert_eq!(c.reminder(day(6), K), None);
    assert_eq!(c.reminder(day(7), K), Some(Reminder::DueSoon));
    assert_eq!(c.reminder(day(11), K), Some(Reminder::Overdue));
    let mut kept = c.clone();
    kept.apply(Change::Kept { on: day(8) }, day(8))
        .expect("open");
    assert_eq!(
        kept.reminder(day(9), K),
        Some(Reminder::AwaitingConfirmation)
    );
    let kept = confirmed(kept, &[Confirmation::Kept]);
    assert_eq!(kept.reminder(day(9), K), None);
}

#[test]
fn the_ratio_counts_only_what_recipients_confirmed_kept_on_time() {
    let today = day(100);
    let mut on_time = made(50, Recipients::People);
    on_time
        .apply(Change::Kept { on: day(49) }, day(49))
        .expect("open");
    let unconfirmed = on_time.clone();
    let disputed = confirmed(on_time.clone(), &[Confirmation::NotKept]);
    let on_time = confirmed(on_time, &[Confirmation::Kept]);
    let overdue = made(60, Recipients::People);
    let mut late = made(40, Recipients::People);
    late.apply(Change::Kept { on: day(45) }, day(45))
        .expect("open");
    let late = confirmed(late, &[Confirmation::Kept]);
    let old = made(5, Recipients::People); // due before the window
    let open_today = made(100, Recipients::People);
    let s = say_do(
        &[
            on_time,
            unconfirmed,
            disputed,
            overdue,
            late,
            old,
            open_today,
        ],
        today,
        K,
    );
    assert_eq!((s.from, s.to), (day(11), day(100)));
    assert_eq!(s.due, 5);
    assert_eq!(
        (
            s.kept_confirmed,
            s.kept_unconfirmed,
            s.kept_disputed,
            s.kept_late,
            s.not_kept
        ),
        (1, 1, 1, 1, 1)
    );
    let ratio = s.ratio.expect("five were due");
    assert_eq!((ratio.successes, ratio.n), (1, 5));
    assert_eq!(say_do(&[], today, K).ratio, None);
}

#[test]
fn the_association_needs_five_leaders_who_vary() {
    let four = [(0.5, 60.0), (0.6, 62.0), (0.7, 70.0), (0.9, 75.0)];
    assert_eq!(association(&four), Association::TooFewLeaders { n: 4 });
    let same = [(0.5, 60.0); 5];
    assert_eq!(association(&same), Association::NoVariation { n: 5 });
    let five = [
        (0.5, 60.0),
        (0.6, 62.0),
        (0.7, 70.0),
        (0.9, 75.0),
        (0.3, 50.0),
    ];
    match association(&five) {
        Association::Shown(c) => {
            assert_eq!(c.n, 5);
            assert!(c.r > 0.9 && c.interval.0 < c.r && c.r < c.interval.1);
        }
        other => panic!("expected an association, got {other:?}"),
    }
}

/// One step of a random history: (days after the previous step, what is tried).
#[derive(Debug, Clone)]
enum Try {
    Renegotiate(i64),
    Keep,
    Break,
    Drop,
}

fn try_strategy() -> impl Strategy<Value = (i64, Try)> {
    (
        0i64..15,
        prop_oneof![
            4 => (0i64..20).prop_map(Try::Renegotiate),
            2 => Just(Try::Keep),
            1 => Just(Try::Break),
            1 => Just(Try::Drop),
        ],
    )
}

fn history_strategy() -> impl Strategy<Value = (i64, i64, Vec<(i64, Try)>, bool, Vec<u8>)> {
    (
        0i64..150,
        0i64..30,
        prop::collection::vec(try_strategy(), 0..5),
        any::<bool>(),
        prop::collection::vec(0u8..3, 0..6),
    )
}

/// Builds a commitment from a random history through `apply`, skipping what it refuses.
fn build(start: i64, length: i64, tries: &[(i64, Try)], team: bool, answers: &[u8]) -> Commitment {
    let to = if team {
        Recipients::Team
    } else {
        Recipients::People
    };
    let mut c = Commitment::new(day(start), day(start + length), to);
    let mut today = day(start);
    for (gap, t) in tries {
        today += Duration::days(*gap);
        let change = match t {
            Try::Renegotiate(d) => Change::Renegotiated {
                on: today,
                due: today + Duration::days(*d),
            },
            Try::Keep => Change::Kept { on: today },
            Try::Break => Change::Broken { on: today },
            Try::Drop => Change::Dropped {
                on: today,
                reason: "plans changed".into(),
            },
        };
        let _refused_or_recorded = c.apply(change, today);
    }
    let answers = if team {
        answers
    } else {
        &answers[..answers.len().min(1)]
    };
    for a in answers {
        c.tally.add(
            [
                Confirmation::Kept,
                Confirmation::NotKept,
                Confirmation::CantSay,
            ][usize::from(*a)],
        );
    }
    c
}

/// The held-to date found by walking the days forward, independently of `counted_due`: on each
/// day the promise is late once the day is past the date it is held to, and a renegotiation
/// agreed on a day that is not late moves that date.
fn held_to_by_days(c: &Commitment) -> Date {
    let last = c.history.last().map_or(c.made_on, Change::on);
    let mut held = c.due;
    let mut d = c.made_on;
    while d <= last {
        for change in c.history.iter().filter(|x| x.on() == d) {
            if let Change::Renegotiated { due, .. } = change
                && d <= held
            {
                held = *due;
            }
        }
        d += Duration::days(1);
    }
    held
}

proptest! {
    #[test]
    fn the_ratio_and_its_interval_match_a_direct_count(
        histories in prop::collection::vec(history_strategy(), 0..40),
        today in 60i64..200,
    ) {
        let today_d = day(today);
        let ledger: Vec<Commitment> = histories
            .iter()
            .map(|(s, l, t, team, a)| build(*s, *l, t, *team, a))
            .filter(|c| c.made_on <= today_d)
            .collect();
        let (mut due, mut kept) = (0u64, 0u64);
        for c in &ledger {
            let held = held_to_by_days(c);
            prop_assert_eq!(held, c.counted_due());
            let settled = matches!(
                c.history.last(),
                Some(Change::Kept { .. } | Change::Broken { .. } | Change::Dropped { .. })
            );
            let in_window = (today - 89..=today).contains(&(held - day(0)).whole_days());
            if !in_window || (held == today_d && !settled) {
                continue;
            }
            due += 1;
            let kept_on_time = matches!(c.history.last(), Some(Change::Kept { on }) if *on <= held);
            let answered = c.tally.answered();
            let confirmed = (c.to == Recipients::People || answered >= K)
                && c.tally.kept > c.tally.not_kept;
            if kept_on_time && confirmed {
                kept += 1;
            }
        }
        let s = say_do(&ledger, today_d, K);
        prop_assert_eq!(s.due, due);
        prop_assert_eq!(s.kept_confirmed, kept);
        prop_assert_eq!(
            s.kept_confirmed + s.kept_unconfirmed + s.kept_disputed + s.kept_late + s.not_kept,
            s.due
        );
        match s.ratio {
            None => prop_assert_eq!(due, 0),
            Some(p) => {
                let direct = stats::wilson_interval(kept, due, 0.95).expect("due > 0");
                prop_assert_eq!(p, direct);
                prop_assert!(p.interval.0 <= p.estimate && p.estimate <= p.interval.1);
            }
        }
    }
}
