//! Plans and the say-do ledger over HTTP: from a closed report to a plan and a commitment
//! confirmed by the person it was made to, who sees what, and confirmation links.

use crate::helpers::*;
use reqwest::StatusCode;
use trustloop_domain::ledger::Change;
use trustloop_domain::people::Email;
use trustloop_storage::{
    CommitmentChange, CommitmentId, DynStore, NewCommitment, PersonId, RecipientChoice, Role,
};

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

pub(crate) async fn person(store: &DynStore, address: &str) -> PersonId {
    store
        .person_by_email(&Email::parse(address).expect("email"))
        .await
        .expect("lookup")
        .expect("person")
        .id
}

/// A campaign led by Lee that everyone but Lee answered and the admin closed: its id.
async fn lees_closed_report(app: &TestApp) -> i64 {
    let admin = app.admin().await;
    upload_people(&admin, ORG_CSV).await;
    let (id, links) = open_campaign_led_by(&admin, "Spring", &["lee@example.org"]).await;
    let rater = app.client();
    for link in links.iter().filter(|l| l.group != "Self") {
        let r = answer(&rater, &link.url, &survey_form("4", None)).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", link.rater);
    }
    let r = admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/close"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for (address, role) in [
        ("lee@example.org", Role::Leader),
        ("dana@example.org", Role::Leader),
        ("pat@example.org", Role::Leader),
        ("ann@example.org", Role::Member),
        ("ben@example.org", Role::Member),
    ] {
        app.create_user(address, address, role, Some(address)).await;
    }
    id
}

pub(crate) fn location(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .expect("location")
        .to_string()
}

#[tokio::test]
async fn a_leader_goes_from_a_report_to_a_plan_shared_only_with_their_manager() {
    let app = TestApp::spawn().await;
    let campaign = lees_closed_report(&app).await;
    let lee = app.signed_in("lee@example.org").await;
    let (status, start) = lee
        .get_text(&format!("/me/campaigns/{campaign}/plan"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(start.contains("name=\"focus\""));
    let none = lee
        .post_with_csrf(&format!("/me/campaigns/{campaign}/plan"), &[])
        .await;
    assert_eq!(none.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let made = lee
        .post_with_csrf(
            &format!("/me/campaigns/{campaign}/plan"),
            &[("focus", "consistency")],
        )
        .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let plan = location(&made);
    let plan_id = plan.rsplit('/').next().expect("id").to_string();
    let again = lee.get(&format!("/me/campaigns/{campaign}/plan")).await;
    assert_eq!(location(&again), plan, "one plan per report");

    let date = today().to_string();
    let library = lee
        .post_with_csrf(
            &format!("{plan}/actions"),
            &[("library", "con-renegotiate-early"), ("target", &date)],
        )
        .await;
    assert_eq!(library.status(), StatusCode::SEE_OTHER);
    let yesterday = (today() - time::Duration::days(1)).to_string();
    let (status, refused) = {
        let r = lee
            .post_with_csrf(
                &format!("{plan}/actions"),
                &[
                    ("title", "Weekly notes"),
                    ("element", "consistency"),
                    ("target", &yesterday),
                ],
            )
            .await;
        (r.status(), r.text().await.expect("page"))
    };
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("has already passed"), "{refused}");
    let own = lee
        .post_with_csrf(
            &format!("{plan}/actions"),
            &[
                ("title", "Weekly notes"),
                ("element", "consistency"),
                ("target", &date),
            ],
        )
        .await;
    assert_eq!(own.status(), StatusCode::SEE_OTHER);
    let (_, page) = lee.get_text(&plan).await;
    assert!(page.contains("Why and how to start") && page.contains("href=\"/learn/"));
    let plans = app
        .store
        .plans_of(person(&app.store, "lee@example.org").await)
        .await
        .expect("plans");
    let own_action = plans[0].actions[1].id.0;
    let done = lee
        .post_with_csrf(
            &format!("/me/actions/{own_action}/status"),
            &[("status", "done"), ("note", "sent"), ("plan", &plan_id)],
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);

    let dana = app.signed_in("dana@example.org").await;
    let pat = app.signed_in("pat@example.org").await;
    let admin = app.admin().await;
    for (who, client) in [("Dana", &dana), ("Pat", &pat), ("admin", &admin)] {
        assert_eq!(
            client.get(&plan).await.status(),
            StatusCode::NOT_FOUND,
            "{who} before sharing"
        );
    }
    let shared = lee
        .post_with_csrf(&format!("{plan}/share"), &[("shared", "yes")])
        .await;
    assert_eq!(shared.status(), StatusCode::SEE_OTHER);
    let (status, seen) = dana.get_text(&plan).await;
    assert_eq!(status, StatusCode::OK);
    assert!(seen.contains("Lee Leader's plan") && !seen.contains("/status\""));
    assert_eq!(pat.get(&plan).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(admin.get(&plan).await.status(), StatusCode::NOT_FOUND);
    let changed = dana
        .post_with_csrf(
            &format!("/me/actions/{own_action}/status"),
            &[("status", "dropped"), ("plan", &plan_id)],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::NOT_FOUND);
    let (_, list) = dana.get_text("/me/shared-plans").await;
    assert!(list.contains("Lee Leader: Spring"));
    let api: serde_json::Value = dana
        .get("/api/v1/me/plans")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(api.as_array().map(Vec::len), Some(1));
    assert_eq!(api[0]["own"], false);
    assert_eq!(api[0]["actions"][1]["status"], "done");
    let (_, counts) = admin.get_text("/admin/plans").await;
    assert!(counts.contains("Platform") && !counts.contains("Weekly notes"));
    // The download holds the page's counts, cell for cell, and no contents.
    let shown = crate::exports::page_rows(&counts, false);
    let csv = admin
        .get("/admin/plans.csv")
        .await
        .bytes()
        .await
        .expect("csv");
    let rows: Vec<Vec<String>> = crate::exports::csv_rows(&csv)
        .into_iter()
        .map(|mut r| {
            r.push(String::new());
            r
        })
        .collect();
    assert!(!shown.is_empty());
    assert_eq!(rows, shown);
    assert!(!String::from_utf8_lossy(&csv).contains("Weekly notes"));
    let xlsx = admin.get("/admin/plans.xlsx").await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert_eq!(
        pat.get("/admin/plans.csv").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_commitment_is_confirmed_by_its_recipient_and_nobody_else() {
    let app = TestApp::spawn().await;
    lees_closed_report(&app).await;
    let (lee_id, ann_id) = (
        person(&app.store, "lee@example.org").await,
        person(&app.store, "ann@example.org").await,
    );
    let lee = app.signed_in("lee@example.org").await;
    let (_, page) = lee.get_text("/me/ledger").await;
    assert!(page.contains("If you choose one person, their answer is theirs"));
    let date = today().to_string();
    let team = app
        .store
        .teams_of_leader(lee_id)
        .await
        .expect("teams")
        .into_iter()
        .find(|t| t.name == "Platform")
        .expect("Platform")
        .id
        .0
        .to_string();
    let too_small = lee
        .post_with_csrf(
            "/me/ledger",
            &[
                ("what", "Fix the build"),
                ("due", &date),
                ("to", "team"),
                ("team", &team),
            ],
        )
        .await;
    assert_eq!(too_small.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        too_small
            .text()
            .await
            .expect("page")
            .contains("4 members besides you")
    );
    let to_self = lee
        .post_with_csrf(
            "/me/ledger",
            &[
                ("what", "Fix the build"),
                ("due", &date),
                ("person", &lee_id.0.to_string()),
            ],
        )
        .await;
    assert_eq!(to_self.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let made = lee
        .post_with_csrf(
            "/me/ledger",
            &[
                ("what", "Fix the build"),
                ("due", &date),
                ("person", &ann_id.0.to_string()),
            ],
        )
        .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    assert!(
        app.store.commitments_of(lee_id).await.expect("read").len() == 1,
        "the refused ones wrote nothing"
    );
    let id = app.store.commitments_of(lee_id).await.expect("read")[0]
        .id
        .0;
    let pat = app.signed_in("pat@example.org").await;
    let theirs = pat
        .post_with_csrf(
            &format!("/me/commitments/{id}/change"),
            &[("change", "kept")],
        )
        .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let kept = lee
        .post_with_csrf(
            &format!("/me/commitments/{id}/change"),
            &[("change", "kept")],
        )
        .await;
    assert_eq!(kept.status(), StatusCode::SEE_OTHER);
    let own = lee
        .post_with_csrf(
            &format!("/me/commitments/{id}/confirm"),
            &[("answer", "kept")],
        )
        .await;
    assert_eq!(own.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        own.text()
            .await
            .expect("page")
            .contains("your own commitment")
    );
    let stranger = pat
        .post_with_csrf(
            &format!("/me/commitments/{id}/confirm"),
            &[("answer", "kept")],
        )
        .await;
    assert_eq!(stranger.status(), StatusCode::NOT_FOUND);
    let admin = app.admin().await;
    let (_, api) = pat.get_text("/api/v1/me/commitments").await;
    assert!(!api.contains("Fix the build"), "private to Lee and Ann");
    assert_eq!(
        admin.get("/api/v1/me/commitments").await.status(),
        StatusCode::NOT_FOUND
    );

    let ann = app.signed_in("ann@example.org").await;
    let (_, asks) = ann.get_text("/me/confirmations").await;
    assert!(asks.contains("Fix the build") && asks.contains("shown to Lee Leader as yours"));
    let confirmed = ann
        .post_with_csrf(
            &format!("/me/commitments/{id}/confirm"),
            &[("answer", "kept")],
        )
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert!(
        confirmed
            .text()
            .await
            .expect("page")
            .contains("your answer is counted")
    );
    let twice = ann
        .post_with_csrf(
            &format!("/me/commitments/{id}/confirm"),
            &[("answer", "not_kept")],
        )
        .await;
    assert_eq!(twice.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let ledger: serde_json::Value = lee
        .get("/api/v1/me/commitments")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(ledger["say_do"]["due"], 1);
    assert_eq!(ledger["say_do"]["kept_confirmed"], 1);
    assert_eq!(ledger["say_do"]["ratio"], 1.0);
    let low = ledger["say_do"]["ci95"][0].as_f64().expect("low");
    assert!(
        (0.2..0.21).contains(&low),
        "Wilson's interval for 1 of 1: {low}"
    );
    assert_eq!(ledger["commitments"][0]["verdict"], "confirmed_kept");
    assert_eq!(ledger["commitments"][0]["tally"]["kept"], 1);
    let (_, page) = lee.get_text("/me/ledger").await;
    assert!(page.contains("1 of 1 (100%; 95% range 21%–100%)"), "{page}");

    let organisation: serde_json::Value = admin
        .get("/api/v1/organisation/say-do")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(organisation["state"], "too_few_leaders");
    assert_eq!(organisation["n"], 1);
    assert!(!organisation.to_string().contains("Fix the build"));
    assert_eq!(
        lee.get("/api/v1/organisation/say-do").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_confirmation_link_works_once_and_not_after_a_change_or_for_someone_who_left() {
    let app = TestApp::spawn().await;
    lees_closed_report(&app).await;
    let store = &app.store;
    let lee = person(store, "lee@example.org").await;
    let (ann, ben) = (
        person(store, "ann@example.org").await,
        person(store, "ben@example.org").await,
    );
    // Made a week ago, due yesterday and still open: Ann and Ben are asked.
    let made = store
        .make_commitment(&NewCommitment {
            leader_id: lee,
            what: "Publish the roadmap".into(),
            to: RecipientChoice::People(vec![ann, ben]),
            due: today() - time::Duration::days(1),
            action_id: None,
            today: today() - time::Duration::days(7),
            min_team: 5,
        })
        .await
        .expect("made");
    let links =
        trustloop_app::ledger::confirmation_links(&trustloop_app::App::new(store.clone()), made.id)
            .await
            .expect("links");
    let link = |who: PersonId| {
        let token = &links
            .iter()
            .find(|l| l.person_id == who)
            .expect("a link")
            .token;
        format!("/confirm/{token}")
    };
    let visitor = app.client();
    let (status, page) = visitor.get_text(&link(ann)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Publish the roadmap") && page.contains("This link works once"));
    let answered = visitor
        .post_form(&link(ann), &[("answer", "not_kept")])
        .await;
    assert!(
        answered
            .text()
            .await
            .expect("page")
            .contains("your answer is counted")
    );
    for used in [
        visitor.post_form(&link(ann), &[("answer", "kept")]).await,
        visitor.get(&link(ann)).await,
        visitor.get(&format!("/confirm/{}", "ab".repeat(32))).await,
        visitor.get("/confirm/not-a-token").await,
    ] {
        assert_eq!(used.status(), StatusCode::OK);
        assert!(
            used.text()
                .await
                .expect("page")
                .contains("This link cannot be used")
        );
    }
    // Lee agrees a new date: Ben's link, made for the revision before, no longer counts.
    store
        .change_commitment(&CommitmentChange {
            leader_id: lee,
            commitment: made.id,
            change: Change::Renegotiated {
                on: today(),
                due: today() + time::Duration::days(3),
            },
            today: today(),
        })
        .await
        .expect("moved");
    let changed = visitor.post_form(&link(ben), &[("answer", "kept")]).await;
    assert!(
        changed
            .text()
            .await
            .expect("page")
            .contains("changed after the link was made")
    );
    let read = store
        .commitment(CommitmentId(made.id.0))
        .await
        .expect("read");
    assert_eq!(
        read.commitment.tally.answered(),
        0,
        "a new revision starts afresh"
    );
    store.mark_left(ben, today()).await.expect("Ben leaves");
    assert!(
        trustloop_app::ledger::confirmation_links(&trustloop_app::App::new(store.clone()), made.id)
            .await
            .expect("links")
            .is_empty(),
        "nobody is asked before the new date, and Ben has left"
    );
}

#[tokio::test]
async fn the_next_report_lists_the_actions_done_since_the_last_one_without_claiming_cause() {
    // SQLite: the test moves the first campaign's closing day back in the file itself.
    let app = TestApp::spawn_sqlite().await;
    let first = lees_closed_report(&app).await;
    let lee_id = person(&app.store, "lee@example.org").await;
    let plan = app
        .store
        .create_plan(&trustloop_storage::NewPlan {
            leader_id: lee_id,
            campaign_id: trustloop_storage::CampaignId(first),
            focus: vec![trustloop_domain::model::Element::Consistency],
            library_version: 1,
            today: today(),
        })
        .await
        .expect("plan");
    for (title, done) in [("Weekly notes", true), ("Ask before deciding", false)] {
        let action = trustloop_app::plans::add_own_action(
            &trustloop_app::App::new(app.store.clone()),
            lee_id,
            plan.id,
            title,
            trustloop_domain::model::Element::Consistency,
            today(),
            "",
        )
        .await
        .expect("added");
        if done {
            app.store
                .set_action_status(
                    lee_id,
                    action.id,
                    trustloop_domain::plan::ActionStatus::Done,
                    "",
                    today(),
                )
                .await
                .expect("done");
        }
    }
    // The first report became readable ten days ago; the second closes today.
    let raw = sqlx::sqlite::SqlitePoolOptions::new()
        .connect(&app.db_url)
        .await
        .expect("database file");
    sqlx::query("UPDATE campaigns SET closed_on = $1 WHERE id = $2")
        .bind((today() - time::Duration::days(10)).to_string())
        .bind(first)
        .execute(&raw)
        .await
        .expect("moved back");
    let admin = app.admin().await;
    let (second, links) = open_campaign_led_by(&admin, "Autumn", &["lee@example.org"]).await;
    let rater = app.client();
    for link in links.iter().filter(|l| l.group != "Self") {
        answer(&rater, &link.url, &survey_form("5", None)).await;
    }
    let r = admin
        .post_with_csrf(&format!("/admin/campaigns/{second}/close"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let lee = app.signed_in("lee@example.org").await;
    let (status, report) = lee
        .get_text(&format!("/me/campaigns/{second}/report"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        report.contains("Actions you completed since Spring"),
        "{report}"
    );
    assert!(report.contains("Weekly notes") && !report.contains("Ask before deciding"));
    assert!(report.contains("It does not say that they caused any change."));
    let (_, first_report) = lee.get_text(&format!("/me/campaigns/{first}/report")).await;
    assert!(
        !first_report.contains("Weekly notes"),
        "done after the first report closed: not on it"
    );
}
