//! The rater's side: opening a link, bad answers, reused and unknown links.

use crate::campaign_flow::{link_of, open_campaign_for_lee};
use crate::helpers::*;
use reqwest::StatusCode;

#[tokio::test]
async fn the_survey_shows_who_is_rated_the_privacy_promise_and_every_item() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (_, links) = open_campaign_for_lee(&app, &admin).await;

    let (status, page) = app.client().get_text(link_of(&links, "Ann Report")).await;

    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("How do you see Lee Leader?"));
    assert!(page.contains("You are answering as <strong>someone who reports to them</strong>"));
    assert!(
        page.contains("at least 3 people in it have answered"),
        "the locked threshold is shown"
    );
    let instrument = trustloop_domain::instrument::Instrument::current();
    for item in &instrument.items {
        assert!(
            page.contains(&format!("name=\"item_{}\"", item.code)),
            "{}",
            item.code
        );
    }
    assert!(page.contains("value=\"cant_say\""));
    assert!(
        page.contains("href=\"/privacy\""),
        "the survey links to the privacy promise"
    );
    let (status, promise) = app.client().get_text("/privacy").await;
    assert_eq!(status, StatusCode::OK);
    assert!(promise.contains("Nothing stored links your answers to you"));
    let (_, manager_page) = app
        .client()
        .get_text(link_of(&links, "Dana Director"))
        .await;
    assert!(
        manager_page.contains("Your answers are shown as the manager"),
        "the manager is told"
    );
}

#[tokio::test]
async fn bad_or_missing_answers_are_explained_next_to_the_item_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (id, links) = open_campaign_for_lee(&app, &admin).await;
    let link = link_of(&links, "Ann Report");
    let mut form = survey_form("3", Some("Kept after the error"));
    form.retain(|(k, _)| k != "item_jud_values");
    form.retain(|(k, _)| k != "item_rel_rapport");
    form.push(("item_rel_rapport".into(), "9".into()));

    let r = answer(&app.client(), link, &form).await;

    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.expect("page");
    assert!(page.contains("2 answer(s) need your attention"));
    assert!(
        page.contains("id=\"e-jud_values\""),
        "message beside the missing item"
    );
    assert!(page.contains("&#34;9&#34; is not an answer on this scale"));
    assert!(
        page.contains("Kept after the error"),
        "what was typed is kept"
    );
    assert!(
        page.contains("value=\"3\" checked"),
        "given answers stay selected"
    );
    let progress = app
        .store
        .progress(trustloop_storage::CampaignId(id))
        .await
        .expect("progress");
    assert_eq!(progress.iter().map(|p| p.completed).sum::<u32>(), 0);

    // Corrected, it goes through once. A second answer to the link is not stored, and the
    // link's holder learns nothing from trying: the same thanks, the same survey page as an
    // unused link of the same group.
    let r = answer(&app.client(), link, &survey_form("3", None)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let first_reply = r.headers().get("location").cloned();
    let r = answer(&app.client(), link, &survey_form("1", None)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers().get("location").cloned(), first_reply);
    let unused = link_of(&links, "Ben Report");
    let (status, used_page) = app.client().get_text(link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(used_page.contains("<form method=\"post\""), "{used_page}");
    let (_, unused_page) = app.client().get_text(unused).await;
    let token = |url: &str| url.rsplit('/').next().expect("token").to_string();
    assert_eq!(
        used_page.replace(&token(link), "TOKEN"),
        unused_page.replace(&token(unused), "TOKEN"),
        "a used link's page says nothing an unused one does not"
    );
    let campaign = trustloop_storage::CampaignId(id);
    assert_eq!(
        app.store.pending_answers(campaign).await.expect("pending"),
        1,
        "exactly one answer waits, sealed, for its batch"
    );
    let answered = app
        .store
        .answered_by_group(campaign, link_leader(&app).await)
        .await
        .expect("answered");
    assert_eq!(
        answered.values().sum::<u32>(),
        1,
        "exactly one answer stored"
    );
}

async fn link_leader(app: &TestApp) -> trustloop_storage::PersonId {
    app.store
        .person_by_email(&trustloop_domain::people::Email::parse("lee@example.org").expect("email"))
        .await
        .expect("lookup")
        .expect("lee")
        .id
}

#[tokio::test]
async fn unknown_malformed_and_replaced_links_get_a_clear_page() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (id, links) = open_campaign_for_lee(&app, &admin).await;
    let client = app.client();

    let (status, page) = client.get_text(&format!("/s/{}", "0".repeat(64))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("This link does not work"));
    let (status, _) = client.get_text("/s/short").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Replacing unanswered links makes the old ones stop working.
    let old = link_of(&links, "Ben Report").to_string();
    let r = admin
        .post_with_csrf(
            &format!("/admin/campaigns/{id}/links"),
            &[("format", "csv"), ("reissue", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (status, _) = client.get_text(&old).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_closed_campaign_accepts_no_more_answers() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (id, links) = open_campaign_for_lee(&app, &admin).await;
    admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/close"), &[])
        .await;

    let r = answer(
        &app.client(),
        link_of(&links, "Cai Report"),
        &survey_form("4", None),
    )
    .await;

    assert_eq!(r.status(), StatusCode::GONE);
    assert!(r.text().await.expect("page").contains("has closed"));
}
