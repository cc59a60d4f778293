//! The `trustloop` binary as a user runs it.
//!
//! What the binary writes to standard error (its logs, its error messages) is shown with a
//! failing test's output; `TEST_LOG=1` prints it as it comes, with the logs at `RUST_LOG`'s
//! level (`info` by default).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use trustloop_storage::PeopleQuery;

fn test_log() -> bool {
    std::env::var("TEST_LOG").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn trustloop() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trustloop"));
    if test_log() && std::env::var_os("RUST_LOG").is_none() {
        command.env("RUST_LOG", "info");
    }
    command
}

/// Shows what the binary wrote to standard error: now with `TEST_LOG`, otherwise with the
/// output of the test if it fails.
fn show_log(stderr: &[u8]) {
    if stderr.is_empty() {
        return;
    }
    if test_log() {
        let _ = std::io::stderr().write_all(stderr);
    } else {
        eprint!("{}", String::from_utf8_lossy(stderr));
    }
}

/// Running the binary to its end.
trait Run {
    /// Runs it, shows its standard error (see [`show_log`]) and returns what it printed.
    fn ran(&mut self) -> Output;
}

impl Run for Command {
    fn ran(&mut self) -> Output {
        let out = self.output().expect("runs");
        show_log(&out.stderr);
        out
    }
}

fn people_file(rows: usize) -> String {
    let mut csv = String::from("name,email,manager_email,team,location,function\n");
    for i in 0..rows {
        // A tree: person i reports to person (i - 1) / 10, so teams of ten under each manager.
        let manager = if i == 0 {
            String::new()
        } else {
            format!("p{}@example.org", (i - 1) / 10)
        };
        csv.push_str(&format!(
            "Person {i},p{i}@example.org,{manager},Team {},{},{}\n",
            i / 50,
            ["London", "Lisbon", "Toronto"][i % 3],
            ["Engineering", "Sales"][i % 2]
        ));
    }
    csv
}

#[test]
fn every_subcommand_has_help_written_for_a_user() {
    let out = trustloop().arg("--help").ran();
    let text = String::from_utf8_lossy(&out.stdout);
    for sub in ["serve", "demo", "migrate", "import", "user", "pulse"] {
        assert!(text.contains(sub), "{sub} missing from --help");
    }
    let out = trustloop().args(["import", "people", "--help"]).ran();
    assert!(String::from_utf8_lossy(&out.stdout).contains("manager_email"));
    let out = trustloop().args(["demo", "--help"]).ran();
    assert!(String::from_utf8_lossy(&out.stdout).contains("--data-dir"));
    // The benchmark and the generator are `trustloop-bench`'s, not the product's.
    for gone in ["bench", "generate"] {
        let out = trustloop().args([gone, "--help"]).output().expect("runs");
        assert!(!out.status.success(), "{gone} is still a subcommand");
    }
}

#[tokio::test]
async fn a_hundred_thousand_people_import_from_the_command_line() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("people.csv");
    std::fs::write(&file, people_file(100_000)).expect("write");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());

    let out = trustloop()
        .args(["import", "people"])
        .arg(&file)
        .args(["--database", &url])
        .ran();

    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Imported 100000 people"));
    let store = trustloop_storage::connect(&url).await.expect("open");
    let (sample, total) = store
        .people(&PeopleQuery {
            search: Some("p99999@".into()),
            limit: 1,
            ..PeopleQuery::default()
        })
        .await
        .expect("people");
    assert_eq!(total, 1);
    let manager = store
        .person(sample[0].manager_id.expect("has a manager"))
        .await
        .expect("manager");
    assert_eq!(manager.email, "p9999@example.org");
    let (_, everyone) = store.people(&PeopleQuery::default()).await.expect("count");
    assert_eq!(everyone, 100_000);
}

#[test]
fn a_bad_file_is_refused_with_line_numbers_and_a_failing_exit_code() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("bad.csv");
    std::fs::write(
        &file,
        "name,email,manager_email,team\nA,a@example.org,,T\nB,b-at-example.org,,T\n",
    )
    .expect("write");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());

    let out = trustloop()
        .args(["import", "people"])
        .arg(&file)
        .args(["--database", &url])
        .ran();

    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3:") && err.contains("nothing was imported"),
        "{err}"
    );
}

#[test]
fn the_demo_starts_on_a_free_port_prints_its_sign_ins_and_serves_pages() {
    let dir = tempfile::tempdir().expect("dir");
    let mut child = trustloop()
        .args(["demo", "--port", "0", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let stderr = child.stderr.take().expect("stderr");
    // Inherits the test's output capture, so a failing test shows the server's logs.
    let logs = std::thread::spawn(move || {
        let mut logged = Vec::new();
        let _ = std::io::Read::read_to_end(&mut BufReader::new(stderr), &mut logged);
        show_log(&logged);
    });
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut printed = Vec::new();
    let mut address = None;
    for line in lines.by_ref() {
        let line = line.expect("line");
        if let Some(rest) = line.trim().strip_prefix("Trustloop demo is running at ") {
            address = Some(rest.to_string());
        }
        let done = line.contains("Press Ctrl+C");
        printed.push(line);
        if done {
            break;
        }
    }
    let text = printed.join("\n");
    let address = address.unwrap_or_else(|| panic!("no address printed:\n{text}"));
    assert!(text.contains("admin@demo.trustloop.test"));
    assert!(text.contains("maya.okafor@demo.trustloop.test"));
    assert!(text.contains("/s/"), "a sample survey link");

    let health = plain_http::status_of(&format!("{address}/healthz"));
    child.kill().expect("stops");
    let _ = child.wait();
    let _ = logs.join();
    assert_eq!(health, 200);
}

#[test]
fn a_user_can_be_created_from_the_command_line_with_a_password_on_stdin() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let mut child = trustloop()
        .args([
            "user",
            "add",
            "--email",
            "hr@example.org",
            "--name",
            "HR",
            "--role",
            "admin",
            "--password-stdin",
            "--database",
            &url,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"a sufficiently long password\n")
        .expect("write");
    let out = child.wait_with_output().expect("ends");
    show_log(&out.stderr);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Created the admin account hr@example.org")
    );

    let short = trustloop()
        .args([
            "user",
            "add",
            "--email",
            "x@example.org",
            "--name",
            "X",
            "--password-stdin",
            "--database",
            &url,
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().expect("stdin").write_all(b"short\n")?;
            c.wait_with_output()
        })
        .expect("runs");
    show_log(&short.stderr);
    assert!(!short.status.success());
}

#[test]
fn a_user_added_without_a_password_gets_a_one_time_link_and_reset_issues_a_new_one() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let run = |args: &[&str]| {
        let out = trustloop().args(args).args(["--database", &url]).ran();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };

    let added = run(&[
        "user",
        "add",
        "--email",
        "lead@example.org",
        "--name",
        "Lead",
    ]);
    let reset = run(&["user", "reset", "--email", "lead@example.org"]);

    let link_in = |text: &str| {
        text.lines()
            .find(|l| l.contains("/password/"))
            .map(String::from)
    };
    let first = link_in(&added).expect("a link is printed");
    let second = link_in(&reset).expect("a new link is printed");
    assert_ne!(first, second);
    let token = second.rsplit('/').next().expect("token");
    assert_eq!(token.len(), 64);
    let missing = trustloop()
        .args([
            "user",
            "reset",
            "--email",
            "nobody@example.org",
            "--database",
            &url,
        ])
        .ran();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no account for nobody@example.org"));
}

/// `teams` teams of ten: a leader under one director and nine members reporting to them.
fn pulse_people(teams: usize) -> String {
    let mut csv = String::from("name,email,manager_email,team\nDirector,d@example.org,,Board\n");
    for t in 0..teams {
        csv.push_str(&format!(
            "Leader {t},l{t}@example.org,d@example.org,Team {t}\n"
        ));
        for m in 0..9 {
            csv.push_str(&format!(
                "Member {t}.{m},m{t}.{m}@example.org,l{t}@example.org,Team {t}\n"
            ));
        }
    }
    csv
}

#[tokio::test]
async fn a_kill_during_a_scheduled_opening_leaves_exactly_one_round_open_after_restart() {
    use trustloop_domain::pulse::{Cadence, Schedule};
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("people.csv");
    std::fs::write(&file, pulse_people(2_000)).expect("write");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let out = trustloop()
        .args(["import", "people"])
        .arg(&file)
        .args(["--database", &url])
        .ran();
    assert!(out.status.success());
    let store = trustloop_storage::connect(&url).await.expect("open");
    let today = time::OffsetDateTime::now_utc().date();
    let teams: Vec<_> = store
        .pulse_teams()
        .await
        .expect("teams")
        .into_iter()
        .filter(|t| t.name.starts_with("Team "))
        .map(|t| t.id)
        .collect();
    assert_eq!(teams.len(), 2_000);
    let series = store
        .create_pulse_series(&trustloop_storage::NewPulseSeries {
            name: "Weekly".into(),
            teams,
            schedule: Schedule::new(today, Cadence::Weekly, 3, today).expect("schedule"),
            k: 5,
            alert_points: 5.0,
            members_see_results: false,
            created_by: "admin@example.org".into(),
            created_on: today,
        })
        .await
        .expect("series");
    let day = today.to_string();
    let state = || async {
        let rounds = store.pulse_rounds(series).await.expect("rounds").len();
        let links: usize = store
            .pulse_round_teams(series, None, 0)
            .await
            .expect("round teams")
            .iter()
            .map(|t| t.members.len())
            .sum();
        (rounds, links)
    };
    // Killed at later and later moments: the opening is all there or not there at all.
    let mut killed_midway = 0;
    for delay_ms in [5u64, 20, 40, 60, 80, 100, 130, 160, 200, 250, 300, 400] {
        let mut child = trustloop()
            .args(["pulse", "advance", "--on", &day, "--database", &url])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let finished = child.try_wait().expect("status").is_some();
        child.kill().expect("kill -9");
        let _ = child.wait();
        let (rounds, links) = state().await;
        assert!(
            (rounds, links) == (0, 0) || (rounds, links) == (1, 18_000),
            "after a kill at {delay_ms} ms: {rounds} rounds, {links} links"
        );
        if rounds == 1 {
            break;
        }
        killed_midway += usize::from(!finished);
    }
    let out = trustloop()
        .args(["pulse", "advance", "--on", &day, "--database", &url])
        .ran();
    assert!(out.status.success());
    assert_eq!(state().await, (1, 18_000), "exactly one round, every link");
    let again = trustloop()
        .args(["pulse", "advance", "--on", &day, "--database", &url])
        .ran();
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 opened"));
    assert_eq!(state().await, (1, 18_000));
    eprintln!("runs killed before the opening committed: {killed_midway}");
}

/// A tiny HTTP GET over a plain TCP socket, returning the status code.
mod plain_http {
    use std::io::{Read, Write};

    pub fn status_of(url: &str) -> u16 {
        let rest = url.strip_prefix("http://").expect("http url");
        let (host, path) = rest
            .split_once('/')
            .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
        let mut stream = std::net::TcpStream::connect(host).expect("connects");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .expect("writes");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("reads");
        response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

#[test]
fn a_broken_lesson_file_stops_the_server_from_starting_naming_its_file_and_line() {
    let dir = tempfile::tempdir().expect("dir");
    let lessons = dir.path().join("lessons");
    std::fs::create_dir(&lessons).expect("folder");
    let broken = include_str!("../../domain/tests/fixtures/lessons/broken/two-correct.md");
    std::fs::write(lessons.join("our-own.md"), broken).expect("written");
    let out = trustloop()
        .args(["serve", "--port", "0", "--database"])
        .arg(format!("sqlite://{}", dir.path().join("t.db").display()))
        .env("TRUSTLOOP_LESSONS_FOLDER", &lessons)
        .stdout(Stdio::null())
        .ran();
    assert!(!out.status.success(), "the server must not start");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:43:", lessons.join("our-own.md").display())),
        "{stderr}"
    );
    assert!(stderr.contains("exactly one correct option"), "{stderr}");
    assert!(
        !dir.path().join("t.db").exists(),
        "nothing started before the lessons were checked"
    );
}
