//! Sign-in, sessions, CSRF and who may see what.

use crate::campaign_flow::open_campaign_for_lee;
use crate::helpers::*;
use reqwest::StatusCode;
use trustloop_storage::Role;

#[tokio::test]
async fn health_check_answers_ok() {
    let app = TestApp::spawn().await;
    let (status, body) = app.client().get_text("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "ok");
}

#[tokio::test]
async fn pages_send_strangers_to_sign_in_and_the_api_answers_401() {
    let app = TestApp::spawn().await;
    let client = app.client();

    let r = client.get("/admin/campaigns").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/sign-in?next=/admin/campaigns");
    let r = client.get("/api/v1/campaigns").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = r.json().await.expect("json");
    assert!(body["error"].as_str().expect("message").contains("sign in"));
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_sign_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let r = client
        .post_form(
            "/sign-in",
            &[("email", ADMIN_EMAIL), ("password", "wrong"), ("next", "/")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        r.text()
            .await
            .expect("page")
            .contains("do not match an account")
    );

    let admin = app.admin().await;
    assert_eq!(admin.get("/admin").await.status(), StatusCode::OK);
    let r = admin.post_with_csrf("/sign-out", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        admin.get("/admin").await.status(),
        StatusCode::SEE_OTHER,
        "session ended"
    );
}

#[tokio::test]
async fn a_form_without_its_csrf_token_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let deadline = (time::OffsetDateTime::now_utc().date() + time::Duration::days(7)).to_string();

    let r = admin
        .post_form(
            "/admin/campaigns",
            &[("name", "Forged"), ("deadline", &deadline)],
        )
        .await;
    let r2 = admin
        .post_form(
            "/admin/campaigns",
            &[
                ("name", "Forged"),
                ("deadline", &deadline),
                ("csrf", "guess"),
            ],
        )
        .await;

    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r2.status(), StatusCode::FORBIDDEN);
    assert!(app.store.campaigns().await.expect("campaigns").is_empty());
}

#[tokio::test]
async fn only_admins_reach_admin_pages_and_a_leader_cannot_reach_another_leaders_campaign() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (id, _) = open_campaign_for_lee(&app, &admin).await;
    admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/close"), &[])
        .await;
    app.create_user(
        "pat@example.org",
        "Pat Peer",
        Role::Leader,
        Some("pat@example.org"),
    )
    .await;
    let pat = app.signed_in("pat@example.org").await;

    assert_eq!(pat.get("/admin").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        pat.get("/api/v1/campaigns").await.status(),
        StatusCode::FORBIDDEN
    );
    for path in [
        format!("/me/campaigns/{id}/report"),
        format!("/me/campaigns/{id}/self"),
        format!("/api/v1/me/campaigns/{id}/report"),
    ] {
        assert_eq!(
            pat.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let r = pat
        .post_with_csrf(
            &format!("/me/campaigns/{id}/raters"),
            &[("name", "X"), ("email", "x@example.org"), ("group", "peer")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn responses_carry_security_headers_and_the_openapi_document_lists_the_api() {
    let app = TestApp::spawn().await;
    let r = app.client().get("/sign-in").await;
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .expect("csp");
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");

    let doc: serde_json::Value = app
        .client()
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .expect("json");
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    for path in [
        "/api/v1/campaigns",
        "/api/v1/campaigns/{id}/progress",
        "/api/v1/me/campaigns/{id}/report",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
}

#[tokio::test]
async fn markup_in_names_and_comments_is_shown_as_text() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let csv =
        "name,email,manager_email,team\n<script>alert(1)</script>,x@example.org,,<b>Team</b>\n";
    upload_people(&admin, csv).await;
    let (_, page) = admin.get_text("/admin/people").await;
    assert!(
        page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "escaped as text"
    );
    assert!(page.contains("&#60;b&#62;Team&#60;/b&#62;"));
    assert!(!page.contains("<script>alert(1)"));
}
