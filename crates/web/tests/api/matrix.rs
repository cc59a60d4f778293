//! The role × route matrix, generated from the route table the router is built from: a new
//! route without a rule cannot exist, and every route is tried with every role.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use trustloop_storage::Role;
use trustloop_web::access::Access;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Actor {
    Anonymous,
    Leader,
    Admin,
}

/// Whether the access rule turned the request away: it says so in a header, and the refusal is
/// one a user recognises (401, 403, or a redirect to sign in).
fn refused(response: &reqwest::Response) -> bool {
    let marked = response
        .headers()
        .contains_key(trustloop_web::access::REFUSED_HEADER);
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok());
    let looks_refused = status == StatusCode::UNAUTHORIZED
        || status == StatusCode::FORBIDDEN
        || (status == StatusCode::SEE_OTHER && location.is_some_and(|l| l.starts_with("/sign-in")));
    assert!(
        !marked || looks_refused,
        "a refusal must look like one: {status}"
    );
    marked
}

fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{token}", &"0".repeat(64))
        .replace("{team}", "1")
        .replace("{*rest}", "no-such-endpoint")
}

#[tokio::test]
async fn every_route_lets_in_exactly_the_roles_its_rule_names() {
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
    let leader = app.signed_in("lee@example.org").await;
    let anonymous = app.client();
    let admin_csrf = admin.csrf().await;
    let leader_csrf = leader.csrf().await;

    let mut table = trustloop_web::route_table();
    // Signing out ends the session the rest of the matrix uses: try it last.
    table.sort_by_key(|spec| spec.path == "/sign-out");
    let mut seen = std::collections::HashSet::new();
    let mut checked = 0;
    let mut failures = Vec::new();
    for spec in &table {
        assert!(seen.insert(spec.path), "{} is declared twice", spec.path);
        assert!(!spec.methods.is_empty(), "{} answers no method", spec.path);
        // The policy itself: the admin area and the organisation-wide API are for admins only.
        if spec.path.starts_with("/admin")
            || spec.path.starts_with("/api/v1/campaigns")
            || spec.path.starts_with("/api/v1/organisation")
        {
            assert_eq!(
                spec.access,
                Access::Admin,
                "{} must be admin-only",
                spec.path
            );
        }
        if spec.path.starts_with("/me") || spec.path.starts_with("/api/v1/me") {
            assert_eq!(
                spec.access,
                Access::SignedIn,
                "{} needs a signed-in user",
                spec.path
            );
        }
        for method in &spec.methods {
            for actor in [Actor::Anonymous, Actor::Leader, Actor::Admin] {
                let (client, csrf) = match actor {
                    Actor::Anonymous => (&anonymous, ""),
                    Actor::Leader => (&leader, leader_csrf.as_str()),
                    Actor::Admin => (&admin, admin_csrf.as_str()),
                };
                let url = format!("{}{}", app.base, concrete(spec.path));
                let should_refuse = match (spec.access, actor) {
                    (Access::Public | Access::Rater, _) => false,
                    (Access::SignedIn, Actor::Anonymous) => true,
                    (Access::SignedIn, _) => false,
                    (Access::Admin, Actor::Admin) => false,
                    (Access::Admin, _) => true,
                };
                // Every form a signed-in user may post is refused without its CSRF token.
                let session_form = *method == Method::POST
                    && !should_refuse
                    && matches!(spec.access, Access::SignedIn | Access::Admin);
                if session_form {
                    let forged = client
                        .http
                        .post(&url)
                        .form(&[("name", "x")])
                        .send()
                        .await
                        .expect("sent");
                    if !forged.status().is_client_error() {
                        failures.push(format!(
                            "POST {} as {actor:?} without a CSRF token: got {}, expected a refusal",
                            spec.path,
                            forged.status()
                        ));
                    }
                }
                let mut request = client.http.request(method.clone(), &url);
                if *method == Method::POST {
                    request = request.form(&[("csrf", csrf)]);
                }
                let response = request.send().await.expect("sent");
                let status = response.status();
                let was_refused = refused(&response);
                if was_refused != should_refuse {
                    failures.push(format!(
                        "{method} {} as {actor:?} ({}): got {status}, expected {}",
                        spec.path,
                        spec.access.label(),
                        if should_refuse { "refusal" } else { "entry" }
                    ));
                }
                if should_refuse && actor == Actor::Anonymous && spec.path.starts_with("/api/") {
                    assert_eq!(
                        status,
                        StatusCode::UNAUTHORIZED,
                        "{} answers the API with 401",
                        spec.path
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "access matrix broken:\n{}",
        failures.join("\n")
    );
    assert!(
        checked >= 3 * 30,
        "the matrix covers every route ({checked} requests)"
    );
}

/// A learner's reflection is theirs alone: every GET route of the table, tried by a stranger,
/// the learner's manager, another leader, an admin and an admin's API token (with every id a
/// route takes set to the learner's own objects where one fits), never shows it.
#[tokio::test]
async fn no_route_shows_a_learners_reflection_to_anyone_else() {
    const SECRET: &str = "The promise I broke to Ann last quarter";
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, ORG_CSV).await;
    for email in ["lee@example.org", "dana@example.org", "pat@example.org"] {
        app.create_user(email, email, Role::Leader, Some(email))
            .await;
    }
    let lee = app.signed_in("lee@example.org").await;
    let r = lee
        .post_with_csrf("/learn/consistency/reflections", &[("r-r1", SECRET)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, own) = lee.get_text("/learn/consistency").await;
    assert!(own.contains(SECRET), "the learner reads it");
    let created = create_token(&admin, "everything", &["campaigns:read", "reports:read"]).await;
    let page = created.text().await.expect("page");
    let token = extract_between(&page, "id=\"new-token\">", "<").expect("token shown once");

    let others = [
        ("a stranger", app.client()),
        ("the manager", app.signed_in("dana@example.org").await),
        ("another leader", app.signed_in("pat@example.org").await),
        ("an admin", admin),
    ];
    let tried = no_get_route_shows(&app, SECRET, "a reflection", &others, &token, |path| {
        let mut paths = vec![concrete(path)];
        if path.contains("{id}") {
            paths.push(path.replace("{id}", "consistency"));
            paths.push(path.replace("{id}", "2"));
        }
        paths
    })
    .await;
    assert!(tried > 4 * 30, "every GET route was tried ({tried})");
}

/// Asks every GET route of the table, at the addresses `paths` makes of its pattern, as each of
/// `others` and with the API `token`, and fails when any answer contains `secret` (`what`, in
/// the message). Returns how many requests were made.
pub async fn no_get_route_shows(
    app: &TestApp,
    secret: &str,
    what: &str,
    others: &[(&str, Client)],
    token: &str,
    paths: impl Fn(&str) -> Vec<String>,
) -> usize {
    let bearer = reqwest::Client::new();
    let mut tried = 0;
    for spec in trustloop_web::route_table() {
        if !spec.methods.contains(&Method::GET) {
            continue;
        }
        for path in paths(spec.path) {
            for (who, client) in others {
                let (_, body) = client.get_text(&path).await;
                assert!(!body.contains(secret), "{who} read {what} at {path}");
                tried += 1;
            }
            if path.starts_with("/api/") {
                let body = bearer
                    .get(format!("{}{path}", app.base))
                    .bearer_auth(token)
                    .send()
                    .await
                    .expect("sent")
                    .text()
                    .await
                    .expect("body");
                assert!(!body.contains(secret), "an API token read {what} at {path}");
            }
        }
    }
    tried
}
