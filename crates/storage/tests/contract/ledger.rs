//! The say-do ledger ([`LedgerStore`]): commitments checked before anything is written, every
//! change kept in order, confirmations once per recipient and revision (by link or signed in),
//! a team's answers counted from k, and the organisation's figures counted as the domain
//! counts them.

use crate::helpers::*;
use time::{Date, Duration};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::ledger::{self, Change, Commitment, Confirmation, Status, Tally, Verdict};
use trustloop_domain::model::RaterGroup;
use trustloop_storage::*;

fn day(n: i64) -> Date {
    today() + Duration::days(n)
}

fn to_people(leader: PersonId, people: &[PersonId], due: i64) -> NewCommitment {
    NewCommitment {
        leader_id: leader,
        what: "Send the roadmap".into(),
        to: RecipientChoice::People(people.to_vec()),
        due: day(due),
        action_id: None,
        today: today(),
        min_team: 2,
    }
}

async fn platform(store: &DynStore, lee: PersonId) -> TeamId {
    store
        .teams_of_leader(lee)
        .await
        .expect("teams")
        .into_iter()
        .find(|t| t.name == "Platform")
        .expect("Lee's team")
        .id
}

async fn change_commitment(
    store: &DynStore,
    leader: PersonId,
    id: CommitmentId,
    change: Change,
) -> StoreResult<CommitmentRecord> {
    let today = change.on();
    store
        .change_commitment(&CommitmentChange {
            leader_id: leader,
            commitment: id,
            change,
            today,
        })
        .await
}

/// What became of `answer` sent by the link whose token is `token`, on day `on`.
async fn by_link(store: &DynStore, token: &str, answer: Confirmation, on: i64) -> ConfirmOutcome {
    store
        .confirm_by_link(&hash_of(token), answer, day(on))
        .await
        .expect("answered")
}

fn signed_in(
    person: PersonId,
    id: CommitmentId,
    answer: Confirmation,
    on: i64,
) -> SignedInConfirmation {
    SignedInConfirmation {
        person_id: person,
        commitment: id,
        answer,
        today: day(on),
    }
}

pub(crate) async fn a_commitment_is_refused_whole_when_its_date_or_recipients_are_wrong(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let past = to_people(org.lee, &[org.ann], -1);
    assert!(conflict(store.make_commitment(&past).await).contains("already passed"));
    assert!(
        conflict(store.make_commitment(&to_people(org.lee, &[], 3)).await).contains("at least one")
    );
    assert!(
        conflict(
            store
                .make_commitment(&to_people(org.lee, &[org.lee], 3))
                .await
        )
        .contains("cannot be one")
    );
    let mut blank = to_people(org.lee, &[org.ann], 3);
    blank.what = "  ".into();
    assert!(is_conflict(&store.make_commitment(&blank).await));
    assert!(is_not_found(
        &store
            .make_commitment(&to_people(org.lee, &[PersonId(999_999)], 3))
            .await
    ));
    store.mark_left(org.ann, today()).await.expect("Ann leaves");
    assert!(
        conflict(
            store
                .make_commitment(&to_people(org.lee, &[org.dana, org.ann], 3))
                .await
        )
        .contains("Ann Report has left")
    );
    let team = platform(&store, org.lee).await;
    let mut to_team = to_people(org.lee, &[], 3);
    to_team.to = RecipientChoice::Team(team);
    // Ben is the only member of Platform besides Lee who has not left.
    assert!(conflict(store.make_commitment(&to_team).await).contains("1 members besides you"));
    let mut elsewhere = to_people(org.lee, &[org.dana], 3);
    elsewhere.action_id = Some(ActionId(424_242));
    assert!(is_not_found(&store.make_commitment(&elsewhere).await));
    assert!(
        store
            .commitments_of(org.lee)
            .await
            .expect("read")
            .is_empty(),
        "nothing half written"
    );
    let made = store
        .make_commitment(&to_people(org.lee, &[org.dana, org.pat, org.dana], 3))
        .await
        .expect("made");
    assert_eq!(made.people, vec!["Dana Director", "Pat Peer"]);
    assert_eq!((made.recipient_count, made.team.as_deref()), (2, None));
    assert_eq!(made.commitment.status(today()), Status::Open);
    assert_eq!(
        store.commitments_of(org.lee).await.expect("read"),
        vec![made]
    );
}

pub(crate) async fn every_change_is_kept_in_order_and_settled_ones_no_longer_change(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let c = |due| to_people(org.lee, &[org.ann], due);
    // Renegotiated in time, then kept by the new date: kept.
    let a = store.make_commitment(&c(2)).await.expect("made");
    let moved = change_commitment(
        &store,
        org.lee,
        a.id,
        Change::Renegotiated {
            on: day(1),
            due: day(6),
        },
    )
    .await
    .expect("renegotiated");
    assert_eq!(moved.commitment.status(day(1)), Status::Renegotiated);
    assert_eq!(moved.commitment.revision(), 1);
    let kept = change_commitment(&store, org.lee, a.id, Change::Kept { on: day(5) })
        .await
        .expect("kept");
    assert_eq!(kept.commitment.status(day(9)), Status::Kept);
    assert!(
        conflict(change_commitment(&store, org.lee, a.id, Change::Broken { on: day(9) }).await)
            .contains("already settled")
    );
    // Renegotiated after its date: kept late at best.
    let b = store.make_commitment(&c(1)).await.expect("made");
    change_commitment(
        &store,
        org.lee,
        b.id,
        Change::Renegotiated {
            on: day(3),
            due: day(5),
        },
    )
    .await
    .expect("late renegotiation");
    let late = change_commitment(&store, org.lee, b.id, Change::Kept { on: day(4) })
        .await
        .expect("kept");
    assert_eq!(late.commitment.status(day(4)), Status::KeptLate);
    // Broken; dropped only with a reason; changes only in order, by their leader.
    let d = store.make_commitment(&c(4)).await.expect("made");
    assert!(is_not_found(
        &change_commitment(&store, org.pat, d.id, Change::Broken { on: day(1) }).await
    ));
    assert!(
        conflict(
            change_commitment(
                &store,
                org.lee,
                d.id,
                Change::Dropped {
                    on: day(1),
                    reason: " ".into()
                }
            )
            .await
        )
        .contains("say why")
    );
    let dropped = change_commitment(
        &store,
        org.lee,
        d.id,
        Change::Dropped {
            on: day(2),
            reason: "moved".into(),
        },
    )
    .await
    .expect("dropped");
    assert_eq!(dropped.commitment.status(day(2)), Status::Dropped);
    let e = store.make_commitment(&c(4)).await.expect("made");
    change_commitment(
        &store,
        org.lee,
        e.id,
        Change::Renegotiated {
            on: day(2),
            due: day(8),
        },
    )
    .await
    .expect("moved");
    assert!(is_conflict(
        &change_commitment(&store, org.lee, e.id, Change::Broken { on: day(1) }).await
    ));
    let broken = change_commitment(&store, org.lee, e.id, Change::Broken { on: day(3) })
        .await
        .expect("broken");
    assert_eq!(broken.commitment.status(day(3)), Status::Broken);
    assert_eq!(
        broken.commitment.history,
        vec![
            Change::Renegotiated {
                on: day(2),
                due: day(8)
            },
            Change::Broken { on: day(3) }
        ]
    );
    assert_eq!(store.commitment(e.id).await.expect("read"), broken);
}

pub(crate) async fn a_link_confirms_once_and_only_for_the_revision_it_was_made_for(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let made = store
        .make_commitment(&to_people(org.lee, &[org.ann, org.pat], 3))
        .await
        .expect("made");
    let tokens = token_factory();
    assert!(
        store
            .issue_confirmation_links(made.id, day(1), &tokens)
            .await
            .expect("none")
            .is_empty(),
        "nobody is asked while it is open and not due"
    );
    // Its date passes while open: the recipients are asked.
    let links = store
        .issue_confirmation_links(made.id, day(4), &tokens)
        .await
        .expect("links");
    assert_eq!(
        links.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        vec!["Ann Report", "Pat Peer"]
    );
    let ann = &links[0];
    let ask = store
        .confirmation_link(&hash_of(&ann.token), day(4))
        .await
        .expect("read")
        .expect("live");
    assert_eq!(
        (ask.id, ask.marked_kept, ask.to_team),
        (made.id, false, false)
    );
    // The leader moves the date after it passed: the links made before are void.
    change_commitment(
        &store,
        org.lee,
        made.id,
        Change::Renegotiated {
            on: day(4),
            due: day(6),
        },
    )
    .await
    .expect("moved");
    assert_eq!(
        by_link(&store, &ann.token, Confirmation::Kept, 4).await,
        ConfirmOutcome::Changed
    );
    assert_eq!(
        store
            .confirmation_link(&hash_of(&ann.token), day(4))
            .await
            .expect("read"),
        None
    );
    change_commitment(&store, org.lee, made.id, Change::Kept { on: day(5) })
        .await
        .expect("kept");
    let links = store
        .issue_confirmation_links(made.id, day(5), &tokens)
        .await
        .expect("links");
    assert_eq!(links.len(), 2);
    let ann = links
        .iter()
        .find(|l| l.person_id == org.ann)
        .expect("Ann's");
    assert_eq!(
        by_link(&store, &ann.token, Confirmation::Kept, 5).await,
        ConfirmOutcome::Recorded
    );
    assert_eq!(
        by_link(&store, &ann.token, Confirmation::NotKept, 5).await,
        ConfirmOutcome::Used,
        "a link works once"
    );
    assert_eq!(
        by_link(&store, "unknown", Confirmation::Kept, 5).await,
        ConfirmOutcome::Used
    );
    let read = store.commitment(made.id).await.expect("read");
    assert_eq!(
        read.commitment.tally,
        Tally {
            kept: 1,
            not_kept: 0,
            cant_say: 0
        }
    );
    assert_eq!(read.commitment.verdict(5), Verdict::ConfirmedKept);
    // Pat leaves: their link no longer counts.
    let pat = links
        .iter()
        .find(|l| l.person_id == org.pat)
        .expect("Pat's");
    store.mark_left(org.pat, day(5)).await.expect("left");
    assert_eq!(
        by_link(&store, &pat.token, Confirmation::NotKept, 5).await,
        ConfirmOutcome::Left
    );
    assert_eq!(
        store
            .commitment(made.id)
            .await
            .expect("read")
            .commitment
            .tally
            .answered(),
        1
    );
    assert!(
        store
            .issue_confirmation_links(made.id, day(5), &tokens)
            .await
            .expect("links")
            .is_empty()
    );
}

pub(crate) async fn a_signed_in_recipient_confirms_once_and_nobody_else_can(store: DynStore) {
    let org = import_org(&store).await;
    let made = store
        .make_commitment(&to_people(org.lee, &[org.ann, org.dana], 2))
        .await
        .expect("made");
    assert_eq!(
        store
            .confirm_signed_in(&signed_in(org.ann, made.id, Confirmation::Kept, 1))
            .await
            .expect("asked"),
        ConfirmOutcome::NotAsked,
        "not before it is kept or due"
    );
    assert!(
        store
            .confirmations_asked(org.ann, day(1))
            .await
            .expect("asks")
            .is_empty()
    );
    change_commitment(&store, org.lee, made.id, Change::Kept { on: day(1) })
        .await
        .expect("kept");
    let asks = store
        .confirmations_asked(org.ann, day(1))
        .await
        .expect("asks");
    assert_eq!(
        asks.iter()
            .map(|a| (a.id, a.marked_kept))
            .collect::<Vec<_>>(),
        vec![(made.id, true)]
    );
    assert!(
        conflict(
            store
                .confirm_signed_in(&signed_in(org.lee, made.id, Confirmation::Kept, 1))
                .await
        )
        .contains("your own commitment")
    );
    assert!(is_not_found(
        &store
            .confirm_signed_in(&signed_in(org.pat, made.id, Confirmation::Kept, 1))
            .await
    ));
    assert_eq!(
        store
            .confirm_signed_in(&signed_in(org.ann, made.id, Confirmation::CantSay, 1))
            .await
            .expect("answered"),
        ConfirmOutcome::Recorded
    );
    assert!(
        conflict(
            store
                .confirm_signed_in(&signed_in(org.ann, made.id, Confirmation::Kept, 1))
                .await
        )
        .contains("already answered")
    );
    assert!(
        store
            .confirmations_asked(org.ann, day(1))
            .await
            .expect("asks")
            .is_empty()
    );
    store.mark_left(org.dana, day(1)).await.expect("left");
    assert_eq!(
        store
            .confirm_signed_in(&signed_in(org.dana, made.id, Confirmation::Kept, 1))
            .await
            .expect("answered"),
        ConfirmOutcome::Left
    );
    assert_eq!(
        store
            .commitment(made.id)
            .await
            .expect("read")
            .commitment
            .tally,
        Tally {
            kept: 0,
            not_kept: 0,
            cant_say: 1
        }
    );
}

pub(crate) async fn a_teams_answers_count_only_from_k_and_are_kept_as_counts(store: DynStore) {
    let org = import_org(&store).await;
    let team = platform(&store, org.lee).await;
    let mut to_team = to_people(org.lee, &[], 1);
    to_team.to = RecipientChoice::Team(team);
    let made = store
        .make_commitment(&to_team)
        .await
        .expect("made to Ann and Ben");
    assert_eq!(
        (made.team.as_deref(), made.recipient_count),
        (Some("Platform"), 2)
    );
    assert!(made.people.is_empty(), "a team's members are not named");
    let ben = id_of(&store, "ben@example.org").await;
    assert_eq!(store.recipients_of(made.id).await.expect("recipients"), {
        let mut ids = vec![org.ann, ben];
        ids.sort();
        ids
    });
    change_commitment(&store, org.lee, made.id, Change::Kept { on: day(1) })
        .await
        .expect("kept");
    store
        .confirm_signed_in(&signed_in(org.ann, made.id, Confirmation::Kept, 1))
        .await
        .expect("Ann");
    let one = store.commitment(made.id).await.expect("read").commitment;
    assert_eq!(
        one.verdict(2),
        Verdict::Unconfirmed,
        "one answer of k = 2 counts for nothing"
    );
    assert_eq!(one.to.shown_tally(one.tally, 2), None);
    store
        .confirm_signed_in(&signed_in(ben, made.id, Confirmation::NotKept, 1))
        .await
        .expect("Ben");
    let two = store.commitment(made.id).await.expect("read").commitment;
    assert_eq!(
        two.to.shown_tally(two.tally, 2),
        Some(Tally {
            kept: 1,
            not_kept: 1,
            cant_say: 0
        })
    );
    assert_eq!(two.verdict(2), Verdict::ConfirmedNotKept);
}

/// Lee with a consistency score: a closed campaign that Dana, Lee's manager, answered (with
/// rules that show a group of one, for this small organisation).
async fn lee_with_a_score(store: &DynStore, org: &Org) {
    let (campaign, links) = open_campaign_with_rules(store, &[org.lee], STORAGE_ONLY_RULES).await;
    let dana = links
        .iter()
        .find(|(i, _)| i.group == RaterGroup::Manager)
        .expect("Dana rates Lee");
    store
        .submit_response(dana.0.id, &answers(4, None), today())
        .await
        .expect("answered");
    set_status(store, campaign, CampaignStatus::Closed).await;
}

/// A leader's commitments as the domain reads them.
async fn commitments_of(store: &DynStore, leader: PersonId) -> Vec<Commitment> {
    store
        .commitments_of(leader)
        .await
        .expect("read")
        .into_iter()
        .map(|r| r.commitment)
        .collect()
}

/// Whether the organisation's figures for Lee on each of `days` are what `ledger::say_do`
/// counts over Lee's commitments as read back.
async fn figures_match_the_domain(store: &DynStore, lee: PersonId, days: std::ops::Range<i64>) {
    let commitments = commitments_of(store, lee).await;
    let scores = store.consistency_scores().await.expect("scores");
    assert_eq!(scores.len(), 1, "only Lee has a closed report: {scores:?}");
    assert_eq!(scores[0].0, lee);
    assert!((0.0..=100.0).contains(&scores[0].1));
    assert_eq!(store.closed_campaigns().await.expect("count"), 1);
    for n in days {
        let expected = ledger::say_do(&commitments, day(n), 2);
        let counts = store.say_do_counts(day(n), 2).await.expect("counts");
        let lees: Vec<_> = counts.iter().filter(|f| f.leader_id == lee).collect();
        if expected.due == 0 {
            assert!(lees.is_empty(), "day {n}");
            continue;
        }
        assert_eq!(lees.len(), 1, "Lee's counts on day {n}");
        assert_eq!(
            (lees[0].due, lees[0].kept_confirmed),
            (expected.due, expected.kept_confirmed),
            "day {n}: {expected:?}"
        );
    }
}

pub(crate) async fn random_histories_are_counted_as_the_domain_counts_them(store: DynStore) {
    let org = import_org(&store).await;
    lee_with_a_score(&store, &org).await;
    let ben = id_of(&store, "ben@example.org").await;
    let team = platform(&store, org.lee).await;
    let mut random = Random(0x5eed_1ed9);
    for _ in 0..40 {
        let mut new = to_people(org.lee, &[org.ann], random.next(8) as i64);
        if random.next(3) == 0 {
            new.to = RecipientChoice::Team(team);
        }
        let made = store.make_commitment(&new).await.expect("made");
        let mut on = 0;
        for _ in 0..random.next(4) {
            on += random.next(4) as i64;
            let change = match random.next(5) {
                0 | 1 => Change::Kept { on: day(on) },
                2 => Change::Broken { on: day(on) },
                3 => Change::Dropped {
                    on: day(on),
                    reason: "moved".into(),
                },
                _ => Change::Renegotiated {
                    on: day(on),
                    due: day(on + random.next(6) as i64),
                },
            };
            // What the rules refuse (a settled commitment, the same date) changes nothing.
            let _ = change_commitment(&store, org.lee, made.id, change).await;
        }
        for person in [org.ann, ben] {
            let answer = [
                Confirmation::Kept,
                Confirmation::NotKept,
                Confirmation::CantSay,
            ][random.next(3) as usize];
            let when = on + random.next(3) as i64;
            let _ = store
                .confirm_signed_in(&signed_in(person, made.id, answer, when))
                .await;
        }
    }
    figures_match_the_domain(&store, org.lee, 0..30).await;
    let all = commitments_of(&store, org.lee).await;
    let end = ledger::say_do(&all, day(29), 2);
    assert!(
        end.kept_confirmed > 0 && end.kept_late > 0 && end.not_kept > 0,
        "the histories cover every outcome: {end:?}"
    );
}

pub(crate) async fn the_organisation_figures_count_as_the_domain_counts(store: DynStore) {
    let org = import_org(&store).await;
    lee_with_a_score(&store, &org).await;
    let ben = id_of(&store, "ben@example.org").await;
    let c = |due| to_people(org.lee, &[org.ann], due);
    // Kept and confirmed; kept, unconfirmed; kept late; renegotiated in time and kept;
    // broken; dropped; open past its date; due today and open (not yet counted); a team's
    // below k; due in the future.
    let mut ids = Vec::new();
    for due in [1, 1, 1, 2, 2, 2, 1, 5, 3, 9] {
        ids.push(store.make_commitment(&c(due)).await.expect("made").id);
    }
    let on = |n, change: Change| (n, change);
    let plan: Vec<(usize, Vec<(i64, Change)>)> = vec![
        (0, vec![on(1, Change::Kept { on: day(1) })]),
        (1, vec![on(1, Change::Kept { on: day(1) })]),
        (2, vec![on(3, Change::Kept { on: day(3) })]),
        (
            3,
            vec![
                on(
                    2,
                    Change::Renegotiated {
                        on: day(2),
                        due: day(4),
                    },
                ),
                on(4, Change::Kept { on: day(4) }),
            ],
        ),
        (4, vec![on(2, Change::Broken { on: day(2) })]),
        (
            5,
            vec![on(
                1,
                Change::Dropped {
                    on: day(1),
                    reason: "moved".into(),
                },
            )],
        ),
    ];
    for (index, changes) in plan {
        for (_, ch) in changes {
            change_commitment(&store, org.lee, ids[index], ch)
                .await
                .expect("changed");
        }
    }
    store
        .confirm_signed_in(&signed_in(org.ann, ids[0], Confirmation::Kept, 1))
        .await
        .expect("confirmed");
    store
        .confirm_signed_in(&signed_in(org.ann, ids[2], Confirmation::Kept, 3))
        .await
        .expect("confirmed");
    store
        .confirm_signed_in(&signed_in(org.ann, ids[3], Confirmation::Kept, 4))
        .await
        .expect("confirmed");
    let team = platform(&store, org.lee).await;
    let mut to_team = c(3);
    to_team.to = RecipientChoice::Team(team);
    let t = store.make_commitment(&to_team).await.expect("team");
    change_commitment(&store, org.lee, t.id, Change::Kept { on: day(3) })
        .await
        .expect("kept");
    store
        .confirm_signed_in(&signed_in(ben, t.id, Confirmation::Kept, 3))
        .await
        .expect("Ben");
    // Pat has commitments but no closed report: counted, with no score.
    store
        .make_commitment(&to_people(org.pat, &[org.ann], 0))
        .await
        .expect("Pat's");

    figures_match_the_domain(&store, org.lee, 4..7).await;
    figures_match_the_domain(&store, org.lee, 120..121).await;
    let commitments = commitments_of(&store, org.lee).await;
    let on_six = ledger::say_do(&commitments, day(6), 2);
    assert_eq!((on_six.due, on_six.kept_confirmed), (10, 2));
}
