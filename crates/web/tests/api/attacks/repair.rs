//! Attacks on breach repair: learning a recovery answer below k (an anonymous round with fewer
//! than k answers never shows, anywhere, and its answers stay sealed), linking an anonymous
//! answer to its sender through ids, times or order (the tables name nobody and are stored in
//! the order of random ids), a named answer given without being told (refused, nothing
//! stored), and reading another leader's repair, as a leader, an admin or an API token (every
//! GET route is tried).

use crate::helpers::*;
use crate::matrix::no_get_route_shows;
use crate::pulse::team;
use crate::repair::{
    answer_link, open_recovery, record_on_team, recovery_form, recovery_under_way, repair_org,
};
use reqwest::StatusCode;
use time::Duration;
use trustloop_domain::model::Element;

#[tokio::test]
async fn a_round_with_fewer_than_k_anonymous_answers_never_shows_and_stays_sealed() {
    let app = TestApp::spawn().await;
    repair_org(&app).await;
    let (lee, id, links) = recovery_under_way(&app, "lee@example.org", "Platform", false).await;
    let day0 = trustloop_app::today();
    let anonymous = app.client();
    for (link, point) in links[..4].iter().zip(["1", "5", "1", "5"]) {
        let r = answer_link(
            &anonymous,
            &link.token,
            &recovery_form(Element::Consistency, point),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    // The round closes with four answers of the five needed.
    open_recovery(&app.store, day0 + Duration::days(7)).await;
    let json: serde_json::Value = lee
        .get(&format!("/api/v1/me/repairs/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(json["rounds"][0]["status"], "closed");
    assert_eq!(json["rounds"][0]["shown"], "not_enough_answers");
    assert!(
        json["rounds"][0]["scores"]
            .as_array()
            .expect("scores")
            .is_empty()
    );
    assert!(json["named_answers"].as_array().expect("named").is_empty());
    let (_, page) = lee.get_text(&format!("/repair/{id}")).await;
    assert!(page.contains("not enough answers"));
    assert!(
        !page.contains("data-testid=\"recovery-chart\""),
        "no dot to read off a chart"
    );
    let rounds = app
        .store
        .recovery_rounds(trustloop_storage::RepairId(id))
        .await
        .expect("rounds");
    assert!(
        rounds[0].released.is_empty(),
        "the four answers stay sealed"
    );
}

#[tokio::test]
async fn recovery_answer_tables_name_nobody_and_keep_no_order_of_arrival() {
    use super::database::{assert_random_ids_in_order, columns_of, raw, stored_ids};
    let app = TestApp::spawn_sqlite().await;
    repair_org(&app).await;
    let (_, _, links) = recovery_under_way(&app, "lee@example.org", "Platform", false).await;
    let anonymous = app.client();
    for (link, point) in links.iter().zip(["1", "2", "3", "4", "5", "3"]) {
        answer_link(
            &anonymous,
            &link.token,
            &recovery_form(Element::Consistency, point),
        )
        .await;
    }
    let pool = raw(&app).await;
    for table in [
        "recovery_answers",
        "recovery_pending",
        "recovery_used_ballots",
    ] {
        let columns = columns_of(&pool, table).await;
        assert!(
            !columns.iter().any(|c| c.contains("person")
                || c.contains("invitation")
                || c.ends_with("_on")
                || c.ends_with("_at")),
            "{table}: {columns:?}"
        );
    }
    let stored = stored_ids(&pool, "recovery_answers", "id", "overall").await;
    assert_eq!(
        stored.len(),
        5,
        "released in a batch of k; the sixth waits sealed"
    );
    assert_random_ids_in_order("recovery_answers", &stored);
    let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM recovery_pending")
        .fetch_one(&pool)
        .await
        .expect("waiting");
    assert_eq!(waiting, 1);
    let marks: Vec<Vec<u8>> = sqlx::query_scalar("SELECT mark FROM recovery_used_ballots")
        .fetch_all(&pool)
        .await
        .expect("marks");
    assert_eq!(marks.len(), 6, "a mark per answer");
    let invitations: Vec<i64> = sqlx::query_scalar("SELECT id FROM recovery_invitations")
        .fetch_all(&pool)
        .await
        .expect("ids");
    for mark in &marks {
        assert_eq!(mark.len(), 32, "a keyed hash");
        for id in &invitations {
            assert_ne!(
                mark.as_slice(),
                &id.to_be_bytes()[..],
                "no mark is its link's id"
            );
        }
    }
    let named: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM recovery_named_answers")
        .fetch_one(&pool)
        .await
        .expect("named");
    assert_eq!(named, 0, "an anonymous pulse keeps no named answer");
}

#[tokio::test]
async fn a_named_answer_sent_without_the_tick_is_refused_and_stores_nothing() {
    let app = TestApp::spawn().await;
    repair_org(&app).await;
    let (_, id, links) = recovery_under_way(&app, "pat@example.org", "Sales", true).await;
    let client = app.client();
    for consent in ["", "no", "on", "YES"] {
        let mut form = recovery_form(Element::Consistency, "1");
        if !consent.is_empty() {
            form.push(("named_consent".into(), consent.into()));
        }
        let r = answer_link(&client, &links[0].token, &form).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "consent {consent:?}"
        );
    }
    let rounds = app
        .store
        .recovery_rounds(trustloop_storage::RepairId(id))
        .await
        .expect("rounds");
    assert_eq!(rounds[0].answered, 0);
    assert!(rounds[0].named.is_empty());
}

#[tokio::test]
async fn no_route_shows_a_breach_to_another_leader_an_admin_or_a_token() {
    const SECRET: &str = "I read the private messages of Ann";
    let app = TestApp::spawn().await;
    let admin = repair_org(&app).await;
    let lee = app.signed_in("lee@example.org").await;
    let platform = team(&app.store, "Platform").await.0;
    let id = record_on_team(&lee, SECRET, "integrity", platform).await;
    let (_, own) = lee.get_text(&format!("/repair/{id}")).await;
    assert!(own.contains(SECRET), "the leader reads it");
    let created = create_token(&admin, "everything", &["campaigns:read", "reports:read"]).await;
    let page = created.text().await.expect("page");
    let token = extract_between(&page, "id=\"new-token\">", "<").expect("token shown once");
    let others = [
        ("a stranger", app.client()),
        ("another leader", app.signed_in("kim@example.org").await),
        ("an affected member", app.signed_in("lou@example.org").await),
        ("an admin", admin),
    ];
    let tried = no_get_route_shows(&app, SECRET, "a breach", &others, &token, |path| {
        vec![
            path.replace("{id}", &id.to_string())
                .replace("{token}", &"0".repeat(64))
                .replace("{team}", "1")
                .replace("{*rest}", "me/repairs"),
        ]
    })
    .await;
    assert!(tried > 4 * 30, "every GET route was tried ({tried})");
}
