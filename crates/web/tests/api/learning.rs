//! The learning module over HTTP: reading a lesson, the knowledge check and its retakes,
//! progress on the learner's page and in the API, reflections private to their learner (no
//! other user, manager, admin, API or copy of the database reads them), the report's link to
//! the focus element's lesson, and the admin's view of teams under the k rule, audited.

use crate::helpers::*;
use reqwest::StatusCode;
use trustloop_domain::learning::Library;
use trustloop_storage::Role;

const SECRET: &str = "I let the Q3 review slip and blamed the tooling";

/// The form fields of a check on lesson `id` that answers every question right, except the
/// first `wrong` ones.
fn check_answers(id: &str, wrong: usize) -> Vec<(String, String)> {
    let library = Library::built_in();
    let lesson = library.lesson(id).expect("a built-in lesson");
    lesson
        .questions
        .iter()
        .enumerate()
        .map(|(n, q)| {
            let right = q.correct();
            let chosen = if n < wrong {
                (right + 1) % q.options.len()
            } else {
                right
            };
            (format!("q-{}", q.id), chosen.to_string())
        })
        .collect()
}

async fn post_fields(
    client: &Client,
    path: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    client.post_with_csrf(path, &borrowed).await
}

/// The organisation with accounts for Lee (leader of Platform), Dana (Lee's manager) and Pat
/// (another leader).
async fn organisation(app: &TestApp) -> Client {
    let admin = app.admin().await;
    upload_people(&admin, ORG_CSV).await;
    for (email, name) in [
        ("lee@example.org", "Lee Leader"),
        ("dana@example.org", "Dana Director"),
        ("pat@example.org", "Pat Peer"),
    ] {
        app.create_user(email, name, Role::Leader, Some(email))
            .await;
    }
    admin
}

#[tokio::test]
async fn a_learner_reads_a_lesson_takes_the_check_retakes_it_and_sees_progress() {
    let app = TestApp::spawn().await;
    organisation(&app).await;
    let lee = app.signed_in("lee@example.org").await;

    let (status, list) = lee.get_text("/learn").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        list.contains("You have read <strong>0</strong> of 7 lessons"),
        "{list}"
    );
    assert!(list.contains("href=\"/learn/consistency\""));

    let (status, page) = lee.get_text("/learn/consistency").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<h1 id=\"lesson-title\">"));
    assert!(page.contains("Your answers are private to you."));
    assert!(
        page.contains("data-practice-title=\"") && page.contains("data-practice-days=\""),
        "the practice carries its hook for the plan"
    );
    assert!(
        !page.contains("<script>"),
        "the body is rendered without raw HTML"
    );

    let r = lee.post_with_csrf("/learn/consistency/read", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // A check with a question left out is refused and says so; nothing is recorded.
    let mut partial = check_answers("consistency", 0);
    partial.pop();
    let r = post_fields(&lee, "/learn/consistency/check", &partial).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .await
            .expect("page")
            .contains("answer every question")
    );

    // One wrong of at least three: under 80%, not passed; every option is explained.
    let r = post_fields(
        &lee,
        "/learn/consistency/check",
        &check_answers("consistency", 1),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let result = r.text().await.expect("page");
    assert!(result.contains("data-testid=\"check-result\""), "{result}");
    assert!(result.contains("80% passes"), "not passed: {result}");
    let library = Library::built_in();
    let lesson = library.lesson("consistency").expect("lesson");
    for option in lesson.questions.iter().flat_map(|q| &q.options) {
        let shown = option
            .explanation
            .replace('\'', "&#39;")
            .replace('"', "&#34;");
        assert!(
            result.contains(&shown) || result.contains(&option.explanation),
            "every option's explanation is shown: {}",
            option.explanation
        );
    }
    assert!(result.contains("Take the check again"));

    let r = post_fields(
        &lee,
        "/learn/consistency/check",
        &check_answers("consistency", 0),
    )
    .await;
    assert!(r.text().await.expect("page").contains("You passed."));

    let (_, list) = lee.get_text("/learn").await;
    assert!(
        list.contains(
            "You have read <strong>1</strong> of 7 lessons and passed <strong>1</strong>"
        ),
        "{list}"
    );
    let progress: serde_json::Value = lee
        .get("/api/v1/me/learning")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(progress["read"], 1);
    assert_eq!(progress["passed"], 1);
    let consistency = progress["lessons"]
        .as_array()
        .expect("lessons")
        .iter()
        .find(|l| l["id"] == "consistency")
        .expect("listed");
    assert_eq!(consistency["attempts"], 2);
    assert_eq!(consistency["best_score"], 100);
    assert_eq!(consistency["read"], true);
    assert_eq!(consistency["element"], "consistency");

    let (status, _) = lee.get_text("/learn/no-such-lesson").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_reflection_is_read_by_its_learner_only_never_by_another_user_a_manager_an_admin_or_the_api()
 {
    let app = TestApp::spawn().await;
    let admin = organisation(&app).await;
    let lee = app.signed_in("lee@example.org").await;
    let r = lee
        .post_with_csrf("/learn/consistency/reflections", &[("r-r1", SECRET)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, own) = lee.get_text("/learn/consistency?saved=1").await;
    assert!(own.contains(SECRET), "the learner reads their own answer");
    assert!(own.contains("Your answers are saved."));

    // Dana is Lee's manager, Pat another leader; the admin sees every admin page.
    let dana = app.signed_in("dana@example.org").await;
    let pat = app.signed_in("pat@example.org").await;
    for (who, client) in [
        ("manager", &dana),
        ("another leader", &pat),
        ("admin", &admin),
    ] {
        for path in [
            "/learn",
            "/learn/consistency",
            "/api/v1/me/learning",
            "/admin/learning",
            "/api/v1/learning/teams",
            "/admin/audit",
            "/admin/people",
        ] {
            let (_, body) = client.get_text(path).await;
            assert!(!body.contains(SECRET), "{who} read it at {path}");
        }
    }
    // Lee's own API (a token for his reports and learning) gives progress, never reflections.
    let r = create_token(&lee, "scripts", &["reports:read"]).await;
    let body = r.text().await.expect("page");
    let token = extract_between(&body, "id=\"new-token\">", "<").expect("token shown once");
    let api = reqwest::Client::new()
        .get(format!("{}/api/v1/me/learning", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(api.status(), StatusCode::OK);
    assert!(!api.text().await.expect("json").contains(SECRET));
    // Posting to someone else's reflections is impossible: the form writes the poster's own.
    let r = pat
        .post_with_csrf("/learn/consistency/reflections", &[("r-r1", "Pat's own")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, own) = lee.get_text("/learn/consistency").await;
    assert!(own.contains(SECRET) && !own.contains("Pat&#39;s own"));
}

#[tokio::test]
async fn a_copy_of_the_database_does_not_reveal_a_reflection() {
    let app = TestApp::spawn_sqlite().await;
    organisation(&app).await;
    let lee = app.signed_in("lee@example.org").await;
    lee.post_with_csrf("/learn/consistency/reflections", &[("r-r1", SECRET)])
        .await;
    let (_, own) = lee.get_text("/learn/consistency").await;
    assert!(own.contains(SECRET));
    let path = app.db_url.trim_start_matches("sqlite://").to_string();
    let mut bytes = std::fs::read(&path).expect("database file");
    if let Ok(log) = std::fs::read(format!("{path}-wal")) {
        bytes.extend(log);
    }
    let needle = b"blamed the tooling";
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle),
        "the reflection is sealed in the database and its log"
    );
}

#[tokio::test]
async fn the_reports_focus_element_links_to_its_lesson_and_the_learner_page_shows_the_score() {
    let app = TestApp::spawn().await;
    let admin = organisation(&app).await;
    let (id, links) = open_campaign_led_by(&admin, "Spring", &["lee@example.org"]).await;
    let rater = app.client();
    for link in links.iter().filter(|l| l.group != "Self") {
        let r = answer(&rater, &link.url, &survey_form("4", None)).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let r = admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/close"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let lee = app.signed_in("lee@example.org").await;

    let (status, report) = lee.get_text(&format!("/me/campaigns/{id}/report")).await;
    assert_eq!(status, StatusCode::OK);
    // Every answer alike: the first element, relationships, is the focus.
    assert!(
        report.contains("Suggested focus: Relationships"),
        "{report}"
    );
    assert!(
        report.contains("href=\"/learn/positive-relationships\" class=\"button focus-lesson\""),
        "{report}"
    );
    let (_, list) = lee.get_text("/learn").await;
    assert!(
        list.contains("data-testid=\"score-positive-relationships\">75</strong>"),
        "4 of 5 everywhere is 75 of 100: {list}"
    );
    assert!(list.contains("in Spring, your latest closed campaign"));
}

#[tokio::test]
async fn admins_see_only_teams_of_at_least_k_learners_and_each_view_is_audited() {
    let app = TestApp::spawn().await;
    let admin = organisation(&app).await;
    // Platform: Lee and his four reports (5, k); Sales: Pat and Eve (2).
    let platform = [
        "lee@example.org",
        "ann@example.org",
        "ben@example.org",
        "cai@example.org",
        "dev@example.org",
    ];
    for email in platform
        .iter()
        .chain(&["pat@example.org", "eve@example.org"])
    {
        app.create_user(email, email, Role::Leader, Some(email))
            .await;
        let learner = app.signed_in(email).await;
        let (status, _) = learner.get_text("/learn/why-trust-matters").await;
        assert_eq!(status, StatusCode::OK);
    }
    for email in &platform[..4] {
        let learner = app.signed_in(email).await;
        learner
            .post_with_csrf("/learn/why-trust-matters/read", &[])
            .await;
    }

    let (status, page) = admin.get_text("/admin/learning").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<th scope=\"row\">Platform</th><td>5</td>"),
        "{page}"
    );
    assert!(
        !page.contains("Sales"),
        "a team of 2 learners is not even named"
    );
    assert!(page.contains("1 team(s) with fewer than 5 learners are not shown"));
    // 4 of 5 learners read 1 of 7 lessons: 4 / 35.
    assert!(page.contains("<td>11%</td>"), "{page}");

    let teams: serde_json::Value = admin
        .get("/api/v1/learning/teams")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(teams["min_group"], 5);
    assert_eq!(teams["hidden_teams"], 1);
    assert_eq!(teams["teams"].as_array().expect("teams").len(), 1);
    assert_eq!(teams["teams"][0]["team"], "Platform");

    let lee = app.signed_in("lee@example.org").await;
    let r = lee.get("/api/v1/learning/teams").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = lee.get("/admin/learning").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let events = app.store.audit_events(50, None).await.expect("audit");
    let viewed: Vec<&str> = events
        .iter()
        .filter(|(_, e)| e.action == "learning_progress_viewed" && e.actor == ADMIN_EMAIL)
        .map(|(_, e)| e.detail.as_str())
        .collect();
    assert_eq!(
        viewed,
        ["api", "page"],
        "each view is audited, newest first"
    );
}
