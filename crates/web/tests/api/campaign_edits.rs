//! Changing a campaign from its page: name and deadline, taking a leader off, the page that
//! confirms closing, and reopening a campaign closed by mistake until a result is read.

use crate::campaign_flow::{link_of, open_campaign_for_lee};
use crate::helpers::*;
use reqwest::StatusCode;

/// The audit events with `action`, newest first, as (target, detail).
async fn audited(app: &TestApp, action: &str) -> Vec<(String, String)> {
    let events = app.store.audit_events(200, None).await.expect("audit");
    events
        .into_iter()
        .filter(|(_, e)| e.action == action)
        .map(|(_, e)| (e.target, e.detail))
        .collect()
}

/// The person id the campaign page's "Take NAME off" form sends.
fn removal_id(page: &str, name: &str) -> String {
    let before = &page[..page.find(&format!("Take {name} off")).expect(name)];
    let field = before
        .rfind("name=\"leader_id\"")
        .expect("the form's field");
    extract_between(&before[field..], "value=\"", "\"").expect("an id")
}

/// Answers the survey of `rater` (all 4s) through their link, which must be taken.
async fn answers(app: &TestApp, links: &[Link], rater: &str) {
    let r = answer(
        &app.client(),
        link_of(links, rater),
        &survey_form("4", None),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{rater}");
}

/// Presses the button of campaign `id`'s page that posts to `action` (`close`, `reopen`).
async fn press(admin: &Client, id: i64, action: &str) -> reqwest::Response {
    admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/{action}"), &[])
        .await
}

/// Renames campaign `id` and sets its deadline through its page.
async fn edit(admin: &Client, id: i64, name: &str, deadline: &str) -> reqwest::Response {
    admin
        .post_with_csrf(
            &format!("/admin/campaigns/{id}/edit"),
            &[("name", name), ("deadline", deadline)],
        )
        .await
}

#[tokio::test]
async fn an_open_campaign_is_renamed_and_extended_and_the_change_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (id, _) = open_campaign_for_lee(&app, &admin).await;
    let later = (time::OffsetDateTime::now_utc().date() + time::Duration::days(40)).to_string();

    let r = edit(&admin, id, "Spring trust 360, extended", &later).await;

    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    assert!(page.contains("Spring trust 360, extended"), "{page}");
    assert!(page.contains(&format!("Deadline {later}")), "{page}");
    let edited = audited(&app, "campaign_edited").await;
    assert_eq!(edited.len(), 1);
    assert_eq!(edited[0].0, format!("campaign {id}"));
    assert!(edited[0].1.contains(&format!("→ {later}")), "{edited:?}");
}

#[tokio::test]
async fn a_leader_is_taken_off_before_anyone_answered_for_them_and_never_after() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (id, links) = open_campaign_for_lee(&app, &admin).await;
    add_leader(&admin, id, "pat@example.org").await;
    let (_, page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    let (pat, lee) = (
        removal_id(&page, "Pat Peer"),
        removal_id(&page, "Lee Leader"),
    );

    let r = admin
        .post_with_csrf(
            &format!("/admin/campaigns/{id}/leaders/remove"),
            &[("leader_id", &pat)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "nobody answered for Pat");
    let (_, page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    assert!(
        !page.contains("Take Pat Peer off"),
        "Pat is off the campaign"
    );

    answers(&app, &links, "Ann Report").await;
    let r = admin
        .post_with_csrf(
            &format!("/admin/campaigns/{id}/leaders/remove"),
            &[("leader_id", &lee)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let page = r.text().await.expect("page");
    assert!(
        page.contains(&format!("aria-describedby=\"remove-{lee}-error\"")),
        "{page}"
    );
    assert!(page.contains("already answered"), "says why: {page}");
    let removed = audited(&app, "leader_removed").await;
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert!(removed[0].1.contains("Pat Peer"), "{removed:?}");
}

#[tokio::test]
async fn closing_is_confirmed_with_what_it_releases_and_reopens_until_a_report_is_read() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (id, links) = open_campaign_for_lee(&app, &admin).await;
    for name in ["Dana Director", "Ann Report"] {
        let r = answer(
            &app.client(),
            link_of(&links, name),
            &survey_form("4", None),
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
    }

    let (_, page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    assert!(page.contains(&format!("href=\"/admin/campaigns/{id}/close\"")));
    let (status, confirm) = admin
        .get_text(&format!("/admin/campaigns/{id}/close"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        confirm.contains("releases <strong>1 report(s)</strong>"),
        "{confirm}"
    );
    let lee_row = extract_between(&confirm, "<td>Lee Leader</td>", "</tr>").expect("Lee's row");
    assert!(lee_row.contains("<td>2</td>"), "two answered: {lee_row}");
    assert!(lee_row.contains("Manager"), "shown: {lee_row}");
    assert!(lee_row.contains("Direct reports"), "withheld: {lee_row}");
    let r = press(&admin, id, "close").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let (_, page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    assert!(page.contains("Reopen the campaign"), "closed by mistake");
    let r = press(&admin, id, "reopen").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    assert!(page.contains("status s-open"), "open again");
    let r = answer(
        &app.client(),
        link_of(&links, "Ben Report"),
        &survey_form("3", None),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "answers are taken again");

    let r = press(&admin, id, "close").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let lee = app.signed_in("lee@example.org").await;
    let (status, _) = lee.get_text(&format!("/me/campaigns/{id}/report")).await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    assert!(!page.contains("Reopen the campaign"), "a report was read");
    let r = press(&admin, id, "reopen").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let page = r.text().await.expect("page");
    assert!(page.contains("already been read"), "{page}");
    assert_eq!(audited(&app, "campaign_reopened").await.len(), 1);
}

#[tokio::test]
async fn leaders_are_found_by_part_of_their_name_and_added_many_at_once_all_or_none() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, ORG_CSV).await;
    let id = create_campaign(&admin, "Spring trust 360").await;
    let (_, page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    let next = extract_between(&page, "aria-current=\"step\"><strong>", "</strong>");
    assert_eq!(next.as_deref(), Some("Leaders"), "the first step is next");

    let (status, found) = admin
        .get_text(&format!("/admin/campaigns/{id}?find=lee"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(found.contains("Add Lee Leader"), "{found}");
    assert!(!found.contains("Add Dana Director"), "only who matches");

    let leaders = format!("/admin/campaigns/{id}/leaders");
    let r = admin
        .post_with_csrf(&leaders, &[("leaders", "pat@example.org\nNobody Here")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.expect("page");
    assert!(page.contains("2. nobody is named"), "numbered: {page}");
    assert!(!page.contains("Take Pat Peer off"), "nothing was added");

    let r = admin
        .post_with_csrf(&leaders, &[("leaders", "lee leader, dana@example.org")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    let dana = page.find("Take Dana Director off").expect("Dana added");
    let lee = page.find("Take Lee Leader off").expect("Lee added");
    assert!(dana < lee, "by name");
    let next = extract_between(&page, "aria-current=\"step\"><strong>", "</strong>");
    assert_eq!(
        next.as_deref(),
        Some("Check"),
        "leaders and raters are done"
    );
    let (_, found) = admin
        .get_text(&format!("/admin/campaigns/{id}?find=lee"))
        .await;
    assert!(
        !found.contains("Add Lee Leader"),
        "a leader is not offered again"
    );

    // A new campaign takes its leaders with it, and opens with its links in one step.
    let deadline = (time::OffsetDateTime::now_utc().date() + time::Duration::days(14)).to_string();
    let r = admin
        .post_with_csrf(
            "/admin/campaigns",
            &[
                ("name", "Autumn trust 360"),
                ("deadline", &deadline),
                ("leaders", "Lee Leader\npat@example.org"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let autumn = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    let (_, page) = admin.get_text(&autumn).await;
    assert!(page.contains("Take Lee Leader off") && page.contains("Take Pat Peer off"));
    let r = admin
        .post_with_csrf(&format!("{autumn}/links"), &[("open", "yes")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let links = r.text().await.expect("links page");
    assert!(
        links.contains("New survey links: Autumn trust 360"),
        "{links}"
    );
    // Lee: themselves, Dana and four reports; Pat: themselves, Dana and Eve.
    assert_eq!(links.matches("class=\"survey-link\"").count(), 9, "{links}");
}

#[tokio::test]
async fn the_admins_home_shows_open_campaigns_with_response_rates_next_steps_and_attention() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (_, home) = admin.get_text("/admin").await;
    assert!(home.contains("Next: <a href=\"/admin/people/import\">import your people</a>"));
    let (id, links) = open_campaign_for_lee(&app, &admin).await;
    answers(&app, &links, "Ann Report").await;
    let draft = create_campaign(&admin, "Autumn trust 360").await;

    let (status, home) = admin.get_text("/admin").await;

    assert_eq!(status, StatusCode::OK);
    let open = extract_between(&home, "<h2>Open campaigns</h2>", "</table>").expect("open");
    assert!(
        open.contains(&format!("href=\"/admin/campaigns/{id}\"")),
        "{open}"
    );
    assert!(
        open.contains("10% <span class=\"muted small\">(1 of 10)</span>"),
        "{open}"
    );
    assert!(open.contains("<td>14</td>"), "days left: {open}");
    assert!(open.contains("<strong>Follow progress</strong>"), "{open}");
    let drafts = extract_between(&home, "Campaigns being prepared", "</section>").expect("drafts");
    assert!(drafts.contains(&format!("/admin/campaigns/{draft}")));
    assert!(
        drafts.contains("next: <strong>Leaders</strong>"),
        "{drafts}"
    );
    assert!(!home.contains("Needs attention"), "14 days left");

    let soon = (time::OffsetDateTime::now_utc().date() + time::Duration::days(2)).to_string();
    let r = edit(&admin, id, "Spring trust 360", &soon).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, home) = admin.get_text("/admin").await;
    let attention = extract_between(&home, "Needs attention", "</section>").expect("attention");
    assert!(
        attention.contains("2 day(s) left and only 10% answered (1 of 10)"),
        "{attention}"
    );

    // A people file with a problem: the import is named too.
    let r = upload(
        &admin,
        "people.csv",
        b"name,email,manager_email,team\nNo Email,,,Sales\n".to_vec(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let status = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    import_ended(&admin, &status).await;
    let (_, home) = admin.get_text("/admin").await;
    let attention = extract_between(&home, "Needs attention", "</section>").expect("attention");
    assert!(
        attention.contains(&format!("href=\"{status}\"")),
        "{attention}"
    );
    assert!(
        attention.contains("The last people import found 1 problem(s)"),
        "{attention}"
    );
}

#[tokio::test]
async fn an_admin_invites_a_leader_to_sign_in_with_a_link_shown_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (id, _) = open_campaign_for_lee(&app, &admin).await;
    let (_, page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    assert!(
        page.contains("Invite Lee Leader to sign in"),
        "from the campaign"
    );
    let (_, people) = admin.get_text("/admin/people?q=ann").await;
    let ann = extract_between(&people, "name=\"person_id\" value=\"", "\"").expect("Ann");

    let r = admin
        .post_with_csrf(
            "/admin/people/invite",
            &[
                ("person_id", &ann),
                ("role", "member"),
                ("back", "/admin/people"),
            ],
        )
        .await;

    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let page = r.text().await.expect("page");
    assert!(
        page.contains("An account was made for ann@example.org"),
        "{page}"
    );
    let link = extract_between(&page, "id=\"sign-in-link\">", "<").expect("the link");
    let path = link.trim_start_matches(&app.base).to_string();
    assert!(path.starts_with("/password/"), "{link}");
    let (status, form) = app.client().get_text(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("ann@example.org"));
    let again = admin
        .post_with_csrf(
            "/admin/people/invite",
            &[("person_id", &ann), ("role", "member")],
        )
        .await;
    let page = again.text().await.expect("page");
    assert!(page.contains("already has an account"), "{page}");
    let (status, _) = app.client().get_text(&path).await;
    assert_eq!(status, StatusCode::GONE, "the older link stops working");
    assert_eq!(audited(&app, "user_created").await.len(), 1);
    assert_eq!(audited(&app, "password_link_issued").await.len(), 2);
}
