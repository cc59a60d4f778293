//! Attacks on who is in a rater group: a leader or an admin filling a group with raters they
//! control (addresses they own), answering as them and subtracting their own answers from the
//! group's figures to isolate one real rater. Each would have succeeded before rater lists were
//! controlled: a leader's or an admin's raters were invited at once, in any group for an admin,
//! also after opening, unaudited, and the admin who added them was handed their links.

use super::{close, ok_json, org_csv};
use crate::helpers::*;
use reqwest::StatusCode;
use trustloop_storage::Role;

const LEE: &str = "lee@example.org";
const DANA: &str = "dana@example.org";
const SECOND_ADMIN: &str = "second-admin@example.org";

/// A draft campaign for Lee (six direct reports, Dana his manager), with accounts for Lee and
/// Dana.
async fn draft_for_lee(app: &TestApp, admin: &Client) -> i64 {
    upload_people(admin, &org_csv()).await;
    let id = create_campaign(admin, "Controlled").await;
    let r = admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/leaders"), &[("email", LEE)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for (address, name) in [(LEE, "Lee Leader"), (DANA, "Dana Director")] {
        app.create_user(address, name, Role::Leader, Some(address))
            .await;
    }
    id
}

/// The id of Lee's person, as the admin's forms name him.
async fn lee_id(app: &TestApp) -> String {
    app.store
        .person_by_email(&trustloop_domain::people::Email::parse(LEE).expect("email"))
        .await
        .expect("lookup")
        .expect("Lee")
        .id
        .to_string()
}

/// A rater form: name, email, group, and for an admin the leader.
fn rater<'a>(name: &'a str, email: &'a str, group: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("name", name), ("email", email), ("group", group)]
}

/// Posts the admin's nomination form for Lee.
async fn admin_nominates(
    admin: &Client,
    campaign: i64,
    lee: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut all = fields.to_vec();
    all.push(("leader_id", lee));
    admin
        .post_with_csrf(&format!("/admin/campaigns/{campaign}/raters"), &all)
        .await
}

/// The nominations an admin may approve on the campaign page.
async fn admin_approvable(admin: &Client, campaign: i64) -> Vec<String> {
    approval_ids(
        &admin
            .get_text(&format!("/admin/campaigns/{campaign}"))
            .await
            .1,
    )
}

/// Opens campaign `id`, which must work.
async fn opens(admin: &Client, id: i64) {
    let r = admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/open"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "campaign {id} opens");
}

/// The body of a response that must have the given status.
async fn body_with(response: reqwest::Response, status: StatusCode, what: &str) -> String {
    assert_eq!(response.status(), status, "{what}");
    response.text().await.expect("body")
}

#[tokio::test]
async fn a_leader_filling_their_peer_group_with_addresses_they_own_gets_no_link_and_no_rater_until_someone_else_approves()
 {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = draft_for_lee(&app, &admin).await;
    let lee = app.signed_in(LEE).await;
    let mine = [
        "lee.alt1@mail.example",
        "lee.alt2@mail.example",
        "lee.alt3@mail.example",
    ];

    for (n, address) in mine.iter().enumerate() {
        let name = format!("Alt {n}");
        let r = lee
            .post_with_csrf(
                &format!("/me/campaigns/{id}/raters"),
                &rater(&name, address, "peer"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "nominating {address}");
    }

    // Nothing is invitable: no link for them, they count nowhere, and the campaign cannot open.
    let (links, withheld) = issue_links_withheld(&admin, id).await;
    assert_eq!(withheld, 0);
    assert_eq!(links.len(), 8, "self, Dana and six direct reports");
    assert!(links.iter().all(|l| l.group != "Peers"), "{links:?}");
    let progress = ok_json(&admin, &format!("/api/v1/campaigns/{id}/progress")).await;
    assert!(!progress.to_string().contains("\"peer\""), "{progress}");
    let refused = body_with(
        admin
            .post_with_csrf(&format!("/admin/campaigns/{id}/open"), &[])
            .await,
        StatusCode::CONFLICT,
        "opening while nominations await",
    )
    .await;
    assert!(
        refused.contains("3 nominations still await approval (Lee Leader: 3)"),
        "the page says how many and for whom"
    );

    // Lee cannot approve his own nominations: not as a manager, not as an admin.
    let (_, home) = lee.get_text("/me").await;
    assert_eq!(home.matches("awaiting approval").count(), 3, "{home}");
    assert!(approval_ids(&lee.get_text("/me/approvals").await.1).is_empty());
    let nominated = approval_ids(&app.signed_in(DANA).await.get_text("/me/approvals").await.1);
    assert_eq!(nominated.len(), 3);
    for id in &nominated {
        for path in [
            format!("/me/approvals/{id}/approve"),
            format!("/admin/raters/{id}/approve"),
        ] {
            let r = lee
                .post_with_csrf(&path, &[("outside_confirmed", "yes")])
                .await;
            assert!(
                [StatusCode::NOT_FOUND, StatusCode::FORBIDDEN].contains(&r.status()),
                "{path}: {}",
                r.status()
            );
        }
    }

    // Dana, his manager, must confirm that outsiders should rate; then they are invited.
    let dana = app.signed_in(DANA).await;
    let unconfirmed = body_with(
        dana.post_with_csrf(&format!("/me/approvals/{}/approve", nominated[0]), &[])
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "approving an outsider without confirming",
    )
    .await;
    assert!(unconfirmed.contains("is not in the people directory: tick the box"));
    assert!(
        unconfirmed.contains("class=\"field-error\""),
        "shown beside it"
    );
    for id in &nominated {
        let r = dana
            .post_with_csrf(
                &format!("/me/approvals/{id}/approve"),
                &[("outside_confirmed", "yes")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let (links, _) = issue_links_withheld(&admin, id).await;
    assert_eq!(
        links.iter().filter(|l| l.group == "Peers").count(),
        3,
        "invited once someone else approved them"
    );

    // The leader never sees a link, before or after.
    let (_, home) = lee.get_text("/me").await;
    assert!(!home.contains("/s/"), "no survey link on the leader's page");
    for link in &links {
        let token = link.url.rsplit('/').next().expect("token");
        assert!(!home.contains(token));
    }
}

#[tokio::test]
async fn an_admin_cannot_add_a_rater_to_a_leaders_direct_reports_or_manager() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = draft_for_lee(&app, &admin).await;
    let lee = lee_id(&app).await;
    let before = app
        .store
        .progress(trustloop_storage::CampaignId(id))
        .await
        .expect("progress");

    for group in ["direct_report", "manager", "self"] {
        let page = body_with(
            admin_nominates(
                &admin,
                id,
                &lee,
                &rater("Fake Report", "fake.report@mail.example", group),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            group,
        )
        .await;
        assert!(
            page.contains("come only from the reporting lines"),
            "{group}"
        );
        assert!(
            page.contains("value=\"fake.report@mail.example\""),
            "the form keeps what was typed"
        );
    }
    // Nor can a leader (their own form offers peers and others only, and the rule holds).
    let r = app
        .signed_in(LEE)
        .await
        .post_with_csrf(
            &format!("/me/campaigns/{id}/raters"),
            &rater("Fake Report", "fake.report@mail.example", "direct_report"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.store
            .progress(trustloop_storage::CampaignId(id))
            .await
            .expect("progress"),
        before,
        "no group changed"
    );
    assert!(admin_approvable(&admin, id).await.is_empty());
}

#[tokio::test]
async fn an_admin_cannot_approve_their_own_nomination_nor_ever_hold_its_link() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = draft_for_lee(&app, &admin).await;
    let lee = lee_id(&app).await;
    let r = admin_nominates(
        &admin,
        id,
        &lee,
        &rater("Olga Owned", "olga@mail.example", "peer"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (links, _) = issue_links_withheld(&admin, id).await;
    assert!(
        links.iter().all(|l| l.rater != "Olga Owned"),
        "not invited, and no link, before someone else approves"
    );

    // The page offers the admin no approval of their own nomination, and refuses one sent.
    assert!(admin_approvable(&admin, id).await.is_empty());
    let (_, page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    let own = extract_between(&page, "action=\"/admin/raters/", "/remove\"").expect("the rater");
    let refused = body_with(
        admin
            .post_with_csrf(
                &format!("/admin/raters/{own}/approve"),
                &[("outside_confirmed", "yes")],
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "approving one's own nomination",
    )
    .await;
    assert!(refused.contains("You nominated this rater, so someone else must approve it"));

    // Another admin approves; neither of them is handed the link, which a third admin sends.
    app.create_user(SECOND_ADMIN, "Second Admin", Role::Admin, None)
        .await;
    let second = app.signed_in(SECOND_ADMIN).await;
    assert_eq!(
        admin_approvable(&second, id).await,
        std::slice::from_ref(&own)
    );
    let r = second
        .post_with_csrf(
            &format!("/admin/raters/{own}/approve"),
            &[("outside_confirmed", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for chooser in [&admin, &second] {
        let (links, withheld) = issue_links_withheld(chooser, id).await;
        assert_eq!(withheld, 1);
        assert!(links.iter().all(|l| l.rater != "Olga Owned"), "{links:?}");
        let page = body_with(
            chooser
                .post_with_csrf(
                    &format!("/admin/campaigns/{id}/links"),
                    &[("format", "html"), ("reissue", "yes")],
                )
                .await,
            StatusCode::OK,
            "the links page",
        )
        .await;
        assert!(page.contains("1 link(s) left out: you nominated or approved these raters"));
        assert!(!page.contains("Olga Owned") && !page.contains("olga@mail.example"));
    }
    let (_, campaign_page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    assert!(campaign_page.contains("1 of them are raters you nominated or approved"));
    app.create_user("third-admin@example.org", "Third", Role::Admin, None)
        .await;
    let third = app.signed_in("third-admin@example.org").await;
    let (links, withheld) = issue_links_withheld(&third, id).await;
    assert_eq!(withheld, 0);
    assert_eq!(
        links.iter().map(|l| l.rater.as_str()).collect::<Vec<_>>(),
        ["Olga Owned"]
    );
}

#[tokio::test]
async fn once_a_campaign_has_opened_no_rater_can_be_added() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = draft_for_lee(&app, &admin).await;
    opens(&admin, id).await;
    let links = issue_links(&admin, id).await;
    assert_eq!(links.len(), 8);

    let lee = lee_id(&app).await;
    let by_admin = body_with(
        admin_nominates(
            &admin,
            id,
            &lee,
            &rater("Late", "late@mail.example", "peer"),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an admin adding after opening",
    )
    .await;
    assert!(by_admin.contains("The rater list is locked: the campaign is open"));
    let by_leader = body_with(
        app.signed_in(LEE)
            .await
            .post_with_csrf(
                &format!("/me/campaigns/{id}/raters"),
                &rater("Late", "late@mail.example", "other"),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the leader adding after opening",
    )
    .await;
    assert!(by_leader.contains("The rater list is locked"));
    assert!(
        issue_links(&admin, id).await.is_empty(),
        "nobody new to invite"
    );
    close(&admin, id).await;
    let closed = admin_nominates(
        &admin,
        id,
        &lee,
        &rater("Later", "later@mail.example", "peer"),
    )
    .await;
    assert!(closed.status().is_client_error());
}

/// The rows of the leader's "Changes to your rater list" table: (what, rater, by).
fn changes_on(page: &str) -> Vec<(String, String, String)> {
    let table = extract_between(page, "Changes to your rater list", "</table>").expect("the list");
    table
        .split("<tr>")
        .filter(|row| row.contains("<td"))
        .map(|row| {
            let cells: Vec<String> = row
                .split("<td")
                .skip(1)
                .map(|cell| {
                    let inner = &cell[cell.find('>').map_or(0, |i| i + 1)..];
                    let inner = &inner[..inner.find("</td>").unwrap_or(inner.len())];
                    let text = inner.split('<').next().unwrap_or_default().trim();
                    text.replace("&#60;", "<").replace("&#62;", ">")
                })
                .collect();
            (cells[1].clone(), cells[2].clone(), cells[3].clone())
        })
        .collect()
}

#[tokio::test]
async fn the_leader_sees_every_change_to_their_rater_list_and_who_made_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = draft_for_lee(&app, &admin).await;
    let lee = app.signed_in(LEE).await;
    let lee_person = lee_id(&app).await;
    app.create_user(SECOND_ADMIN, "Second Admin", Role::Admin, None)
        .await;
    let second = app.signed_in(SECOND_ADMIN).await;

    let r = lee
        .post_with_csrf(
            &format!("/me/campaigns/{id}/raters"),
            &rater("Pia Peer", "pia@partner.example", "peer"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = admin_nominates(
        &admin,
        id,
        &lee_person,
        &rater("Ozzy Other", "ozzy@mail.example", "other"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Lee learns at once that an admin added someone to the groups that rate him.
    let (_, home) = lee.get_text("/me").await;
    assert!(
        home.contains("Changes to your rater list")
            && changes_on(&home).contains(&(
                "nominated".into(),
                "Ozzy Other <ozzy@mail.example>".into(),
                "an admin".into()
            )),
        "the admin's nomination is on Lee's page"
    );
    let dana = app.signed_in(DANA).await;
    let for_dana = approval_ids(&dana.get_text("/me/approvals").await.1);
    assert_eq!(for_dana.len(), 2);
    // Dana approves Pia; another admin refuses what the first nominated.
    let (_, approvals) = dana.get_text("/me/approvals").await;
    let pia = extract_between(
        &approvals[approvals.find("Pia Peer").expect("Pia")..],
        "action=\"/me/approvals/",
        "/approve\"",
    )
    .expect("Pia's form");
    let r = dana
        .post_with_csrf(
            &format!("/me/approvals/{pia}/approve"),
            &[("outside_confirmed", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let ozzy = admin_approvable(&second, id).await;
    assert_eq!(ozzy.len(), 1);
    let r = second
        .post_with_csrf(&format!("/admin/raters/{}/remove", ozzy[0]), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    opens(&admin, id).await;

    let (_, home) = lee.get_text("/me").await;
    let changes = changes_on(&home);
    let reporting_lines = changes
        .iter()
        .take_while(|(what, _, _)| what == "added from the reporting lines")
        .count();
    assert_eq!(
        reporting_lines, 8,
        "himself, Dana and six reports: {changes:?}"
    );
    assert!(
        changes[..8]
            .iter()
            .all(|(_, _, by)| by == "the reporting lines")
    );
    let rest: Vec<(&str, &str, &str)> = changes[8..]
        .iter()
        .map(|(what, rater, by)| (what.as_str(), rater.as_str(), by.as_str()))
        .collect();
    assert_eq!(
        rest,
        [
            ("nominated", "Pia Peer <pia@partner.example>", "you"),
            ("nominated", "Ozzy Other <ozzy@mail.example>", "an admin"),
            ("approved", "Pia Peer <pia@partner.example>", "your manager"),
            ("refused", "Ozzy Other <ozzy@mail.example>", "an admin"),
            ("list locked: the campaign opened", "", "an admin"),
        ]
    );
    // And the audit log has each change, with who made it.
    let events = app.store.audit_events(50, None).await.expect("audit");
    let actions: Vec<(&str, &str)> = events
        .iter()
        .rev()
        .filter(|(_, e)| e.action.starts_with("rater") || e.action == "leader_added")
        .map(|(_, e)| (e.action.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("leader_added", ADMIN_EMAIL),
            ("rater_nominated", LEE),
            ("rater_nominated", ADMIN_EMAIL),
            ("rater_approved", DANA),
            ("rater_refused", SECOND_ADMIN),
            ("rater_lists_locked", ADMIN_EMAIL),
        ]
    );
}
