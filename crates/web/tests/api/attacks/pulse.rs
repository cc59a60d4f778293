//! Attacks on the team pulse: subtracting two rounds of a team when one person joined or left
//! (their answer would be the difference), and subtracting the teams shown from a manager's
//! roll-up (the rest would be a team too small to show). Each must find nothing to subtract.

use crate::helpers::*;
use crate::pulse::{PULSE_CSV, answer_all, open_round, start_weekly, team};
use time::Duration;

/// Opens the trend of `team` in `series` through the API as the admin.
async fn trend(admin: &Client, series: i64, team: trustloop_storage::TeamId) -> serde_json::Value {
    admin
        .get(&format!("/api/v1/pulse/series/{series}/teams/{team}/trend"))
        .await
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn two_rounds_of_a_team_one_person_apart_never_both_show() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, PULSE_CSV).await;
    let series = start_weekly(&app, &admin, false).await;
    let (platform, support) = (
        team(&app.store, "Platform").await,
        team(&app.store, "Support").await,
    );
    let day0 = trustloop_app::today();
    let links = open_round(&app.store, day0).await;
    answer_all(&app.store, &links, platform, &[4, 4, 5, 3, 4, 4], day0).await;
    answer_all(&app.store, &links, support, &[4, 3, 4, 4, 5], day0).await;
    // Between the rounds, Fay leaves Platform for Sales and Nia joins Support.
    let moved = PULSE_CSV.replace(
        "Fay Report,fay@example.org,lee@example.org,Platform",
        "Fay Report,fay@example.org,pat@example.org,Sales",
    ) + "Nia Joiner,nia@example.org,kim@example.org,Support\n";
    upload_people(&admin, &moved).await;
    let day1 = day0 + Duration::days(7);
    let links = open_round(&app.store, day1).await;
    answer_all(&app.store, &links, platform, &[1, 1, 1, 1, 1], day1).await;
    answer_all(&app.store, &links, support, &[2, 2, 2, 2, 2, 2], day1).await;
    open_round(&app.store, day0 + Duration::days(14)).await;

    for (team, who) in [(platform, "the leaver"), (support, "the joiner")] {
        let json = trend(&admin, series, team).await;
        assert_eq!(json["rounds"][0]["shown"], "yes");
        assert_eq!(
            json["rounds"][1]["shown"], "would_single_out",
            "round 1 minus round 0 would give {who}'s answer"
        );
        assert!(
            json["rounds"][1]["scores"]
                .as_array()
                .expect("scores")
                .is_empty()
        );
        assert!(json["since_previous"].is_null());
        let page = admin
            .get_text(&format!("/pulse/{series}/teams/{team}"))
            .await
            .1;
        assert!(
            page.contains("withheld: with the figures shown before, it would single out 1 people")
        );
    }
    // The decision is kept: asked again, and by the leader's page, it stays withheld.
    let again = trend(&admin, series, platform).await;
    assert_eq!(again["rounds"][1]["shown"], "would_single_out");
}

#[tokio::test]
async fn a_managers_roll_up_minus_the_teams_shown_never_isolates_a_small_team() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, PULSE_CSV).await;
    let series = start_weekly(&app, &admin, false).await;
    let (platform, support, sales) = (
        team(&app.store, "Platform").await,
        team(&app.store, "Support").await,
        team(&app.store, "Sales").await,
    );
    let day0 = trustloop_app::today();
    let links = open_round(&app.store, day0).await;
    answer_all(&app.store, &links, platform, &[4, 4, 5, 3, 4, 4], day0).await;
    answer_all(&app.store, &links, support, &[4, 3, 4, 4, 5], day0).await;
    answer_all(&app.store, &links, sales, &[1, 1], day0).await;
    open_round(&app.store, day0 + Duration::days(7)).await;

    let (status, page) = admin.get_text(&format!("/admin/pulse/{series}")).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let row = extract_between(&page, "Dana Director&#39;s organisation (3 teams)", "</tr>")
        .unwrap_or_else(|| panic!("Dana's roll-up is listed: {page}"));
    assert!(
        row.contains("withheld") && row.contains("single out 2"),
        "Dana's organisation minus Platform and Support would be Sales' two answers: {row}"
    );
    let sales_row = extract_between(&page, ">Sales</a>", "</tr>").expect("Sales row");
    assert!(sales_row.contains("not enough answers"));
}

#[tokio::test]
async fn pulse_answer_tables_name_nobody_and_keep_no_order_of_arrival() {
    use super::database::{assert_random_ids_in_order, columns_of, raw, stored_ids};
    let app = TestApp::spawn_sqlite().await;
    let admin = app.admin().await;
    upload_people(&admin, PULSE_CSV).await;
    start_weekly(&app, &admin, false).await;
    let platform = team(&app.store, "Platform").await;
    let day0 = trustloop_app::today();
    let links = open_round(&app.store, day0).await;
    answer_all(&app.store, &links, platform, &[4, 4, 5, 3, 4, 4], day0).await;
    let pool = raw(&app).await;
    assert!(
        !columns_of(&pool, "pulse_answers")
            .await
            .iter()
            .any(|c| c.contains("person"))
    );
    let stored = stored_ids(&pool, "pulse_answers", "id", "overall").await;
    assert_eq!(
        stored.len(),
        5,
        "released in a batch of k; the sixth waits sealed"
    );
    let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pulse_pending")
        .fetch_one(&pool)
        .await
        .expect("waiting");
    assert_eq!(waiting, 1);
    assert_random_ids_in_order("pulse_answers", &stored);
    let marks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pulse_used_ballots")
        .fetch_one(&pool)
        .await
        .expect("marks");
    assert_eq!(marks, 6, "a mark per answer, none naming its link");
}
