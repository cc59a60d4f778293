//! Feedback ([`FeedbackStore`]): named items delivered at once; anonymous items sealed until k
//! different senders wait for a receiver, then delivered together in random order dated by the
//! week; what the receiver and sender may do; requests; counts; and, reading the raw tables on
//! both backends, that nothing stored links an anonymous item to its sender.

use crate::helpers::*;
use std::collections::BTreeSet;
use time::{Date, Duration};
use trustloop_domain::feedback::{FeedbackText, week_of};
use trustloop_domain::model::Element;
use trustloop_storage::*;

fn day(n: i64) -> Date {
    today() + Duration::days(n)
}

fn words(behaviour: &str) -> FeedbackText {
    FeedbackText::parse("In the review", behaviour, "It helped me", "").expect("valid")
}

fn feedback(sender: PersonId, receiver: PersonId, behaviour: &str, anonymous: bool) -> NewFeedback {
    NewFeedback {
        sender,
        receiver,
        request: None,
        element: Element::Relationships,
        text: words(behaviour),
        anonymous,
        form_token: uuid::Uuid::new_v4().to_string(),
        today: today(),
        k: 3,
    }
}

async fn send(store: &DynStore, new: &NewFeedback) -> FeedbackSent {
    store.send_feedback(new).await.expect("sent")
}

/// Lee and six reports, `report0`…`report5`, all of team Platform.
async fn team(store: &DynStore) -> (PersonId, Vec<PersonId>) {
    import(store, lee_with_reports(6, |_| None))
        .await
        .expect("imported");
    let mut reports = Vec::new();
    for n in 0..6 {
        reports.push(id_of(store, &format!("report{n}@example.org")).await);
    }
    (id_of(store, "lee@example.org").await, reports)
}

pub(crate) async fn named_feedback_is_delivered_at_once_and_listed_for_its_sender(store: DynStore) {
    let (lee, reports) = team(&store).await;
    let sent = send(
        &store,
        &feedback(reports[0], lee, "you asked us first", false),
    )
    .await;
    let FeedbackSent::Delivered(id) = sent else {
        panic!("named feedback is delivered: {sent:?}")
    };
    let received = store.feedback_received(lee).await.expect("received");
    assert_eq!(received.len(), 1);
    let item = &received[0];
    assert_eq!(item.id, id);
    assert_eq!(item.sender.as_ref().map(|s| s.0), Some(reports[0]));
    assert_eq!((item.written_on, item.delivered_on), (today(), today()));
    assert_eq!(item.behaviour, "you asked us first");
    assert_eq!(item.batch_size, 1);
    assert_eq!(
        store.feedback_given(reports[0]).await.expect("given"),
        received
    );
    assert!(store.feedback_given(lee).await.expect("given").is_empty());
}

pub(crate) async fn feedback_is_refused_to_oneself_someone_who_left_or_unknown_and_sent_once(
    store: DynStore,
) {
    let (lee, reports) = team(&store).await;
    let to_self = store.send_feedback(&feedback(lee, lee, "x", false)).await;
    assert!(matches!(&to_self, Err(StoreError::Conflict(m)) if m.contains("someone else")));
    store.mark_left(reports[5], day(-1)).await.expect("left");
    let left = store
        .send_feedback(&feedback(lee, reports[5], "x", false))
        .await;
    assert!(matches!(&left, Err(StoreError::Conflict(m)) if m.contains("Report 5 has left")));
    let unknown = store
        .send_feedback(&feedback(lee, PersonId(987_654), "x", false))
        .await;
    assert!(is_not_found(&unknown), "{unknown:?}");
    // The same form sent twice stores one item, named or anonymous.
    let named = feedback(reports[0], lee, "twice", false);
    assert!(matches!(
        send(&store, &named).await,
        FeedbackSent::Delivered(_)
    ));
    assert_eq!(send(&store, &named).await, FeedbackSent::AlreadySent);
    let anonymous = feedback(reports[1], lee, "twice anonymous", true);
    assert_eq!(send(&store, &anonymous).await, FeedbackSent::Waiting);
    assert_eq!(send(&store, &anonymous).await, FeedbackSent::AlreadySent);
    // A second anonymous item from the same sender waits for the first to be delivered.
    let again = store
        .send_feedback(&feedback(reports[1], lee, "another", true))
        .await;
    assert!(matches!(&again, Err(StoreError::Conflict(m)) if m.contains("already have anonymous")));
    assert_eq!(
        store.feedback_received(lee).await.expect("received").len(),
        1
    );
    // A refused form can be sent again once fixed: its token was not used up.
    let mut fixed = feedback(lee, lee, "x", false);
    assert!(store.send_feedback(&fixed).await.is_err());
    fixed.receiver = reports[0];
    assert!(matches!(
        send(&store, &fixed).await,
        FeedbackSent::Delivered(_)
    ));
}

pub(crate) async fn anonymous_items_wait_until_k_senders_then_arrive_together_dated_by_week(
    store: DynStore,
) {
    let (lee, reports) = team(&store).await;
    for (n, sender) in reports[..2].iter().enumerate() {
        let mut new = feedback(*sender, lee, &format!("anonymous {n}"), true);
        new.today = day(-7 * n as i64);
        assert_eq!(send(&store, &new).await, FeedbackSent::Waiting);
        assert!(store.feedback_received(lee).await.expect("read").is_empty());
    }
    let mut last = feedback(reports[2], lee, "anonymous 2", true);
    last.today = day(1);
    assert_eq!(send(&store, &last).await, FeedbackSent::BatchDelivered);
    let received = store.feedback_received(lee).await.expect("read");
    assert_eq!(received.len(), 3);
    let behaviours: BTreeSet<&str> = received.iter().map(|i| i.behaviour.as_str()).collect();
    assert_eq!(
        behaviours,
        BTreeSet::from(["anonymous 0", "anonymous 1", "anonymous 2"])
    );
    for item in &received {
        assert!(item.is_anonymous());
        assert_eq!(item.batch_size, 3);
        // Every item carries the batch's weeks, not its own day.
        assert_eq!(item.written_on, week_of(day(-7)));
        assert_eq!(item.delivered_on, week_of(day(1)));
    }
    // Nothing is listed as given by the anonymous senders.
    for sender in &reports[..3] {
        assert!(
            store
                .feedback_given(*sender)
                .await
                .expect("given")
                .is_empty()
        );
    }
    // The sender may send anonymously again once their item was delivered.
    assert_eq!(
        send(&store, &feedback(reports[0], lee, "next batch", true)).await,
        FeedbackSent::Waiting
    );
}

pub(crate) async fn a_batch_is_delivered_in_random_order(store: DynStore) {
    let (_, reports) = team(&store).await;
    // Each report receives one batch from three others, sent in a known order: if delivery
    // kept that order, all six would come back in it (a chance of 1 in 6^6 otherwise).
    let mut in_sending_order = 0;
    for (n, receiver) in reports.iter().enumerate() {
        let senders: Vec<PersonId> = (1..=3).map(|d| reports[(n + d) % 6]).collect();
        for (i, sender) in senders.iter().enumerate() {
            send(
                &store,
                &feedback(*sender, *receiver, &format!("item {i}"), true),
            )
            .await;
        }
        let order: Vec<String> = store
            .feedback_received(*receiver)
            .await
            .expect("read")
            .into_iter()
            .map(|i| i.behaviour)
            .collect();
        assert_eq!(order.len(), 3);
        in_sending_order += usize::from(order == ["item 0", "item 1", "item 2"]);
    }
    assert!(in_sending_order < 6, "every batch came in sending order");
}

pub(crate) async fn anonymous_items_sent_at_once_deliver_one_batch_and_one_form_once(
    store: DynStore,
) {
    let (lee, reports) = team(&store).await;
    // Six senders at once with k = 3, one of them sending the same form twice: exactly six
    // items, two batches of three, nothing left waiting.
    let mut sent: Vec<NewFeedback> = reports
        .iter()
        .enumerate()
        .map(|(n, sender)| feedback(*sender, lee, &format!("at once {n}"), true))
        .collect();
    sent.push(sent[0].clone());
    let outcomes: Vec<FeedbackSent> =
        futures_util::future::join_all(sent.iter().map(|new| store.send_feedback(new)))
            .await
            .into_iter()
            .collect::<StoreResult<_>>()
            .expect("no database error");
    let count = |wanted: FeedbackSent| outcomes.iter().filter(|o| **o == wanted).count();
    assert_eq!(count(FeedbackSent::AlreadySent), 1, "{outcomes:?}");
    assert_eq!(count(FeedbackSent::BatchDelivered), 2, "{outcomes:?}");
    assert_eq!(count(FeedbackSent::Waiting), 4, "{outcomes:?}");
    let received = store.feedback_received(lee).await.expect("read");
    assert_eq!(received.len(), 6);
    assert!(received.iter().all(|i| i.batch_size == 3));
}

pub(crate) async fn only_the_receiver_marks_helpful_and_replies_to_named_items(store: DynStore) {
    let (lee, reports) = team(&store).await;
    let FeedbackSent::Delivered(named) =
        send(&store, &feedback(reports[0], lee, "named", false)).await
    else {
        panic!("delivered")
    };
    for (n, sender) in reports[1..4].iter().enumerate() {
        send(&store, &feedback(*sender, lee, &format!("anon {n}"), true)).await;
    }
    let anonymous = store
        .feedback_received(lee)
        .await
        .expect("read")
        .into_iter()
        .find(|i| i.is_anonymous())
        .expect("an anonymous item")
        .id;
    store.mark_feedback(lee, named, true).await.expect("marked");
    store
        .mark_feedback(lee, anonymous, false)
        .await
        .expect("marked");
    assert!(is_not_found(
        &store.mark_feedback(reports[0], named, false).await
    ));
    store
        .reply_to_feedback(lee, named, "Thank you, I will keep doing it", day(1))
        .await
        .expect("replied");
    let refused = store
        .reply_to_feedback(lee, anonymous, "who?", today())
        .await;
    assert!(is_conflict(&refused), "{refused:?}");
    assert!(is_not_found(
        &store
            .reply_to_feedback(reports[1], named, "not mine", today())
            .await
    ));
    // The sender sees the reply and the mark on what they gave.
    let given = store.feedback_given(reports[0]).await.expect("given");
    assert_eq!(given[0].helpful, Some(true));
    assert_eq!(
        given[0].reply,
        Some(("Thank you, I will keep doing it".into(), day(1)))
    );
    let received = store.feedback_received(lee).await.expect("read");
    let marked: Vec<Option<bool>> = received.iter().map(|i| i.helpful).collect();
    assert_eq!(marked.iter().filter(|h| h.is_some()).count(), 2);
}

pub(crate) async fn requests_ask_people_or_a_team_and_leave_the_list_once_answered(
    store: DynStore,
) {
    let (lee, reports) = team(&store).await;
    let ask = |to: AskChoice| NewFeedbackRequest {
        asker: lee,
        about: "How I ran Monday's review".into(),
        to,
        today: today(),
    };
    let two = store
        .ask_for_feedback(&ask(AskChoice::People(vec![
            reports[0], reports[1], reports[0],
        ])))
        .await
        .expect("asked");
    let platform = store.pulse_teams().await.expect("teams");
    let platform = platform
        .iter()
        .find(|t| t.name == "Platform")
        .expect("team")
        .id;
    store.mark_left(reports[5], day(-1)).await.expect("left");
    let whole = store
        .ask_for_feedback(&ask(AskChoice::Team(platform)))
        .await
        .expect("asked");
    let mine = store.feedback_requests_by(lee).await.expect("mine");
    assert_eq!(mine.iter().map(|r| r.asked).collect::<Vec<_>>(), [5, 2]);
    assert_eq!(mine[0].team.as_deref(), Some("Platform"));
    // Refusals: oneself, someone who left, unknown people, nobody to ask.
    let refusals = [
        ask(AskChoice::People(vec![lee])),
        ask(AskChoice::People(vec![reports[5]])),
        ask(AskChoice::People(vec![])),
    ];
    for refused in &refusals {
        assert!(
            is_conflict(&store.ask_for_feedback(refused).await),
            "{refused:?}"
        );
    }
    assert!(is_not_found(
        &store
            .ask_for_feedback(&ask(AskChoice::People(vec![PersonId(999_999)])))
            .await
    ));
    assert!(is_not_found(
        &store
            .ask_for_feedback(&ask(AskChoice::Team(TeamId(999_999))))
            .await
    ));
    // Report 0 answers one (named) and sets the other aside; report 1 answers anonymously.
    let open = |p| {
        let store = store.clone();
        async move {
            store
                .feedback_requests_for(p)
                .await
                .expect("open")
                .into_iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(open(reports[0]).await, [whole, two]);
    let mut answer = feedback(reports[0], lee, "you listened", false);
    answer.request = Some(two);
    send(&store, &answer).await;
    store
        .set_feedback_request_aside(reports[0], whole)
        .await
        .expect("aside");
    assert!(open(reports[0]).await.is_empty());
    let mut anonymous = feedback(reports[1], lee, "anonymous answer", true);
    anonymous.request = Some(two);
    send(&store, &anonymous).await;
    assert_eq!(open(reports[1]).await, [whole]);
    // The asker sees the named answer only; an answer to someone else is refused.
    assert_eq!(
        store.feedback_requests_by(lee).await.expect("mine")[1].named_answers,
        1
    );
    let mut elsewhere = feedback(reports[2], reports[3], "x", false);
    elsewhere.request = Some(whole);
    assert!(is_conflict(&store.send_feedback(&elsewhere).await));
    let mut not_asked = feedback(reports[2], lee, "x", false);
    not_asked.request = Some(two);
    assert!(is_not_found(&store.send_feedback(&not_asked).await));
    assert!(is_not_found(
        &store.set_feedback_request_aside(reports[2], two).await
    ));
}

pub(crate) async fn admins_counts_are_by_team_with_senders_and_batches(store: DynStore) {
    let (lee, reports) = team(&store).await;
    send(&store, &feedback(reports[0], lee, "a", false)).await;
    send(&store, &feedback(reports[0], reports[1], "b", false)).await;
    for sender in &reports[2..5] {
        send(&store, &feedback(*sender, lee, "c", true)).await;
    }
    let received = store.feedback_received(lee).await.expect("read");
    store
        .mark_feedback(lee, received[0].id, true)
        .await
        .expect("marked");
    let counts = store.feedback_counts_by_team().await.expect("counts");
    assert_eq!(
        counts,
        [TeamFeedbackCount {
            team: "Platform".into(),
            items: 5,
            helpful: 1,
            rated: 1,
            named_senders: 1,
            anonymous_batches: 1,
        }]
    );
}

// ------------------------------------------------------------------ the raw tables, both backends

/// Every row of every feedback table, each as one line of text, by table.
async fn raw_feedback_rows(url: &str) -> Vec<(String, Vec<String>)> {
    let tables = [
        "feedback_items",
        "feedback_pending",
        "feedback_waiting_marks",
        "feedback_sent_forms",
        "feedback_request_marks",
        "feedback_requests",
        "feedback_request_people",
    ];
    let mut all = Vec::new();
    for table in tables {
        let rows: Vec<String> = if url.starts_with("sqlite:") {
            let pool = sqlx::SqlitePool::connect(url).await.expect("opens");
            let columns: Vec<String> =
                sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                    .fetch_all(&pool)
                    .await
                    .expect("columns");
            let select = columns
                .iter()
                .map(|c| format!("'{c}=' || quote(\"{c}\")"))
                .collect::<Vec<_>>()
                .join(" || '|' || ");
            sqlx::query_scalar(&format!("SELECT {select} FROM {table}"))
                .fetch_all(&pool)
                .await
                .expect("rows")
        } else {
            let pool = sqlx::PgPool::connect(url).await.expect("opens");
            sqlx::query_scalar(&format!("SELECT row_to_json(t)::text FROM {table} t"))
                .fetch_all(&pool)
                .await
                .expect("rows")
        };
        all.push((table.to_string(), rows));
    }
    all
}

/// Known people send anonymously on known days; the raw tables, before and after delivery,
/// hold nothing that ties an item to its sender: no sender column or id, no day of sending,
/// and every delivered item of the batch alike but for its random id and its words.
async fn nothing_stored_links_an_anonymous_item_to_its_sender(url: &str, store: DynStore) {
    let (lee, reports) = team(&store).await;
    let new = |n: usize, offset: i64| {
        let mut f = feedback(reports[n], lee, &format!("secret words {n}"), true);
        f.today = day(offset);
        f.k = 3;
        f
    };
    send(&store, &new(0, -15)).await;
    send(&store, &new(1, -8)).await;
    let waiting = raw_feedback_rows(url).await;
    let everything = format!("{waiting:?}");
    assert!(
        !everything.contains("secret words"),
        "words are sealed while they wait"
    );
    for (table, rows) in &waiting {
        for row in rows {
            for sender in &reports {
                for value in [format!("={}|", sender.0), format!(":{},", sender.0)] {
                    assert!(!row.contains(&value), "{table} names a sender: {row}");
                }
            }
            for offset in [-15, -8] {
                assert!(
                    !row.contains(&day(offset).to_string()),
                    "{table} dates: {row}"
                );
            }
        }
    }
    send(&store, &new(2, 0)).await;
    let delivered = raw_feedback_rows(url).await;
    let items = &delivered[0].1;
    assert_eq!(items.len(), 3);
    // Strip each row's id and words: what is left is the same for all three.
    let rest: BTreeSet<String> = items
        .iter()
        .map(|row| {
            row.split([',', '|'])
                .filter(|part| !part.contains("id") || part.contains("receiver_id"))
                .filter(|part| !part.contains("secret words"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    assert_eq!(
        rest.len(),
        1,
        "delivered items differ beyond id and words: {rest:?}"
    );
    let rest = rest.into_iter().next().expect("one");
    assert!(rest.contains(&week_of(day(-15)).to_string()), "{rest}");
    for sender in &reports {
        assert!(
            !rest.contains(&format!("={}", sender.0)) && !rest.contains(&format!(":{}", sender.0)),
            "{rest}"
        );
    }
    for (table, rows) in &delivered[1..3] {
        assert!(rows.is_empty(), "{table} is emptied on delivery: {rows:?}");
    }
}

#[tokio::test]
async fn nothing_stored_links_an_anonymous_item_to_its_sender_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("raw.db").display());
    let store = connect(&url).await.expect("opens");
    nothing_stored_links_an_anonymous_item_to_its_sender(&url, store).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
async fn nothing_stored_links_an_anonymous_item_to_its_sender_postgres() {
    let (url, store) = new_postgres_store().await;
    nothing_stored_links_an_anonymous_item_to_its_sender(&url, store).await;
}
