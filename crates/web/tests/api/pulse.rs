//! The team trust pulse over HTTP: starting a series, answering by link once, the trend page
//! and API with an alert on a real fall and none on noise, and who may see which team.

use crate::helpers::*;
use std::collections::BTreeMap;
use time::Duration;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::rating::{Rating, SurveyAnswers};
use trustloop_storage::{DynStore, PulseLink, PulseSeriesId, Role, TeamId};

/// Dana above two teams: Lee's Platform (6 members) and Kim's Support (5 members), plus Pat's
/// Sales (2 members, fewer than k).
pub const PULSE_CSV: &str = "name,email,manager_email,team\n\
Dana Director,dana@example.org,,Leadership\n\
Lee Leader,lee@example.org,dana@example.org,Platform\n\
Kim Keeper,kim@example.org,dana@example.org,Support\n\
Pat Peer,pat@example.org,dana@example.org,Sales\n\
Ann Report,ann@example.org,lee@example.org,Platform\n\
Ben Report,ben@example.org,lee@example.org,Platform\n\
Cai Report,cai@example.org,lee@example.org,Platform\n\
Dev Report,dev@example.org,lee@example.org,Platform\n\
Eli Report,eli@example.org,lee@example.org,Platform\n\
Fay Report,fay@example.org,lee@example.org,Platform\n\
Gus Helper,gus@example.org,kim@example.org,Support\n\
Hal Helper,hal@example.org,kim@example.org,Support\n\
Ida Helper,ida@example.org,kim@example.org,Support\n\
Jo Helper,jo@example.org,kim@example.org,Support\n\
Kit Helper,kit@example.org,kim@example.org,Support\n\
Lou Seller,lou@example.org,pat@example.org,Sales\n\
Max Seller,max@example.org,pat@example.org,Sales\n";

/// The id of team `name`.
pub async fn team(store: &DynStore, name: &str) -> TeamId {
    store
        .pulse_teams()
        .await
        .expect("teams")
        .into_iter()
        .find(|t| t.name == name)
        .expect("team exists")
        .id
}

/// Starts a weekly series over every team, from today, as the admin through the page.
pub async fn start_weekly(app: &TestApp, admin: &Client, members_see_results: bool) -> i64 {
    let mut form: Vec<(&str, String)> = vec![
        ("name", "Weekly pulse".into()),
        ("scope", "teams".into()),
        ("cadence", "weekly".into()),
        ("window", "3".into()),
        ("start", trustloop_app::today().to_string()),
        ("k", "5".into()),
    ];
    if members_see_results {
        form.push(("members_see_results", "yes".into()));
    }
    for name in ["Platform", "Support", "Sales"] {
        form.push(("team", team(&app.store, name).await.0.to_string()));
    }
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = admin.post_with_csrf("/pulse/series", &fields).await;
    assert!(
        response.status().is_redirection(),
        "series started: {}",
        response.status()
    );
    app.store.pulse_series_list().await.expect("series")[0].id.0
}

/// The answers of a member who rates every statement `score` (1–5).
pub fn rated(score: u8) -> SurveyAnswers {
    SurveyAnswers {
        ratings: Instrument::pulse_current()
            .items
            .iter()
            .map(|i| (i.code.clone(), Rating::Score(score)))
            .collect(),
        comments: BTreeMap::new(),
    }
}

/// Opens the round due on `day` and returns its links.
pub async fn open_round(store: &DynStore, day: time::Date) -> Vec<PulseLink> {
    let done = store
        .advance_pulses(day, &trustloop_app::tokens::new_link)
        .await
        .expect("scheduler pass");
    done.opened.into_iter().flat_map(|o| o.links).collect()
}

/// Each member of `team` answers with the next of `scores`, on `day`.
pub async fn answer_all(
    store: &DynStore,
    links: &[PulseLink],
    team: TeamId,
    scores: &[u8],
    day: time::Date,
) {
    let members: Vec<&PulseLink> = links.iter().filter(|l| l.team == team).collect();
    for (link, score) in members.iter().zip(scores) {
        let found = store
            .pulse_invitation_by_token(&trustloop_app::tokens::hash_token(&link.token))
            .await
            .expect("read")
            .expect("link");
        store
            .submit_pulse_answer(found.id, &rated(*score), day)
            .await
            .expect("stored");
    }
}

/// The pulse form filled with `point` for every statement.
fn pulse_form(point: &str) -> Vec<(String, String)> {
    Instrument::pulse_current()
        .items
        .iter()
        .map(|i| {
            (
                trustloop_domain::rating::item_field(&i.code),
                point.to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_member_answers_once_by_link_and_the_leader_sees_a_real_fall_but_not_noise() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, PULSE_CSV).await;
    app.create_user(
        "lee@example.org",
        "Lee Leader",
        Role::Leader,
        Some("lee@example.org"),
    )
    .await;
    app.create_user(
        "kim@example.org",
        "Kim Keeper",
        Role::Leader,
        Some("kim@example.org"),
    )
    .await;
    let series = start_weekly(&app, &admin, false).await;
    let (platform, support) = (
        team(&app.store, "Platform").await,
        team(&app.store, "Support").await,
    );
    let day0 = trustloop_app::today();

    let links = open_round(&app.store, day0).await;
    assert_eq!(links.len(), 13, "one link per member of the three teams");
    // Round 0: Platform answers by link, one member twice.
    let platform_links: Vec<&PulseLink> = links.iter().filter(|l| l.team == platform).collect();
    let anonymous = app.client();
    let page = anonymous
        .get(&format!("/p/{}", platform_links[0].token))
        .await;
    let page = page.text().await.expect("page");
    assert!(page.contains("Your team pulse") && page.contains("I trust my team leader."));
    assert!(
        page.contains("the team does not"),
        "told before answering who sees results"
    );
    for (link, point) in platform_links.iter().zip(["5", "4", "5", "4", "5", "4"]) {
        let response = answer(
            &anonymous,
            &format!("{}/p/{}", app.base, link.token),
            &pulse_form(point),
        )
        .await;
        assert_eq!(response.status(), reqwest::StatusCode::OK);
    }
    let again = answer(
        &anonymous,
        &format!("{}/p/{}", app.base, platform_links[0].token),
        &pulse_form("1"),
    )
    .await;
    assert_eq!(
        again.status(),
        reqwest::StatusCode::CONFLICT,
        "a link answers once"
    );
    answer_all(&app.store, &links, support, &[5, 3, 4, 2, 5], day0).await;
    // Round 1: Platform falls clearly; Support moves within the noise.
    let links = open_round(&app.store, day0 + Duration::days(7)).await;
    answer_all(
        &app.store,
        &links,
        platform,
        &[2, 2, 3, 2, 2, 3],
        day0 + Duration::days(7),
    )
    .await;
    answer_all(
        &app.store,
        &links,
        support,
        &[4, 3, 5, 2, 4],
        day0 + Duration::days(7),
    )
    .await;
    open_round(&app.store, day0 + Duration::days(14)).await;

    let lee = app.signed_in("lee@example.org").await;
    let (status, trend) = lee
        .get_text(&format!("/pulse/{series}/teams/{platform}"))
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(
        trend.contains("<svg") && trend.contains("class=\"band\""),
        "chart with its band"
    );
    assert!(trend.contains("Trust fell in the latest round"));
    assert!(trend.contains("/learn/positive-relationships"));
    assert!(trend.contains("a real fall"));
    let home = lee.get_text("/me").await.1;
    assert!(
        home.contains("Trust fell in 1 team pulse"),
        "the alert on the leader's page"
    );
    let json: serde_json::Value = lee
        .get(&format!(
            "/api/v1/pulse/series/{series}/teams/{platform}/trend"
        ))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(json["rounds"][0]["shown"], "yes");
    assert!(!json["alert"].as_array().expect("alert").is_empty());
    assert_eq!(json["rounds"][2]["status"], "open");

    let kim = app.signed_in("kim@example.org").await;
    let support_trend: serde_json::Value = kim
        .get(&format!(
            "/api/v1/pulse/series/{series}/teams/{support}/trend"
        ))
        .await
        .json()
        .await
        .expect("json");
    assert!(
        support_trend["alert"].as_array().expect("alert").is_empty(),
        "noise raises no alert"
    );
    assert_eq!(support_trend["since_previous"]["changes"][0]["real"], false);
    // Sales has two members: "not enough answers", never a number.
    let sales = team(&app.store, "Sales").await;
    let (_, admin_sales) = admin
        .get_text(&format!("/pulse/{series}/teams/{sales}"))
        .await;
    assert!(admin_sales.contains("not enough answers"));
    // Kim may not read Lee's team; the API says "not found".
    let other = kim
        .get(&format!(
            "/api/v1/pulse/series/{series}/teams/{platform}/trend"
        ))
        .await;
    assert_eq!(other.status(), reqwest::StatusCode::NOT_FOUND);
    let page = kim.get(&format!("/pulse/{series}/teams/{platform}")).await;
    assert_eq!(page.status(), reqwest::StatusCode::NOT_FOUND);
    let _ = PulseSeriesId(series);

    // The trend downloads hold the page's rows, shown or withheld, for whoever reads the page.
    for (client, team, page) in [(&lee, platform, &trend), (&admin, sales, &admin_sales)] {
        let shown = crate::exports::page_rows(page, false);
        let csv = client
            .get(&format!("/pulse/{series}/teams/{team}/trend.csv"))
            .await;
        assert_eq!(csv.status(), reqwest::StatusCode::OK);
        let rows: Vec<Vec<String>> = crate::exports::csv_rows(&csv.bytes().await.expect("csv"))
            .iter()
            .map(|r| crate::exports::trend_row_as_page(r))
            .collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows, shown);
        let xlsx = client
            .get(&format!("/pulse/{series}/teams/{team}/trend.xlsx"))
            .await;
        assert_eq!(xlsx.status(), reqwest::StatusCode::OK);
    }
    let other = kim
        .get(&format!("/pulse/{series}/teams/{platform}/trend.csv"))
        .await;
    assert_eq!(other.status(), reqwest::StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_member_answers_on_their_page_once_and_sees_results_only_when_the_series_says_so() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, PULSE_CSV).await;
    app.create_user(
        "ann@example.org",
        "Ann Report",
        Role::Member,
        Some("ann@example.org"),
    )
    .await;
    let hidden = start_weekly(&app, &admin, false).await;
    open_round(&app.store, trustloop_app::today()).await;
    let ann = app.signed_in("ann@example.org").await;
    let home = ann.get_text("/me").await.1;
    assert!(home.contains("Your team pulse"));
    let link = extract_between(&home, "href=\"/me/pulse/", "\"").expect("answer link");
    let csrf = ann.csrf().await;
    let mut form = pulse_form("4");
    form.push(("csrf".into(), csrf));
    let sent = ann
        .http
        .post(format!("{}/me/pulse/{link}", ann.base))
        .form(&form)
        .send()
        .await
        .expect("sent");
    assert_eq!(sent.status(), reqwest::StatusCode::OK);
    let twice = ann
        .http
        .post(format!("{}/me/pulse/{link}", ann.base))
        .form(&form)
        .send()
        .await
        .expect("sent");
    assert_eq!(twice.status(), reqwest::StatusCode::CONFLICT);
    assert!(ann.get_text("/me").await.1.contains("answered, thank you"));
    let platform = team(&app.store, "Platform").await;
    let refused = ann.get(&format!("/pulse/{hidden}/teams/{platform}")).await;
    assert_eq!(
        refused.status(),
        reqwest::StatusCode::NOT_FOUND,
        "the series hides results"
    );
    let series: serde_json::Value = ann
        .get("/api/v1/pulse/series")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(series.as_array().expect("list").len(), 0);
}

#[tokio::test]
async fn a_series_that_makes_no_sense_is_refused_with_a_clear_message_and_nothing_written() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, PULSE_CSV).await;
    app.create_user(
        "lee@example.org",
        "Lee Leader",
        Role::Leader,
        Some("lee@example.org"),
    )
    .await;
    let today = trustloop_app::today().to_string();
    let cases: [(&str, &str, &str, &str); 3] = [
        (
            "weekly",
            "9",
            &today,
            "the answer window must be 1 to 7 days",
        ),
        (
            "daily",
            "3",
            &today,
            "choose weekly, fortnightly, monthly or quarterly",
        ),
        ("weekly", "3", "2001-01-01", "cannot open in the past"),
    ];
    for (cadence, window, start, message) in cases {
        let response = admin
            .post_with_csrf(
                "/pulse/series",
                &[
                    ("name", "Bad"),
                    ("scope", "teams"),
                    ("cadence", cadence),
                    ("window", window),
                    ("start", start),
                    ("team", &team(&app.store, "Platform").await.0.to_string()),
                ],
            )
            .await;
        assert_eq!(response.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            response.text().await.expect("page").contains(message),
            "{message}"
        );
    }
    // A leader may start a series for their own team only.
    let lee = app.signed_in("lee@example.org").await;
    let own = lee
        .post_with_csrf(
            "/pulse/series",
            &[
                ("name", "Mine"),
                ("scope", "own"),
                ("cadence", "monthly"),
                ("window", "5"),
                ("start", &today),
            ],
        )
        .await;
    assert!(own.status().is_redirection());
    let series = app.store.pulse_series_list().await.expect("series");
    assert_eq!(series.len(), 1, "only the leader's series was written");
    assert_eq!(series[0].teams, vec![team(&app.store, "Platform").await]);
    let other = lee
        .post_with_csrf(
            "/pulse/series",
            &[
                ("name", "Theirs"),
                ("scope", "teams"),
                ("cadence", "weekly"),
                ("window", "3"),
                ("start", &today),
                ("team", &team(&app.store, "Support").await.0.to_string()),
            ],
        )
        .await;
    assert_eq!(other.status(), reqwest::StatusCode::NOT_FOUND);
}
