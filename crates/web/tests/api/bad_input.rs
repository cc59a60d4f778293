//! Clear answers to bad input: errors of one shape, methods a route does not take, ids and page
//! numbers that are not, uploads and forms that cannot be taken as they are, and pages that must
//! not be kept by a browser.

use crate::campaign_flow::{link_of, open_campaign_for_lee};
use crate::helpers::*;
use reqwest::StatusCode;

/// The JSON body of an API error, checked to be of the one shape every error has.
async fn error_json(response: reqwest::Response) -> serde_json::Value {
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("application/json"),
        "an API error is JSON"
    );
    let body: serde_json::Value = response.json().await.expect("JSON");
    let keys: Vec<&String> = body.as_object().expect("an object").keys().collect();
    assert!(body["error"].is_string(), "{body}");
    assert!(body.get("reference").is_some(), "{body}");
    assert!(
        keys.iter()
            .all(|k| ["error", "reference", "refused"].contains(&k.as_str())),
        "{body}"
    );
    body
}

/// The error page: the product's page, with the message.
fn is_error_page(page: &str, message: &str) {
    assert!(page.contains("<h1>"), "the normal error page: {page}");
    assert!(page.contains("Back to the start"), "{page}");
    assert!(page.contains(message), "{message:?} in {page}");
}

#[tokio::test]
async fn an_id_too_large_for_a_number_gets_a_json_400_from_the_api_and_the_error_page_from_pages() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let too_large = "9223372036854775808";

    for path in [
        format!("/api/v1/campaigns/{too_large}/progress"),
        "/api/v1/campaigns/abc/heatmap".to_string(),
        "/api/v1/campaigns/0/segments".to_string(),
        format!("/api/v1/me/campaigns/{too_large}/report"),
    ] {
        let response = admin.get(&path).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let body = error_json(response).await;
        assert!(
            body["error"]
                .as_str()
                .expect("text")
                .contains("is not an id"),
            "{path}: {body}"
        );
        assert!(body["reference"].is_null());
    }
    for path in [
        format!("/admin/campaigns/{too_large}"),
        "/admin/imports/-1".to_string(),
        format!("/me/campaigns/{too_large}/report"),
    ] {
        let (status, page) = admin.get_text(&path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        is_error_page(&page, "is not an id");
        assert!(!page.contains("Cannot parse"), "no deserializer's words");
    }
    // The OpenAPI document says so.
    let (_, openapi) = app.client().get_text("/api/v1/openapi.json").await;
    let openapi: serde_json::Value = serde_json::from_str(&openapi).expect("JSON");
    let progress = &openapi["paths"]["/api/v1/campaigns/{id}/progress"]["get"];
    assert_eq!(
        progress["responses"]["400"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorJson"
    );
    assert_eq!(progress["parameters"][0]["schema"]["minimum"], 1);
    let shape = &openapi["components"]["schemas"]["ErrorJson"];
    assert_eq!(shape["required"], serde_json::json!(["error"]));
}

#[tokio::test]
async fn every_api_error_has_the_one_json_shape() {
    let app = TestApp::spawn().await;
    let anonymous = app.client();
    let cases = [
        (
            anonymous.get("/api/v1/campaigns").await,
            StatusCode::UNAUTHORIZED,
        ),
        (
            anonymous
                .http
                .get(format!("{}/api/v1/campaigns", app.base))
                .bearer_auth("tl_not_a_token")
                .send()
                .await
                .expect("sent"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            anonymous.get("/api/v1/no-such-thing").await,
            StatusCode::NOT_FOUND,
        ),
        (anonymous.get("/api/v2").await, StatusCode::NOT_FOUND),
        (
            anonymous
                .http
                .delete(format!("{}/api/v1/campaigns", app.base))
                .send()
                .await
                .expect("sent"),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ];
    for (response, status) in cases {
        assert_eq!(response.status(), status, "{}", response.url());
        error_json(response).await;
    }
}

#[tokio::test]
async fn a_method_a_route_does_not_take_is_405_before_any_access_rule() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let anonymous = app.client();
    for (client, who) in [(&anonymous, "anonymous"), (&admin, "admin")] {
        for (method, path, allowed) in [
            (reqwest::Method::DELETE, "/admin/people", "GET"),
            (reqwest::Method::PUT, "/admin/campaigns/1/open", "POST"),
            (reqwest::Method::DELETE, "/api/v1/campaigns", "GET"),
            (reqwest::Method::PATCH, "/sign-in", "GET"),
        ] {
            let response = client
                .http
                .request(method.clone(), format!("{}{path}", app.base))
                .send()
                .await
                .expect("sent");
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} as {who}"
            );
            let allow = response.headers()["allow"].to_str().expect("allow");
            assert!(allow.contains(allowed), "{method} {path}: Allow {allow}");
        }
    }
}

#[tokio::test]
async fn a_bad_page_number_or_place_in_a_list_gets_the_error_page() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for (path, message) in [
        ("/admin/people?page=abc", "is not a page number"),
        ("/admin/people?page=0", "is not a page number"),
        ("/admin/people?page=-3", "is not a page number"),
        (
            "/admin/people?page=99999999999999999999",
            "is not a page number",
        ),
        ("/admin/people?page=18446744073709551615", "no page"),
        ("/admin/people?page=7", "no page"),
        (
            "/admin/audit?before=yesterday",
            "is not a place in the audit log",
        ),
        ("/admin/people?q=%FF", "not UTF-8"),
    ] {
        let (status, page) = admin.get_text(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        is_error_page(&page, message);
    }
    let (status, _) = admin.get_text("/admin/people?page=1").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn private_pages_and_api_answers_are_never_stored_by_a_browser() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (id, links) = open_campaign_for_lee(&app, &admin).await;
    for path in [
        "/admin/people".to_string(),
        "/admin/audit".to_string(),
        format!("/admin/campaigns/{id}"),
        "/account".to_string(),
        "/api/v1/campaigns".to_string(),
        link_of(&links, "Ann Report").to_string(),
    ] {
        let response = admin.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            response.headers()["cache-control"],
            "no-store",
            "{path} is not kept"
        );
    }
    let sheet = admin.get("/static/app.css").await;
    assert!(
        sheet.headers()["cache-control"]
            .to_str()
            .expect("header")
            .starts_with("public")
    );
}

#[tokio::test]
async fn a_sign_in_token_the_server_did_not_make_is_refused_even_with_a_matching_cookie() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let jar_url: reqwest::Url = format!("{}/sign-in", app.base).parse().expect("url");
    for forged in [
        "attacker-chosen".to_string(),
        format!("{}.abc.def", i64::MAX),
        format!("{}.{}.{}", 1, "0".repeat(64), "0".repeat(64)),
    ] {
        // A cookie planted for the sign-in form (as a sibling site can) and the same token in
        // the form.
        let planted = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let response = planted
            .post(jar_url.clone())
            .header("cookie", format!("trustloop_login={forged}"))
            .form(&[
                ("email", ADMIN_EMAIL),
                ("password", PASSWORD),
                ("next", "/"),
                ("csrf", forged.as_str()),
            ])
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{forged}");
        assert!(response.headers().get("set-cookie").is_none());
    }
    // The page's own token still works.
    assert_eq!(
        client.sign_in(ADMIN_EMAIL, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn survey_forms_take_ratings_only_as_the_form_writes_them_and_text_only_as_utf8() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (id, links) = open_campaign_for_lee(&app, &admin).await;
    let link = link_of(&links, "Ann Report");
    let client = app.client();

    for odd in ["+3", "03", "3 "] {
        let response = answer(&client, link, &survey_form(odd, None)).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{odd:?}"
        );
        let page = response.text().await.expect("page");
        assert!(page.contains("is not an answer on this scale"), "{odd:?}");
    }
    let mut twice = survey_form("3", None);
    twice.push(twice[0].clone());
    let response = answer(&client, link, &twice).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .expect("page")
            .contains("sent more than once")
    );
    // A comment whose bytes are not UTF-8 is refused, never stored with U+FFFD in it.
    let mut body: String = survey_form("3", None)
        .iter()
        .map(|(k, v)| format!("{k}={v}&"))
        .collect();
    body.push_str("comment_start=caf%E9");
    let response = client
        .http
        .post(link)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.expect("page").contains("not UTF-8"));
    let progress = app
        .store
        .progress(trustloop_storage::CampaignId(id))
        .await
        .expect("progress");
    assert_eq!(
        progress.iter().map(|p| p.completed).sum::<u32>(),
        0,
        "nothing was stored"
    );
    // Sent as the form writes it, it is stored.
    let response = answer(&client, link, &survey_form("3", Some("café"))).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_upload_that_cannot_be_taken_says_why_and_what_to_do() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;

    let empty = upload(&admin, "people.csv", Vec::new()).await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    assert!(
        empty
            .text()
            .await
            .expect("page")
            .contains("The file people.csv is empty")
    );
    let too_large = upload(
        &admin,
        "people.csv",
        vec![b'x'; trustloop_web::MAX_UPLOAD_BYTES + 1],
    )
    .await;
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let page = too_large.text().await.expect("page");
    assert!(page.contains("larger than the 64 MB"), "{page}");

    let latin1 = b"name,email,manager_email,team\nJos\xE9 Lee,jose@example.org,,Core\n".to_vec();
    let page = upload_people_bytes(&admin, latin1).await;
    assert!(page.contains("save it as UTF-8"), "{page}");
    let unclosed =
        "name,email,manager_email,team\n\"Ann Lee,ann@example.org,,Core\nBo,bo@example.org,,Core\n";
    let page = upload_people_bytes(&admin, unclosed.into()).await;
    assert!(page.contains("never closed"), "{page}");
    let blank = upload_people_bytes(&admin, b"\n\n".to_vec()).await;
    assert!(blank.contains("the file is empty"), "{blank}");
    let wide = format!(
        "name,email,manager_email,team,{}\nA,a@example.org,,T{}\n",
        (0..60)
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(","),
        ",x".repeat(60)
    );
    let page = upload_people_bytes(&admin, wide.into()).await;
    assert!(page.contains("at most 50"), "{page}");
    let (_, total) = app
        .store
        .people(&trustloop_storage::PeopleQuery::default())
        .await
        .expect("people");
    assert_eq!(total, 0, "nothing was imported");
}

#[tokio::test]
async fn names_that_change_the_direction_of_text_are_refused_and_invisible_characters_removed() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let spoof = "name,email,manager_email,team\nAnn\u{202E}gnp.exe,ann@example.org,,Core\n";
    let page = upload_people_bytes(&admin, spoof.into()).await;
    assert!(page.contains("U+202E"), "{page}");
    let hidden = "name,email,manager_email,team\nBo\u{200B}b Lee,bob@example.org,,Co\u{200D}re\n";
    let page = upload_people_bytes(&admin, hidden.into()).await;
    assert!(page.contains("Imported 1 people"), "{page}");
    let bob = app
        .store
        .person_by_email(&trustloop_domain::people::Email::parse("bob@example.org").expect("email"))
        .await
        .expect("lookup")
        .expect("imported");
    assert_eq!(bob.name, "Bob Lee");
    assert_eq!(bob.team.as_deref(), Some("Core"));
    let deadline = (time::OffsetDateTime::now_utc().date() + time::Duration::days(14)).to_string();
    let response = admin
        .post_with_csrf(
            "/admin/campaigns",
            &[("name", "Spring\u{2066} 360"), ("deadline", &deadline)],
        )
        .await;
    assert!(response.status().is_client_error(), "{}", response.status());
    assert!(response.text().await.expect("page").contains("U+2066"));
}
