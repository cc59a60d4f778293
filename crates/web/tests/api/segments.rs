//! Trust by segment: filters on rater attributes and compare-by rows, under the privacy rules,
//! through the page and the API, with each known differencing attack tried.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;
use trustloop_storage::Role;

/// Three leaders under a director. Direct reports by location and function (each answer is one
/// direct report rating their leader):
///
/// | leader | reports | location, function                                   | answers |
/// |--------|---------|------------------------------------------------------|---------|
/// | lee    | 8       | Lisbon Finance ×4, Lisbon Sales ×2, London Finance ×2 | 4 (75)  |
/// | pat    | 6       | London Sales ×4, London Finance ×2                    | 2 (25)  |
/// | kim    | 5       | Porto Sales ×3, Lisbon Sales ×2                       | 5 (100) |
///
/// So Lisbon 8, London 8, Porto 3; Finance 8, Sales 11; every location × function cell below 5;
/// two of the 19 are "new", the others "settled".
fn org_csv() -> String {
    let mut csv = String::from(
        "name,email,manager_email,team,location,function,tenure\n\
         Dana Director,dana@example.org,,Leadership,,,\n\
         lee,lee@example.org,dana@example.org,Platform,London,Engineering,settled\n\
         pat,pat@example.org,dana@example.org,Sales,London,Sales,settled\n\
         kim,kim@example.org,dana@example.org,Support,Porto,Support,settled\n",
    );
    let groups: [(&str, &str, &str, &str, usize); 6] = [
        ("lee", "Platform", "Lisbon", "Finance", 4),
        ("lee", "Platform", "Lisbon", "Sales", 2),
        ("lee", "Platform", "London", "Finance", 2),
        ("pat", "Sales", "London", "Sales", 4),
        ("pat", "Sales", "London", "Finance", 2),
        ("kim", "Support", "Porto", "Sales", 3),
    ];
    let mut n = 0;
    let mut line = |leader: &str, team: &str, location: &str, function: &str| {
        let tenure = if n < 2 { "new" } else { "settled" };
        csv.push_str(&format!(
            "{leader} report {n},r{n}@example.org,{leader}@example.org,{team},{location},{function},{tenure}\n"
        ));
        n += 1;
    };
    for (leader, team, location, function, count) in groups {
        for _ in 0..count {
            line(leader, team, location, function);
        }
    }
    for _ in 0..2 {
        line("kim", "Support", "Lisbon", "Sales");
    }
    csv
}

/// Loads the organisation, runs a campaign in which every direct report answers, and closes it.
pub(crate) async fn closed_campaign(app: &TestApp, admin: &Client) -> i64 {
    closed_campaign_with(app, admin, None).await
}

/// The same, with the campaign's segment minimum set on the form when given.
async fn closed_campaign_with(app: &TestApp, admin: &Client, min_segment: Option<&str>) -> i64 {
    upload_people(admin, &org_csv()).await;
    let id = match min_segment {
        None => create_campaign(admin, "Segments").await,
        Some(k) => {
            let deadline =
                (time::OffsetDateTime::now_utc().date() + time::Duration::days(14)).to_string();
            let r = admin
                .post_with_csrf(
                    "/admin/campaigns",
                    &[
                        ("name", "Segments"),
                        ("deadline", &deadline),
                        ("min_segment", k),
                    ],
                )
                .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            r.headers()["location"]
                .to_str()
                .expect("location")
                .rsplit('/')
                .next()
                .expect("id")
                .parse()
                .expect("numeric id")
        }
    };
    for leader in ["lee", "pat", "kim"] {
        admin
            .post_with_csrf(
                &format!("/admin/campaigns/{id}/leaders"),
                &[("email", &format!("{leader}@example.org"))],
            )
            .await;
    }
    admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/open"), &[])
        .await;
    let links = issue_links(admin, id).await;
    let rater = app.client();
    let mut answered = 0;
    for link in links.iter().filter(|l| l.group == "Direct reports") {
        let point = match link.leader.as_str() {
            "lee" => "4",
            "pat" => "2",
            _ => "5",
        };
        let response = answer(&rater, &link.url, &survey_form(point, None)).await;
        assert!(
            response.status().is_success() || response.status().is_redirection(),
            "answer refused: {}",
            response.status()
        );
        answered += 1;
    }
    assert_eq!(answered, 19);
    admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/close"), &[])
        .await;
    id
}

async fn api(client: &Client, id: i64, query: &str) -> (StatusCode, Value) {
    let response = client
        .get(&format!("/api/v1/campaigns/{id}/segments?{query}"))
        .await;
    let status = response.status();
    (status, response.json().await.expect("JSON"))
}

async fn page(client: &Client, id: i64, query: &str) -> (StatusCode, String) {
    client
        .get_text(&format!("/admin/campaigns/{id}/segments?{query}"))
        .await
}

fn row<'a>(view: &'a Value, value: &str) -> &'a Value {
    view["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["value"] == value)
        .expect("row")
}

#[tokio::test]
async fn filters_that_isolate_fewer_than_k_are_refused_in_words_and_never_with_a_number() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = closed_campaign(&app, &admin).await;

    let (status, body) = api(&admin, id, "f=location:Porto").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]
            .as_str()
            .expect("message")
            .contains("fewer than 5")
    );
    assert_eq!(body["refused"], true);
    assert!(body.get("total").is_none() && body.get("rows").is_none());
    // Two filters that are each large enough but together isolate four people.
    let (status, _) = api(&admin, id, "f=location:Lisbon&f=function:Finance").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The page says so beside the form, with the form still there to change.
    let (status, html) = page(&admin, id, "f=location:Porto&by=").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("role=\"alert\"") && html.contains("covers fewer than 5 people"));
    assert!(html.contains("<select id=\"by\" name=\"by\">"));
    assert!(html.contains("value=\"location:Porto\" selected"));
    assert!(
        !html.contains("class=\"heatmap\""),
        "no table for a refused view"
    );

    let events = app.store.audit_events(50, None).await.expect("audit");
    assert!(
        events.iter().any(
            |(_, e)| e.action == "segment_view_refused" && e.target == format!("campaign {id}")
        )
    );
}

#[tokio::test]
async fn a_filtered_view_shows_scores_with_intervals_and_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = closed_campaign(&app, &admin).await;
    // The bare page offers the form with everyone's attributes and shows nothing yet.
    let (status, html) = admin
        .get_text(&format!("/admin/campaigns/{id}/segments"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"location:Lisbon\"") && html.contains("value=\"tenure:new\""));
    assert!(!html.contains("class=\"heatmap\""));
    let (_, campaign_page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    assert!(campaign_page.contains(&format!("/admin/campaigns/{id}/segments")));

    let (status, view) = api(&admin, id, "f=location:London").await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["min_group"], 5);
    assert_eq!(view["filters"]["location"], "London");
    assert_eq!(view["total"]["respondents"], 8);
    // Two of lee's reports at 75 and six of pat's at 25.
    let trust = &view["total"]["scores"][0];
    assert_eq!(trust["mean"], 37.5);
    assert_eq!(trust["n"], 8);
    let interval = trust["interval"].as_array().expect("interval");
    assert!(
        interval[0].as_f64().expect("low") < 37.5 && interval[1].as_f64().expect("high") > 37.5
    );

    let (status, html) = page(&admin, id, "f=location:London").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Direct reports where location is London"));
    assert!(
        html.contains(">38<br><span class=\"small interval\">"),
        "mean with its interval: {html}"
    );
    let events = app.store.audit_events(50, None).await.expect("audit");
    assert!(
        events
            .iter()
            .any(|(_, e)| e.action == "segment_results_viewed"
                && e.detail.contains(r#"{"location":["London"]}"#))
    );
}

#[tokio::test]
async fn two_overlapping_filters_cannot_be_subtracted_from_each_other() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = closed_campaign(&app, &admin).await;
    let (status, _) = api(&admin, id, "f=location:Lisbon").await;
    assert_eq!(status, StatusCode::OK);
    // Finance (8) shares 4 with Lisbon (8): Lisbon minus Finance would be 4 people.
    let (status, body) = api(&admin, id, "f=function:Finance").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]
            .as_str()
            .expect("message")
            .contains("single out fewer than 5")
    );
    // London (8) shares nobody with Lisbon.
    let (status, _) = api(&admin, id, "f=location:London").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_view_that_differs_from_a_seen_one_by_a_few_people_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = closed_campaign(&app, &admin).await;
    // Everyone (19), then everyone but the two new people (17): their answers would show.
    let (status, everyone) = api(&admin, id, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(everyone["total"]["respondents"], 19);
    let (status, html) = page(&admin, id, "f=tenure:settled").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("would single out fewer than 5 people"));
    assert!(html.contains("Already shown in this campaign (to any admin)"));
    // The same view again reveals nothing new and is shown.
    let (status, again) = api(&admin, id, "f=").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["total"]["respondents"], 19);
    let seen = history(&app, id).await;
    assert_eq!(seen.len(), 1, "filter sets are kept once: {seen:?}");
    assert_eq!(
        seen[0].population,
        r#"{"filters":{},"measures":[true,true,true,true]}"#
    );
    assert_eq!(seen[0].kind, trustloop_storage::DisclosureKind::Segment);
}

/// Everything shown of a campaign, to any admin.
async fn history(app: &TestApp, id: i64) -> Vec<trustloop_storage::Disclosure> {
    app.store
        .disclosures(trustloop_storage::CampaignId(id), None)
        .await
        .expect("history")
}

#[tokio::test]
async fn compare_by_hides_small_rows_and_the_next_smallest_and_counts_the_leftover_as_seen() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = closed_campaign(&app, &admin).await;
    let (status, view) = api(&admin, id, "by=location").await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["total"]["respondents"], 19);
    assert_eq!(row(&view, "Porto")["hidden"], "too_few");
    // Porto alone (3) could be recovered from the total: the next smallest goes too.
    assert_eq!(row(&view, "Lisbon")["hidden"], "complementary");
    assert!(row(&view, "Lisbon")["figures"].is_null() && row(&view, "Porto")["figures"].is_null());
    assert_eq!(row(&view, "London")["figures"]["respondents"], 8);
    assert_eq!(row(&view, "London")["figures"]["scores"][0]["mean"], 37.5);
    // Lisbon and Porto together (11) were given away by the total, and are now seen: Sales
    // (11) shares 7 with them and 4 with London, so it would differ from both by 4.
    let (status, _) = api(&admin, id, "f=function:Sales").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, html) = page(&admin, id, "by=location").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("too few answers to show"));
    assert!(html.contains("hidden so that a smaller group cannot be worked out from the total"));
    assert!(html.contains("<option value=\"location\" selected>"));
}

#[tokio::test]
async fn leaders_and_strangers_never_see_segments() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = closed_campaign(&app, &admin).await;
    app.create_user(
        "lee@example.org",
        "Lee",
        Role::Leader,
        Some("lee@example.org"),
    )
    .await;
    let leader = app.signed_in("lee@example.org").await;
    let stranger = app.client();
    for client in [&leader, &stranger] {
        let api_response = client
            .get(&format!(
                "/api/v1/campaigns/{id}/segments?f=location:London"
            ))
            .await;
        assert!(matches!(
            api_response.status(),
            StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED
        ));
        let page_response = client
            .get(&format!("/admin/campaigns/{id}/segments?f=location:London"))
            .await;
        assert!(matches!(
            page_response.status(),
            StatusCode::FORBIDDEN | StatusCode::SEE_OTHER
        ));
    }
    let events = app.store.audit_events(100, None).await.expect("audit");
    assert!(!events.iter().any(|(_, e)| e.action.starts_with("segment")));
}

#[tokio::test]
async fn odd_repeated_or_empty_parameters_cannot_bypass_the_checks() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = closed_campaign(&app, &admin).await;
    for (query, status) in [
        // Parameters the API does not know are refused, not ignored.
        ("f=location:Porto&k=1", StatusCode::BAD_REQUEST),
        ("filter=location:Porto", StatusCode::BAD_REQUEST),
        ("f[]=location:Porto", StatusCode::BAD_REQUEST),
        // The same attribute twice, even in another case or with the same value.
        ("f=location:Porto&f=location:Porto", StatusCode::BAD_REQUEST),
        (
            "f=location:Lisbon&f=LOCATION:London",
            StatusCode::BAD_REQUEST,
        ),
        (
            "f=location:Lisbon&f=location:London",
            StatusCode::BAD_REQUEST,
        ),
        // Empty values, names and shapes.
        ("f=location:", StatusCode::BAD_REQUEST),
        ("f=:Porto", StatusCode::BAD_REQUEST),
        ("f=location", StatusCode::BAD_REQUEST),
        ("f=nothing:x", StatusCode::BAD_REQUEST),
        ("f=location:Atlantis", StatusCode::BAD_REQUEST),
        ("by=location&by=function", StatusCode::BAD_REQUEST),
        ("f=location:Lisbon&by=location", StatusCode::BAD_REQUEST),
        ("by=nothing", StatusCode::BAD_REQUEST),
        // Spelled differently, the small group is still the small group.
        ("f=LOCATION:Porto", StatusCode::UNPROCESSABLE_ENTITY),
        (
            "f=%20location%20:%20Porto%20",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("f=&f=location:Porto&f=", StatusCode::UNPROCESSABLE_ENTITY),
        ("f=tenure:new", StatusCode::UNPROCESSABLE_ENTITY),
        // Comparing within a small group shows nothing either.
        (
            "f=location:Porto&by=function",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (got, body) = api(&admin, id, query).await;
        assert_eq!(got, status, "{query}: {body}");
        assert!(body["error"].is_string(), "{query}: {body}");
        assert!(body.get("total").is_none(), "{query}: {body}");
    }
    // Nothing was shown, so nothing was recorded.
    let seen = history(&app, id).await;
    assert!(seen.is_empty(), "{seen:?}");
    // A campaign that is still open shows no segments at all.
    let open = create_campaign(&admin, "Still open").await;
    admin
        .post_with_csrf(&format!("/admin/campaigns/{open}/open"), &[])
        .await;
    let (status, _) = api(&admin, open, "").await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = api(&admin, 9999, "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_segment_minimum_is_set_per_campaign_and_shown_to_raters() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = closed_campaign_with(&app, &admin, Some("9")).await;
    // Lisbon has 8 answers: enough for the default 5, not for this campaign's 9.
    let (status, body) = api(&admin, id, "f=location:Lisbon").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["refused"], true);
    let (status, body) = api(&admin, id, "f=function:Sales").await;
    assert_eq!(status, StatusCode::OK, "Sales has 11: {body}");
    assert_eq!(body["min_group"], 9);
    let (_, page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    assert!(
        page.contains("segments from 9"),
        "the campaign page states the rule"
    );
    let draft = create_campaign(&admin, "Shown on the survey").await;
    let r = admin
        .post_with_csrf(
            &format!("/admin/campaigns/{draft}/leaders"),
            &[("email", "lee@example.org")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    admin
        .post_with_csrf(&format!("/admin/campaigns/{draft}/open"), &[])
        .await;
    let links = issue_links(&admin, draft).await;
    let (_, survey) = app.client().get_text(&links[0].url).await;
    assert!(
        survey.contains("at least 5 answers"),
        "the survey page states the segment minimum"
    );
}

// ------------------------------------------ figures checked together: the campaign's history
// Class 2 of the insider attacks: views checked one by one. The heatmap's team figure minus a
// segment view of that team (a filter on function) gave the one person outside the filter, and
// two admins' views were never checked against each other. One history per campaign now holds
// everything shown to any admin, and every figure is decided against all of it.

/// Lee's Platform: six direct reports, five in Finance and one in Legal (the one an attacker
/// wants); Kim's Support: seven, all in Legal. Two of Support's are "new", everyone else
/// "settled".
fn split_team_csv() -> String {
    let mut csv = String::from(
        "name,email,manager_email,team,function,tenure\n\
         Dana Director,dana@example.org,,Leadership,,\n\
         lee,lee@example.org,dana@example.org,Platform,Engineering,settled\n\
         kim,kim@example.org,dana@example.org,Support,Support,settled\n",
    );
    for n in 0..6 {
        let function = if n == 5 { "Legal" } else { "Finance" };
        csv.push_str(&format!(
            "lee report {n},lee{n}@example.org,lee@example.org,Platform,{function},settled\n"
        ));
    }
    for n in 0..7 {
        let tenure = if n < 2 { "new" } else { "settled" };
        csv.push_str(&format!(
            "kim report {n},kim{n}@example.org,kim@example.org,Support,Legal,{tenure}\n"
        ));
    }
    csv
}

/// Runs a campaign with Lee and Kim in which every direct report answers (Lee's Legal report
/// at 1, Lee's others at 4, Kim's at 3) and closes it.
async fn closed_split_team(app: &TestApp, admin: &Client) -> i64 {
    upload_people(admin, &split_team_csv()).await;
    let leaders = ["lee@example.org", "kim@example.org"];
    let (id, links) = open_campaign_led_by(admin, "Split team", &leaders).await;
    let rater = app.client();
    for link in links.iter().filter(|l| l.group == "Direct reports") {
        let point = match link.rater.as_str() {
            "lee report 5" => "1",
            r if r.starts_with("lee") => "4",
            _ => "3",
        };
        let r = answer(&rater, &link.url, &survey_form(point, None)).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", link.rater);
    }
    let r = admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/close"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    id
}

async fn heatmap(client: &Client, id: i64) -> Value {
    let response = client.get(&format!("/api/v1/campaigns/{id}/heatmap")).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("JSON")
}

fn team<'a>(map: &'a Value, name: &str) -> &'a Value {
    map["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["team"] == name)
        .expect("team row")
}

/// Checks that no shown figure minus another shown figure it contains (or minus several it
/// contains that share nobody) leaves between 1 and 4 answers. `shown` names each figure shown
/// with the answers it rests on (known here from how the organisation was built).
fn assert_no_difference_isolates(shown: &[(&str, BTreeSet<String>)]) {
    for (a, members) in shown {
        let inside: Vec<&(&str, BTreeSet<String>)> = shown
            .iter()
            .filter(|(b, m)| b != a && m.is_subset(members))
            .collect();
        for (b, m) in &inside {
            let left = members.len() - m.len();
            assert!(
                left == 0 || left >= 5,
                "{a} minus {b} leaves {left} answers"
            );
        }
        let disjoint = inside.iter().enumerate().all(|(i, (_, m))| {
            inside[i + 1..]
                .iter()
                .all(|(_, other)| m.is_disjoint(other))
        });
        if disjoint && inside.len() > 1 {
            let covered: usize = inside.iter().map(|(_, m)| m.len()).sum();
            let left = members.len() - covered;
            assert!(
                left == 0 || left >= 5,
                "{a} minus the figures inside it leaves {left}"
            );
        }
    }
}

fn reports(leader: &str, numbers: std::ops::Range<usize>) -> BTreeSet<String> {
    numbers.map(|n| format!("{leader} report {n}")).collect()
}

#[tokio::test]
async fn a_segment_view_that_splits_a_team_shown_on_the_heatmap_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = closed_split_team(&app, &admin).await;
    let map = heatmap(&admin, id).await;
    assert_eq!(team(&map, "Platform")["respondents"], 6, "{map}");
    // Platform (6) minus Finance (5, all in Platform) would be Lee's one Legal report.
    let (status, body) = api(&admin, id, "f=function:Finance").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["refused"], true);
    assert!(body.get("total").is_none(), "{body}");
    let (status, html) = page(&admin, id, "f=function:Finance").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("would single out fewer than 5 people"),
        "{html}"
    );
    // A view that takes in or leaves out whole teams is still shown (everyone); Legal takes all
    // of Support but only one of Platform, so it is refused too.
    let (status, everyone) = api(&admin, id, "").await;
    assert_eq!(status, StatusCode::OK, "{everyone}");
    assert_eq!(everyone["total"]["respondents"], 13);
    let (status, _) = api(&admin, id, "f=function:Legal").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // The page lists the heatmap among what was shown, in one line.
    assert!(
        html.contains("The team heatmap: its teams and the whole organisation"),
        "{html}"
    );
}

#[tokio::test]
async fn the_heatmap_after_a_segment_view_hides_the_team_the_view_would_split() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = closed_split_team(&app, &admin).await;
    let (status, finance) = api(&admin, id, "f=function:Finance").await;
    assert_eq!(status, StatusCode::OK, "{finance}");
    assert_eq!(finance["total"]["respondents"], 5);

    let map = heatmap(&admin, id).await;
    let platform = team(&map, "Platform");
    assert_eq!(platform["hidden"], "overlap", "{map}");
    assert!(platform["respondents"].is_null() && platform["means"][0].is_null());
    assert_eq!(team(&map, "Support")["respondents"], 7, "{map}");
    // Every figure shown of the campaign, with the answers behind it.
    let mut shown = vec![("Finance", reports("lee", 0..5))];
    if team(&map, "Support")["respondents"].is_u64() {
        shown.push(("Support", reports("kim", 0..7)));
    }
    if map["total"]["respondents"].is_u64() {
        let mut everyone = reports("lee", 0..6);
        everyone.extend(reports("kim", 0..7));
        shown.push(("the total", everyone));
    }
    assert_no_difference_isolates(&shown);
    // The same again: the same figures, nothing new to hide.
    assert_eq!(heatmap(&admin, id).await, map);
    let (_, html) = admin
        .get_text(&format!("/admin/campaigns/{id}/teams"))
        .await;
    assert!(
        html.contains("hidden because, with figures already shown of this campaign, it would single out fewer than 5 people"),
        "{html}"
    );
}

#[tokio::test]
async fn the_heatmap_is_recorded_when_first_shown_and_again_when_what_it_shows_changes() {
    use trustloop_storage::{CampaignId, Disclosed, DisclosureKind};
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = closed_split_team(&app, &admin).await;
    let map = heatmap(&admin, id).await;
    let recorded = history(&app, id).await;
    let kinds: Vec<DisclosureKind> = recorded.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        [
            DisclosureKind::Team,
            DisclosureKind::Team,
            DisclosureKind::Total
        ]
    );
    let digest = || async {
        app.store
            .disclosure_summary(CampaignId(id))
            .await
            .expect("summary")
            .heatmap_digest
    };
    let first = digest().await.expect("the heatmap's digest");
    // Again: the same heatmap, nothing new in the history.
    assert_eq!(heatmap(&admin, id).await, map);
    assert_eq!(history(&app, id).await, recorded);
    // As if an earlier version of the product, with other rules, had recorded its heatmap:
    // this one is not taken as recorded, and is recorded again.
    app.store
        .record_disclosures(
            CampaignId(id),
            time::OffsetDateTime::now_utc().date(),
            &|_| Disclosed {
                populations: Vec::new(),
                heatmap_digest: Some("a heatmap under other rules".into()),
            },
        )
        .await
        .expect("recorded");
    assert_eq!(heatmap(&admin, id).await, map);
    assert_eq!(digest().await, Some(first));
    assert_eq!(history(&app, id).await, recorded);
}

#[tokio::test]
async fn two_admins_cannot_split_the_work_between_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = closed_split_team(&app, &admin).await;
    app.create_user("second@example.org", "Second Admin", Role::Admin, None)
        .await;
    let second = app.signed_in("second@example.org").await;
    let created = create_token(&second, "scripts", &["campaigns:read"]).await;
    let token_page = created.text().await.expect("page");
    let token = extract_between(&token_page, "id=\"new-token\">", "<").expect("token shown once");
    let by_token = |query: &str| {
        reqwest::Client::new()
            .get(format!(
                "{}/api/v1/campaigns/{id}/segments?{query}",
                app.base
            ))
            .header("authorization", format!("Bearer {token}"))
            .send()
    };

    // The first admin sees everyone (13)...
    let (status, everyone) = api(&admin, id, "").await;
    assert_eq!(status, StatusCode::OK, "{everyone}");
    assert_eq!(everyone["total"]["respondents"], 13);
    // ...the second, through an API token, everyone but the two new people (11): the
    // difference would be those two people's answers.
    let response = by_token("f=tenure:settled").await.expect("sent");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["refused"], true, "{body}");
    // The second admin's page lists what the first was shown.
    let (status, html) = page(&second, id, "f=tenure:settled").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Already shown in this campaign (to any admin)")
            && html.contains("everyone · 13 answers"),
        "{html}"
    );
    // And the heatmap one admin sees holds against the other's segment views: after everyone
    // (13) and Finance (5, all in Platform), Platform would give away its one Legal answer, and
    // Support (7) would too, as everyone minus Finance minus Support.
    let response = by_token("f=function:Finance").await.expect("sent");
    assert_eq!(response.status(), StatusCode::OK, "Finance alone is 5");
    let map = heatmap(&admin, id).await;
    assert_eq!(team(&map, "Platform")["hidden"], "overlap", "{map}");
    assert_eq!(team(&map, "Support")["hidden"], "overlap", "{map}");
    assert!(map["total"]["respondents"].is_null(), "{map}");
}
