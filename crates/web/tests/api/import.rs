use crate::helpers::*;
use reqwest::StatusCode;
use trustloop_storage::PeopleQuery;

#[tokio::test]
async fn a_clean_file_adds_people_with_teams_managers_and_attributes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;

    let page = upload_people(&admin, ORG_CSV).await;

    assert!(
        page.contains("Imported 8 people: 8 added, 0 updated, 3 new teams."),
        "{page}"
    );
    let (people, total) = app
        .store
        .people(&PeopleQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("people");
    assert_eq!(total, 8);
    let lee = people
        .iter()
        .find(|p| p.email == "lee@example.org")
        .expect("lee");
    let dana = people
        .iter()
        .find(|p| p.email == "dana@example.org")
        .expect("dana");
    assert_eq!(lee.manager_id, Some(dana.id));
    assert_eq!(lee.team.as_deref(), Some("Platform"));
    assert_eq!(
        lee.attributes,
        vec![("location".to_string(), "London".to_string())]
    );
    let (_, list) = admin.get_text("/admin/people?q=report").await;
    assert!(list.contains("Ann Report") && !list.contains("Dana Director"));
}

#[tokio::test]
async fn a_file_with_bad_rows_is_refused_with_line_numbers_and_nothing_is_imported() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let csv = "name,email,manager_email,team\n\
               Good Person,good@example.org,,A\n\
               ,noname@example.org,,A\n\
               Bad Email,not-an-email,,A\n\
               Orphan,orphan@example.org,ghost@example.org,A\n";

    let page = upload_people(&admin, csv).await;

    assert!(page.contains("Import refused"), "{page}");
    assert!(page.contains("line 3: the name is empty"), "{page}");
    assert!(
        page.contains("line 4:") && page.contains("has no @"),
        "{page}"
    );
    assert!(
        page.contains("line 5: the manager ghost@example.org"),
        "{page}"
    );
    let (_, total) = app
        .store
        .people(&PeopleQuery::default())
        .await
        .expect("people");
    assert_eq!(
        total, 0,
        "a refused file must import nothing, not even its good rows"
    );
}

#[tokio::test]
async fn importing_again_updates_people_instead_of_duplicating_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, ORG_CSV).await;

    let moved = ORG_CSV.replace(
        "Ben Report,ben@example.org,lee@example.org,Platform,Lisbon",
        "Ben Renamed,ben@example.org,pat@example.org,Sales,Lisbon",
    );
    let page = upload_people(&admin, &moved).await;

    assert!(page.contains("0 added, 8 updated, 0 new teams"), "{page}");
    let (people, total) = app
        .store
        .people(&PeopleQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("people");
    assert_eq!(total, 8);
    let ben = people
        .iter()
        .find(|p| p.email == "ben@example.org")
        .expect("ben");
    let pat = people
        .iter()
        .find(|p| p.email == "pat@example.org")
        .expect("pat");
    assert_eq!(ben.name, "Ben Renamed");
    assert_eq!(ben.manager_id, Some(pat.id));
}

#[tokio::test]
async fn a_file_that_closes_a_reporting_loop_with_stored_people_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, ORG_CSV).await;

    // Dana (stored, managed by nobody) now reports to Ann, who reports to Lee, who reports to Dana.
    let page = upload_people(&admin, "name,email,manager_email,team\nDana Director,dana@example.org,ann@example.org,Leadership\n").await;

    assert!(page.contains("reporting loop"), "{page}");
    let dana = app
        .store
        .person_by_email(
            &trustloop_domain::people::Email::parse("dana@example.org").expect("email"),
        )
        .await
        .expect("lookup")
        .expect("dana");
    assert_eq!(dana.manager_id, None, "the refused file changed nothing");
}

#[tokio::test]
async fn an_upload_without_a_file_or_without_the_form_token_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;

    let no_token = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(ORG_CSV.as_bytes().to_vec()).file_name("p.csv"),
    );
    let response = admin
        .http
        .post(format!("{}/admin/people/import", admin.base))
        .multipart(no_token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let empty = reqwest::multipart::Form::new().text("csrf", admin.csrf().await);
    let response = admin
        .http
        .post(format!("{}/admin/people/import", admin.base))
        .multipart(empty)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Choose a CSV file")
    );
}

#[tokio::test]
async fn the_template_people_file_downloads_and_imports_as_it_is() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (_, form) = admin.get_text("/admin/people/import").await;
    assert!(form.contains("href=\"/admin/people/template.csv\""));

    let r = admin.get("/admin/people/template.csv").await;

    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    let csv = r.text().await.expect("csv");
    assert!(csv.starts_with("name,email,manager_email,team,"), "{csv}");
    let status = upload_people(&admin, &csv).await;
    assert!(status.contains("2 added"), "{status}");
}
