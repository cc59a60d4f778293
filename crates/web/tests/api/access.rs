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
    let r = client.sign_in(ADMIN_EMAIL, "wrong").await;
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
        "/api/v1/campaigns/{id}/quality",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    // The figures' schemas are documented down to the text shown beside each figure.
    for schema in [
        "ReportFigures",
        "ScoreFigures",
        "ShownScore",
        "QualityFigures",
        "ShownMean",
    ] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "{schema} documented"
        );
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

#[tokio::test]
async fn a_sign_in_form_posted_from_elsewhere_is_refused() {
    let app = TestApp::spawn().await;
    // No login cookie and token from a page this browser loaded: login CSRF.
    let r = app
        .client()
        .post_form(
            "/sign-in",
            &[
                ("email", ADMIN_EMAIL),
                ("password", PASSWORD),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(
        r.headers().get("set-cookie").is_none(),
        "no session was started"
    );
}

#[tokio::test]
async fn repeated_failed_sign_ins_lock_the_account_for_a_while_and_are_audited() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for _ in 0..5 {
        let r = client.sign_in(ADMIN_EMAIL, "guess").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }

    let r = client.sign_in(ADMIN_EMAIL, PASSWORD).await;

    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(
        r.text()
            .await
            .expect("page")
            .contains("Too many failed sign-ins")
    );
    let events = app.store.audit_events(50, None).await.expect("audit");
    let actions: Vec<&str> = events.iter().map(|(_, e)| e.action.as_str()).collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "sign_in_failed").count(),
        5
    );
    assert_eq!(actions[0], "sign_in_throttled");
    assert!(
        events.iter().all(|(_, e)| e.address == "127.0.0.1"),
        "the address is recorded"
    );
}

fn session_from(response: &reqwest::Response) -> String {
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    extract_between(&cookie, "trustloop_session=", ";").expect("token")
}

#[tokio::test]
async fn each_sign_in_starts_a_new_session_and_the_old_token_stops_working() {
    let app = TestApp::spawn().await;
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    // A token the server made for its sign-in form.
    let (_, form) = app.client().get_text("/sign-in").await;
    let token = extract_between(&form, "name=\"csrf\" value=\"", "\"").expect("login token");
    let sign_in = |cookie: Option<String>| {
        // The login form's token must match the login cookie the page set (double submit).
        let request = raw.post(format!("{}/sign-in", app.base)).form(&[
            ("email", ADMIN_EMAIL),
            ("password", PASSWORD),
            ("next", "/"),
            ("csrf", token.as_str()),
        ]);
        let cookies = match cookie {
            Some(c) => format!("trustloop_login={token}; trustloop_session={c}"),
            None => format!("trustloop_login={token}"),
        };
        request.header("cookie", cookies).send()
    };
    let first = session_from(&sign_in(None).await.expect("sent"));
    // Signing in again from a browser that already holds a session (or a planted token) replaces it.
    let second = session_from(&sign_in(Some(first.clone())).await.expect("sent"));
    assert_ne!(first, second);
    let with = |token: &str| {
        raw.get(format!("{}/admin", app.base))
            .header("cookie", format!("trustloop_session={token}"))
            .send()
    };
    assert_eq!(
        with(&first).await.expect("sent").status(),
        StatusCode::SEE_OTHER,
        "old session ended"
    );
    assert_eq!(with(&second).await.expect("sent").status(), StatusCode::OK);
    let planted = session_from(&sign_in(Some("attacker-chosen".into())).await.expect("sent"));
    assert_ne!(planted, "attacker-chosen");
}

#[tokio::test]
async fn the_admin_reads_the_audit_log_of_exports_and_campaign_changes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (id, _) = open_campaign_for_lee(&app, &admin).await;

    let (status, page) = admin.get_text("/admin/audit").await;

    assert_eq!(status, StatusCode::OK);
    for action in [
        "sign in",
        "people import started",
        "campaign opened",
        "links issued",
    ] {
        assert!(page.contains(action), "{action} in the audit log");
    }
    assert!(page.contains(&format!("campaign {id}")));
    app.create_user(
        "pat@example.org",
        "Pat",
        Role::Leader,
        Some("pat@example.org"),
    )
    .await;
    let pat = app.signed_in("pat@example.org").await;
    assert_eq!(
        pat.get("/admin/audit").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_one_time_link_sets_a_password_once_and_ends_old_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = password_link(&app, ADMIN_EMAIL).await;
    let stranger = app.client();

    let (status, page) = stranger.get_text(&format!("/password/{token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(ADMIN_EMAIL));
    let short = stranger
        .post_form(
            &format!("/password/{token}"),
            &[("password", "short"), ("confirm", "short")],
        )
        .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let new = "a brand new long password";
    let r = stranger
        .post_form(
            &format!("/password/{token}"),
            &[("password", new), ("confirm", new)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    assert_eq!(
        admin.get("/admin").await.status(),
        StatusCode::SEE_OTHER,
        "old session ended"
    );
    let again = stranger
        .post_form(
            &format!("/password/{token}"),
            &[("password", new), ("confirm", new)],
        )
        .await;
    assert_eq!(again.status(), StatusCode::GONE, "the link works once");
    let signed = app.client().sign_in(ADMIN_EMAIL, new).await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn api_tokens_act_for_their_owner_within_their_scopes_until_revoked() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let r = create_token(&admin, "dashboard", &["campaigns:read"]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.expect("page");
    let token = extract_between(&page, "id=\"new-token\">", "<").expect("token shown once");
    assert!(token.starts_with("tl_"));
    let bearer = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let call = |path: &str, token: &str| {
        bearer
            .get(format!("{}{path}", app.base))
            .header("authorization", format!("Bearer {token}"))
            .send()
    };

    assert_eq!(
        call("/api/v1/campaigns", &token)
            .await
            .expect("sent")
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        call("/api/v1/me/campaigns", &token)
            .await
            .expect("sent")
            .status(),
        StatusCode::FORBIDDEN,
        "no reports:read scope"
    );
    assert_eq!(
        call("/admin", &token).await.expect("sent").status(),
        StatusCode::SEE_OTHER,
        "pages ignore tokens"
    );
    assert_eq!(
        call("/api/v1/campaigns", "tl_wrong")
            .await
            .expect("sent")
            .status(),
        StatusCode::UNAUTHORIZED
    );

    let (_, account) = admin.get_text("/account").await;
    assert!(!account.contains(&token), "the token is never shown again");
    let id = extract_between(&account, "/account/tokens/", "/revoke").expect("revoke form");
    let r = admin
        .post_with_csrf(&format!("/account/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        call("/api/v1/campaigns", &token)
            .await
            .expect("sent")
            .status(),
        StatusCode::UNAUTHORIZED,
        "revoked"
    );

    let events = app.store.audit_events(100, None).await.expect("audit");
    let actions: Vec<&str> = events.iter().map(|(_, e)| e.action.as_str()).collect();
    for action in ["api_token_created", "api_token_used", "api_token_revoked"] {
        assert!(actions.contains(&action), "{action} audited");
    }
}

#[tokio::test]
async fn a_leader_cannot_give_a_token_admin_scopes_or_revoke_someone_elses() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, ORG_CSV).await;
    create_token(&admin, "admin tool", &["campaigns:read"]).await;
    app.create_user(
        "lee@example.org",
        "Lee",
        Role::Leader,
        Some("lee@example.org"),
    )
    .await;
    let lee = app.signed_in("lee@example.org").await;

    let r = create_token(&lee, "sneaky", &["campaigns:read"]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, admin_account) = admin.get_text("/account").await;
    let admin_token =
        extract_between(&admin_account, "/account/tokens/", "/revoke").expect("admin token");
    let r = lee
        .post_with_csrf(&format!("/account/tokens/{admin_token}/revoke"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn nothing_is_answered_to_a_token_whose_use_cannot_be_audited() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, ORG_CSV).await;
    let r = create_token(&admin, "dashboard", &["campaigns:read"]).await;
    let page = r.text().await.expect("page");
    let token = extract_between(&page, "id=\"new-token\">", "<").expect("token shown once");
    create_campaign(&admin, "Spring audit check").await;
    let call = || {
        reqwest::Client::new()
            .get(format!("{}/api/v1/campaigns", app.base))
            .header("authorization", format!("Bearer {token}"))
            .send()
    };
    let before = call().await.expect("sent");
    assert_eq!(before.status(), StatusCode::OK);
    assert!(
        before
            .text()
            .await
            .expect("body")
            .contains("Spring audit check")
    );

    refuse_audit_events(&app).await;
    let after = call().await.expect("sent");
    assert_eq!(after.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = after.text().await.expect("body");
    assert!(
        !body.contains("Spring audit check"),
        "the campaigns were sent without their audit event: {body}"
    );
}

#[tokio::test]
async fn a_user_changes_their_password_with_the_current_one_and_signs_in_again() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (_, account) = admin.get_text("/account").await;
    assert!(
        account.contains("Signed in as Test Admin (admin@example.org)"),
        "{account}"
    );
    let new = "a brand new long password";

    let r = admin
        .post_with_csrf(
            "/account/password",
            &[("current", PASSWORD), ("password", new), ("confirm", new)],
        )
        .await;

    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/sign-in?next=/account");
    assert_eq!(
        admin.get("/admin").await.status(),
        StatusCode::SEE_OTHER,
        "signed out"
    );
    let old = app.client().sign_in(ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(
        old.status(),
        StatusCode::UNAUTHORIZED,
        "the old password no longer works"
    );
    let again = app.client().sign_in(ADMIN_EMAIL, new).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    let events = app.store.audit_events(50, None).await.expect("audit");
    assert!(events.iter().any(|(_, e)| e.action == "password_changed"));
}
