//! No dead ends: every form of the admin's pages and of the account, sent with bad input, is
//! answered with its page again (a 4xx with the form, what was typed, and the message beside
//! the field that names it with `aria-describedby`), never the error page. The route table
//! says which forms exist, so a new one without a case here fails the test.

use crate::helpers::*;
use reqwest::StatusCode;
use std::collections::BTreeSet;

/// What a refused form must show again.
struct Again<'a> {
    /// The form's action, when the page must hold that form.
    action: Option<&'a str>,
    /// Values typed that must be kept in the form.
    kept: &'a [&'a str],
    /// The id of the message shown beside the field.
    message: &'a str,
    /// Whether a field or button names the message with `aria-describedby` (not when the
    /// thing refused has no form left on the page, such as a rater of an open campaign).
    described: bool,
}

/// Checks that `response` is the page of a refused form as `again` says, not the error page.
async fn is_form_again(response: reqwest::Response, route: &str, again: Again<'_>) {
    let status = response.status();
    assert!(status.is_client_error(), "{route}: {status}");
    let page = response.text().await.expect("page");
    assert!(
        !page.contains("Back to the start"),
        "{route}: the error page, a dead end: {page}"
    );
    if let Some(action) = again.action {
        assert!(
            page.contains(&format!("action=\"{action}\"")),
            "{route}: the form {action} again: {page}"
        );
    }
    for value in again.kept {
        assert!(
            page.contains(&format!("value=\"{value}\""))
                || page.contains(&format!(">{value}</textarea>")),
            "{route}: {value:?} kept: {page}"
        );
    }
    let described = format!("aria-describedby=\"{}\"", again.message);
    assert!(
        !again.described || page.contains(&described),
        "{route}: {described}: {page}"
    );
    assert!(
        page.contains(&format!("id=\"{}\"", again.message)),
        "{route}: the message {} beside the field: {page}",
        again.message
    );
}

/// Posts `fields` to `path` and checks that the page of the draft campaign `draft` comes back
/// with the refusal at its top, named by its open buttons.
async fn refused_at_the_top(
    admin: &Client,
    (route, path): (&str, &str),
    fields: &[(&str, &str)],
    draft: i64,
) {
    let r = admin.post_with_csrf(path, fields).await;
    let open = format!("/admin/campaigns/{draft}/open");
    let again = Again {
        action: Some(&open),
        kept: &[],
        message: "open-error",
        described: true,
    };
    is_form_again(r, route, again).await;
}

/// The forms this test must cover: every POST route of the admin's pages and of accounts.
fn forms_of_the_route_table() -> BTreeSet<&'static str> {
    trustloop_web::route_table()
        .into_iter()
        .filter(|spec| spec.methods.contains(&reqwest::Method::POST))
        .map(|spec| spec.path)
        .filter(|path| {
            ["/admin", "/account", "/password/", "/sign-in"]
                .iter()
                .any(|prefix| path.starts_with(prefix))
        })
        .collect()
}

/// The person id of the first leader offered by the campaign page's nomination form.
fn first_leader_choice(page: &str) -> String {
    let select = extract_between(page, "id=\"r-leader\"", "</select>").expect("leader choice");
    extract_between(&select, "value=\"", "\"").expect("a leader")
}

/// The invitation id of the nominee `name` on a campaign page.
fn nominee_id(page: &str, name: &str) -> String {
    let before = &page[..page.find(&format!("<strong>{name}</strong>")).expect(name)];
    let at = before.rfind("<li id=\"r").expect("nominee row") + "<li id=\"r".len();
    extract_between(&before[at..], "", "\"").expect("id")
}

#[tokio::test]
async fn every_admin_and_account_form_with_bad_input_shows_its_form_again_never_a_dead_end() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, ORG_CSV).await;
    let id = create_campaign(&admin, "Spring trust 360").await;
    let mut covered = BTreeSet::new();

    // A new campaign whose deadline is not a date, whose threshold is not a number, or whose
    // leaders name somebody nobody is: the form again, and nothing made.
    let deadline = (time::OffsetDateTime::now_utc().date() + time::Duration::days(14)).to_string();
    for (name, value, message) in [
        ("deadline", "31/12/2026", "deadline-error"),
        ("min_rater_group", "five", "mrg-error"),
        ("leaders", "Lee Leader\nLea Leader", "new-leaders-error"),
    ] {
        let mut fields = vec![("name", "Autumn 360"), ("deadline", deadline.as_str())];
        fields.retain(|(k, _)| *k != name);
        fields.push((name, value));
        let r = admin.post_with_csrf("/admin/campaigns", &fields).await;
        let kept: Vec<&str> = fields.iter().map(|(_, v)| *v).collect();
        let again = Again {
            action: Some("/admin/campaigns"),
            kept: &kept,
            message,
            described: true,
        };
        is_form_again(r, "/admin/campaigns", again).await;
    }
    let (_, list) = admin.get_text("/admin/campaigns").await;
    assert!(!list.contains("Autumn 360"), "nothing was created");
    covered.insert("/admin/campaigns");

    // A leader's email with a typo, a name nobody has, and a list with one of them.
    for typed in [
        "lee@exmaple.org",
        "Lea Leader",
        "dana@example.org\nlee at example",
    ] {
        let leaders = format!("/admin/campaigns/{id}/leaders");
        let r = admin.post_with_csrf(&leaders, &[("leaders", typed)]).await;
        let again = Again {
            action: Some(&leaders),
            kept: &[typed],
            message: "leader-email-error",
            described: true,
        };
        is_form_again(r, "/admin/campaigns/{id}/leaders", again).await;
    }
    covered.insert("/admin/campaigns/{id}/leaders");
    add_leader(&admin, id, "lee@example.org").await;

    // A deadline in the past when changing the campaign; a leader who is not in it.
    let edit = format!("/admin/campaigns/{id}/edit");
    let r = admin
        .post_with_csrf(
            &edit,
            &[("name", "Spring 360 renamed"), ("deadline", "2020-01-31")],
        )
        .await;
    let again = Again {
        action: Some(&edit),
        kept: &["Spring 360 renamed", "2020-01-31"],
        message: "edit-deadline-error",
        described: true,
    };
    is_form_again(r, "/admin/campaigns/{id}/edit", again).await;
    covered.insert("/admin/campaigns/{id}/edit");
    let route = "/admin/campaigns/{id}/leaders/remove";
    let path = format!("/admin/campaigns/{id}/leaders/remove");
    refused_at_the_top(&admin, (route, &path), &[("leader_id", "999999")], id).await;
    covered.insert(route);
    let route = "/admin/campaigns/{id}/reopen";
    let path = format!("/admin/campaigns/{id}/reopen");
    refused_at_the_top(&admin, (route, &path), &[], id).await;
    covered.insert(route);

    // A rater whose email is cut short; then one that is fine, nominated by this admin.
    let (_, page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    let lee = first_leader_choice(&page);
    let raters = format!("/admin/campaigns/{id}/raters");
    let r = admin
        .post_with_csrf(
            &raters,
            &[
                ("leader_id", &lee),
                ("name", "Quinn Outside"),
                ("email", "quinn@"),
                ("group", "peer"),
            ],
        )
        .await;
    let again = Again {
        action: Some(&raters),
        kept: &["Quinn Outside", "quinn@"],
        message: "r-email-error",
        described: true,
    };
    is_form_again(r, "/admin/campaigns/{id}/raters", again).await;
    covered.insert("/admin/campaigns/{id}/raters");
    let fields = [
        ("leader_id", lee.as_str()),
        ("name", "Quinn Outside"),
        ("email", "quinn@partner.example"),
        ("group", "peer"),
    ];
    let r = admin.post_with_csrf(&raters, &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    let quinn = nominee_id(&page, "Quinn Outside");

    // Approving one's own nomination is refused beside the nominee.
    let r = admin
        .post_with_csrf(&format!("/admin/raters/{quinn}/approve"), &[])
        .await;
    let remove = format!("/admin/raters/{quinn}/remove");
    let described = format!("error-{quinn}");
    let again = Again {
        action: Some(&remove),
        kept: &[],
        message: &described,
        described: true,
    };
    is_form_again(r, "/admin/raters/{id}/approve", again).await;
    covered.insert("/admin/raters/{id}/approve");

    // Opening while a nomination awaits approval is refused at the top of the page.
    let open = format!("/admin/campaigns/{id}/open");
    refused_at_the_top(&admin, ("/admin/campaigns/{id}/open", &open), &[], id).await;
    covered.insert("/admin/campaigns/{id}/open");

    // Closing a draft is refused in the same place.
    let draft = create_campaign(&admin, "Summer trust 360").await;
    let route = "/admin/campaigns/{id}/close";
    let path = format!("/admin/campaigns/{draft}/close");
    refused_at_the_top(&admin, (route, &path), &[], draft).await;
    covered.insert(route);

    // Removing a rater once the campaign is open is refused beside them.
    let r = admin.post_with_csrf(&remove, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "a draft's own nominee");
    nominate_and_approve(
        &app,
        id,
        ("lee@example.org", "dana@example.org"),
        &[("Pat Peer", "pat@example.org", "peer")],
    )
    .await;
    let r = admin.post_with_csrf(&open, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.get_text(&format!("/admin/campaigns/{id}")).await;
    let pat = nominee_id(&page, "Pat Peer");
    let r = admin
        .post_with_csrf(&format!("/admin/raters/{pat}/remove"), &[])
        .await;
    let message = format!("error-{pat}");
    let again = Again {
        action: None,
        kept: &[],
        message: &message,
        described: false,
    };
    is_form_again(r, "/admin/raters/{id}/remove", again).await;
    covered.insert("/admin/raters/{id}/remove");

    // Links for a closed campaign are refused on its page.
    let r = admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/close"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = admin
        .post_with_csrf(
            &format!("/admin/campaigns/{id}/links"),
            &[("format", "csv")],
        )
        .await;
    let again = Again {
        action: None,
        kept: &[],
        message: "open-error",
        described: false,
    };
    is_form_again(r, "/admin/campaigns/{id}/links", again).await;
    covered.insert("/admin/campaigns/{id}/links");

    // An upload without a file.
    let csrf = admin.csrf().await;
    let form = reqwest::multipart::Form::new().text("csrf", csrf);
    let r = admin
        .http
        .post(format!("{}/admin/people/import", app.base))
        .multipart(form)
        .send()
        .await
        .expect("sent");
    let again = Again {
        action: Some("/admin/people/import"),
        kept: &[],
        message: "file-error",
        described: true,
    };
    is_form_again(r, "/admin/people/import", again).await;
    covered.insert("/admin/people/import");

    // An outcome file that is not there, then one with a problem on a line.
    let form = reqwest::multipart::Form::new().text("csrf", admin.csrf().await);
    let r = admin
        .http
        .post(format!("{}/admin/outcomes", app.base))
        .multipart(form)
        .send()
        .await
        .expect("sent");
    let again = Again {
        action: Some("/admin/outcomes"),
        kept: &[],
        message: "outcomes-error",
        described: true,
    };
    is_form_again(r, "/admin/outcomes", again).await;
    let r = upload_to(
        &admin,
        "/admin/outcomes",
        "figures.csv",
        b"team,period,metric,value
Nowhere,2026,Attrition,1
"
        .to_vec(),
    )
    .await;
    let again = Again {
        action: Some("/admin/outcomes"),
        kept: &[],
        message: "outcomes-error",
        described: true,
    };
    is_form_again(r, "/admin/outcomes", again).await;
    covered.insert("/admin/outcomes");

    // An invitation to sign in as an admin, which the people page does not offer.
    let (_, people) = admin.get_text("/admin/people?q=pat").await;
    let pat = extract_between(&people, "name=\"person_id\" value=\"", "\"").expect("Pat");
    let r = admin
        .post_with_csrf(
            "/admin/people/invite",
            &[("person_id", &pat), ("role", "admin")],
        )
        .await;
    let again = Again {
        action: Some("/admin/people/invite"),
        kept: &[],
        message: "invite-error",
        described: true,
    };
    is_form_again(r, "/admin/people/invite", again).await;
    covered.insert("/admin/people/invite");

    // A token that may do nothing, and someone else's token (or none) to revoke.
    let r = create_token(&admin, "reporting script", &[]).await;
    let again = Again {
        action: Some("/account/tokens"),
        kept: &["reporting script"],
        message: "token-scope-error",
        described: true,
    };
    is_form_again(r, "/account/tokens", again).await;
    covered.insert("/account/tokens");
    let r = admin
        .post_with_csrf("/account/tokens/999/revoke", &[])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let page = r.text().await.expect("page");
    assert!(page.contains("id=\"token-error\""), "{page}");
    assert!(page.contains("action=\"/account/tokens\""), "{page}");
    assert!(!page.contains("Back to the start"), "{page}");
    covered.insert("/account/tokens/{id}/revoke");

    // A change of password with a wrong current one.
    let r = admin
        .post_with_csrf(
            "/account/password",
            &[
                ("current", "not it"),
                ("password", "a new long password"),
                ("confirm", "a new long password"),
            ],
        )
        .await;
    let again = Again {
        action: Some("/account/password"),
        kept: &[],
        message: "current-password-error",
        described: true,
    };
    is_form_again(r, "/account/password", again).await;
    covered.insert("/account/password");

    // A password too short, from a password link.
    let token = password_link(&app, ADMIN_EMAIL).await;
    let action = format!("/password/{token}");
    let r = app
        .client()
        .post_form(&action, &[("password", "short"), ("confirm", "short")])
        .await;
    let again = Again {
        action: Some(&action),
        kept: &[],
        message: "pw-error",
        described: true,
    };
    is_form_again(r, "/password/{token}", again).await;
    covered.insert("/password/{token}");

    // A wrong password keeps the email.
    let r = app.client().sign_in(ADMIN_EMAIL, "not the password").await;
    let again = Again {
        action: Some("/sign-in"),
        kept: &[ADMIN_EMAIL],
        message: "signin-error",
        described: true,
    };
    is_form_again(r, "/sign-in", again).await;
    covered.insert("/sign-in");

    assert_eq!(
        covered,
        forms_of_the_route_table(),
        "every admin and account form has a case here"
    );
}
