//! The main job end to end: import → campaign → invitations → answers → report.

use crate::helpers::*;
use reqwest::StatusCode;
use trustloop_storage::Role;

/// Imports the small organisation, creates a campaign for Lee with peers and one other, opens it
/// and returns (campaign id, links).
pub async fn open_campaign_for_lee(app: &TestApp, admin: &Client) -> (i64, Vec<Link>) {
    let id = draft_campaign_for_lee(app, admin).await;
    (id, open_with_links(admin, id).await)
}

/// A draft campaign assessing Lee, with Lee's raters nominated by Lee and approved by Dana,
/// Lee's manager.
async fn draft_campaign_for_lee(app: &TestApp, admin: &Client) -> i64 {
    upload_people(admin, ORG_CSV).await;
    let id = create_campaign(admin, "Spring trust 360").await;
    add_leader(admin, id, "lee@example.org").await;
    nominate_and_approve(
        app,
        id,
        ("lee@example.org", "dana@example.org"),
        &[
            ("Pat Peer", "pat@example.org", "peer"),
            ("Quinn Outside", "quinn@partner.example", "peer"),
            ("Rae Outside", "rae@partner.example", "peer"),
            ("Sam Customer", "sam@customer.example", "other"),
        ],
    )
    .await;
    id
}

/// Opens the draft campaign `id` and issues its links.
async fn open_with_links(admin: &Client, id: i64) -> Vec<Link> {
    let r = admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/open"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    issue_links(admin, id).await
}

pub fn link_of<'a>(links: &'a [Link], rater: &str) -> &'a str {
    &links
        .iter()
        .find(|l| l.rater == rater)
        .unwrap_or_else(|| panic!("no link for {rater}"))
        .url
}

#[tokio::test]
async fn raters_are_proposed_from_the_org_chart_and_links_are_single_use_and_unguessable() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;

    let (id, links) = open_campaign_for_lee(&app, &admin).await;

    let mut proposed: Vec<(String, String)> = links
        .iter()
        .map(|l| (l.rater.clone(), l.group.clone()))
        .collect();
    proposed.sort();
    let expected = [
        ("Ann Report", "Direct reports"),
        ("Ben Report", "Direct reports"),
        ("Cai Report", "Direct reports"),
        ("Dana Director", "Manager"),
        ("Dev Report", "Direct reports"),
        ("Lee Leader", "Self"),
        ("Pat Peer", "Peers"),
        ("Quinn Outside", "Peers"),
        ("Rae Outside", "Peers"),
        ("Sam Customer", "Others"),
    ];
    assert_eq!(
        proposed,
        expected.map(|(a, b)| (a.to_string(), b.to_string()))
    );
    for link in &links {
        let token = link.url.rsplit('/').next().expect("token");
        assert_eq!(token.len(), 64, "256-bit hex token");
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    assert!(links.iter().all(|l| l.leader == "Lee Leader"));
    let unique: std::collections::HashSet<_> = links.iter().map(|l| &l.url).collect();
    assert_eq!(unique.len(), links.len());
    // Asking again issues nothing new: every invitation already has a link.
    assert!(issue_links(&admin, id).await.is_empty());
}

#[tokio::test]
async fn answers_flow_into_a_report_released_only_when_the_campaign_closes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (id, links) = open_campaign_for_lee(&app, &admin).await;
    app.create_user(
        "lee@example.org",
        "Lee Leader",
        Role::Leader,
        Some("lee@example.org"),
    )
    .await;
    let rater = app.client();

    // Manager and four direct reports answer 4s; two of three peers and the one other answer 2s.
    for name in [
        "Dana Director",
        "Ann Report",
        "Ben Report",
        "Cai Report",
        "Dev Report",
    ] {
        let r = answer(
            &rater,
            link_of(&links, name),
            &survey_form("4", Some(&format!("Comment from {name}"))),
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
        assert_eq!(r.headers()["location"], "/thanks");
    }
    for name in ["Pat Peer", "Quinn Outside", "Sam Customer"] {
        let r = answer(&rater, link_of(&links, name), &survey_form("2", None)).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
    }
    // Lee takes the self-assessment while signed in.
    let lee = app.signed_in("lee@example.org").await;
    let csrf = lee.csrf().await;
    let mut form = survey_form("5", None);
    form.push(("csrf".into(), csrf));
    let r = answer(&lee, &format!("{}/me/campaigns/{id}/self", app.base), &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Progress shows counts per group and never who answered.
    let (_, page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    assert!(page.contains("4 of 4"), "direct reports progress");
    assert!(page.contains("2 of 3"), "peer progress");
    let api = admin.get(&format!("/api/v1/campaigns/{id}/progress")).await;
    let progress: serde_json::Value = api.json().await.expect("json");
    let peers = progress
        .as_array()
        .expect("array")
        .iter()
        .find(|p| p["group"] == "peer")
        .expect("peer row");
    assert_eq!(
        (peers["invited"].as_u64(), peers["completed"].as_u64()),
        (Some(3), Some(2))
    );

    // While open, the report is not released.
    let (status, page) = lee.get_text(&format!("/me/campaigns/{id}/report")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("released when the campaign closes"));

    let r = admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/close"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let (status, page) = lee.get_text(&format!("/me/campaigns/{id}/report")).await;
    assert_eq!(status, StatusCode::OK);
    // Others: manager 4s (75), 4 DRs 4s (75), 2 peers + 1 other 2s (25): mean (5*75 + 3*25)/8.
    let expected = (5.0 * 75.0 + 3.0 * 25.0) / 8.0;
    let shown =
        extract_between(&page, "data-testid=\"score-trust_index\">", "<").expect("trust index");
    assert_eq!(shown, format!("{expected:.0}"));
    assert!(
        page.contains("Others (incl. peers)"),
        "two peers merge into others"
    );
    assert!(page.contains("Comment from Ann Report"));
    assert!(page.contains("<svg class=\"bar-chart\""));
    assert!(page.contains("Blind spot"), "self 100 is far above others");

    let report: serde_json::Value = lee
        .get(&format!("/api/v1/me/campaigns/{id}/report"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(report["merged_groups"], serde_json::json!(["peer"]));
    assert_eq!(report["hidden_groups"], serde_json::json!([]));
    let trust = &report["rows"][0];
    assert_eq!(trust["measure"], "trust_index");
    assert_eq!(trust["others"]["n"], 8);
    assert!((trust["others"]["mean"].as_f64().expect("mean") - expected).abs() < 1e-9);
    let groups: Vec<&str> = trust["by_group"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["group"].as_str().expect("slug"))
        .collect();
    assert_eq!(groups, vec!["self", "manager", "direct_report", "other"]);
}

#[tokio::test]
async fn a_group_still_below_the_minimum_after_merging_is_hidden_from_every_figure() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (id, links) = open_campaign_for_lee(&app, &admin).await;
    app.create_user(
        "lee@example.org",
        "Lee Leader",
        Role::Leader,
        Some("lee@example.org"),
    )
    .await;
    let rater = app.client();
    for name in ["Ann Report", "Ben Report", "Cai Report"] {
        answer(
            &rater,
            link_of(&links, name),
            &survey_form("4", Some("Direct report comment")),
        )
        .await;
    }
    // One peer answers very low: alone, they could be recognised.
    answer(
        &rater,
        link_of(&links, "Pat Peer"),
        &survey_form("1", Some("Only peer comment")),
    )
    .await;
    admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/close"), &[])
        .await;

    let lee = app.signed_in("lee@example.org").await;
    let (status, page) = lee.get_text(&format!("/me/campaigns/{id}/report")).await;

    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Too few peers answered"),
        "the hidden group is explained"
    );
    assert!(
        !page.contains("Only peer comment"),
        "a hidden group's comment never shows"
    );
    let shown =
        extract_between(&page, "data-testid=\"score-trust_index\">", "<").expect("trust index");
    assert_eq!(
        shown, "75",
        "the lone peer's 1s are left out of every figure"
    );
    let report: serde_json::Value = lee
        .get(&format!("/api/v1/me/campaigns/{id}/report"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(report["hidden_groups"], serde_json::json!(["peer"]));
    assert_eq!(report["rows"][0]["others"]["n"], 3);
}

#[tokio::test]
async fn a_second_campaign_shows_the_change_since_the_first_and_whether_it_is_real() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, ORG_CSV).await;
    app.create_user(
        "lee@example.org",
        "Lee Leader",
        Role::Leader,
        Some("lee@example.org"),
    )
    .await;
    let rater = app.client();
    let mut ids = Vec::new();
    for (points, name) in [
        (["2", "3", "2", "3"], "first"),
        (["4", "5", "4", "5"], "second"),
    ] {
        let (id, links) = open_campaign_for_lee(&app, &admin).await;
        for (who, point) in ["Ann Report", "Ben Report", "Cai Report", "Dev Report"]
            .iter()
            .zip(points)
        {
            let r = answer(&rater, link_of(&links, who), &survey_form(point, None)).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name} campaign, {who}");
        }
        admin
            .post_with_csrf(&format!("/admin/campaigns/{id}/close"), &[])
            .await;
        ids.push(id);
    }
    let lee = app.signed_in("lee@example.org").await;

    let (_, first) = lee
        .get_text(&format!("/me/campaigns/{}/report", ids[0]))
        .await;
    let (status, second) = lee
        .get_text(&format!("/me/campaigns/{}/report", ids[1]))
        .await;

    assert_eq!(status, StatusCode::OK);
    assert!(
        !first.contains("id=\"change\""),
        "nothing to compare the first campaign with"
    );
    assert!(second.contains("Since Spring trust 360"));
    assert!(
        second.contains("a real rise"),
        "from about 37 to about 87 with four raters each"
    );
    assert!(
        second.contains("more raters would make it solid"),
        "four raters are not solid at rho .19"
    );
    assert!(
        second
            .contains("<span data-testid=\"/rows/0/reliability/shown/source\">taken from research"),
        "one leader: no campaign estimate"
    );
}

#[tokio::test]
async fn a_report_read_before_an_earlier_campaign_closes_shows_the_change_once_it_has() {
    // The finished report is computed once per server: a campaign created earlier but closed
    // later becomes the one compared with, and the report read afterwards must say so.
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let earlier = draft_campaign_for_lee(&app, &admin).await;
    let later = draft_campaign_for_lee(&app, &admin).await;
    app.create_user(
        "lee@example.org",
        "Lee Leader",
        Role::Leader,
        Some("lee@example.org"),
    )
    .await;
    let rater = app.client();
    let run = |id: i64, points: [&'static str; 4]| {
        let (admin, rater) = (&admin, &rater);
        async move {
            let links = open_with_links(admin, id).await;
            for (who, point) in ["Ann Report", "Ben Report", "Cai Report", "Dev Report"]
                .into_iter()
                .zip(points)
            {
                let r = answer(rater, link_of(&links, who), &survey_form(point, None)).await;
                assert_eq!(r.status(), StatusCode::SEE_OTHER, "campaign {id}, {who}");
            }
            admin
                .post_with_csrf(&format!("/admin/campaigns/{id}/close"), &[])
                .await;
        }
    };
    let lee = app.signed_in("lee@example.org").await;
    run(later, ["4", "5", "4", "5"]).await;
    let (_, alone) = lee.get_text(&format!("/me/campaigns/{later}/report")).await;
    assert!(
        !alone.contains("id=\"change\""),
        "nothing closed before it yet"
    );
    assert!(
        alone.contains("data-testid=\"score-trust_index\""),
        "{alone}"
    );

    run(earlier, ["2", "3", "2", "3"]).await;
    let (status, compared) = lee.get_text(&format!("/me/campaigns/{later}/report")).await;

    assert_eq!(status, StatusCode::OK);
    assert!(
        compared.contains("id=\"change\"") && compared.contains("a real rise"),
        "the same report, read again, now shows the change since the earlier campaign"
    );
}

#[tokio::test]
async fn trust_by_team_shows_teams_of_at_least_five_and_hides_smaller_ones_with_their_complement() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // Two teams under Dana: Lee's Platform (6 reports) and Pat's Sales (3 reports), plus Kim's
    // Support (5 reports). Sales is too small for a team view (5); Support, the next smallest,
    // is hidden with it so that the total cannot give Sales away.
    let mut csv =
        String::from("name,email,manager_email,team\nDana Director,dana@example.org,,Leadership\n");
    for (leader, team, reports) in [
        ("lee", "Platform", 6),
        ("pat", "Sales", 3),
        ("kim", "Support", 5),
    ] {
        csv.push_str(&format!(
            "{leader},{leader}@example.org,dana@example.org,{team}\n"
        ));
        for r in 0..reports {
            csv.push_str(&format!(
                "{leader} report {r},{leader}{r}@example.org,{leader}@example.org,{team}\n"
            ));
        }
    }
    upload_people(&admin, &csv).await;
    let id = create_campaign(&admin, "Team trust").await;
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
    let links = issue_links(&admin, id).await;
    let rater = app.client();
    for link in links.iter().filter(|l| l.group == "Direct reports") {
        let point = if link.leader == "lee" { "4" } else { "2" };
        answer(&rater, &link.url, &survey_form(point, None)).await;
    }
    let early = admin.get(&format!("/api/v1/campaigns/{id}/heatmap")).await;
    assert_eq!(
        early.status(),
        StatusCode::CONFLICT,
        "not while answers arrive"
    );
    admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/close"), &[])
        .await;

    let map: serde_json::Value = admin
        .get(&format!("/api/v1/campaigns/{id}/heatmap"))
        .await
        .json()
        .await
        .expect("json");
    let (status, page) = admin
        .get_text(&format!("/admin/campaigns/{id}/teams"))
        .await;

    let row = |team: &str| {
        map["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["team"] == team)
            .expect("row")
            .clone()
    };
    assert_eq!(row("Platform")["means"][0], 75.0);
    assert_eq!(row("Platform")["respondents"], 6);
    assert_eq!(row("Sales")["hidden"], "too_few");
    assert_eq!(row("Support")["hidden"], "complementary");
    assert!(row("Sales")["means"][0].is_null() && row("Support")["respondents"].is_null());
    assert_eq!(map["total"]["respondents"], 14);
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("too few answers to show") && page.contains("hidden so that a smaller team")
    );
    let events = app.store.audit_events(10, None).await.expect("audit");
    let viewed: Vec<&str> = events
        .iter()
        .filter(|(_, e)| e.action == "team_results_viewed")
        .map(|(_, e)| e.detail.as_str())
        .collect();
    assert_eq!(
        viewed.len(),
        2,
        "the API's and the page's view of each leader's team results are both logged: {viewed:?}"
    );
    assert!(viewed.contains(&"api"), "{viewed:?}");
}
