//! Repairing trust after a breach over HTTP: recording a breach (and the bad input it refuses),
//! the steps with a warning out of order, recovery rounds opened on schedule by an injected
//! day with anonymous results only from k once closed, the named pulse that every respondent is
//! told about and must tick, and a recovery link used twice.

use crate::helpers::*;
use crate::pulse::{PULSE_CSV, team};
use reqwest::StatusCode;
use std::collections::BTreeMap;
use time::Duration;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::model::Element;
use trustloop_domain::rating::{Rating, SurveyAnswers};
use trustloop_domain::repair::recovery::asked;
use trustloop_storage::{DynStore, RecoveryLink, Role};

/// The organisation of the pulse tests with accounts for Lee (Platform, 6 reports), Pat
/// (Sales, 2 reports) and Lou (one of Pat's).
pub async fn repair_org(app: &TestApp) -> Client {
    let admin = app.admin().await;
    upload_people(&admin, PULSE_CSV).await;
    for (email, name) in [
        ("lee@example.org", "Lee Leader"),
        ("pat@example.org", "Pat Peer"),
        ("kim@example.org", "Kim Keeper"),
    ] {
        app.create_user(email, name, Role::Leader, Some(email))
            .await;
    }
    app.create_user(
        "lou@example.org",
        "Lou Seller",
        Role::Member,
        Some("lou@example.org"),
    )
    .await;
    admin
}

/// The person whose email is `email`.
pub async fn person(store: &DynStore, email: &str) -> trustloop_storage::PersonId {
    store
        .person_by_email(&trustloop_domain::people::Email::parse(email).expect("email"))
        .await
        .expect("read")
        .expect("person exists")
        .id
}

/// `leader` signed in, and a breach of theirs recorded on their team `team_name`.
pub async fn breach_of(
    app: &TestApp,
    leader: &str,
    team_name: &str,
    what: &str,
    kind: &str,
) -> (Client, i64) {
    let client = app.signed_in(leader).await;
    let team_id = team(&app.store, team_name).await.0;
    let id = record_on_team(&client, what, kind, team_id).await;
    (client, id)
}

/// A breach of `leader`'s (signed in) on their team `team_name`, with its recovery pulse
/// started (named when `named`) and its first round opened today: the leader's client, the
/// repair's id and the round's links.
pub async fn recovery_under_way(
    app: &TestApp,
    leader: &str,
    team_name: &str,
    named: bool,
) -> (Client, i64, Vec<RecoveryLink>) {
    let (client, id) = breach_of(
        app,
        leader,
        team_name,
        "Missed the promised date",
        "integrity",
    )
    .await;
    let mut form = vec![("choice", "run")];
    if named {
        form.push(("named_ok", "yes"));
    }
    let started = client
        .post_with_csrf(&format!("/repair/{id}/recovery"), &form)
        .await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER, "recovery started");
    let links = open_recovery(&app.store, trustloop_app::today()).await;
    (client, id, links)
}

/// Records a breach through the page as `client` on the team `team_id`; returns its id.
pub async fn record_on_team(client: &Client, what: &str, kind: &str, team_id: i64) -> i64 {
    let yesterday = (trustloop_app::today() - Duration::days(1)).to_string();
    let team_id = team_id.to_string();
    let response = client
        .post_with_csrf(
            "/repair/new",
            &[
                ("what", what),
                ("happened", &yesterday),
                ("kind", kind),
                ("team", &team_id),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "breach recorded");
    let to = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    to.trim_start_matches("/repair/").parse().expect("an id")
}

/// Opens the recovery rounds due on `day` and returns their links.
pub async fn open_recovery(store: &DynStore, day: time::Date) -> Vec<RecoveryLink> {
    store
        .advance_recovery(day, &trustloop_app::tokens::new_link)
        .await
        .expect("scheduler pass")
        .opened
        .into_iter()
        .flat_map(|(_, _, links)| links)
        .collect()
}

/// The recovery form with `point` for both statements about `element`.
pub fn recovery_form(element: Element, point: &str) -> Vec<(String, String)> {
    asked(&Instrument::recovery_current(), element)
        .items
        .iter()
        .map(|i| (trustloop_domain::rating::item_field(&i.code), point.into()))
        .collect()
}

/// Answers rating both statements about `element` `point`.
pub fn recovery_answers(element: Element, point: u8) -> SurveyAnswers {
    SurveyAnswers {
        ratings: asked(&Instrument::recovery_current(), element)
            .items
            .iter()
            .map(|i| (i.code.clone(), Rating::Score(point)))
            .collect(),
        comments: BTreeMap::new(),
    }
}

/// Posts `form` to a recovery link.
pub async fn answer_link(
    client: &Client,
    token: &str,
    form: &[(String, String)],
) -> reqwest::Response {
    client
        .http
        .post(format!("{}/recovery/{token}", client.base))
        .form(form)
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn a_breach_with_bad_input_is_refused_with_what_to_fix_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    repair_org(&app).await;
    let lee = app.signed_in("lee@example.org").await;
    let today = trustloop_app::today().to_string();
    let tomorrow = (trustloop_app::today() + Duration::days(1)).to_string();
    let platform = team(&app.store, "Platform").await.0.to_string();
    let huge = "x".repeat(2001);
    let lee_self = person(&app.store, "lee@example.org").await.0.to_string();
    let team = ("team", platform.as_str());
    let me = ("person", lee_self.as_str());
    // (what, happened, kind, who affected), each row with one thing wrong.
    #[rustfmt::skip]
    let cases = [
        ("  ", today.as_str(), "competence", Some(team), "Say what happened"),
        (huge.as_str(), today.as_str(), "competence", Some(team), "at most 2000 characters"),
        ("Late figures", tomorrow.as_str(), "competence", Some(team), "in the future"),
        ("Late figures", today.as_str(), "competence", None, "Name at least one person or team"),
        ("Late figures", today.as_str(), "competence", Some(me), "not yourself"),
        ("Late figures", "last week", "competence", Some(team), "as a date"),
        ("Late figures", today.as_str(), "", Some(team), "competence or integrity"),
    ];
    for (what, happened, kind, who, expected) in cases {
        let mut fields = vec![("what", what), ("happened", happened), ("kind", kind)];
        fields.extend(who);
        let response = lee.post_with_csrf("/repair/new", &fields).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{expected}"
        );
        let page = response.text().await.expect("page");
        assert!(page.contains(expected), "{expected} in {page}");
    }
    let (_, list) = lee.get_text("/repair").await;
    assert!(list.contains("No breach recorded."));
}

#[tokio::test]
async fn a_leader_walks_the_steps_out_of_order_with_a_warning_and_links_the_lesson() {
    let app = TestApp::spawn().await;
    repair_org(&app).await;
    let (lee, id) = breach_of(
        &app,
        "lee@example.org",
        "Platform",
        "I shared Ann's numbers before she could",
        "integrity",
    )
    .await;
    let (status, page) = lee.get_text(&format!("/repair/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("href=\"/learn/trust-after-a-breach\""),
        "one click to the lesson"
    );
    let (lesson, text) = lee.get_text("/learn/trust-after-a-breach").await;
    assert_eq!(
        lesson,
        StatusCode::OK,
        "the link resolves to the lesson on repair"
    );
    assert!(text.to_lowercase().contains("apolog"));
    assert!(page.contains("changed behaviour") || page.contains("not mended by words alone"));
    assert!(page.contains("Next: acknowledge it."));

    let amends = lee
        .post_with_csrf(
            &format!("/repair/{id}/steps"),
            &[
                ("step", "make_amends"),
                ("note", "Gave Ann the stage at the review"),
            ],
        )
        .await;
    assert_eq!(
        amends.status(),
        StatusCode::SEE_OTHER,
        "allowed out of order"
    );
    let to = amends.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(to.contains("after=make_amends"));
    let (_, warned) = lee.get_text(&to).await;
    assert!(warned.contains("Recorded out of the usual order: Acknowledge it, Apologise, Take responsibility not done yet."));
    let ack = lee
        .post_with_csrf(
            &format!("/repair/{id}/steps"),
            &[("step", "acknowledge"), ("note", "Told the team on Monday")],
        )
        .await;
    assert_eq!(ack.status(), StatusCode::SEE_OTHER);
    let twice = lee
        .post_with_csrf(
            &format!("/repair/{id}/steps"),
            &[("step", "acknowledge"), ("note", "Again")],
        )
        .await;
    assert_eq!(twice.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        twice
            .text()
            .await
            .expect("page")
            .contains("This step was recorded as done on")
    );
    let (_, page) = lee.get_text(&format!("/repair/{id}")).await;
    assert!(page.contains("Next: apologise."));
    assert!(page.contains("Told the team on Monday"));

    // Amends as a commitment to one of the people affected; someone else is refused.
    let ann = person(&app.store, "ann@example.org").await.0.to_string();
    let due = (trustloop_app::today() + Duration::days(10)).to_string();
    let made = lee
        .post_with_csrf(
            &format!("/repair/{id}/amends"),
            &[
                ("what", "Credit Ann in the quarterly review"),
                ("due", &due),
                ("person", &ann),
            ],
        )
        .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let outsider = lee
        .post_with_csrf(
            &format!("/repair/{id}/amends"),
            &[("what", "Something"), ("due", &due), ("person", "999999")],
        )
        .await;
    assert_eq!(outsider.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, page) = lee.get_text(&format!("/repair/{id}")).await;
    assert!(page.contains("Credit Ann in the quarterly review"));
    let (_, ledger) = lee.get_text("/me/ledger").await;
    assert!(
        ledger.contains("Credit Ann in the quarterly review"),
        "a say-do commitment"
    );

    // Another leader and an admin are told it does not exist.
    let kim = app.signed_in("kim@example.org").await;
    assert_eq!(
        kim.get(&format!("/repair/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let admin = app.admin().await;
    assert_eq!(
        admin.get(&format!("/repair/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let (_, counts) = admin.get_text("/admin/repairs").await;
    assert!(counts.contains("Platform") && !counts.contains("Ann's numbers"));
}

#[tokio::test]
async fn recovery_rounds_open_on_schedule_and_anonymous_results_show_from_k_once_closed() {
    let app = TestApp::spawn().await;
    repair_org(&app).await;
    let (lee, id) = breach_of(
        &app,
        "lee@example.org",
        "Platform",
        "Missed the release date I promised",
        "competence",
    )
    .await;
    let started = lee
        .post_with_csrf(&format!("/repair/{id}/recovery"), &[("choice", "run")])
        .await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let day0 = trustloop_app::today();
    let links = open_recovery(&app.store, day0).await;
    assert_eq!(links.len(), 6, "one link per person affected");
    assert!(
        open_recovery(&app.store, day0).await.is_empty(),
        "a round opens once"
    );

    let anonymous = app.client();
    let (_, form) = anonymous
        .get_text(&format!("/recovery/{}", links[0].token))
        .await;
    assert!(form.contains("Nothing links your answer to you"));
    assert!(!form.contains("This pulse is named"));
    for link in &links[..5] {
        let r = answer_link(
            &anonymous,
            &link.token,
            &recovery_form(Element::Judgement, "2"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    // Used twice: a clear message, and the first answer is kept.
    let again = answer_link(
        &anonymous,
        &links[0].token,
        &recovery_form(Element::Judgement, "5"),
    )
    .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(
        again
            .text()
            .await
            .expect("page")
            .contains("your earlier answer is kept")
    );

    let json: serde_json::Value = lee
        .get(&format!("/api/v1/me/repairs/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(json["rounds"][0]["status"], "open");
    assert_eq!(json["rounds"][0]["answered"], 5);
    assert!(
        json["rounds"][0]["scores"]
            .as_array()
            .expect("scores")
            .is_empty(),
        "nothing before the round closes"
    );

    // Amends today; the round closes after its week; two weeks after the amends the next opens.
    lee.post_with_csrf(
        &format!("/repair/{id}/steps"),
        &[("step", "make_amends"), ("note", "Shipped the fix")],
    )
    .await;
    assert!(
        open_recovery(&app.store, day0 + Duration::days(7))
            .await
            .is_empty()
    );
    let second = open_recovery(&app.store, day0 + Duration::days(14)).await;
    assert_eq!(second.len(), 6);
    for link in &second {
        app.store
            .submit_recovery_answer(
                link.invitation,
                &recovery_answers(Element::Judgement, 4),
                day0 + Duration::days(15),
            )
            .await
            .expect("stored");
    }
    open_recovery(&app.store, day0 + Duration::days(21)).await;
    let json: serde_json::Value = lee
        .get(&format!("/api/v1/me/repairs/{id}"))
        .await
        .json()
        .await
        .expect("json");
    let rounds = json["rounds"].as_array().expect("rounds");
    assert_eq!(rounds.len(), 2);
    assert_eq!(rounds[0]["shown"], "yes");
    let overall = |round: &serde_json::Value| -> f64 {
        round["scores"]
            .as_array()
            .expect("scores")
            .iter()
            .find(|s| s["measure"] == "overall")
            .expect("overall")["mean"]
            .as_f64()
            .expect("mean")
    };
    assert_eq!(overall(&rounds[0]), 25.0);
    assert_eq!(overall(&rounds[1]), 75.0);
    assert_eq!(rounds[1]["scores"][0]["n"], 6);
    let (_, page) = lee.get_text(&format!("/repair/{id}")).await;
    assert!(page.contains("data-testid=\"recovery-chart\""));
    assert!(page.contains("Two weeks after the amends"));
}

#[tokio::test]
async fn fewer_than_k_affected_make_the_pulse_named_and_every_respondent_is_told_and_ticks() {
    let app = TestApp::spawn().await;
    repair_org(&app).await;
    let (pat, id) = breach_of(
        &app,
        "pat@example.org",
        "Sales",
        "Blamed Lou for my mistake",
        "integrity",
    )
    .await;
    let (_, page) = pat.get_text(&format!("/repair/{id}")).await;
    assert!(page.contains("fewer than 5: the pulse cannot be anonymous"));
    let unconfirmed = pat
        .post_with_csrf(&format!("/repair/{id}/recovery"), &[("choice", "run")])
        .await;
    assert_eq!(unconfirmed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unconfirmed
            .text()
            .await
            .expect("page")
            .contains("can only be named")
    );
    let named = pat
        .post_with_csrf(
            &format!("/repair/{id}/recovery"),
            &[("choice", "run"), ("named_ok", "yes")],
        )
        .await;
    assert_eq!(named.status(), StatusCode::SEE_OTHER);
    let links = open_recovery(&app.store, trustloop_app::today()).await;
    assert_eq!(links.len(), 2);
    let lou = person(&app.store, "lou@example.org").await;
    let lous = links.iter().find(|l| l.person == lou).expect("Lou asked");

    let stranger = app.client();
    let (_, form) = stranger
        .get_text(&format!("/recovery/{}", lous.token))
        .await;
    assert!(form.contains("This pulse is named"));
    assert!(form.contains("Pat Peer will see your name beside it"));
    let without = answer_link(
        &stranger,
        &lous.token,
        &recovery_form(Element::Consistency, "2"),
    )
    .await;
    assert_eq!(without.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(without.text().await.expect("page").contains("tick the box"));
    let rounds = app
        .store
        .recovery_rounds(trustloop_storage::RepairId(id))
        .await
        .expect("rounds");
    assert_eq!(rounds[0].answered, 0, "nothing stored without the tick");

    let mut form = recovery_form(Element::Consistency, "2");
    form.push(("named_consent".into(), "yes".into()));
    let with = answer_link(&stranger, &lous.token, &form).await;
    assert_eq!(with.status(), StatusCode::OK);
    let twice = answer_link(&stranger, &lous.token, &form).await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    let (_, page) = pat.get_text(&format!("/repair/{id}")).await;
    assert!(
        page.contains("Lou Seller"),
        "the leader sees the named answer"
    );
    assert!(page.contains("Named:"));
    let lou_client = app.signed_in("lou@example.org").await;
    let (_, own) = lou_client.get_text("/me/recovery").await;
    assert!(
        own.contains("Pat Peer") && own.contains("25"),
        "Lou reads their own answer"
    );
    // Skipping is the other choice: on a second breach, nothing ever opens.
    let sales = team(&app.store, "Sales").await.0;
    let other = record_on_team(&pat, "Cancelled the offsite", "integrity", sales).await;
    let skip = pat
        .post_with_csrf(&format!("/repair/{other}/recovery"), &[("choice", "skip")])
        .await;
    assert_eq!(skip.status(), StatusCode::SEE_OTHER);
    assert!(
        open_recovery(&app.store, trustloop_app::today())
            .await
            .is_empty()
    );
}
