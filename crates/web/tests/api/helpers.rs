//! Starting a server per test and talking to it like a browser would.
//!
//! `TEST_LOG=1 cargo test …` prints the servers' logs (at the levels `RUST_LOG` names; by default
//! `info`, and a line for each request's start and end) with each request's id; without it they
//! stay quiet.

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use trustloop_domain::people::Email;
use trustloop_storage::{DynStore, NewUser, Role};
use trustloop_web::{Application, WebConfig};

/// A running server with its own database.
pub struct TestApp {
    pub base: String,
    pub store: DynStore,
    /// The database URL (an SQLite file in a temporary folder, or a PostgreSQL database).
    pub db_url: String,
    _dir: tempfile::TempDir,
}

/// A browser-like client with its own cookies.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

pub const ADMIN_EMAIL: &str = "admin@example.org";
pub const PASSWORD: &str = "a long test password";

impl TestApp {
    /// Starts a server on a free port with an empty database and one admin account, and waits
    /// until its health check answers. The database is a fresh SQLite file, or, when
    /// `TRUSTLOOP_TEST_BACKEND=postgres`, a fresh database on the PostgreSQL server named by
    /// `TRUSTLOOP_TEST_POSTGRES` (such as the one `scripts/postgres start DIR` prints).
    pub async fn spawn() -> TestApp {
        TestApp::spawn_on(chosen_backend().as_deref(), WebConfig::default()).await
    }

    /// Starts a server on a fresh SQLite file whatever the backend chosen for the run: for
    /// tests that read the database file itself.
    pub async fn spawn_sqlite() -> TestApp {
        TestApp::spawn_on(Some("sqlite"), WebConfig::default()).await
    }

    /// Starts a server that trusts the local address as its reverse proxy: for tests of what a
    /// proxy's headers change.
    pub async fn spawn_behind_proxy() -> TestApp {
        let config = WebConfig {
            trusted_proxies: vec![std::net::Ipv4Addr::LOCALHOST.into()],
            ..WebConfig::default()
        };
        TestApp::spawn_on(chosen_backend().as_deref(), config).await
    }

    async fn spawn_on(backend: Option<&str>, config: WebConfig) -> TestApp {
        show_logs_when_asked();
        let dir = tempfile::tempdir().expect("temp dir");
        let url = match backend.ok_or(std::env::VarError::NotPresent) {
            Ok("postgres") => {
                let server = std::env::var("TRUSTLOOP_TEST_POSTGRES").expect(
                    "TRUSTLOOP_TEST_BACKEND=postgres needs TRUSTLOOP_TEST_POSTGRES, a server URL",
                );
                let name = format!("t_{}", uuid::Uuid::new_v4().simple());
                trustloop_storage::PgStore::create_database(&server, &name)
                    .await
                    .expect("test database created")
            }
            Ok("sqlite") | Err(std::env::VarError::NotPresent) => {
                format!("sqlite://{}", dir.path().join("test.db").display())
            }
            other => panic!("TRUSTLOOP_TEST_BACKEND must be sqlite or postgres, not {other:?}"),
        };
        let store = trustloop_storage::connect_with_key(&url, trustloop_storage::SealKey::random())
            .await
            .expect("database opens");
        let app = Application::build(WebConfig { port: 0, ..config }, store.clone())
            .await
            .expect("server binds");
        let base = format!("http://{}", app.address());
        tokio::spawn(app.run_until(std::future::pending()));
        let app = TestApp {
            base,
            store,
            db_url: url,
            _dir: dir,
        };
        app.create_user(ADMIN_EMAIL, "Test Admin", Role::Admin, None)
            .await;
        let probe = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = probe.get(format!("{}/healthz", app.base)).send().await
                && r.status() == StatusCode::OK
            {
                return app;
            }
            tokio::task::yield_now().await;
        }
        panic!("the server never became healthy");
    }

    /// Creates an account with [`PASSWORD`]; an account that already has `email` (made by a
    /// helper such as [`nominate_and_approve`]) is kept as it is, and must be the same.
    pub async fn create_user(&self, email: &str, name: &str, role: Role, person: Option<&str>) {
        let address = Email::parse(email).expect("email");
        if let Some(user) = self.store.user_by_email(&address).await.expect("lookup") {
            assert_eq!(user.role, role, "{email} exists with another role");
            assert_eq!(user.person_id.is_some(), person.is_some(), "{email}");
            return;
        }
        let person_id = match person {
            Some(p) => Some(
                self.store
                    .person_by_email(&Email::parse(p).expect("email"))
                    .await
                    .expect("lookup")
                    .expect("person exists")
                    .id,
            ),
            None => None,
        };
        self.store
            .create_user(&NewUser {
                email: Email::parse(email).expect("email"),
                display_name: name.into(),
                role,
                person_id,
                password_hash: Some(
                    trustloop_web::auth::hash_password(PASSWORD.into())
                        .await
                        .expect("hash"),
                ),
            })
            .await
            .expect("user created");
    }

    /// A fresh client without a session.
    pub fn client(&self) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .expect("client"),
            base: self.base.clone(),
        }
    }

    /// A client signed in as `email`.
    pub async fn signed_in(&self, email: &str) -> Client {
        let client = self.client();
        let response = client.sign_in(email, PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "sign-in as {email} failed"
        );
        client
    }

    /// An admin client.
    pub async fn admin(&self) -> Client {
        self.signed_in(ADMIN_EMAIL).await
    }
}

/// The backend the run asked for with `TRUSTLOOP_TEST_BACKEND`.
fn chosen_backend() -> Option<String> {
    std::env::var("TRUSTLOOP_TEST_BACKEND").ok()
}

/// With `TEST_LOG` set, prints every server's logs to standard error as they happen (once per
/// test binary: the servers of all its tests share them, each line naming its request's id).
fn show_logs_when_asked() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    let asked = std::env::var("TEST_LOG").is_ok_and(|v| !v.is_empty() && v != "0");
    if !asked {
        return;
    }
    ONCE.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=debug"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init();
    });
}

/// Makes every later write to the audit log fail, as a full disk or a broken database would.
pub async fn refuse_audit_events(app: &TestApp) {
    if app.db_url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&app.db_url).await.expect("opens");
        sqlx::query(
            "CREATE TRIGGER no_audit BEFORE INSERT ON audit_events
             BEGIN SELECT RAISE(ABORT, 'the audit log cannot be written'); END",
        )
        .execute(&pool)
        .await
        .expect("trigger");
    } else {
        let pool = sqlx::PgPool::connect(&app.db_url).await.expect("opens");
        for statement in [
            "CREATE FUNCTION no_audit() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN RAISE EXCEPTION 'the audit log cannot be written'; END $$",
            "CREATE TRIGGER no_audit BEFORE INSERT ON audit_events
             FOR EACH ROW EXECUTE FUNCTION no_audit()",
        ] {
            sqlx::query(statement)
                .execute(&pool)
                .await
                .expect("trigger");
        }
    }
}

impl Client {
    /// GETs a path on the server, or an absolute URL (such as a survey link).
    pub async fn get(&self, path: &str) -> reqwest::Response {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        self.http.get(url).send().await.expect("request sent")
    }

    pub async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let r = self.get(path).await;
        let status = r.status();
        (status, r.text().await.expect("body"))
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .expect("request sent")
    }

    /// Signs in through the sign-in page as a browser does: loads the form (which sets the login
    /// cookie and token), then posts it.
    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        let (_, form) = self.get_text("/sign-in").await;
        let token = extract_between(&form, "name=\"csrf\" value=\"", "\"").expect("login token");
        self.post_form(
            "/sign-in",
            &[
                ("email", email),
                ("password", password),
                ("next", "/"),
                ("csrf", &token),
            ],
        )
        .await
    }

    /// The CSRF token of this client's session, read from a page as a browser would.
    pub async fn csrf(&self) -> String {
        let (_, page) = self.get_text("/me").await;
        let page = if page.contains("name=\"csrf\"") {
            page
        } else {
            self.get_text("/admin").await.1
        };
        extract_between(&page, "name=\"csrf\" value=\"", "\"").expect("page has a CSRF token")
    }

    /// Posts a form with this session's CSRF token added.
    pub async fn post_with_csrf(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let csrf = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &csrf));
        self.post_form(path, &all).await
    }
}

/// Creates an API token through the account page.
pub async fn create_token(client: &Client, name: &str, scopes: &[&str]) -> reqwest::Response {
    let csrf = client.csrf().await;
    let mut form = vec![("csrf", csrf.as_str()), ("name", name)];
    form.extend(scopes.iter().map(|s| ("scope", *s)));
    client.post_form("/account/tokens", &form).await
}

/// The text between the first `start` and the next `end`.
pub fn extract_between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(text[from..to].to_string())
}

/// A small organisation: a director, two leaders under her, and their teams.
pub const ORG_CSV: &str = "name,email,manager_email,team,location\n\
Dana Director,dana@example.org,,Leadership,London\n\
Lee Leader,lee@example.org,dana@example.org,Platform,London\n\
Pat Peer,pat@example.org,dana@example.org,Sales,Lisbon\n\
Ann Report,ann@example.org,lee@example.org,Platform,London\n\
Ben Report,ben@example.org,lee@example.org,Platform,Lisbon\n\
Cai Report,cai@example.org,lee@example.org,Platform,London\n\
Dev Report,dev@example.org,lee@example.org,Platform,London\n\
Eve Report,eve@example.org,pat@example.org,Sales,Lisbon\n";

/// Uploads `bytes` as the people file named `name`; the answer to the upload.
pub async fn upload(admin: &Client, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    upload_to(admin, "/admin/people/import", name, bytes).await
}

/// Uploads `bytes` as the file `name` to the multipart form at `path`, with the CSRF token.
pub async fn upload_to(
    admin: &Client,
    path: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let csrf = admin.csrf().await;
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "file",
        reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str("text/csv")
            .expect("mime"),
    );
    admin
        .http
        .post(format!("{}{path}", admin.base))
        .multipart(form)
        .send()
        .await
        .expect("upload sent")
}

/// Uploads a people file through the import page and waits for the import to end; returns the
/// final status page.
pub async fn upload_people(admin: &Client, csv: &str) -> String {
    upload_people_bytes(admin, csv.as_bytes().to_vec()).await
}

/// [`upload_people`] of any bytes.
pub async fn upload_people_bytes(admin: &Client, bytes: Vec<u8>) -> String {
    let response = upload(admin, "people.csv", bytes).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    import_ended(admin, &location).await
}

/// The status page of the import at `location` once the import has ended.
pub async fn import_ended(admin: &Client, location: &str) -> String {
    for _ in 0..500 {
        let (status, page) = admin.get_text(location).await;
        assert_eq!(status, StatusCode::OK);
        if !page.contains("Import in progress") {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the import never finished");
}

/// Answers every item with `point` and optionally a comment.
pub fn survey_form(point: &str, comment: Option<&str>) -> Vec<(String, String)> {
    let instrument = trustloop_domain::instrument::Instrument::current();
    let mut form: Vec<(String, String)> = instrument
        .items
        .iter()
        .map(|i| (format!("item_{}", i.code), point.to_string()))
        .collect();
    if let Some(c) = comment {
        form.push(("comment_start".into(), c.into()));
    }
    form
}

/// Posts a filled survey to a link.
pub async fn answer(client: &Client, link: &str, form: &[(String, String)]) -> reqwest::Response {
    client
        .http
        .post(link)
        .form(form)
        .send()
        .await
        .expect("answers sent")
}

/// Creates a draft campaign through the page and returns its id.
pub async fn create_campaign(admin: &Client, name: &str) -> i64 {
    let deadline = (time::OffsetDateTime::now_utc().date() + time::Duration::days(14)).to_string();
    let response = admin
        .post_with_csrf(
            "/admin/campaigns",
            &[("name", name), ("deadline", &deadline)],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "campaign not created"
    );
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    location
        .rsplit('/')
        .next()
        .expect("id")
        .parse()
        .expect("numeric id")
}

/// Adds the person with `email` to campaign `campaign` as a leader through its page.
pub async fn add_leader(admin: &Client, campaign: i64, email: &str) {
    let r = admin
        .post_with_csrf(
            &format!("/admin/campaigns/{campaign}/leaders"),
            &[("email", email)],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{email} added as a leader"
    );
}

/// A fresh one-time password link's token for the account with `email`, as the command line
/// issues one.
pub async fn password_link(app: &TestApp, email: &str) -> String {
    let user = app
        .store
        .user_by_email(&Email::parse(email).expect("email"))
        .await
        .expect("lookup")
        .expect("the account exists");
    let token = trustloop_web::auth::random_token();
    let hash = trustloop_web::auth::hash_token(&token);
    app.store
        .create_password_link(user.id, &hash, trustloop_web::auth::now() + 3600)
        .await
        .expect("link");
    token
}

/// Creates a campaign led by the people with `leaders` (email addresses), opens it, and
/// returns its id and links.
pub async fn open_campaign_led_by(
    admin: &Client,
    name: &str,
    leaders: &[&str],
) -> (i64, Vec<Link>) {
    let id = create_campaign(admin, name).await;
    for leader in leaders {
        add_leader(admin, id, leader).await;
    }
    let r = admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/open"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    (id, issue_links(admin, id).await)
}

/// Nominates `raters` (name, email, group) for the leader `leader_email` in campaign
/// `campaign` as the rules ask: through the leader's own page, signed in as the leader, then
/// approved one by one on the approvals page of the leader's manager `manager_email`,
/// confirming raters from outside the directory. The accounts are made when missing. Neither
/// chose the raters as an admin, so the admin may issue every one of their links.
pub async fn nominate_and_approve(
    app: &TestApp,
    campaign: i64,
    (leader_email, manager_email): (&str, &str),
    raters: &[(&str, &str, &str)],
) {
    for address in [leader_email, manager_email] {
        app.create_user(address, address, Role::Leader, Some(address))
            .await;
    }
    let leader = app.signed_in(leader_email).await;
    for (name, email, group) in raters {
        let r = leader
            .post_with_csrf(
                &format!("/me/campaigns/{campaign}/raters"),
                &[("name", name), ("email", email), ("group", group)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "nominating {name}");
    }
    let manager = app.signed_in(manager_email).await;
    let (_, page) = manager.get_text("/me/approvals").await;
    let awaiting = approval_ids(&page);
    assert_eq!(
        awaiting.len(),
        raters.len(),
        "every nomination awaits: {page}"
    );
    for id in awaiting {
        let r = manager
            .post_with_csrf(
                &format!("/me/approvals/{id}/approve"),
                &[("outside_confirmed", "yes")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "approving {id}");
    }
}

/// The ids of the nominations a page offers to approve.
pub fn approval_ids(page: &str) -> Vec<String> {
    page.split("/approve\"")
        .filter_map(|before| before.rsplit('/').next())
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        .map(String::from)
        .collect()
}

/// One row of the links CSV.
#[derive(Debug, Clone)]
pub struct Link {
    pub leader: String,
    pub rater: String,
    pub group: String,
    pub url: String,
}

/// Creates links for invitations without one, as CSV, and reads them; none may be withheld.
pub async fn issue_links(admin: &Client, campaign: i64) -> Vec<Link> {
    let (links, withheld) = issue_links_withheld(admin, campaign).await;
    assert_eq!(withheld, 0, "no link is withheld from this admin");
    links
}

/// Creates links for invitations without one, as CSV, and reads them with how many were
/// withheld from this admin (raters they nominated or approved): the CSV's header says so, and
/// its last row when there are any.
pub async fn issue_links_withheld(admin: &Client, campaign: i64) -> (Vec<Link>, u32) {
    let response = admin
        .post_with_csrf(
            &format!("/admin/campaigns/{campaign}/links"),
            &[("format", "csv")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    let withheld: u32 = response.headers()["x-trustloop-links-withheld"]
        .to_str()
        .expect("header")
        .parse()
        .expect("a count");
    let body = response.text().await.expect("csv");
    let mut lines = body.lines();
    assert_eq!(
        lines.next(),
        Some("leader,rater_name,rater_email,group,link")
    );
    let mut rows: Vec<&str> = lines.collect();
    if withheld > 0 {
        let note = rows.pop().expect("a note row");
        assert!(
            note.starts_with(&format!("\"{withheld} link(s) left out")) && note.ends_with(",,,,"),
            "{note}"
        );
    }
    let links = rows
        .into_iter()
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            Link {
                leader: cells[0].into(),
                rater: cells[1].into(),
                group: cells[3].into(),
                url: cells[4].into(),
            }
        })
        .collect();
    (links, withheld)
}

/// The body `path` answers a request carrying the API token `token` (and no session) with.
pub async fn with_token(base: &str, path: &str, token: &str) -> String {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body")
}
