//! The attack suite: each known way of identifying a respondent is a test that must fail to
//! identify anyone. Attacks on segment filters (two overlapping filters, a view close to one
//! already seen, subtracting compare-by rows from their total, odd API parameters) are in
//! `segments.rs`; attacks on who is in a rater group in `attacks/raters.rs`; on pulse rounds and roll-ups in `attacks/pulse.rs`; on anonymous feedback in
//! `attacks/feedback.rs`; docs/privacy.md
//! lists every attack with its test.
//!
//! Tests that read the database itself run on an SQLite file whatever the backend of the run,
//! since they open the file; the others run on the run's backend.

use crate::helpers::*;
use reqwest::StatusCode;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use trustloop_storage::Role;

/// Attacks by reading the database itself (SQLite file: tables, bytes, the log).
mod database;
/// Attacks on anonymous feedback (tying items to senders) and on whose feedback is whose.
mod feedback;
/// Attacks on the team pulse (differencing rounds and roll-ups).
mod pulse;
/// Attacks on who is in a rater group (filling a group with raters one controls).
mod raters;
/// Attacks on breach repair (a recovery answer below k, linking answers to people, another
/// leader's repair).
mod repair;

/// Three teams under Dana: Lee's Platform (6 reports), Pat's Sales (2 reports: one fewer than a
/// rater group's k of 3) and Kim's Support (5 reports); reports alternate between London and
/// Lisbon.
fn org_csv() -> String {
    org_csv_placed(|_, r| if r % 2 == 0 { "London" } else { "Lisbon" })
}

/// The same organisation with each leader's `r`th report placed by `place(leader, r)`.
fn org_csv_placed(place: fn(&str, usize) -> &'static str) -> String {
    let mut csv = String::from(
        "name,email,manager_email,team,location\nDana Director,dana@example.org,,Leadership,London\n",
    );
    for (leader, name, team, reports) in [
        ("lee", "Lee Leader", "Platform", 6),
        ("pat", "Pat Lead", "Sales", 2),
        ("kim", "Kim Lead", "Support", 5),
    ] {
        csv.push_str(&format!(
            "{name},{leader}@example.org,dana@example.org,{team},London\n"
        ));
        for r in 0..reports {
            let place = place(leader, r);
            csv.push_str(&format!(
                "{leader} report {r},{leader}{r}@example.org,{leader}@example.org,{team},{place}\n"
            ));
        }
    }
    csv
}

/// An open campaign with Lee, Pat and Kim, and its links.
async fn open_campaign(admin: &Client, name: &str) -> (i64, Vec<Link>) {
    let leaders = ["lee@example.org", "pat@example.org", "kim@example.org"];
    open_campaign_led_by(admin, name, &leaders).await
}

async fn close(admin: &Client, id: i64) {
    let r = admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/close"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

/// Everyone except the leaders themselves answers; direct reports leave a comment naming
/// themselves (the worst case: the text itself says who wrote it).
async fn everyone_answers(app: &TestApp, links: &[Link]) {
    let rater = app.client();
    for link in links.iter().filter(|l| l.group != "Self") {
        let comment =
            (link.group == "Direct reports").then(|| format!("comment by {}", link.rater));
        let r = answer(&rater, &link.url, &survey_form("4", comment.as_deref())).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", link.rater);
    }
}

/// A closed campaign of the three teams that everyone but the leaders answered: the admin and
/// its id.
async fn finished_campaign(app: &TestApp, name: &str) -> (Client, i64) {
    let admin = app.admin().await;
    upload_people(&admin, &org_csv()).await;
    let (id, links) = open_campaign(&admin, name).await;
    everyone_answers(app, &links).await;
    close(&admin, id).await;
    (admin, id)
}

/// The JSON body of a GET that must succeed: comparing two bodies proves nothing when both
/// are the same error.
async fn ok_json(client: &Client, path: &str) -> serde_json::Value {
    let response = client.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.expect("json")
}

#[tokio::test]
async fn a_group_of_k_minus_one_is_in_no_figure_no_comment_and_no_readable_row() {
    let app = TestApp::spawn().await;
    let (_admin, id) = finished_campaign(&app, "Small group").await;
    app.create_user(
        "pat@example.org",
        "Pat Lead",
        Role::Leader,
        Some("pat@example.org"),
    )
    .await;
    let pat = app.signed_in("pat@example.org").await;
    let (status, page) = pat.get_text(&format!("/me/campaigns/{id}/report")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !page.contains("comment by pat report"),
        "a comment of the small group"
    );
    let report: serde_json::Value = pat
        .get(&format!("/api/v1/me/campaigns/{id}/report"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        report["hidden_groups"],
        serde_json::json!(["direct_report"])
    );
    assert_eq!(
        report["rows"][0]["others"]["n"], 1,
        "only the manager counts among the others"
    );
    let (responses, comments) = app
        .store
        .responses(
            trustloop_storage::CampaignId(id),
            app.store
                .person_by_email(
                    &trustloop_domain::people::Email::parse("pat@example.org").expect("email"),
                )
                .await
                .expect("lookup")
                .expect("pat")
                .id,
        )
        .await
        .expect("responses");
    assert!(
        responses.iter().all(|r| r.group.is_identified()) && comments.is_empty(),
        "the two direct reports' answers are nowhere readable"
    );
}

#[tokio::test]
async fn subtracting_the_shown_teams_from_the_total_leaves_at_least_k() {
    let app = TestApp::spawn().await;
    let (admin, id) = finished_campaign(&app, "Teams").await;
    let map: serde_json::Value = admin
        .get(&format!("/api/v1/campaigns/{id}/heatmap"))
        .await
        .json()
        .await
        .expect("json");
    let total = map["total"]["respondents"].as_u64().expect("total shown");
    let shown: u64 = map["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["respondents"].as_u64())
        .sum();
    let leftover = total - shown;
    assert!(
        leftover == 0 || leftover >= 5,
        "total {total} minus shown teams {shown} exposes {leftover} people"
    );
    // Support (5) is shown; Sales' two answers count nowhere, so the total is Platform and
    // Support only and nothing is left to find by subtraction.
    assert_eq!(total, 11);
}

/// A people import after the close changes no population shown: teams are those of when the
/// answers arrived, attributes those of when people answered. Lee's reports are all in London
/// and Kim's all in Lisbon, so that the segment view (London: exactly Lee's team) and the
/// heatmap can both be shown whatever order they come in (a London that split a team shown on
/// the heatmap would be refused, or hide that team).
#[tokio::test]
async fn a_team_view_before_and_after_one_person_leaves_is_the_same() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(
        &admin,
        &org_csv_placed(|leader, _| if leader == "kim" { "Lisbon" } else { "London" }),
    )
    .await;
    let (id, links) = open_campaign(&admin, "Leaver").await;
    everyone_answers(&app, &links).await;
    close(&admin, id).await;
    let heatmap_path = format!("/api/v1/campaigns/{id}/heatmap");
    let segments_path = format!("/api/v1/campaigns/{id}/segments?f=location:London");
    let heatmap = || ok_json(&admin, &heatmap_path);
    let segments = || ok_json(&admin, &segments_path);
    let (places_before, teams_before) = (segments().await, heatmap().await);
    let shown: Vec<(&str, u64)> = teams_before["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| Some((r["team"].as_str()?, r["respondents"].as_u64()?)))
        .collect();
    assert_eq!(
        shown,
        vec![("Platform", 6), ("Support", 5)],
        "{teams_before}"
    );
    assert_eq!(teams_before["total"]["respondents"], 11, "{teams_before}");
    assert_eq!(places_before["total"]["respondents"], 6, "{places_before}");
    // One of Lee's reports leaves Platform for Sales and moves to Lisbon.
    upload_people(
        &admin,
        "name,email,manager_email,team,location\nlee report 0,lee0@example.org,pat@example.org,Sales,Lisbon\n",
    )
    .await;
    assert_eq!(
        heatmap().await,
        teams_before,
        "teams are counted as they were when answers arrived"
    );
    assert_eq!(
        segments().await,
        places_before,
        "attributes are those of when people answered"
    );
}

#[tokio::test]
async fn comments_come_out_in_an_order_unrelated_to_when_they_were_written() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, &org_csv()).await;
    app.create_user(
        "lee@example.org",
        "Lee Leader",
        Role::Leader,
        Some("lee@example.org"),
    )
    .await;
    let lee = app.signed_in("lee@example.org").await;
    let texts: Vec<String> = (0..6).map(|i| format!("Observation number {i}")).collect();
    let mut shown_orders = Vec::new();
    for (name, forwards) in [("Forwards", true), ("Backwards", false)] {
        let (id, links) = open_campaign(&admin, name).await;
        let mut reports: Vec<&Link> = links
            .iter()
            .filter(|l| l.leader == "Lee Leader" && l.group == "Direct reports")
            .collect();
        reports.sort_by(|a, b| a.rater.cmp(&b.rater));
        let rater = app.client();
        for (n, link) in reports.iter().enumerate() {
            let text = if forwards { &texts[n] } else { &texts[5 - n] };
            answer(&rater, &link.url, &survey_form("3", Some(text))).await;
        }
        close(&admin, id).await;
        let (_, page) = lee.get_text(&format!("/me/campaigns/{id}/report")).await;
        let mut positions: Vec<(usize, &String)> = texts
            .iter()
            .map(|t| (page.find(t.as_str()).expect("every comment shown"), t))
            .collect();
        positions.sort();
        shown_orders.push(
            positions
                .into_iter()
                .map(|(_, t)| t.clone())
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(
        shown_orders[0], shown_orders[1],
        "the order shown does not depend on the order written"
    );
}

#[tokio::test]
async fn api_parameters_cannot_reach_what_the_pages_refuse() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, &org_csv()).await;
    let (id, links) = open_campaign(&admin, "Bypass").await;
    everyone_answers(&app, &links).await;
    app.create_user(
        "lee@example.org",
        "Lee Leader",
        Role::Leader,
        Some("lee@example.org"),
    )
    .await;
    let lee = app.signed_in("lee@example.org").await;
    // While open: no report, no heatmap, whatever the parameters.
    for path in [
        format!("/api/v1/me/campaigns/{id}/report"),
        format!("/api/v1/me/campaigns/{id}/report?status=closed&min_rater_group=1"),
    ] {
        assert_eq!(
            lee.get(&path).await.status(),
            StatusCode::CONFLICT,
            "{path}"
        );
    }
    for path in [
        format!("/api/v1/campaigns/{id}/heatmap"),
        format!("/api/v1/campaigns/{id}/heatmap?min_team=1&k=1"),
    ] {
        assert_eq!(
            admin.get(&path).await.status(),
            StatusCode::CONFLICT,
            "{path}"
        );
    }
    close(&admin, id).await;
    // Closed: thresholds in the query are ignored, another leader's report is not found.
    let plain = ok_json(&admin, &format!("/api/v1/campaigns/{id}/heatmap")).await;
    let tampered = ok_json(
        &admin,
        &format!("/api/v1/campaigns/{id}/heatmap?min_team=1&k=1&show_hidden=true"),
    )
    .await;
    assert!(
        plain["rows"].as_array().is_some_and(|r| !r.is_empty()),
        "{plain}"
    );
    assert_eq!(plain, tampered);
    let pat = app
        .store
        .person_by_email(&trustloop_domain::people::Email::parse("pat@example.org").expect("email"))
        .await
        .expect("lookup")
        .expect("pat")
        .id;
    let own = ok_json(&lee, &format!("/api/v1/me/campaigns/{id}/report")).await;
    assert_eq!(own["campaign_id"], id);
    assert!(
        own["rows"].as_array().is_some_and(|r| r.len() == 4),
        "{own}"
    );
    for path in [
        format!("/api/v1/me/campaigns/{id}/report?leader={}", pat.0),
        format!("/api/v1/me/campaigns/{id}/report?leader_id={}", pat.0),
    ] {
        let report = ok_json(&lee, &path).await;
        assert_eq!(report, own, "{path} still gives Lee's own report");
    }
    // A leader cannot reach the organisation's views at all.
    for path in [
        format!("/api/v1/campaigns/{id}/heatmap"),
        format!("/api/v1/campaigns/{id}/segments?f=location:London"),
        format!("/api/v1/campaigns/{id}/progress"),
    ] {
        let status = lee.get(&path).await.status();
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{path}: {status}"
        );
    }
}

/// Class 1 of the insider attacks: a threshold on group size alone. Kim's five direct reports
/// answer; four of them say "can't say" to every consistency item and one rates it all 1. The
/// group has five people, but Kim's consistency score from direct reports would be one person's
/// answer: it must be withheld, and left out of every other figure of that row, so that the
/// pooled score minus the shown columns recovers nothing.
#[tokio::test]
async fn a_score_fewer_than_k_could_give_is_withheld_and_counts_nowhere_in_the_report() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, &org_csv()).await;
    app.create_user(
        "kim@example.org",
        "Kim Lead",
        Role::Leader,
        Some("kim@example.org"),
    )
    .await;
    let (campaign, links) = open_campaign(&admin, "Can't say").await;
    let rater = app.client();
    let kims: Vec<&Link> = links
        .iter()
        .filter(|l| l.leader == "Kim Lead" && l.group != "Self")
        .collect();
    let mut lone = None;
    for (n, link) in kims.iter().enumerate() {
        let mut form = survey_form("4", None);
        if link.group == "Direct reports" {
            let point = if lone.is_none() { "1" } else { "cant_say" };
            if lone.is_none() {
                lone = Some(n);
            }
            for (field, value) in &mut form {
                if field.starts_with("item_con_") {
                    *value = point.to_string();
                }
            }
        }
        let r = answer(&rater, &link.url, &form).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    close(&admin, campaign).await;
    let kim = app.signed_in("kim@example.org").await;
    let report: serde_json::Value = kim
        .get(&format!("/api/v1/me/campaigns/{campaign}/report"))
        .await
        .json()
        .await
        .expect("json");
    let consistency = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["measure"] == "consistency")
        .expect("consistency row");
    let direct = consistency["by_group"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["group"] == "direct_report")
        .expect("direct reports shown: five answered");
    assert_eq!(direct["respondents"], 5);
    assert!(direct["score"].is_null(), "one person's answer: {direct}");
    assert_eq!(direct["withheld"], true);
    // The pooled figure holds the manager alone (Dana's 4s: 75), not the lone 1.
    assert_eq!(consistency["others"]["n"], 1);
    assert_eq!(consistency["others"]["mean"], 75.0);
    let page = kim
        .get_text(&format!("/me/campaigns/{campaign}/report"))
        .await
        .1;
    assert!(
        page.contains("withheld*"),
        "the page says why the cell is empty"
    );
}
