//! Every request's id: on its response, in its logs, and as the reference of its error page or
//! JSON error; taken from a trusted proxy, never from anyone else.

use crate::helpers::*;
use reqwest::StatusCode;

/// The id a response says its request had.
fn request_id(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("x-request-id")
        .expect("every response names its request")
        .to_str()
        .expect("an id is text")
        .to_string()
}

const CLIENTS_OWN_ID: &str = "chosen-by-the-client";

#[tokio::test]
async fn every_response_names_a_new_id_and_never_one_the_client_chose() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::new();
    let health = || {
        client
            .get(format!("{}/healthz", app.base))
            .header("x-request-id", CLIENTS_OWN_ID)
            .send()
    };

    let (first, second) = (health().await.expect("sent"), health().await.expect("sent"));

    let (first, second) = (request_id(&first), request_id(&second));
    assert_ne!(first, CLIENTS_OWN_ID);
    assert_ne!(first, second, "each request has its own id");
    assert!(uuid::Uuid::parse_str(&first).is_ok(), "a new id: {first}");
}

#[tokio::test]
async fn a_trusted_proxys_request_id_names_the_request_when_it_is_plain() {
    let app = TestApp::spawn_behind_proxy().await;
    let client = reqwest::Client::new();
    let health = |id: &'static str| {
        client
            .get(format!("{}/healthz", app.base))
            .header("x-request-id", id)
            .send()
    };

    let plain = health("edge-7f3a:42").await.expect("sent");
    let markup = health("<b>edge</b>").await.expect("sent");

    assert_eq!(request_id(&plain), "edge-7f3a:42");
    let replaced = request_id(&markup);
    assert!(
        uuid::Uuid::parse_str(&replaced).is_ok(),
        "an id that could break a page or a log line is replaced: {replaced}"
    );
}

#[tokio::test]
async fn a_failed_request_shows_the_id_of_its_response_as_its_reference() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let created = create_token(&admin, "dashboard", &["campaigns:read"]).await;
    let page = created.text().await.expect("page");
    let token = extract_between(&page, "id=\"new-token\">", "<").expect("token shown once");
    refuse_audit_events(&app).await;

    // The API: the token's use cannot be audited.
    let api = reqwest::Client::new()
        .get(format!("{}/api/v1/campaigns", app.base))
        .header("authorization", format!("Bearer {token}"))
        .header("x-request-id", CLIENTS_OWN_ID)
        .send()
        .await
        .expect("sent");
    // A page: the sign-in cannot be audited.
    let signing_in = app.client().sign_in(ADMIN_EMAIL, PASSWORD).await;

    assert_eq!(api.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let api_id = request_id(&api);
    assert_ne!(api_id, CLIENTS_OWN_ID);
    let body: serde_json::Value = api.json().await.expect("a JSON error");
    assert_eq!(body["reference"].as_str(), Some(api_id.as_str()), "{body}");
    assert_eq!(signing_in.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let page_id = request_id(&signing_in);
    let page = signing_in.text().await.expect("page");
    assert!(
        page.contains(&format!("Reference: <code>{page_id}</code>")),
        "the page shows its request's id: {page}"
    );
    assert_ne!(api_id, page_id);
}
