//! Attacks on anonymous feedback and on whose feedback is whose: known people send anonymous
//! feedback in a known order, and the receiver (or a reader of the database) tries to tie each
//! delivered item back to its sender through its id, its dates, the order it is listed or
//! stored in, or the counts seen while items arrive; others try to read someone's feedback;
//! an admin tries to read what was written.

use super::*;
use crate::feedback::{feedback_org, give_form, person, send};

/// The words of the item `sender` sends `receiver`: what the test knows and the attacker does
/// not.
fn tag(sender: &str, receiver: &str) -> String {
    format!("behaviour seen by {sender} of {receiver}")
}

#[tokio::test]
async fn an_anonymous_item_cannot_be_tied_to_its_sender_by_id_dates_order_or_counts() {
    let app = TestApp::spawn_sqlite().await;
    feedback_org(&app).await;
    let admin = app.admin().await;
    let people = ["dana", "lee", "pat", "ann", "ben", "cai", "dev", "eve"];
    let receivers = ["lee", "ann", "ben", "cai", "dev"];
    let mut guessed = BTreeMap::from([("id order", 0), ("listed order", 0), ("stored order", 0)]);
    let mut items_seen = 0;
    for receiver in receivers {
        let address = format!("{receiver}@example.org");
        let receiver_id = person(&app.store, &address).await;
        let receiving = app.signed_in(&address).await;
        let senders: Vec<&str> = people
            .iter()
            .copied()
            .filter(|p| *p != receiver)
            .take(5)
            .collect();
        let seen_before = (
            receiving.get_text("/api/v1/me/feedback").await.1,
            admin.get_text("/api/v1/feedback/teams").await.1,
        );
        for (n, sender) in senders.iter().enumerate() {
            let client = app.signed_in(&format!("{sender}@example.org")).await;
            let form = give_form(&client, receiver_id, &tag(sender, receiver), true).await;
            assert_eq!(send(&client, &form).await.status(), StatusCode::SEE_OTHER);
            if n + 1 < senders.len() {
                // Counts: nothing the receiver or an admin sees changes while items wait.
                let seen = (
                    receiving.get_text("/api/v1/me/feedback").await.1,
                    admin.get_text("/api/v1/feedback/teams").await.1,
                );
                assert_eq!(seen, seen_before, "an arrival showed before k");
            }
        }
        let json: serde_json::Value = receiving
            .get("/api/v1/me/feedback")
            .await
            .json()
            .await
            .expect("json");
        let batch: Vec<&serde_json::Value> = json["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|i| i["sender"].is_null())
            .collect();
        assert_eq!(batch.len(), 5);
        // Dates: every item of the batch carries the same weeks and size, nothing of its own.
        for item in &batch {
            for field in ["written", "delivered", "batch_size", "element", "impact"] {
                assert_eq!(
                    item[field], batch[0][field],
                    "{field} differs within a batch"
                );
            }
        }
        let truth = |item: &serde_json::Value| {
            let words = item["behaviour"].as_str().expect("words");
            senders
                .iter()
                .position(|s| words == tag(s, receiver))
                .expect("a sender's words")
        };
        // The attacker's guesses: the n-th sender wrote the n-th item by id, as listed, or as
        // stored in the table.
        let mut by_id = batch.clone();
        by_id.sort_by_key(|i| i["id"].as_i64().expect("id"));
        let pool = database::raw(&app).await;
        let stored: Vec<String> = sqlx::query_scalar(
            "SELECT behaviour FROM feedback_items WHERE receiver_id = ? AND sender_id IS NULL",
        )
        .bind(receiver_id.0)
        .fetch_all(&pool)
        .await
        .expect("stored");
        for (n, item) in by_id.iter().enumerate() {
            *guessed.get_mut("id order").expect("key") += usize::from(truth(item) == n);
        }
        for (n, item) in batch.iter().enumerate() {
            *guessed.get_mut("listed order").expect("key") += usize::from(truth(item) == n);
        }
        for (n, words) in stored.iter().enumerate() {
            let right = senders.get(n).is_some_and(|s| *words == tag(s, receiver));
            *guessed.get_mut("stored order").expect("key") += usize::from(right);
        }
        items_seen += batch.len();
    }
    // By chance a guess is right for one item in five; an order that followed the sending
    // would be right for all 25. 20 or more right by chance is about 1 in 10^11.
    for (how, right) in guessed {
        assert!(
            right < 20,
            "{how} ties {right} of {items_seen} items to their senders"
        );
    }
}

#[tokio::test]
async fn nobody_but_its_receiver_and_named_sender_reads_an_item_and_admins_read_no_words() {
    const NAMED: &str = "named words only Lee and Ann may read";
    const ANONYMOUS: &str = "anonymous words only Lee may read";
    let app = TestApp::spawn().await;
    feedback_org(&app).await;
    let lee_id = person(&app.store, "lee@example.org").await;
    let ann = app.signed_in("ann@example.org").await;
    send(&ann, &give_form(&ann, lee_id, NAMED, false).await).await;
    for name in ["ben", "cai", "dev", "dana", "pat"] {
        let client = app.signed_in(&format!("{name}@example.org")).await;
        send(&client, &give_form(&client, lee_id, ANONYMOUS, true).await).await;
    }
    let lee = app.signed_in("lee@example.org").await;
    let (_, own) = lee.get_text("/feedback").await;
    assert!(
        own.contains(NAMED) && own.contains(ANONYMOUS),
        "the receiver reads both"
    );
    let (_, given) = ann.get_text("/feedback").await;
    assert!(given.contains(NAMED) && !given.contains(ANONYMOUS));
    let items = app.store.feedback_received(lee_id).await.expect("items");
    let ids: Vec<String> = items.iter().map(|i| i.id.0.to_string()).collect();

    let admin = app.admin().await;
    let created = create_token(&admin, "everything", &["campaigns:read", "reports:read"]).await;
    let page = created.text().await.expect("page");
    let token = extract_between(&page, "id=\"new-token\">", "<").expect("token shown once");
    let others = [
        ("a stranger", app.client()),
        (
            "a sender of the batch",
            app.signed_in("ben@example.org").await,
        ),
        ("Lee's manager", app.signed_in("dana@example.org").await),
        ("someone else", app.signed_in("eve@example.org").await),
        ("an admin", admin),
    ];
    let mut tried = 0;
    for spec in trustloop_web::route_table() {
        if !spec.methods.contains(&reqwest::Method::GET) {
            continue;
        }
        let mut paths = vec![
            spec.path
                .replace("{token}", &"0".repeat(64))
                .replace("{team}", "1")
                .replace("{*rest}", "x")
                .replace("{id}", "1"),
        ];
        if spec.path.contains("{id}") {
            paths.extend(ids.iter().map(|id| spec.path.replace("{id}", id)));
        }
        for path in paths {
            for (who, client) in &others {
                let (_, body) = client.get_text(&path).await;
                assert!(
                    !body.contains("only Lee"),
                    "{who} read Lee's feedback at {path}"
                );
                tried += 1;
            }
            if path.starts_with("/api/") {
                let body = with_token(&app.base, &path, &token).await;
                assert!(!body.contains("only Lee"), "an API token read it at {path}");
            }
        }
    }
    assert!(tried > 5 * 30, "every GET route was tried ({tried})");
    // Nobody else may mark or answer Lee's items: they are not found.
    let eve = app.signed_in("eve@example.org").await;
    for id in &ids {
        for (action, field, value) in [("helpful", "helpful", "no"), ("reply", "reply", "x")] {
            let r = eve
                .post_with_csrf(&format!("/feedback/items/{id}/{action}"), &[(field, value)])
                .await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{action} {id}");
        }
    }
    assert!(
        app.store
            .feedback_received(lee_id)
            .await
            .expect("items")
            .iter()
            .all(|i| i.helpful.is_none() && i.reply.is_none())
    );
}
