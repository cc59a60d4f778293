//! Feedback over HTTP: giving it (the judgement warning before sending, "send anyway"), the
//! receiver's helpful marks and replies, anonymous feedback delivered only at k, requests,
//! bad input with the form kept, the API, and the admins' counts.

use crate::helpers::*;
pub(crate) use crate::ledger::{location, person};
use reqwest::StatusCode;
use trustloop_storage::{PersonId, Role};

/// The small organisation, with an account for every person.
pub(crate) async fn feedback_org(app: &TestApp) {
    let admin = app.admin().await;
    upload_people(&admin, ORG_CSV).await;
    for name in ["dana", "lee", "pat", "ann", "ben", "cai", "dev", "eve"] {
        let address = format!("{name}@example.org");
        app.create_user(&address, &address, Role::Member, Some(&address))
            .await;
    }
}

/// A give form's fields for `to` with `behaviour`, and the form's one-time token from the page.
pub(crate) async fn give_form(
    client: &Client,
    to: PersonId,
    behaviour: &str,
    anonymous: bool,
) -> Vec<(String, String)> {
    let (status, page) = client.get_text("/feedback/give").await;
    assert_eq!(status, StatusCode::OK);
    let token = extract_between(&page, "name=\"form\" value=\"", "\"").expect("form token");
    [
        ("form", token),
        ("to", to.0.to_string()),
        ("element", "relationships".into()),
        ("situation", "In Tuesday's planning meeting".into()),
        ("behaviour", behaviour.into()),
        ("impact", "I felt able to disagree".into()),
        ("anonymous", if anonymous { "yes" } else { "no" }.into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

pub(crate) async fn send(client: &Client, form: &[(String, String)]) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    client.post_with_csrf("/feedback/give", &fields).await
}

fn with(form: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = form.iter().filter(|(k, _)| k != name).cloned().collect();
    form.push((name.into(), value.into()));
    form
}

/// The JSON an API address answers `client` with.
async fn api_json(client: &Client, path: &str) -> serde_json::Value {
    client.get(path).await.json().await.expect("json")
}

#[tokio::test]
async fn a_judgement_is_warned_before_sending_and_the_receiver_marks_and_replies() {
    let app = TestApp::spawn().await;
    feedback_org(&app).await;
    let ann = app.signed_in("ann@example.org").await;
    let lee_id = person(&app.store, "lee@example.org").await;
    let form = give_form(&ann, lee_id, "You are always so arrogant", false).await;
    let warned = send(&ann, &form).await;
    assert_eq!(warned.status(), StatusCode::OK);
    let page = warned.text().await.expect("page");
    assert!(page.contains("data-testid=\"judgement-warning\""), "{page}");
    assert!(
        page.contains("You are always so arrogant"),
        "the words are kept"
    );
    assert!(page.contains("Send anyway"));
    assert!(
        app.store
            .feedback_received(lee_id)
            .await
            .expect("read")
            .is_empty(),
        "nothing is sent before the sender decides"
    );
    let sent = send(&ann, &with(&form, "anyway", "yes")).await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&sent), "/feedback?sent=delivered");

    let lee = app.signed_in("lee@example.org").await;
    let (_, page) = lee.get_text("/feedback").await;
    assert!(page.contains("from Ann Report") && page.contains("always so arrogant"));
    let id = app.store.feedback_received(lee_id).await.expect("read")[0]
        .id
        .0;
    let marked = lee
        .post_with_csrf(
            &format!("/feedback/items/{id}/helpful"),
            &[("helpful", "yes")],
        )
        .await;
    assert_eq!(location(&marked), format!("/feedback?all=yes#item-{id}"));
    let replied = lee
        .post_with_csrf(
            &format!("/feedback/items/{id}/reply"),
            &[("reply", "Thank you, tell me when it happens again")],
        )
        .await;
    assert_eq!(replied.status(), StatusCode::SEE_OTHER);
    let (_, page) = lee.get_text("/feedback").await;
    assert!(page.contains("You said it helped") && page.contains("100% of the feedback"));
    // The sender sees the mark and the reply on what they gave.
    let (_, given) = ann.get_text("/feedback").await;
    assert!(given.contains("they found it helpful"), "{given}");
    assert!(given.contains("tell me when it happens again"));
    // The API gives the receiver the same.
    let json = api_json(&lee, "/api/v1/me/feedback").await;
    assert_eq!(json["items"][0]["sender"], "Ann Report");
    assert_eq!(json["items"][0]["helpful"], true);
    assert_eq!(json["helpful_share"], 100);
    assert_eq!(json["periods"][0]["relationships"], 1);
}

#[tokio::test]
async fn anonymous_feedback_arrives_only_once_k_people_sent_it() {
    let app = TestApp::spawn().await;
    feedback_org(&app).await;
    let lee_id = person(&app.store, "lee@example.org").await;
    let lee = app.signed_in("lee@example.org").await;
    let senders = ["ann", "ben", "cai", "dev", "dana"];
    for (n, name) in senders.iter().enumerate() {
        let client = app.signed_in(&format!("{name}@example.org")).await;
        let form = give_form(&client, lee_id, &format!("anonymous words {n}"), true).await;
        let r = send(&client, &form).await;
        let expected = if n + 1 < senders.len() {
            "waiting"
        } else {
            "batch"
        };
        assert_eq!(location(&r), format!("/feedback?sent={expected}"));
        let (_, page) = lee.get_text("/feedback").await;
        assert_eq!(
            page.contains("anonymous words"),
            n + 1 == senders.len(),
            "delivered only at k = 5"
        );
    }
    let json = api_json(&lee, "/api/v1/me/feedback").await;
    let items = json["items"].as_array().expect("items");
    assert_eq!(items.len(), 5);
    for item in items {
        assert!(item["sender"].is_null());
        assert_eq!(item["batch_size"], 5);
        assert!(
            item["written"].as_str().expect("week").contains("-W"),
            "{item}"
        );
        assert_eq!(item["written"], items[0]["written"]);
    }
    // No reply to anonymous feedback.
    let id = items[0]["id"].as_i64().expect("id");
    let refused = lee
        .post_with_csrf(&format!("/feedback/items/{id}/reply"), &[("reply", "who?")])
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .expect("page")
            .contains("cannot be replied to")
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_message_and_the_form_kept() {
    let app = TestApp::spawn().await;
    feedback_org(&app).await;
    let ann = app.signed_in("ann@example.org").await;
    let ann_id = person(&app.store, "ann@example.org").await;
    let lee_id = person(&app.store, "lee@example.org").await;
    let eve_id = person(&app.store, "eve@example.org").await;
    let form = give_form(&ann, lee_id, "you asked for our estimates", false).await;

    let empty = send(&ann, &with(&with(&form, "situation", "  "), "impact", "")).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = empty.text().await.expect("page");
    assert!(page.contains("2 part(s) need your attention"), "{page}");
    assert!(page.contains("Situation is empty") && page.contains("Impact is empty"));
    assert!(
        page.contains("you asked for our estimates"),
        "the rest is kept"
    );

    let huge = "a".repeat(2001);
    let long = send(&ann, &with(&form, "behaviour", &huge)).await;
    assert_eq!(long.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        long.text()
            .await
            .expect("page")
            .contains("2001 characters long")
    );

    let to_self = send(&ann, &with(&form, "to", &ann_id.0.to_string())).await;
    assert_eq!(to_self.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        to_self
            .text()
            .await
            .expect("page")
            .contains("Feedback is for someone else")
    );

    app.store
        .mark_left(eve_id, time::OffsetDateTime::now_utc().date())
        .await
        .expect("left");
    let left = send(&ann, &with(&form, "to", &eve_id.0.to_string())).await;
    assert_eq!(left.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        left.text()
            .await
            .expect("page")
            .contains("has left the organisation")
    );

    for unknown in ["987654", "", "abc"] {
        let r = send(&ann, &with(&form, "to", unknown)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{unknown:?}");
        let page = r.text().await.expect("page");
        assert!(page.contains("Choose"), "{unknown:?}: {page}");
        assert!(page.contains("you asked for our estimates"));
    }
    let element = send(&ann, &with(&form, "element", "charm")).await;
    assert_eq!(element.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A double submit stores one item and says so.
    let first = send(&ann, &form).await;
    assert_eq!(location(&first), "/feedback?sent=delivered");
    let second = send(&ann, &form).await;
    assert_eq!(location(&second), "/feedback?sent=again");
    assert_eq!(
        app.store
            .feedback_received(lee_id)
            .await
            .expect("read")
            .len(),
        1
    );
    let (_, page) = ann.get_text("/feedback?sent=again").await;
    assert!(page.contains("it was not sent twice"));
}

#[tokio::test]
async fn a_request_is_asked_of_a_team_answered_and_set_aside() {
    let app = TestApp::spawn().await;
    feedback_org(&app).await;
    let lee = app.signed_in("lee@example.org").await;
    let (_, page) = lee.get_text("/feedback").await;
    let team = extract_between(
        &page,
        "<select id=\"ask-team\" name=\"team\"><option value=\"",
        "\"",
    )
    .expect("Lee's team is offered");
    let empty = lee
        .post_with_csrf(
            "/feedback/requests",
            &[("about", " "), ("to", "team"), ("team", &team)],
        )
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty
            .text()
            .await
            .expect("page")
            .contains("Say what you would like feedback on")
    );
    let asked = lee
        .post_with_csrf(
            "/feedback/requests",
            &[
                ("about", "How I ran Monday's review"),
                ("to", "team"),
                ("team", &team),
            ],
        )
        .await;
    assert_eq!(location(&asked), "/feedback?asked=yes#requests");
    let ann = app.signed_in("ann@example.org").await;
    let (_, page) = ann.get_text("/feedback").await;
    assert!(
        page.contains("asks for feedback on: How I ran Monday&#39;s review"),
        "{page}"
    );
    let request = extract_between(&page, "/feedback/give?request=", "\"").expect("answer link");
    let (_, form_page) = ann
        .get_text(&format!("/feedback/give?request={request}"))
        .await;
    assert!(form_page.contains("data-testid=\"answering\""));
    let token = extract_between(&form_page, "name=\"form\" value=\"", "\"").expect("token");
    let lee_id = person(&app.store, "lee@example.org").await;
    let r = ann
        .post_with_csrf(
            "/feedback/give",
            &[
                ("form", token.as_str()),
                ("request", request.as_str()),
                ("to", &lee_id.0.to_string()),
                ("element", "judgement"),
                ("situation", "Monday's review"),
                ("behaviour", "you summarised each decision before moving on"),
                ("impact", "I knew what we had agreed"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = ann.get_text("/feedback").await;
    assert!(page.contains("Nobody is waiting for feedback from you"));
    let (_, mine) = lee.get_text("/feedback").await;
    assert!(mine.contains("1 named answer(s)") && mine.contains("in answer to your request"));
    // Ben sets it aside; Eve, not asked, cannot.
    let ben = app.signed_in("ben@example.org").await;
    let aside = ben
        .post_with_csrf(&format!("/feedback/requests/{request}/aside"), &[])
        .await;
    assert_eq!(aside.status(), StatusCode::SEE_OTHER);
    assert!(
        ben.get_text("/feedback")
            .await
            .1
            .contains("Nobody is waiting")
    );
    let eve = app.signed_in("eve@example.org").await;
    let refused = eve
        .post_with_csrf(&format!("/feedback/requests/{request}/aside"), &[])
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn admins_see_counts_by_team_and_fewer_than_k_below_it() {
    let app = TestApp::spawn().await;
    feedback_org(&app).await;
    let lee_id = person(&app.store, "lee@example.org").await;
    let ann = app.signed_in("ann@example.org").await;
    let form = give_form(&ann, lee_id, "the secret words of Ann", false).await;
    send(&ann, &form).await;
    let admin = app.admin().await;
    let (status, page) = admin.get_text("/admin/feedback").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<th scope=\"row\">Platform</th><td>fewer than 5 senders</td>"),
        "{page}"
    );
    assert!(!page.contains("secret words"));
    let json = api_json(&admin, "/api/v1/feedback/teams").await;
    assert_eq!(json["min_senders"], 5);
    assert_eq!(json["teams"][0]["team"], "Platform");
    assert!(json["teams"][0]["items"].is_null());
    // Five anonymous senders make a batch: the counts are shown.
    for name in ["ben", "cai", "dev", "dana", "pat"] {
        let client = app.signed_in(&format!("{name}@example.org")).await;
        send(
            &client,
            &give_form(&client, lee_id, "more words", true).await,
        )
        .await;
    }
    let json = api_json(&admin, "/api/v1/feedback/teams").await;
    assert_eq!(json["teams"][0]["items"], 6);
    let audit = app.store.audit_events(50, None).await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|(_, e)| e.action == "feedback_counts_viewed" && e.detail == "api")
    );
    // An admin without a person record has no feedback page of their own.
    assert_eq!(admin.get("/feedback").await.status(), StatusCode::NOT_FOUND);
}
