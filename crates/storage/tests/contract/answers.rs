//! Answering ([`AnswerStore`]): which answers are accepted, which refused and why.

use crate::helpers::*;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::rating::{CheckedForm, Rating};
use trustloop_storage::*;

pub(crate) async fn an_answer_is_accepted_once_and_counted_in_progress(store: DynStore) {
    let org = import_org(&store).await;
    let (id, links) = open_campaign(&store, &[org.lee]).await;
    let progress = store.progress(id).await.expect("progress");
    assert_eq!(
        progress,
        [
            GroupProgress {
                leader_id: org.lee,
                group: RaterGroup::SelfRating,
                invited: 1,
                completed: 0
            },
            GroupProgress {
                leader_id: org.lee,
                group: RaterGroup::Manager,
                invited: 1,
                completed: 0
            },
            GroupProgress {
                leader_id: org.lee,
                group: RaterGroup::DirectReport,
                invited: 2,
                completed: 0
            },
        ]
    );
    let (ann, token) = link_for(&links, "ann@example.org");
    store
        .submit_response(ann.id, &answers(4, Some("More demos, please.")), today())
        .await
        .expect("accepted");
    let again = store
        .submit_response(ann.id, &answers(2, None), today())
        .await;
    let message = conflict(again);
    assert!(message.contains("already"), "{message}");
    assert!(found(store.invitation_by_token(&hash_of(token)).await, "opens").completed);
    let reports = store
        .progress(id)
        .await
        .expect("progress")
        .into_iter()
        .find(|p| p.group == RaterGroup::DirectReport)
        .expect("direct reports");
    assert_eq!((reports.invited, reports.completed), (2, 1));
    let (readable, sealed) = readable_and_sealed(&store, id, org.lee).await;
    assert_eq!(
        readable, 0,
        "one direct report's answer waits, sealed, for its batch"
    );
    assert_eq!(sealed, 1, "the refused second answer stored nothing");
    set_status(&store, id, CampaignStatus::Closed).await;
    let (readable, sealed) = readable_and_sealed(&store, id, org.lee).await;
    assert_eq!(
        readable, 0,
        "a lone direct report is hidden in the report, so their answer is never released"
    );
    assert_eq!(sealed, 1, "kept, sealed");
    assert!(is_not_found(
        &store
            .submit_response(InvitationId(123_456), &answers(3, None), today())
            .await
    ));
}

pub(crate) async fn concurrent_answers_to_one_invitation_store_exactly_one_response(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let (id, links) = open_campaign_with_rules(&store, &[org.lee], STORAGE_ONLY_RULES).await;
    let invitation = link_for(&links, "ben@example.org").0.id;
    let attempts: Vec<_> = (0..6)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .submit_response(invitation, &answers(1 + i % 5, None), today())
                    .await
            })
        })
        .collect();
    let mut accepted = 0;
    for attempt in attempts {
        match attempt.await.expect("task ran") {
            Ok(()) => accepted += 1,
            refused => {
                conflict(refused);
            }
        }
    }
    assert_eq!(accepted, 1);
    set_status(&store, id, CampaignStatus::Closed).await;
    let (responses, _) = store.responses(id, org.lee).await.expect("responses");
    assert_eq!(responses.len(), 1);
}

pub(crate) async fn a_campaign_that_is_not_open_or_past_its_deadline_refuses_answers(
    store: DynStore,
) {
    let org = import_org(&store).await;
    // Draft: links exist but nobody can answer yet.
    let links = draft_links(&store, org.pat).await;
    let refused = store
        .submit_response(links[0].0.id, &answers(3, None), today())
        .await;
    let message = conflict(refused);
    assert_eq!(message, "the campaign is draft");

    let (id, links) = open_campaign_with_rules(&store, &[org.lee], STORAGE_ONLY_RULES).await;
    let (ann, _) = link_for(&links, "ann@example.org");
    let late = store
        .submit_response(
            ann.id,
            &answers(3, None),
            today() + time::Duration::days(15),
        )
        .await;
    let message = conflict(late);
    assert!(message.contains("deadline"), "{message}");
    // The last day still counts.
    store
        .submit_response(
            ann.id,
            &answers(3, None),
            today() + time::Duration::days(14),
        )
        .await
        .expect("answered on the deadline");
    set_status(&store, id, CampaignStatus::Closed).await;
    let (ben, _) = link_for(&links, "ben@example.org");
    let closed = store
        .submit_response(ben.id, &answers(3, Some("too late")), today())
        .await;
    let message = conflict(closed);
    assert_eq!(message, "the campaign is closed");
    let (responses, comments) = store.responses(id, org.lee).await.expect("responses");
    assert_eq!((responses.len(), comments.len()), (1, 0));
    let done = store
        .progress(id)
        .await
        .expect("progress")
        .iter()
        .map(|p| p.completed)
        .sum::<u32>();
    assert_eq!(done, 1);
}

pub(crate) async fn a_form_sent_to_a_link_is_stored_only_when_the_link_is_open_and_the_answers_fit(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let (id, links) = open_campaign(&store, &[org.lee]).await;
    let completed = |store: DynStore, token: String| async move {
        found(store.invitation_by_token(&hash_of(&token)).await, "opens").completed
    };
    let (_, ann) = link_for(&links, "ann@example.org");
    let (_, ben) = link_for(&links, "ben@example.org");
    let (_, manager) = link_for(&links, "dana@example.org");
    // Forms arriving together: one that fits, one missing an answer, one to an unknown link,
    // and the same link twice.
    let mut short = form(4);
    short.remove(0);
    let sent = [
        (hash_of(ann), form(4)),
        (hash_of(ben), short),
        ("no-such-link".to_string(), form(3)),
        (hash_of(manager), form(5)),
        (hash_of(manager), form(2)),
    ];
    let outcomes: Vec<bool> = futures_util::future::join_all(
        sent.iter()
            .map(|(hash, fields)| form_stored(&store, hash, fields, today())),
    )
    .await
    .into_iter()
    .collect::<StoreResult<_>>()
    .expect("no database error");
    assert_eq!(
        outcomes.iter().filter(|stored| **stored).count(),
        2,
        "Ann's form and one of the manager's two: {outcomes:?}"
    );
    assert_eq!(&outcomes[..3], [true, false, false]);
    assert!(completed(store.clone(), ann.clone()).await);
    assert!(
        !completed(store.clone(), ben.clone()).await,
        "a form that does not fit stores nothing"
    );
    assert!(completed(store.clone(), manager.clone()).await);
    assert!(
        !form_stored(&store, &hash_of(ann), &form(2), today())
            .await
            .expect("no database error"),
        "a link already answered"
    );
    // The manager's answer (a group of one) is readable at once, exactly as sent.
    let (responses, _) = store.responses(id, org.lee).await.expect("responses");
    assert_eq!(responses.len(), 1);
    let point = match responses[0].ratings.values().next() {
        Some(Rating::Score(p)) => *p,
        other => panic!("a score, not {other:?}"),
    };
    assert!(point == 5 || point == 2, "{point}");
    assert!(
        responses[0]
            .ratings
            .values()
            .all(|r| *r == Rating::Score(point))
    );
    assert_eq!(
        store.pending_answers(id).await.expect("pending"),
        1,
        "Ann's"
    );
    // Late, or once the campaign closed: refused, nothing stored.
    assert!(
        !form_stored(
            &store,
            &hash_of(ben),
            &form(3),
            today() + time::Duration::days(15)
        )
        .await
        .expect("no database error")
    );
    set_status(&store, id, CampaignStatus::Closed).await;
    assert!(
        !form_stored(&store, &hash_of(ben), &form(3), today())
            .await
            .expect("no database error")
    );
    assert!(!completed(store.clone(), ben.clone()).await);
}

pub(crate) async fn the_leaders_own_survey_is_found_by_campaign_and_leader(store: DynStore) {
    let org = import_org(&store).await;
    let (id, _) = open_campaign(&store, &[org.lee]).await;
    let own = found(store.self_invitation(id, org.lee).await, "Lee's own survey");
    assert_eq!(own.group, RaterGroup::SelfRating);
    assert_eq!(own.leader_id, org.lee);
    assert_eq!(own.campaign.status, CampaignStatus::Open);
    assert!(!own.completed);
    store
        .submit_response(own.id, &answers(4, None), today())
        .await
        .expect("self-assessment");
    assert!(found(store.self_invitation(id, org.lee).await, "still there").completed);
    assert!(nothing(store.self_invitation(id, org.ann).await));
}

/// On SQLite the intake commits without flushing and flushes the log itself: an answer is
/// reported stored only once that flush worked.
#[tokio::test]
async fn on_sqlite_an_answer_is_reported_stored_only_once_the_log_is_flushed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("flushed.db");
    let store = connect(&format!("sqlite://{}", file.display()))
        .await
        .expect("opens");
    let org = import_org(&store).await;
    let (_, links) = open_campaign(&store, &[org.lee]).await;
    store
        .submit_response(
            link_for(&links, "ann@example.org").0.id,
            &answers(4, None),
            today(),
        )
        .await
        .expect("stored and flushed");
    // The log the intake flushes is gone (SQLite goes on writing to the file it has open).
    let log = dir.path().join("flushed.db-wal");
    std::fs::remove_file(&log).expect("the log is beside the database");
    let unflushed = store
        .submit_response(
            link_for(&links, "ben@example.org").0.id,
            &answers(3, None),
            today(),
        )
        .await;
    assert!(
        matches!(
            &unflushed,
            Err(StoreError::Database(sqlx::Error::Io(error))) if error.kind() == std::io::ErrorKind::NotFound
        ),
        "{unflushed:?}"
    );
}

/// A form as the web layer checks it before sending it: against every instrument version the
/// store knows.
fn checked(store: &DynStore, fields: &[(String, String)]) -> CheckedForm {
    let instruments = store.known_instruments();
    CheckedForm::check(instruments.iter().map(AsRef::as_ref), fields)
}

/// Sends a form to the link whose token hashes to `hash`, checked as the web layer does;
/// whether it was stored.
async fn form_stored(
    store: &DynStore,
    hash: &str,
    fields: &[(String, String)],
    today: time::Date,
) -> StoreResult<bool> {
    let outcome = store
        .submit_form(hash, checked(store, fields), today)
        .await?;
    Ok(outcome == IntakeOutcome::Stored)
}

/// A survey form answering every item of the current instrument with `point`, and a field the
/// survey does not have (as a CSRF token would be).
fn form(point: u8) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Instrument::current()
        .items
        .iter()
        .map(|item| {
            (
                trustloop_domain::rating::item_field(&item.code),
                point.to_string(),
            )
        })
        .collect();
    fields.push(("csrf".into(), "ignored".into()));
    fields
}

pub(crate) async fn a_form_sent_to_a_link_says_what_became_of_it(store: DynStore) {
    let org = import_org(&store).await;
    let send = |token: &str, fields: Vec<(String, String)>, day: time::Date| {
        let (store, hash) = (store.clone(), hash_of(token));
        async move {
            store
                .submit_form(&hash, checked(&store, &fields), day)
                .await
                .expect("no database error")
        }
    };
    let refused = IntakeOutcome::Refused;

    // A draft's links exist, but nobody can answer yet.
    let draft_links = draft_links(&store, org.pat).await;
    assert_eq!(
        send(&draft_links[0].1, form(3), today()).await,
        refused(Refusal::CampaignNotOpen(CampaignStatus::Draft))
    );

    let (id, links) = open_campaign(&store, &[org.lee]).await;
    let (ann, ann_token) = link_for(&links, "ann@example.org");
    let (_, ben_token) = link_for(&links, "ben@example.org");
    let (_, dana_token) = link_for(&links, "dana@example.org");
    assert_eq!(
        send("no such link", form(3), today()).await,
        refused(Refusal::UnknownLink)
    );

    // A form missing an answer: shown again with the problem next to its item, from what the
    // intake read with it.
    let mut short = form(4);
    let missing = short.remove(0);
    let IntakeOutcome::Invalid {
        invitation,
        instrument,
        errors,
    } = send(ann_token, short.clone(), today()).await
    else {
        panic!("a form missing an answer is invalid");
    };
    assert_eq!(invitation.id, ann.id);
    assert_eq!(invitation.campaign.id, id);
    assert_eq!(invitation.leader_id, org.lee);
    assert_eq!(invitation.group, RaterGroup::DirectReport);
    assert!(!invitation.completed);
    assert_eq!(instrument.version, invitation.campaign.instrument_version);
    let codes: Vec<String> = errors.iter().map(|e| e.code.clone()).collect();
    assert_eq!(
        vec![missing.0.trim_start_matches("item_").to_string()],
        codes
    );
    // A form checked against no version the campaign uses asks to be looked over and sent
    // again.
    let unchecked = store
        .submit_form(
            &hash_of(ann_token),
            CheckedForm::check([], &form(4)),
            today(),
        )
        .await
        .expect("no database error");
    assert!(
        matches!(&unchecked, IntakeOutcome::Invalid { errors, .. } if errors.len() == 1),
        "{unchecked:?}"
    );

    // Stored once; a second form to the same link, later or in the same batch, is refused.
    assert_eq!(
        send(ann_token, form(4), today()).await,
        IntakeOutcome::Stored
    );
    assert_eq!(
        send(ann_token, form(2), today()).await,
        refused(Refusal::AlreadyAnswered)
    );
    let mut together = futures_util::future::join_all([
        send(dana_token, form(5), today()),
        send(dana_token, form(2), today()),
    ])
    .await;
    together.sort_by_key(|outcome| *outcome != IntakeOutcome::Stored);
    assert_eq!(
        together,
        [IntakeOutcome::Stored, refused(Refusal::AlreadyAnswered)]
    );

    // Past the deadline (the last day still counts), then closed.
    assert_eq!(
        send(ben_token, form(3), today() + time::Duration::days(15)).await,
        refused(Refusal::PastDeadline)
    );
    set_status(&store, id, CampaignStatus::Closed).await;
    assert_eq!(
        send(ben_token, form(3), today()).await,
        refused(Refusal::CampaignNotOpen(CampaignStatus::Closed))
    );
    // An answered link in a closed campaign says it was answered, as its page does.
    assert_eq!(
        send(ann_token, form(3), today()).await,
        refused(Refusal::AlreadyAnswered)
    );
    let progress = store.progress(id).await.expect("progress");
    let done: u32 = progress.iter().map(|p| p.completed).sum();
    assert_eq!(done, 2, "Ann's and Dana's");
}

/// The links of a draft campaign in which `leader` is rated.
async fn draft_links(store: &DynStore, leader: PersonId) -> Vec<(Invitation, String)> {
    let draft = campaign(store, "Draft").await;
    store.add_leader(draft, leader).await.expect("leader added");
    links_for_program(store, draft, false).await
}
