//! Trust and outcomes: importing team figures (all or nothing, line-numbered problems) and the
//! association across the teams the heatmap shows, refused below five teams.

use crate::helpers::*;
use reqwest::StatusCode;

/// Six teams of five direct reports whose trust differs (each answers one point for every
/// statement), a two-person team the heatmap withholds, all rated in a closed campaign.
async fn six_teams_and_a_tiny_one(app: &TestApp, admin: &Client) -> i64 {
    let mut csv =
        String::from("name,email,manager_email,team\nDana Director,dana@example.org,,Leadership\n");
    let teams = [
        ("t0", 5),
        ("t1", 5),
        ("t2", 5),
        ("t3", 5),
        ("t4", 5),
        ("t5", 5),
        ("tiny", 2),
    ];
    for (leader, reports) in teams {
        csv.push_str(&format!(
            "{leader},{leader}@example.org,dana@example.org,Team {leader}\n"
        ));
        for r in 0..reports {
            csv.push_str(&format!(
                "{leader} report {r},{leader}r{r}@example.org,{leader}@example.org,Team {leader}\n"
            ));
        }
    }
    upload_people(admin, &csv).await;
    let id = create_campaign(admin, "Trust 2026").await;
    for (leader, _) in teams {
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
    let rater = app.client();
    for link in issue_links(admin, id)
        .await
        .iter()
        .filter(|l| l.group == "Direct reports")
    {
        let point = match link.leader.as_str() {
            "t0" => "2",
            "t1" => "3",
            "t2" => "4",
            "t3" => "5",
            "t4" => "3",
            _ => "4",
        };
        answer(&rater, &link.url, &survey_form(point, None)).await;
    }
    admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/close"), &[])
        .await;
    id
}

/// Pearson's r, written out here as the reference for the page's.
fn pearson(pairs: &[(f64, f64)]) -> f64 {
    let n = pairs.len() as f64;
    let (mx, my) = (
        pairs.iter().map(|p| p.0).sum::<f64>() / n,
        pairs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxy: f64 = pairs.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = pairs.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    let syy: f64 = pairs.iter().map(|(_, y)| (y - my).powi(2)).sum();
    sxy / (sxx * syy).sqrt()
}

#[tokio::test]
async fn outcomes_import_whole_and_go_with_the_trust_of_the_teams_the_heatmap_shows() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = six_teams_and_a_tiny_one(&app, &admin).await;

    // A file with problems: each reported with its line, nothing imported.
    let bad = "team,period,metric,value\nTeam t0,2026-Q1,Attrition,12\nTeam nobody,2026-Q1,Attrition,3\nTeam t1,2026-Q7,Attrition,3\nTeam t2,2026-Q1,Attrition,many\n";
    let r = upload_to(
        &admin,
        "/admin/outcomes",
        "bad.csv",
        bad.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.expect("page");
    for line in ["line 3:", "line 4:", "line 5:"] {
        assert!(page.contains(line), "{line} in {page}");
    }
    assert!(page.contains("nothing was imported") && page.contains("None yet."));

    // Attrition falls as trust rises; the tiny team's figure has no trust to go with.
    let values = [
        ("t0", 14.0, 13.0),
        ("t1", 11.0, 10.5),
        ("t2", 8.5, 9.0),
        ("t3", 4.0, 5.0),
        ("t4", 10.0, 12.0),
        ("t5", 9.5, 8.0),
        ("tiny", 30.0, 1.0),
    ];
    let mut good = String::from("team,period,metric,value\n");
    for (team, q1, q2) in values {
        good.push_str(&format!(
            "Team {team},2026-Q1,Attrition,{q1}\nTeam {team},2026-Q2,Attrition,{q2}\n"
        ));
    }
    for team in ["t0", "t1", "t2", "t3"] {
        good.push_str(&format!("Team {team},2026,Engagement,70\n"));
    }
    let r = upload_to(&admin, "/admin/outcomes", "good.csv", good.into_bytes()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.text()
            .await
            .expect("page")
            .contains("18 figure(s) imported.")
    );

    let (status, page) = admin
        .get_text(&format!(
            "/admin/outcomes?campaign={id}&of=2026-Q1+Attrition"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        !page.contains("Team tiny"),
        "a withheld team is no point: {page}"
    );
    // The reference: the heatmap's own means (unrounded) against the imported figures.
    let map: serde_json::Value = admin
        .get(&format!("/api/v1/campaigns/{id}/heatmap"))
        .await
        .json()
        .await
        .expect("json");
    let trust = |team: &str| -> Option<f64> {
        map["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["team"] == team)?["means"][0]
            .as_f64()
    };
    let pairs = |q: usize| -> Vec<(f64, f64)> {
        values
            .iter()
            .filter_map(|(t, q1, q2)| {
                Some((trust(&format!("Team {t}"))?, if q == 1 { *q1 } else { *q2 }))
            })
            .collect()
    };
    assert_eq!(pairs(1).len(), 6);
    let first = extract_between(&page, "data-testid=\"association-1\">", "</p>").expect("words");
    assert!(
        first.starts_with(&format!(
            "Across 6 teams, r = {:.2} (95% interval",
            pearson(&pairs(1))
        )),
        "{first}"
    );
    assert!(first.contains("lower Attrition"), "{first}");
    let later = extract_between(&page, "data-testid=\"association-2\">", "</p>").expect("later");
    assert!(
        later.starts_with(&format!("Across 6 teams, r = {:.2}", pearson(&pairs(2)))),
        "{later}"
    );
    assert!(page.contains("<svg") && page.contains("<circle"));

    // The API gives the same association at full precision.
    let listed: serde_json::Value = admin
        .get("/api/v1/outcomes")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["min_teams"], 5);
    assert!(
        listed["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .any(|m| m["metric"] == "Attrition" && m["periods"][1] == "2026-Q2")
    );
    let json: serde_json::Value = admin
        .get(&format!(
            "/api/v1/outcomes/association?campaign={id}&metric=attrition&period=2026-Q1"
        ))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(json["now"]["state"], "shown", "{json}");
    assert_eq!(json["now"]["n"], 6);
    let r = json["now"]["r"].as_f64().expect("r");
    assert!((r - pearson(&pairs(1))).abs() < 1e-12, "{r}");
    assert_eq!(json["later"]["period"], "2026-Q2");
    assert!((json["later"]["r"].as_f64().expect("r") - pearson(&pairs(2))).abs() < 1e-12);
    assert!(!json.to_string().contains("Team tiny"));
    for (query, status) in [
        (
            "campaign=abc&metric=Attrition&period=2026-Q1",
            StatusCode::BAD_REQUEST,
        ),
        ("metric=Attrition&period=2026-Q1", StatusCode::BAD_REQUEST),
        (
            &format!("campaign={id}&metric=Attrition") as &str,
            StatusCode::BAD_REQUEST,
        ),
        (
            &format!("campaign={id}&metric=Attrition&period=2026-Q9"),
            StatusCode::BAD_REQUEST,
        ),
        (
            &format!("campaign={id}&metric=Revenue&period=2026-Q1"),
            StatusCode::NOT_FOUND,
        ),
        (
            "campaign=999&metric=Attrition&period=2026-Q1",
            StatusCode::NOT_FOUND,
        ),
    ] {
        let r = admin
            .get(&format!("/api/v1/outcomes/association?{query}"))
            .await;
        assert_eq!(r.status(), status, "{query}");
    }

    // Four teams are too few, said in words.
    let (_, few) = admin
        .get_text(&format!("/admin/outcomes?campaign={id}&of=2026+Engagement"))
        .await;
    let words = extract_between(&few, "data-testid=\"association-1\">", "</p>").expect("words");
    assert!(words.starts_with("Not shown: 4 team(s)"), "{words}");
    assert!(!few.contains("<circle"));

    // Bad choices answer with the page and a message, never a dead end.
    let (status, page) = admin
        .get_text(&format!("/admin/outcomes?campaign={id}&of=2026-Q1+Revenue"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("choose one from the lists") && page.contains("Import figures"));
    let (status, _) = admin
        .get_text("/admin/outcomes?campaign=abc&of=2026-Q1+Attrition")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let events = app.store.audit_events(50, None).await.expect("audit");
    assert!(events.iter().any(|(_, e)| e.action == "outcomes_imported"));
    assert!(
        events
            .iter()
            .any(|(_, e)| e.action == "team_results_viewed" && e.detail == "outcomes"),
        "the heatmap seen through outcomes is logged like a view"
    );
}

#[tokio::test]
async fn only_admins_see_or_import_outcomes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(
        &admin,
        "name,email,manager_email,team\nLee,lee@example.org,,Platform\n",
    )
    .await;
    app.create_user(
        "lee@example.org",
        "Lee",
        trustloop_storage::Role::Leader,
        Some("lee@example.org"),
    )
    .await;
    let lee = app.signed_in("lee@example.org").await;
    assert_eq!(
        lee.get("/admin/outcomes").await.status(),
        StatusCode::FORBIDDEN
    );
    let r = upload_to(
        &lee,
        "/admin/outcomes",
        "x.csv",
        b"team,period,metric,value\nPlatform,2026,Attrition,1\n".to_vec(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, page) = admin.get_text("/admin/outcomes").await;
    assert!(
        page.contains("None yet."),
        "nothing was imported by the leader"
    );
}
