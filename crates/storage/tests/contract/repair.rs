//! Breach repair ([`RepairStore`]): breaches refused whole when their words, day or people are
//! wrong; steps once each, out of order with a warning; amends only from the leader's own
//! commitments; the recovery pulse's rounds opened on schedule (an injected day) once each,
//! anonymous answers sealed until k, and the named pulse only when the leader accepts it.

use crate::helpers::*;
use std::collections::BTreeMap;
use time::{Date, Duration};
use trustloop_domain::instrument::Instrument;
use trustloop_domain::model::Element;
use trustloop_domain::pulse::PulseMeasure;
use trustloop_domain::rating::{Rating, SurveyAnswers};
use trustloop_domain::repair::recovery::{RecoveryMode, RecoveryRound, asked};
use trustloop_domain::repair::{BreachKind, Step, StepDone};
use trustloop_storage::*;

fn day(n: i64) -> Date {
    today() + Duration::days(n)
}

/// The people of a repair test.
struct Org {
    bea: PersonId,
    gil: PersonId,
    blue: TeamId,
    green: TeamId,
    blue0: PersonId,
    green0: PersonId,
}

/// The pulse's organisation: Dana above Bea's Blue (six members) and Gil's Green (three).
async fn repair_org(store: &DynStore) -> Org {
    let (blue, green) = crate::pulse::pulse_org(store).await;
    Org {
        bea: id_of(store, "bea@example.org").await,
        gil: id_of(store, "gil@example.org").await,
        blue,
        green,
        blue0: id_of(store, "blue0@example.org").await,
        green0: id_of(store, "green0@example.org").await,
    }
}

/// A breach of `leader`'s on `teams`, recorded today and dated yesterday.
fn breach(leader: PersonId, people: Vec<PersonId>, teams: Vec<TeamId>) -> NewBreach {
    NewBreach {
        leader_id: leader,
        what: "I promised the team a week off after the release and took it back".into(),
        happened: day(-1),
        kind: BreachKind::Integrity,
        element: Element::Consistency,
        people,
        teams,
        recorded_by: "leader@example.org".into(),
        by_admin: false,
        today: today(),
    }
}

fn step(repair: RepairId, leader: PersonId, step: Step, on: i64) -> RecordStep {
    RecordStep {
        repair,
        leader_id: leader,
        done: StepDone {
            step,
            on: day(on),
            note: format!("{} done", step.label()),
        },
        today: day(on),
    }
}

/// Starts `leader`'s recovery pulse of `id` today with k = 5.
async fn run(
    store: &DynStore,
    id: RepairId,
    leader: PersonId,
    named_ok: bool,
) -> StoreResult<RecoveryState> {
    store
        .choose_recovery(id, leader, RecoveryChoice::Run { named_ok }, 5, today())
        .await
}

/// Answers rating both asked statements `point`.
fn rated(point: u8) -> SurveyAnswers {
    SurveyAnswers {
        ratings: asked(&Instrument::recovery_current(), Element::Consistency)
            .items
            .iter()
            .map(|i| (i.code.clone(), Rating::Score(point)))
            .collect(),
        comments: BTreeMap::new(),
    }
}

/// Answers the links in `links` with `point` on day `on`.
async fn answer(store: &DynStore, links: &[RecoveryLink], point: u8, on: i64) {
    for link in links {
        store
            .submit_recovery_answer(link.invitation, &rated(point), day(on))
            .await
            .expect("answer stored");
    }
}

pub(crate) async fn a_breach_is_refused_whole_when_its_words_day_or_people_are_wrong(
    store: DynStore,
) {
    let org = repair_org(&store).await;
    let mut blank = breach(org.bea, vec![org.blue0], vec![]);
    blank.what = "  ".into();
    assert!(conflict(store.record_breach(&blank).await).contains("say what happened"));
    let mut huge = breach(org.bea, vec![org.blue0], vec![]);
    huge.what = "x".repeat(2001);
    assert!(conflict(store.record_breach(&huge).await).contains("at most 2000"));
    let mut future = breach(org.bea, vec![org.blue0], vec![]);
    future.happened = day(1);
    assert!(conflict(store.record_breach(&future).await).contains("in the future"));
    let only_self = breach(org.bea, vec![org.bea], vec![]);
    assert!(conflict(store.record_breach(&only_self).await).contains("at least one person"));
    assert!(is_not_found(
        &store
            .record_breach(&breach(org.bea, vec![PersonId(999_999)], vec![]))
            .await
    ));
    assert!(is_not_found(
        &store
            .record_breach(&breach(org.bea, vec![], vec![TeamId(999_999)]))
            .await
    ));
    store.mark_left(org.green0, today()).await.expect("left");
    assert!(
        conflict(
            store
                .record_breach(&breach(org.bea, vec![org.green0], vec![]))
                .await
        )
        .contains("Green 0 has left")
    );
    assert!(store.repairs_of(org.bea).await.expect("read").is_empty());

    let first = store
        .record_breach(&breach(org.bea, vec![org.gil], vec![org.blue]))
        .await
        .expect("recorded");
    let mut by_admin = breach(org.bea, vec![org.blue0], vec![]);
    by_admin.by_admin = true;
    by_admin.recorded_by = "admin@example.org".into();
    let second = store.record_breach(&by_admin).await.expect("recorded");
    let found = store.repair(first).await.expect("read");
    // The team's six members and Gil; Bea, the leader, is left out.
    assert_eq!(found.affected.len(), 7);
    assert!(!found.affected.iter().any(|(p, _)| *p == org.bea));
    assert_eq!(found.teams.len(), 1);
    assert_eq!(found.recovery, RecoveryState::NotStarted);
    assert_eq!(found.leader_name, "Bea Blue");
    let listed: Vec<RepairId> = store
        .repairs_of(org.bea)
        .await
        .expect("read")
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(listed, vec![second, first], "newest first");
    assert!(store.repair(second).await.expect("read").by_admin);
    assert!(store.repairs_of(org.gil).await.expect("read").is_empty());
}

pub(crate) async fn steps_are_kept_once_out_of_order_with_a_warning_and_amends_are_own_commitments(
    store: DynStore,
) {
    let org = repair_org(&store).await;
    let id = store
        .record_breach(&breach(org.bea, vec![org.blue0], vec![]))
        .await
        .expect("recorded");
    assert_eq!(
        store
            .record_step(&step(id, org.bea, Step::Acknowledge, 0))
            .await
            .expect("recorded"),
        None
    );
    let warning = store
        .record_step(&step(id, org.bea, Step::MakeAmends, 0))
        .await
        .expect("recorded out of order")
        .expect("with a warning");
    assert_eq!(
        warning.skipped,
        vec![Step::Apologise, Step::TakeResponsibility]
    );
    assert!(
        conflict(
            store
                .record_step(&step(id, org.bea, Step::Acknowledge, 0))
                .await
        )
        .contains("recorded as done")
    );
    assert!(is_not_found(
        &store
            .record_step(&step(id, org.gil, Step::Apologise, 0))
            .await
    ));
    let steps = store.repair(id).await.expect("read").steps;
    assert_eq!(
        steps.iter().map(|s| s.step).collect::<Vec<_>>(),
        vec![Step::Acknowledge, Step::MakeAmends]
    );

    let mine = store
        .make_commitment(&NewCommitment {
            leader_id: org.bea,
            what: "Give the week off back in March".into(),
            to: RecipientChoice::People(vec![org.blue0]),
            due: day(20),
            action_id: None,
            today: today(),
            min_team: 2,
        })
        .await
        .expect("commitment");
    let gils = store
        .make_commitment(&NewCommitment {
            leader_id: org.gil,
            what: "Something else".into(),
            to: RecipientChoice::People(vec![org.green0]),
            due: day(20),
            action_id: None,
            today: today(),
            min_team: 2,
        })
        .await
        .expect("commitment");
    store
        .add_amends(id, org.bea, mine.id)
        .await
        .expect("linked");
    assert!(is_conflict(&store.add_amends(id, org.bea, mine.id).await));
    assert!(is_not_found(&store.add_amends(id, org.bea, gils.id).await));
    assert!(is_not_found(&store.add_amends(id, org.gil, gils.id).await));
    assert_eq!(store.repair(id).await.expect("read").amends, vec![mine.id]);

    store
        .close_repair(id, org.bea, today())
        .await
        .expect("closed");
    assert!(
        conflict(
            store
                .record_step(&step(id, org.bea, Step::Apologise, 0))
                .await
        )
        .contains("closed")
    );
    assert_eq!(
        store.repair(id).await.expect("read").closed_on,
        Some(today())
    );
}

pub(crate) async fn recovery_rounds_open_on_schedule_once_and_anonymous_answers_wait_for_k(
    store: DynStore,
) {
    let org = repair_org(&store).await;
    let tokens = token_factory();
    let id = store
        .record_breach(&breach(org.bea, vec![], vec![org.blue]))
        .await
        .expect("recorded");
    let state = run(&store, id, org.bea, false).await.expect("started");
    assert!(matches!(
        state,
        RecoveryState::Running {
            mode: RecoveryMode::Anonymous,
            k: 5,
            ..
        }
    ));
    assert!(is_conflict(
        &store
            .choose_recovery(id, org.bea, RecoveryChoice::Skip, 5, today())
            .await
    ));

    let opened = store
        .advance_recovery(today(), &tokens)
        .await
        .expect("pass");
    assert_eq!(opened.opened.len(), 1);
    let (repair, round, links) = &opened.opened[0];
    assert_eq!(
        (*repair, *round, links.len()),
        (id, RecoveryRound::Before, 6)
    );
    let again = store
        .advance_recovery(today(), &tokens)
        .await
        .expect("pass");
    assert!(again.opened.is_empty(), "a round opens once");

    answer(&store, &links[..4], 2, 1).await;
    let rounds = store.recovery_rounds(id).await.expect("rounds");
    assert_eq!((rounds[0].invited, rounds[0].answered), (6, 4));
    assert!(
        rounds[0].released.is_empty(),
        "four answers stay sealed below k"
    );
    assert!(rounds[0].named.is_empty());
    let link = found(
        store
            .recovery_invitation_by_token(&hash_of(&links[0].token))
            .await,
        "link",
    );
    assert!(link.answered);
    assert!(
        conflict(
            store
                .submit_recovery_answer(links[0].invitation, &rated(5), day(1))
                .await
        )
        .contains("already been used")
    );
    answer(&store, &links[4..5], 2, 2).await;
    let rounds = store.recovery_rounds(id).await.expect("rounds");
    assert_eq!(rounds[0].released.len(), 5, "released together at k");
    assert!(
        rounds[0]
            .released
            .iter()
            .all(|s| s[&PulseMeasure::Overall] == 25.0)
    );
    assert_eq!(
        store
            .open_recovery_invitations(links[5].person)
            .await
            .expect("open")
            .len(),
        1
    );

    // Amends on day 3: two weeks later (day 17) the next round opens, the first is closed.
    store
        .record_step(&step(id, org.bea, Step::MakeAmends, 3))
        .await
        .expect("amends");
    assert!(
        conflict(
            store
                .submit_recovery_answer(links[5].invitation, &rated(4), day(8))
                .await
        )
        .contains("closed")
    );
    let nothing_yet = store
        .advance_recovery(day(16), &tokens)
        .await
        .expect("pass");
    assert!(nothing_yet.opened.is_empty());
    assert_eq!(nothing_yet.closed, vec![(id, RecoveryRound::Before)]);
    let two = store
        .advance_recovery(day(17), &tokens)
        .await
        .expect("pass");
    assert_eq!(two.opened.len(), 1);
    assert_eq!(two.opened[0].1, RecoveryRound::TwoWeeks);
    answer(&store, &two.opened[0].2, 4, 18).await;
    // The server was down from day 18 to day 60: the six-week round (day 45) is missed.
    let late = store
        .advance_recovery(day(60), &tokens)
        .await
        .expect("pass");
    assert_eq!(late.closed, vec![(id, RecoveryRound::TwoWeeks)]);
    assert_eq!(late.missed, vec![(id, RecoveryRound::SixWeeks)]);
    let rounds = store.recovery_rounds(id).await.expect("rounds");
    assert_eq!(rounds.len(), 3);
    assert_eq!(rounds[1].released.len(), 6);
    assert_eq!(rounds[2].status, RoundStatus::Missed);
}

pub(crate) async fn fewer_than_k_affected_make_a_named_pulse_only_when_the_leader_accepts_it(
    store: DynStore,
) {
    let org = repair_org(&store).await;
    let tokens = token_factory();
    let id = store
        .record_breach(&breach(org.gil, vec![], vec![org.green]))
        .await
        .expect("recorded");
    let refused = conflict(run(&store, id, org.gil, false).await);
    assert!(refused.contains("only 3 people"), "{refused}");
    assert!(is_not_found(&run(&store, id, org.bea, true).await));
    let state = run(&store, id, org.gil, true).await.expect("named");
    assert!(matches!(
        state,
        RecoveryState::Running {
            mode: RecoveryMode::Named,
            ..
        }
    ));
    let opened = store
        .advance_recovery(today(), &tokens)
        .await
        .expect("pass");
    let links = &opened.opened[0].2;
    let green0 = links
        .iter()
        .find(|l| l.person == org.green0)
        .expect("Green 0 asked");
    let invitation = found(
        store
            .recovery_invitation_by_token(&hash_of(&green0.token))
            .await,
        "link",
    );
    assert_eq!(invitation.mode, RecoveryMode::Named);
    store
        .submit_recovery_answer(green0.invitation, &rated(4), today())
        .await
        .expect("stored");
    let rounds = store.recovery_rounds(id).await.expect("rounds");
    assert_eq!(rounds[0].named.len(), 1);
    assert_eq!(rounds[0].named[0].name, "Green 0");
    assert_eq!(rounds[0].named[0].scores[&PulseMeasure::Overall], 75.0);
    assert!(rounds[0].released.is_empty());
    let own = store.own_recovery_answers(org.green0).await.expect("own");
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].leader_name, "Gil Green");
    assert!(
        store
            .own_recovery_answers(org.blue0)
            .await
            .expect("own")
            .is_empty()
    );

    let other = store
        .record_breach(&breach(org.gil, vec![org.green0], vec![]))
        .await
        .expect("recorded");
    assert_eq!(
        store
            .choose_recovery(other, org.gil, RecoveryChoice::Skip, 5, today())
            .await
            .expect("skipped"),
        RecoveryState::Skipped
    );
    let pass = store
        .advance_recovery(today(), &tokens)
        .await
        .expect("pass");
    assert!(pass.opened.is_empty(), "a skipped pulse never opens");
}

pub(crate) async fn admins_count_open_and_closed_repairs_by_the_leaders_team(store: DynStore) {
    let org = repair_org(&store).await;
    for _ in 0..2 {
        store
            .record_breach(&breach(org.bea, vec![org.blue0], vec![]))
            .await
            .expect("recorded");
    }
    let closed = store
        .record_breach(&breach(org.gil, vec![org.green0], vec![]))
        .await
        .expect("recorded");
    store
        .close_repair(closed, org.gil, today())
        .await
        .expect("closed");
    assert!(is_conflict(
        &store.close_repair(closed, org.gil, today()).await
    ));
    assert_eq!(
        store.repair_counts().await.expect("counts"),
        vec![
            RepairCount {
                team: Some("Blue".into()),
                open: 2,
                closed: 0
            },
            RepairCount {
                team: Some("Green".into()),
                open: 0,
                closed: 1
            },
        ]
    );
}
