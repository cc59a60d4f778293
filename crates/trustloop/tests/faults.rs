//! Faults injected into the real `trustloop` program while it serves: killed outright (kill -9)
//! and stopped (SIGTERM) under load, backed up under load and restored, started without its
//! seal key or with another database's, on a read-only file system, and on a full disk.
//!
//! Whatever happens, an answer the server acknowledged is stored, and an answer stored was
//! acknowledged or its sender saw no answer at all (and sending it again is thanked, not
//! stored twice).
//!
//! The read-only and full-disk faults use a small file system of their own (`tmpfs`, remounted
//! read-only or filled), which needs root, as the test command has on its machines. Without
//! root the read-only fault is made with file permissions instead, and the full-disk test says
//! that it skips. `TEST_LOG=1` shows the servers' logs as they come.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::people::{Email, PeopleFile, PersonRow};
use trustloop_domain::privacy::PrivacyRules;
use trustloop_storage::{DynStore, KeySource, LinkHolder, NewCampaign};

// ------------------------------------------------------------------------------------ the program

/// A `trustloop serve` that is running, or why it stopped at start.
enum Started {
    Serving(Server),
    Refused { status: ExitStatus, stderr: String },
}

/// A running `trustloop serve`.
struct Server {
    child: Child,
    base: String,
    stderr: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

fn test_log() -> bool {
    std::env::var("TEST_LOG").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// `trustloop serve` on `url`, its seal key in `key` (by default beside an SQLite file).
fn serve(url: &str, key: Option<&Path>) -> Started {
    serve_as(url, key, None)
}

/// `serve`, run as the user and group `user` when given (which needs root).
fn serve_as(url: &str, key: Option<&Path>, user: Option<u32>) -> Started {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trustloop"));
    if let Some(id) = user {
        use std::os::unix::process::CommandExt;
        command.uid(id).gid(id);
    }
    command
        .args([
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--database",
            url,
        ])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(key) = key {
        command.env("TRUSTLOOP_SEAL_KEY_FILE", key);
    }
    let mut child = command.spawn().expect("trustloop starts");
    let stderr = Arc::new(Mutex::new(String::new()));
    let reader = {
        let pipe = child.stderr.take().expect("stderr");
        let stderr = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if test_log() {
                    eprintln!("[server] {line}");
                }
                let mut text = stderr.lock().expect("not poisoned");
                text.push_str(&line);
                text.push('\n');
            }
        })
    };
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let address = lines.find_map(|line| {
        line.ok()?
            .strip_prefix("Trustloop is running at ")
            .map(String::from)
    });
    match address {
        Some(base) => {
            // The rest of standard output is not needed, but must not fill its pipe.
            std::thread::spawn(move || lines.for_each(drop));
            Started::Serving(Server {
                child,
                base,
                stderr,
                reader: Some(reader),
            })
        }
        None => {
            let status = child.wait().expect("ended");
            let _ = reader.join();
            let stderr = stderr.lock().expect("not poisoned").clone();
            Started::Refused { status, stderr }
        }
    }
}

/// `serve`, which must start.
fn serving(url: &str, key: Option<&Path>) -> Server {
    started(serve(url, key))
}

fn started(started: Started) -> Server {
    match started {
        Started::Serving(server) => server,
        Started::Refused { status, stderr } => {
            panic!("the server did not start ({status}):\n{stderr}")
        }
    }
}

/// `serve`, which must refuse to start: its standard error.
fn refused(url: &str, key: Option<&Path>) -> String {
    match serve(url, key) {
        Started::Refused { status, stderr } => {
            assert!(!status.success(), "a refusal ends with a failure: {stderr}");
            stderr
        }
        Started::Serving(mut server) => {
            let _ = server.child.kill();
            panic!("the server started: {}", server.log())
        }
    }
}

impl Server {
    /// What the server wrote to standard error so far.
    fn log(&self) -> String {
        self.stderr.lock().expect("not poisoned").clone()
    }

    /// Sends SIGTERM, as `systemctl stop` or `docker stop` do.
    fn terminate(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
    }

    /// Waits for the server to end (at most `limit`), and returns how it ended and its log.
    fn ended(mut self, limit: Duration) -> (ExitStatus, String) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("waits") {
                if let Some(reader) = self.reader.take() {
                    let _ = reader.join();
                }
                return (status, self.log());
            }
            if started.elapsed() > limit {
                let _ = self.child.kill();
                panic!("the server did not stop within {limit:?}:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ------------------------------------------------------------------------------------ the load

/// What the sender of one answer saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// Thanked (303 to /thanks): the server says it is stored.
    Acknowledged,
    /// An answer saying it was not stored (4xx, 5xx).
    Refused(u16),
    /// No answer: the connection was refused or cut.
    Nothing,
}

/// The answers sent to a server, by link.
#[derive(Default)]
struct Sent {
    seen: Mutex<HashMap<String, Seen>>,
    started: std::sync::atomic::AtomicUsize,
}

impl Sent {
    fn count(&self, what: Seen) -> usize {
        self.seen
            .lock()
            .expect("not poisoned")
            .values()
            .filter(|s| **s == what)
            .count()
    }
}

/// The survey form, every item answered.
fn form() -> String {
    Instrument::current()
        .items
        .iter()
        .map(|item| format!("item_{}=3", item.code))
        .collect::<Vec<_>>()
        .join("&")
}

/// Sends each link in `links` one answer, `workers` at a time, until the links run out or a
/// worker sees no answer; what each sender saw goes into `sent`.
async fn answer_all(base: String, links: Vec<String>, workers: usize, sent: Arc<Sent>) {
    let queue = Arc::new(Mutex::new(links));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (queue, http, sent, base) = (queue.clone(), http.clone(), sent.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let Some(token) = queue.lock().expect("not poisoned").pop() else {
                    return;
                };
                sent.started
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let response = http
                    .post(format!("{base}/s/{token}"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(form())
                    .send()
                    .await;
                let seen = match response {
                    Ok(r) if r.status() == reqwest::StatusCode::SEE_OTHER => Seen::Acknowledged,
                    Ok(r) => Seen::Refused(r.status().as_u16()),
                    Err(_) => Seen::Nothing,
                };
                sent.seen.lock().expect("not poisoned").insert(token, seen);
                if seen == Seen::Nothing {
                    return;
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("worker");
    }
}

/// Waits until `sent` holds `n` acknowledged answers.
async fn until_acknowledged(sent: &Sent, n: usize) {
    let started = Instant::now();
    while sent.count(Seen::Acknowledged) < n {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{n} answers were never acknowledged"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

// ------------------------------------------------------------------------------------ the data

/// A database at `url` (its key from `key`) with an open campaign for Lee, who has `reports`
/// direct reports: the links of the reports, each good for one answer.
async fn organisation(url: &str, key: KeySource, reports: usize) -> Vec<String> {
    let store = trustloop_storage::connect_with(url, key)
        .await
        .expect("the database opens");
    let person = |name: &str, email: &str, manager: Option<&str>| PersonRow {
        line: 0,
        name: name.into(),
        email: Email::parse(email).expect("email"),
        manager_email: manager.map(|m| Email::parse(m).expect("email")),
        team: Some("Platform".into()),
        attributes: Vec::new(),
    };
    let mut rows = vec![
        person("Dana Director", "dana@example.org", None),
        person("Lee Leader", "lee@example.org", Some("dana@example.org")),
    ];
    for n in 0..reports {
        rows.push(person(
            &format!("Report {n}"),
            &format!("report{n}@example.org"),
            Some("lee@example.org"),
        ));
    }
    store
        .import_people(
            &PeopleFile {
                rows,
                attribute_names: Vec::new(),
            },
            &|_| {},
        )
        .await
        .expect("imported");
    let today = time::OffsetDateTime::now_utc().date();
    let campaign = store
        .create_campaign(&NewCampaign {
            name: "Under load".into(),
            instrument_version: Instrument::current().version,
            deadline: today + time::Duration::days(14),
            rules: PrivacyRules::default(),
            created_on: today,
        })
        .await
        .expect("campaign");
    let lee = store
        .person_by_email(&Email::parse("lee@example.org").expect("email"))
        .await
        .expect("lookup")
        .expect("Lee");
    store.add_leader(campaign, lee.id).await.expect("leader");
    let links = store
        .issue_links(campaign, false, LinkHolder::Program, &|| {
            let token = trustloop_web::auth::random_token();
            let hash = trustloop_web::auth::hash_token(&token);
            (token, hash)
        })
        .await
        .expect("links");
    store
        .set_campaign_status(campaign, CampaignStatus::Open)
        .await
        .expect("opened");
    store.close().await.expect("closed");
    links
        .links
        .into_iter()
        .filter(|(i, _)| i.group == trustloop_domain::model::RaterGroup::DirectReport)
        .map(|(_, token)| token)
        .collect()
}

/// Which of `links` the database at `url` holds an answer for.
async fn stored(store: &DynStore, links: &[String]) -> Vec<String> {
    let mut answered = Vec::new();
    for token in links {
        let invitation = store
            .invitation_by_token(&trustloop_web::auth::hash_token(token))
            .await
            .expect("lookup")
            .expect("the link's invitation");
        if invitation.completed {
            answered.push(token.clone());
        }
    }
    answered
}

/// How many answers the campaign counts as given (ballot marks) and holds (readable or
/// waiting sealed): equal in any consistent copy.
async fn counted_and_held(store: &DynStore) -> (u64, u64) {
    let campaign = store.campaigns().await.expect("campaigns")[0].id;
    let progress = store.progress(campaign).await.expect("progress");
    let counted: u32 = progress.iter().map(|p| p.completed).sum();
    let waiting = store.pending_answers(campaign).await.expect("waiting");
    let lee = store
        .person_by_email(&Email::parse("lee@example.org").expect("email"))
        .await
        .expect("lookup")
        .expect("Lee")
        .id;
    let (readable, _) = store.responses(campaign, lee).await.expect("readable");
    (u64::from(counted), waiting + readable.len() as u64)
}

/// Every answer acknowledged is stored; every answer stored was acknowledged or its sender saw
/// nothing; no answer refused is stored.
fn check_what_was_seen(sent: &Sent, stored: &[String]) {
    let seen = sent.seen.lock().expect("not poisoned");
    let stored: std::collections::HashSet<&String> = stored.iter().collect();
    for (token, what) in seen.iter() {
        match what {
            Seen::Acknowledged => {
                assert!(stored.contains(token), "an acknowledged answer was lost")
            }
            Seen::Refused(status) => assert!(
                !stored.contains(token),
                "an answer refused with {status} was stored"
            ),
            Seen::Nothing => {}
        }
    }
    for token in &stored {
        assert!(seen.contains_key(*token), "an answer nobody sent is stored");
    }
}

fn sqlite_url(dir: &Path, file: &str) -> String {
    format!("sqlite://{}", dir.join(file).display())
}

// ------------------------------------------------------------------------------------ the tests

/// A server on `url` (its key beside it) taking an answer for each of `links` from 16 senders
/// at once, once 100 of them were acknowledged: the server, what the senders saw, the senders.
async fn under_load(
    url: &str,
    links: &[String],
) -> (Server, Arc<Sent>, tokio::task::JoinHandle<()>) {
    let server = serving(url, None);
    let sent = Arc::new(Sent::default());
    let load = tokio::spawn(answer_all(
        server.base.clone(),
        links.to_vec(),
        16,
        sent.clone(),
    ));
    until_acknowledged(&sent, 100).await;
    (server, sent, load)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_stops_cleanly_and_loses_no_acknowledged_answer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = sqlite_url(dir.path(), "t.db");
    let links = organisation(&url, KeySource::File(dir.path().join("t.db.key")), 600).await;
    let (server, sent, load) = under_load(&url, &links).await;

    server.terminate();
    let (status, log) = tokio::task::spawn_blocking(move || server.ended(Duration::from_secs(30)))
        .await
        .expect("waited");
    load.await.expect("load");

    assert!(
        status.success(),
        "SIGTERM ends with exit code 0 ({status}):\n{log}"
    );
    assert!(log.contains("SIGTERM"), "{log}");
    assert!(log.contains("the database is closed"), "{log}");
    let wal = dir.path().join("t.db-wal");
    assert_eq!(
        std::fs::metadata(&wal).map_or(0, |m| m.len()),
        0,
        "the log was checkpointed into the database file"
    );
    let store = trustloop_storage::connect(&url).await.expect("reopens");
    let answered = stored(&store, &links).await;
    check_what_was_seen(&sent, &answered);
    assert!(sent.count(Seen::Acknowledged) >= 100);
    assert!(
        answered.len() < links.len(),
        "the server stopped while answers were still coming"
    );
    let (counted, held) = counted_and_held(&store).await;
    assert_eq!(
        (counted, held),
        (answered.len() as u64, answered.len() as u64)
    );
    store.close().await.expect("closed");
    resend_unanswered(&url, &sent, &links).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_no_acknowledged_answer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = sqlite_url(dir.path(), "t.db");
    let links = organisation(&url, KeySource::File(dir.path().join("t.db.key")), 600).await;
    let (mut server, sent, load) = under_load(&url, &links).await;

    server.child.kill().expect("killed");
    let _ = server.child.wait();
    load.await.expect("load");

    let store = trustloop_storage::connect(&url).await.expect("reopens");
    let answered = stored(&store, &links).await;
    check_what_was_seen(&sent, &answered);
    let (counted, held) = counted_and_held(&store).await;
    assert_eq!(counted, held, "every answer counted is held");
    store.close().await.expect("closed");
    resend_unanswered(&url, &sent, &links).await;
}

/// After a stop: every link whose sender saw no answer is sent again to a new server; each is
/// thanked, and stored once.
async fn resend_unanswered(url: &str, sent: &Sent, links: &[String]) {
    let unanswered: Vec<String> = sent
        .seen
        .lock()
        .expect("not poisoned")
        .iter()
        .filter(|(_, s)| **s == Seen::Nothing)
        .map(|(t, _)| t.clone())
        .collect();
    let server = serving(url, None);
    let again = Arc::new(Sent::default());
    answer_all(server.base.clone(), unanswered.clone(), 4, again.clone()).await;
    assert_eq!(
        again.count(Seen::Acknowledged),
        unanswered.len(),
        "each answer sent again is thanked"
    );
    server.terminate();
    let (status, _) = tokio::task::spawn_blocking(move || server.ended(Duration::from_secs(30)))
        .await
        .expect("waited");
    assert!(status.success());
    let store = trustloop_storage::connect(url).await.expect("reopens");
    let answered = stored(&store, links).await.len() as u64;
    assert_eq!(counted_and_held(&store).await, (answered, answered));
    store.close().await.expect("closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_made_under_load_restores_with_the_same_counts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let keys = tempfile::tempdir().expect("key folder");
    let key = keys.path().join("seal.key");
    let url = sqlite_url(dir.path(), "live.db");
    let links = organisation(&url, KeySource::File(key.clone()), 800).await;
    let server = serving(&url, Some(&key));
    let sent = Arc::new(Sent::default());
    let load = tokio::spawn(answer_all(server.base.clone(), links, 8, sent.clone()));
    until_acknowledged(&sent, 50).await;

    let before = sent.count(Seen::Acknowledged) as u64;
    let copy = dir.path().join("backup.db");
    let backup = Command::new(env!("CARGO_BIN_EXE_trustloop"))
        .args(["backup", "--database", &url])
        .arg(&copy)
        .env("TRUSTLOOP_SEAL_KEY_FILE", &key)
        .output()
        .expect("backup runs");
    let after = sent.started.load(std::sync::atomic::Ordering::SeqCst) as u64;
    server.terminate();
    let (status, log) = tokio::task::spawn_blocking(move || server.ended(Duration::from_secs(30)))
        .await
        .expect("waited");
    load.await.expect("load");

    let printed = String::from_utf8_lossy(&backup.stdout);
    assert!(
        backup.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&backup.stderr)
    );
    assert!(status.success(), "{log}");
    let fingerprint = {
        let store = trustloop_storage::connect_with(&url, KeySource::File(key.clone()))
            .await
            .expect("opens");
        let fingerprint = store.key_fingerprint();
        store.close().await.expect("closed");
        fingerprint
    };
    assert!(printed.contains(&fingerprint[..16]), "{printed}");
    assert!(printed.contains(&key.display().to_string()), "{printed}");
    // Restored as docs/scaling.md says: the copy in place of the database file, with its key.
    let restored_dir = tempfile::tempdir().expect("restore folder");
    std::fs::copy(&copy, restored_dir.path().join("restored.db")).expect("copied");
    let restored_url = sqlite_url(restored_dir.path(), "restored.db");
    let restored = trustloop_storage::connect_with(&restored_url, KeySource::File(key.clone()))
        .await
        .expect("the backup opens with the key");
    let (counted, held) = counted_and_held(&restored).await;
    assert_eq!(counted, held, "the copy is consistent");
    assert!(
        before <= counted && counted <= after,
        "the copy holds the answers of one moment during the backup: {before} <= {counted} <= {after}"
    );
    restored.close().await.expect("closed");
    // Once stopped, a backup holds exactly what the database holds.
    let last = dir.path().join("last.db");
    let backup = Command::new(env!("CARGO_BIN_EXE_trustloop"))
        .args(["backup", "--database", &url])
        .arg(&last)
        .env("TRUSTLOOP_SEAL_KEY_FILE", &key)
        .output()
        .expect("backup runs");
    assert!(backup.status.success());
    let live = trustloop_storage::connect_with(&url, KeySource::File(key.clone()))
        .await
        .expect("opens");
    let copy = trustloop_storage::connect_with(
        &format!("sqlite://{}", last.display()),
        KeySource::File(key.clone()),
    )
    .await
    .expect("opens");
    assert_eq!(counted_and_held(&copy).await, counted_and_held(&live).await);
    assert!(counted_and_held(&live).await.0 >= sent.count(Seen::Acknowledged) as u64);
}

#[tokio::test]
async fn a_server_without_its_key_or_with_another_refuses_to_start_and_says_what_to_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = sqlite_url(dir.path(), "t.db");
    let key = dir.path().join("t.db.key");
    organisation(&url, KeySource::File(key.clone()), 3).await;
    std::fs::rename(&key, dir.path().join("kept.key")).expect("the key file is lost");

    let missing = refused(&url, None);

    assert!(missing.contains("does not exist"), "{missing}");
    assert!(missing.contains("Put that key file back"), "{missing}");
    assert!(!key.exists(), "no new key was made");
    trustloop_storage::SealKey::create(&key).expect("another key");
    let foreign = refused(&url, None);
    assert!(
        foreign.contains("does not belong to this database"),
        "{foreign}"
    );
    std::fs::rename(dir.path().join("kept.key"), &key).expect("the key is back");
    let server = serving(&url, None);
    server.terminate();
    let (status, _) = server.ended(Duration::from_secs(30));
    assert!(status.success());
}

/// Whether this test runs as root.
fn root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The status and text of `/healthz`.
async fn health(base: &str) -> (u16, String) {
    let r = reqwest::get(format!("{base}/healthz")).await.expect("sent");
    (r.status().as_u16(), r.text().await.expect("body"))
}

#[tokio::test]
async fn healthz_says_when_the_database_file_turns_read_only_while_serving() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let keys = tempfile::tempdir().expect("key folder");
    let key = keys.path().join("seal.key");
    let url = sqlite_url(dir.path(), "t.db");
    organisation(&url, KeySource::File(key.clone()), 3).await;
    // Root writes to any file whatever its permissions: the server then runs as nobody, who
    // owns its files, as a server runs as a user of its own.
    let user = root().then_some(65534);
    if let Some(id) = user {
        for path in [dir.path(), keys.path(), &key, &dir.path().join("t.db")] {
            std::os::unix::fs::chown(path, Some(id), Some(id)).expect("chown");
        }
    }
    let server = started(serve_as(&url, Some(&key), user));
    assert_eq!(health(&server.base).await, (200, "ok".to_string()));
    let mode = |m| {
        std::fs::set_permissions(dir.path().join("t.db"), std::fs::Permissions::from_mode(m))
            .expect("chmod")
    };

    mode(0o400);
    let (status, body) = health(&server.base).await;
    mode(0o600);

    assert_eq!(status, 503, "{body}");
    assert!(body.contains("read-only"), "{body}");
    assert_eq!(health(&server.base).await.0, 200, "writable again");
    server.terminate();
    let (status, log) = tokio::task::spawn_blocking(move || server.ended(Duration::from_secs(30)))
        .await
        .expect("waited");
    assert!(status.success(), "{log}");
}

// ------------------------------------------------------------------------------------ small disks

/// A small file system of its own (`tmpfs`), unmounted when dropped; `None`, saying so, when
/// this test runs without root (the test command runs as root).
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str, test: &str) -> Option<SmallDisk> {
        if !root() {
            eprintln!(
                "{test}: skipped: mounting a small file system needs root (the test command runs as root)"
            );
            return None;
        }
        let dir = tempfile::tempdir().expect("mount point");
        let mounted = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(mounted.success(), "root could not mount a tmpfs for {test}");
        Some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A read-only view of it: a bind mount made read-only. Unlike remounting the file system
    /// itself, this cannot be refused as busy: the view has no writers of its own, whatever
    /// file a closed connection's thread still holds open on the original.
    fn read_only(&self) -> ReadOnlyView {
        let dir = tempfile::tempdir().expect("mount point");
        let run = |args: &[&str]| {
            let status = Command::new("mount")
                .args(args)
                .arg(dir.path())
                .status()
                .expect("mount runs");
            assert!(
                status.success(),
                "mount {args:?} {} failed",
                dir.path().display()
            );
        };
        run(&["--bind", &self.path().display().to_string()]);
        let view = ReadOnlyView { dir };
        let status = Command::new("mount")
            .args(["-o", "remount,bind,ro"])
            .arg(view.path())
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "{} could not be made read-only",
            view.path().display()
        );
        view
    }

    /// Fills it with a file until no space is left; the file, to free the space again.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let filler = self.path().join("filler");
        let mut file = std::fs::File::create(&filler).expect("filler");
        let block = vec![0u8; 16 * 1024];
        while file.write_all(&block).is_ok() {}
        while file.write_all(&block[..512]).is_ok() {}
        let _ = file.sync_all();
        filler
    }
}

/// A read-only bind mount of a [`SmallDisk`], unmounted when dropped.
struct ReadOnlyView {
    dir: tempfile::TempDir,
}

impl ReadOnlyView {
    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for ReadOnlyView {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test]
async fn a_read_only_database_stops_the_server_at_start_saying_so() {
    let test = "a_read_only_database_stops_the_server_at_start_saying_so";
    let keys = tempfile::tempdir().expect("key folder");
    let key = keys.path().join("seal.key");
    let (disk, folder) = match SmallDisk::mount("8m", test) {
        Some(disk) => {
            let folder = disk.path().to_path_buf();
            (Some(disk), folder)
        }
        None => (None, tempfile::tempdir().expect("dir").keep()),
    };
    let url = sqlite_url(&folder, "t.db");
    organisation(&url, KeySource::File(key.clone()), 3).await;
    let view = match &disk {
        Some(disk) => Some(disk.read_only()),
        None => {
            use std::os::unix::fs::PermissionsExt;
            let file = folder.join("t.db");
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o400)).expect("chmod");
            std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o500))
                .expect("chmod");
            None
        }
    };
    let url = match &view {
        Some(view) => sqlite_url(view.path(), "t.db"),
        None => url,
    };

    let told = refused(&url, Some(&key));
    drop(view);

    assert!(told.contains("is read-only"), "{told}");
    assert!(told.contains("t.db"), "the file is named: {told}");
    assert!(!told.contains("code: 8"), "no SQLite code: {told}");
}

#[tokio::test]
async fn a_full_disk_at_start_says_no_space_left_and_healthz_says_so_while_serving() {
    let test = "a_full_disk_at_start_says_no_space_left_and_healthz_says_so_while_serving";
    let Some(disk) = SmallDisk::mount("4m", test) else {
        return;
    };
    let keys = tempfile::tempdir().expect("key folder");
    let key = keys.path().join("seal.key");
    // A new database on a full disk.
    let filler = disk.fill();
    let new = refused(&sqlite_url(disk.path(), "new.db"), Some(&key));
    assert!(new.contains("no space left"), "{new}");
    std::fs::remove_file(&filler).expect("space again");
    let _ = std::fs::remove_file(disk.path().join("new.db"));
    // A database that was fine, on a disk that filled while it was stopped.
    let url = sqlite_url(disk.path(), "t.db");
    let links = organisation(&url, KeySource::File(key.clone()), 40).await;
    let filler = disk.fill();
    let told = refused(&url, Some(&key));
    assert!(told.contains("no space left"), "{told}");
    assert!(!told.contains("code: 13"), "no SQLite code: {told}");
    std::fs::remove_file(&filler).expect("space again");
    // While it serves, the disk fills: the health check says so, answers are refused as not
    // stored (503), and once there is space again they are stored.
    let server = serving(&url, Some(&key));
    assert_eq!(health(&server.base).await.0, 200);
    let filler = disk.fill();
    let (status, body) = health(&server.base).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("no space left"), "{body}");
    let sent = Arc::new(Sent::default());
    answer_all(server.base.clone(), links[..10].to_vec(), 2, sent.clone()).await;
    std::fs::remove_file(&filler).expect("space again");
    assert_eq!(health(&server.base).await.0, 200);
    answer_all(server.base.clone(), links[10..].to_vec(), 2, sent.clone()).await;
    server.terminate();
    let (status, log) = tokio::task::spawn_blocking(move || server.ended(Duration::from_secs(30)))
        .await
        .expect("waited");
    assert!(status.success(), "{log}");
    let store = trustloop_storage::connect_with(&url, KeySource::File(key.clone()))
        .await
        .expect("reopens");
    let answered = stored(&store, &links).await;
    check_what_was_seen(&sent, &answered);
    assert!(
        sent.seen
            .lock()
            .expect("not poisoned")
            .values()
            .all(|s| matches!(s, Seen::Acknowledged | Seen::Refused(503))),
        "a full disk is a 503 (try again later), never a 500: {:?}\n{log}",
        sent.seen.lock().expect("not poisoned")
    );
    assert!(sent.count(Seen::Acknowledged) >= links.len() - 10);
    store.close().await.expect("closed");
}
