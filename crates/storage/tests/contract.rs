//! The storage contract: what every backend behind [`Store`] must do, written once and run on
//! each backend.
//!
//! `contract!` turns every `async fn(DynStore)` below into two tests, `sqlite::NAME` and
//! `postgres::NAME`, each with a fresh, empty database:
//! - the SQLite variant always runs, on a file in a temporary folder;
//! - the PostgreSQL variant is marked `#[ignore]`, so a plain `cargo test` reports it as
//!   *ignored* rather than passing it without a server. Run it with `-- --ignored` (only these)
//!   or `-- --include-ignored` (all) and `TRUSTLOOP_TEST_POSTGRES` set to a server URL such as
//!   the one `scripts/postgres start DIR` prints; each test then creates its own database
//!   `t_<random>` on that server. Asked to run without that variable, it fails and says why.
//!
//! Cargo cannot make `#[ignore]` depend on an environment variable without rebuilding the crate
//! whenever the variable changes, hence an ignore that is always there and a run-time check.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use trustloop_domain::analytics;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::people::{Email, PeopleFile, PersonRow};
use trustloop_domain::privacy::PrivacyRules;
use trustloop_domain::rating::{Rating, SurveyAnswers};
use trustloop_storage::*;

/// A store on a fresh database, with whatever must live as long as it.
struct Fixture {
    store: DynStore,
    _dir: Option<tempfile::TempDir>,
}

async fn sqlite_fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("contract.db").display());
    Fixture {
        store: connect(&url).await.expect("SQLite database opens"),
        _dir: Some(dir),
    }
}

async fn postgres_fixture() -> Fixture {
    let server = std::env::var("TRUSTLOOP_TEST_POSTGRES").unwrap_or_default();
    assert!(
        !server.is_empty(),
        "TRUSTLOOP_TEST_POSTGRES is not set: start a server with `scripts/postgres start DIR` and \
         set the variable to the URL it prints, or run only the SQLite variants (`sqlite::`)"
    );
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let url = PgStore::create_database(&server, &name)
        .await
        .expect("test database created");
    Fixture {
        store: trustloop_storage::connect_with_key(&url, trustloop_storage::SealKey::random())
            .await
            .expect("PostgreSQL database opens"),
        _dir: None,
    }
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let fixture = super::sqlite_fixture().await;
                    super::$name(fixture.store.clone()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                #[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
                async fn $name() {
                    let fixture = super::postgres_fixture().await;
                    super::$name(fixture.store.clone()).await;
                }
            )*
        }
    };
}

contract!(
    the_store_answers_its_health_check,
    built_in_instruments_are_registered_and_a_changed_version_is_refused,
    an_import_adds_people_with_teams_managers_and_attributes,
    a_second_import_updates_known_people_and_replaces_their_attributes,
    an_import_that_closes_a_reporting_loop_is_refused_and_changes_nothing,
    a_large_import_crosses_batch_boundaries_and_reports_progress,
    people_are_listed_by_name_in_pages_and_found_by_name_or_email,
    a_new_campaign_is_a_draft_and_campaigns_are_listed_newest_first,
    adding_a_leader_proposes_self_manager_and_direct_reports,
    a_leader_added_twice_or_unknown_is_refused,
    an_invitation_is_refused_when_the_rater_is_already_invited_or_the_campaign_closed,
    invitations_are_listed_by_leader_then_group_then_name,
    issuing_links_covers_invitations_without_one_and_reissuing_voids_old_links,
    links_issued_at_the_same_time_each_open_their_invitation,
    a_campaign_moves_from_draft_to_open_to_closed_and_never_back,
    an_answer_is_accepted_once_and_counted_in_progress,
    concurrent_answers_to_one_invitation_store_exactly_one_response,
    a_campaign_that_is_not_open_or_past_its_deadline_refuses_answers,
    a_form_sent_to_a_link_is_stored_only_when_the_link_is_open_and_the_answers_fit,
    responses_come_back_per_leader_without_who_gave_them,
    campaign_responses_carry_the_leader_each_response_rates,
    the_leaders_own_survey_is_found_by_campaign_and_leader,
    a_session_lasts_until_it_expires_or_is_deleted,
    accounts_are_unique_by_email_and_found_by_email_or_id,
    audit_events_come_newest_first_in_pages,
    sign_in_failures_are_counted_per_key_since_a_time_and_cleared,
    an_import_job_records_its_progress_and_problems,
    api_tokens_are_listed_newest_first_used_and_revoked_only_by_their_owner,
    a_password_link_works_once_before_it_expires_and_ends_the_users_sessions,
    team_sums_kept_up_to_date_always_equal_a_recomputation_from_the_answers,
    each_response_keeps_its_scores_and_a_closed_campaigns_context_is_stored_once,
    bulk_loaded_answers_are_stored_exactly_as_answers_submitted_one_by_one,
    answers_become_readable_only_in_batches_of_k_or_when_the_campaign_closes,
    answers_committed_together_are_released_by_the_same_rule_as_answers_one_by_one,
    at_close_small_groups_are_written_as_others_or_stay_sealed_as_the_report_would_show_them,
    attribute_values_list_everyones_attributes_with_few_enough_values,
    segment_views_are_kept_per_viewer_and_campaign_once_each,
    concurrent_segment_view_decisions_of_one_viewer_each_see_the_others,
);

#[tokio::test]
async fn a_database_url_with_an_unknown_scheme_is_refused() {
    let error = connect("mysql://localhost/trustloop")
        .await
        .err()
        .expect("refused");
    assert!(
        matches!(&error, StoreError::UnsupportedUrl(scheme) if scheme == "mysql"),
        "{error}"
    );
}

#[tokio::test]
async fn lookups_made_on_every_request_use_an_index_not_a_scan() {
    // Found at 1,000,000 answers: a leader's campaigns were found by reading every leader of
    // every campaign, which no small test database notices. SQLite's plan says so directly.
    let fixture = sqlite_fixture().await;
    drop(fixture.store);
    let dir = fixture._dir.as_ref().expect("a folder");
    let url = format!("sqlite://{}", dir.path().join("contract.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("opens");
    for (lookup, query) in [
        (
            "a leader's campaigns",
            "SELECT campaign_id FROM campaign_leaders WHERE leader_id = 1",
        ),
        (
            "an API token",
            "SELECT id FROM api_tokens WHERE token_hash = 'x'",
        ),
        (
            "a leader's answers",
            "SELECT id FROM responses WHERE campaign_id = 1 AND leader_id = 1",
        ),
        (
            "a campaign's scores",
            "SELECT m0 FROM responses WHERE campaign_id = 1",
        ),
        (
            "a leader's invitations",
            "SELECT id FROM invitations WHERE campaign_id = 1 AND leader_id = 1",
        ),
    ] {
        // Columns: id, parent, notused, detail.
        let plan: Vec<String> =
            sqlx::query_as::<_, (i64, i64, i64, String)>(&format!("EXPLAIN QUERY PLAN {query}"))
                .fetch_all(&pool)
                .await
                .unwrap_or_else(|e| panic!("{lookup}: {e}"))
                .into_iter()
                .map(|(.., detail)| detail)
                .collect();
        assert!(!plan.is_empty(), "{lookup}: no plan");
        assert!(
            plan.iter().all(|step| !step.starts_with("SCAN")),
            "{lookup} reads the whole table: {plan:?}"
        );
    }
    // Responses still without scores are found in an index of only those, not by walking
    // every response of the campaign.
    let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "EXPLAIN QUERY PLAN SELECT id FROM responses WHERE campaign_id = 1 AND scored = 0 LIMIT 500",
    )
    .fetch_all(&pool)
    .await
    .expect("plan");
    assert!(
        plan.iter()
            .any(|(.., step)| step.contains("responses_unscored")),
        "{plan:?}"
    );
}

// ------------------------------------------------------------------------------------ helpers

fn email(text: &str) -> Email {
    Email::parse(text).expect("valid email")
}

fn row(name: &str, address: &str, manager: Option<&str>, team: Option<&str>) -> PersonRow {
    PersonRow {
        line: 0,
        name: name.into(),
        email: email(address),
        manager_email: manager.map(email),
        team: team.map(Into::into),
        attributes: Vec::new(),
    }
}

fn file(rows: Vec<PersonRow>) -> PeopleFile {
    let mut attribute_names: Vec<String> = rows
        .iter()
        .flat_map(|r| r.attributes.iter().map(|(n, _)| n.clone()))
        .collect();
    attribute_names.sort();
    attribute_names.dedup();
    PeopleFile {
        rows,
        attribute_names,
    }
}

async fn import(store: &DynStore, rows: Vec<PersonRow>) -> StoreResult<ImportSummary> {
    store.import_people(&file(rows), &|_| {}).await
}

/// A small organisation: a director, two leaders under her, and their reports.
async fn import_org(store: &DynStore) -> Org {
    let mut lee = row(
        "Lee Leader",
        "lee@example.org",
        Some("dana@example.org"),
        Some("Platform"),
    );
    lee.attributes = vec![("location".into(), "London".into())];
    import(
        store,
        vec![
            row(
                "Dana Director",
                "dana@example.org",
                None,
                Some("Leadership"),
            ),
            lee,
            row(
                "Pat Peer",
                "pat@example.org",
                Some("dana@example.org"),
                Some("Sales"),
            ),
            row(
                "Ann Report",
                "ann@example.org",
                Some("lee@example.org"),
                Some("Platform"),
            ),
            row(
                "Ben Report",
                "ben@example.org",
                Some("lee@example.org"),
                Some("Platform"),
            ),
            row(
                "Eve Report",
                "eve@example.org",
                Some("pat@example.org"),
                Some("Sales"),
            ),
        ],
    )
    .await
    .expect("organisation imported");
    Org {
        dana: id_of(store, "dana@example.org").await,
        lee: id_of(store, "lee@example.org").await,
        pat: id_of(store, "pat@example.org").await,
        ann: id_of(store, "ann@example.org").await,
    }
}

struct Org {
    dana: PersonId,
    lee: PersonId,
    pat: PersonId,
    ann: PersonId,
}

async fn id_of(store: &DynStore, address: &str) -> PersonId {
    store
        .person_by_email(&email(address))
        .await
        .expect("lookup")
        .expect("person exists")
        .id
}

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

async fn campaign(store: &DynStore, name: &str) -> CampaignId {
    campaign_with_rules(store, name, PrivacyRules::default()).await
}

async fn campaign_with_rules(store: &DynStore, name: &str, rules: PrivacyRules) -> CampaignId {
    store
        .create_campaign(&NewCampaign {
            name: name.into(),
            instrument_version: Instrument::current().version,
            deadline: today() + time::Duration::days(14),
            rules,
            created_on: today(),
        })
        .await
        .expect("campaign created")
}

/// Rules no admin can choose (the product's floor is 3), for tests of how answers are stored
/// and read back in the small test organisation: every answer is released at once and every
/// group is kept as itself. The privacy rules themselves are tested with the real floor.
const STORAGE_ONLY_RULES: PrivacyRules = PrivacyRules {
    min_rater_group: 1,
    min_team: 1,
    min_segment: 1,
    min_comments: 1,
};

/// An open campaign with `leaders` in it and a link for every proposed rater.
async fn open_campaign(
    store: &DynStore,
    leaders: &[PersonId],
) -> (CampaignId, Vec<(Invitation, String)>) {
    open_campaign_with_rules(store, leaders, PrivacyRules::default()).await
}

async fn open_campaign_with_rules(
    store: &DynStore,
    leaders: &[PersonId],
    rules: PrivacyRules,
) -> (CampaignId, Vec<(Invitation, String)>) {
    let id = campaign_with_rules(store, "Spring 360", rules).await;
    for leader in leaders {
        store.add_leader(id, *leader).await.expect("leader added");
    }
    let links = store
        .issue_links(id, false, &token_factory())
        .await
        .expect("links issued");
    store
        .set_campaign_status(id, CampaignStatus::Open)
        .await
        .expect("opened");
    (id, links)
}

/// The invitation (and link) of the rater with this email.
fn link_for<'a>(links: &'a [(Invitation, String)], rater: &str) -> &'a (Invitation, String) {
    links
        .iter()
        .find(|(i, _)| i.rater_email == rater)
        .expect("the rater has a link")
}

/// An open campaign rating Lee and Pat in which every rater answered: Lee's raters with 5,
/// Pat's with 2, each with "can't say" on the first item; direct reports also commented.
async fn answered_campaign(store: &DynStore, org: &Org) -> CampaignId {
    let (id, links) =
        open_campaign_with_rules(store, &[org.lee, org.pat], STORAGE_ONLY_RULES).await;
    for (invitation, _) in &links {
        let point = if invitation.leader_id == org.lee {
            5
        } else {
            2
        };
        let comment = (invitation.group == RaterGroup::DirectReport)
            .then(|| format!("from a report of {}", invitation.leader_id));
        store
            .submit_response(invitation.id, &answers(point, comment.as_deref()), today())
            .await
            .expect("answered");
    }
    // Closing releases the answers still waiting for their batch.
    store
        .set_campaign_status(id, CampaignStatus::Closed)
        .await
        .expect("closed");
    id
}

/// Makes distinct (token, hash) pairs; the "hash" is the token reversed, enough for a store.
fn token_factory() -> impl Fn() -> (String, String) + Send + Sync {
    let counter = AtomicUsize::new(0);
    move || {
        let token = format!(
            "token-{}-{}",
            uuid::Uuid::new_v4(),
            counter.fetch_add(1, Ordering::Relaxed)
        );
        let hash = token.chars().rev().collect();
        (token, hash)
    }
}

fn hash_of(token: &str) -> String {
    token.chars().rev().collect()
}

fn answers(point: u8, comment: Option<&str>) -> SurveyAnswers {
    let instrument = Instrument::current();
    let mut ratings: BTreeMap<String, Rating> = instrument
        .items
        .iter()
        .map(|i| (i.code.clone(), Rating::Score(point)))
        .collect();
    if let Some(first) = instrument.items.first() {
        ratings.insert(first.code.clone(), Rating::CantSay);
    }
    let comments = comment
        .map(|c| {
            let code = instrument.open_questions[0].code.clone();
            BTreeMap::from([(code, c.to_string())])
        })
        .unwrap_or_default();
    SurveyAnswers { ratings, comments }
}

fn is_conflict<T>(result: &StoreResult<T>) -> bool {
    matches!(result, Err(StoreError::Conflict(_)))
}

fn is_not_found<T>(result: &StoreResult<T>) -> bool {
    matches!(result, Err(StoreError::NotFound(_)))
}

/// The message of a conflict; any other outcome fails the test.
fn conflict<T: std::fmt::Debug>(result: StoreResult<T>) -> String {
    match result {
        Err(StoreError::Conflict(message)) => message,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

// ------------------------------------------------------------------------------------ the contract

async fn the_store_answers_its_health_check(store: DynStore) {
    store.health().await.expect("healthy");
}

async fn built_in_instruments_are_registered_and_a_changed_version_is_refused(store: DynStore) {
    let current = Instrument::current();
    assert_eq!(
        store.instrument(current.version).await.expect("stored"),
        current
    );
    // Registering the same definition again is harmless.
    store
        .register_instrument(&current)
        .await
        .expect("same definition accepted");
    let mut changed = current.clone();
    changed.name = format!("{} (edited)", changed.name);
    assert!(is_conflict(&store.register_instrument(&changed).await));
    assert!(is_not_found(&store.instrument(9999).await));
}

async fn an_import_adds_people_with_teams_managers_and_attributes(store: DynStore) {
    let progress = AtomicUsize::new(0);
    // Quotes, backslashes and letters beyond ASCII travel through the import's JSON intact.
    let mut lee = row(
        "Léa \"Lee\" O'Leary \\ 李",
        "lee@example.org",
        Some("dana@example.org"),
        Some("Platform \"Core\""),
    );
    lee.attributes = vec![
        ("location".into(), "São Paulo \\ \"HQ\"".into()),
        ("function".into(), "Engineering".into()),
    ];
    let rows = vec![
        row(
            "Dana Director",
            "dana@example.org",
            None,
            Some("Leadership"),
        ),
        lee,
        row(
            "Ann Report",
            "ann@example.org",
            Some("lee@example.org"),
            None,
        ),
    ];
    let summary = store
        .import_people(&file(rows), &|n| progress.store(n, Ordering::Relaxed))
        .await
        .expect("imported");
    assert_eq!(
        summary,
        ImportSummary {
            added: 3,
            updated: 0,
            teams_created: 2
        }
    );
    assert_eq!(progress.load(Ordering::Relaxed), 3);

    let dana = id_of(&store, "dana@example.org").await;
    let lee = store
        .person_by_email(&email("lee@example.org"))
        .await
        .expect("lookup")
        .expect("Lee stored");
    assert_eq!(lee.name, "Léa \"Lee\" O'Leary \\ 李");
    assert_eq!(lee.manager_id, Some(dana));
    assert_eq!(lee.team.as_deref(), Some("Platform \"Core\""));
    assert_eq!(
        lee.attributes,
        vec![
            ("function".to_string(), "Engineering".to_string()),
            ("location".to_string(), "São Paulo \\ \"HQ\"".to_string())
        ]
    );
    let ann = store
        .person(id_of(&store, "ann@example.org").await)
        .await
        .expect("Ann");
    assert_eq!(ann.manager_id, Some(lee.id));
    assert_eq!(ann.team, None);
    assert!(ann.attributes.is_empty());

    let known = store.known_emails().await.expect("emails");
    assert_eq!(known.len(), 3);
    assert!(known.contains(&email("ann@example.org")));
    assert!(
        store
            .person_by_email(&email("nobody@example.org"))
            .await
            .expect("lookup")
            .is_none()
    );
    assert!(is_not_found(&store.person(PersonId(999_999)).await));
}

async fn a_second_import_updates_known_people_and_replaces_their_attributes(store: DynStore) {
    let org = import_org(&store).await;
    // Ann moves to Pat, changes her name and team; Lee loses his attributes; Zoe joins under
    // Ann. Dana, Pat, Ben and Eve are not in the file.
    let mut ann = row(
        "Ann Moved",
        "ann@example.org",
        Some("pat@example.org"),
        Some("Research"),
    );
    ann.attributes = vec![("location".into(), "Lisbon".into())];
    let summary = import(
        &store,
        vec![
            ann,
            row(
                "Lee Leader",
                "lee@example.org",
                Some("dana@example.org"),
                Some("Platform"),
            ),
            row("Zoe New", "zoe@example.org", Some("ann@example.org"), None),
        ],
    )
    .await
    .expect("second import");
    assert_eq!(
        summary,
        ImportSummary {
            added: 1,
            updated: 2,
            teams_created: 1
        }
    );
    let ann = store.person(org.ann).await.expect("Ann");
    assert_eq!(ann.name, "Ann Moved");
    assert_eq!(ann.manager_id, Some(org.pat));
    assert_eq!(ann.team.as_deref(), Some("Research"));
    assert_eq!(
        ann.attributes,
        vec![("location".to_string(), "Lisbon".to_string())]
    );
    let lee = store.person(org.lee).await.expect("Lee");
    assert!(
        lee.attributes.is_empty(),
        "attributes are replaced, not merged"
    );
    let zoe = store
        .person_by_email(&email("zoe@example.org"))
        .await
        .expect("lookup")
        .expect("Zoe");
    assert_eq!(zoe.manager_id, Some(org.ann));
    // People not in the file keep what they had.
    let dana = store.person(org.dana).await.expect("Dana");
    assert_eq!(dana.team.as_deref(), Some("Leadership"));
    assert_eq!(store.known_emails().await.expect("emails").len(), 7);
}

async fn an_import_that_closes_a_reporting_loop_is_refused_and_changes_nothing(store: DynStore) {
    let org = import_org(&store).await;
    // Dana would report to Ann, who reports to Lee, who reports to Dana.
    let result = import(
        &store,
        vec![
            row(
                "Dana Director",
                "dana@example.org",
                Some("ann@example.org"),
                Some("Leadership"),
            ),
            row(
                "New Person",
                "new@example.org",
                None,
                Some("Brand new team"),
            ),
        ],
    )
    .await;
    let message = conflict(result);
    assert!(message.contains("reporting loop"), "{message}");
    assert!(message.contains("nothing was imported"), "{message}");
    let dana = store.person(org.dana).await.expect("Dana");
    assert_eq!(dana.manager_id, None);
    assert!(
        store
            .person_by_email(&email("new@example.org"))
            .await
            .expect("lookup")
            .is_none()
    );
    // The same loop in a file larger than the rest of the organisation (the walk then starts
    // from the people outside the file), and a loop inside the file itself.
    let mut bigger = vec![row(
        "Dana Director",
        "dana@example.org",
        Some("ann@example.org"),
        Some("Leadership"),
    )];
    for n in 0..8 {
        bigger.push(row(
            &format!("New {n}"),
            &format!("new{n}@example.org"),
            Some("dana@example.org"),
            None,
        ));
    }
    let within = vec![
        row("Xia", "xia@example.org", Some("yan@example.org"), None),
        row("Yan", "yan@example.org", Some("xia@example.org"), None),
        row("Zed", "zed@example.org", Some("yan@example.org"), None),
    ];
    for (file, in_the_loop) in [
        (bigger, &["dana@", "ann@", "lee@"][..]),
        (within, &["xia@", "yan@"][..]),
    ] {
        let message = conflict(import(&store, file).await);
        assert!(message.contains("reporting loop"), "{message}");
        assert!(
            in_the_loop.iter().any(|who| message.contains(who)),
            "names someone in the loop: {message}"
        );
        assert!(message.contains("nothing was imported"), "{message}");
    }
    assert_eq!(store.person(org.dana).await.expect("Dana").manager_id, None);
    assert_eq!(store.known_emails().await.expect("emails").len(), 6);
    // The refused file left no staging behind: the next import works.
    let summary = import(
        &store,
        vec![row(
            "New Person",
            "new@example.org",
            Some("dana@example.org"),
            None,
        )],
    )
    .await
    .expect("a clean import after a refused one");
    assert_eq!(summary.added, 1);
}

async fn a_large_import_crosses_batch_boundaries_and_reports_progress(store: DynStore) {
    // 6,001 people in a tree ten wide, each with two attributes: more rows than one insert
    // batch and more people than one attribute lookup.
    let count = 6_001;
    let rows: Vec<PersonRow> = (0..count)
        .map(|i| {
            let manager = (i > 0).then(|| format!("p{}@example.org", (i - 1) / 10));
            let team = format!("Team {}", i % 50);
            let mut r = row(
                &format!("Person {i:05}"),
                &format!("p{i}@example.org"),
                manager.as_deref(),
                Some(&team),
            );
            r.attributes = vec![
                ("grade".into(), format!("G{}", i % 7)),
                ("location".into(), "London".into()),
            ];
            r
        })
        .collect();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let summary = store
        .import_people(&file(rows), &move |n| {
            record.lock().expect("progress lock").push(n)
        })
        .await
        .expect("large import");
    assert_eq!(summary.added, count as u64);
    assert_eq!(summary.teams_created, 50);
    let seen = seen.lock().expect("progress lock").clone();
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(seen.last(), Some(&count));

    let (everyone, total) = store
        .people(&PeopleQuery {
            search: None,
            offset: 0,
            limit: 10_000,
        })
        .await
        .expect("everyone");
    assert_eq!(total, count as u64);
    assert_eq!(everyone.len(), count);
    assert!(everyone.iter().all(|p| p.attributes.len() == 2));
    let last = everyone.last().expect("someone");
    assert_eq!(last.name, "Person 06000");
    assert_eq!(
        last.attributes,
        vec![
            ("grade".to_string(), format!("G{}", 6000 % 7)),
            ("location".to_string(), "London".to_string())
        ]
    );
    assert_eq!(
        last.manager_id,
        Some(id_of(&store, "p599@example.org").await)
    );
}

async fn people_are_listed_by_name_in_pages_and_found_by_name_or_email(store: DynStore) {
    import_org(&store).await;
    import(
        &store,
        vec![
            row("anna lower", "anna@example.org", None, None),
            row("Percent 100%_done", "odd@example.org", None, None),
        ],
    )
    .await
    .expect("more people");
    let page = |search: Option<&str>, offset, limit| PeopleQuery {
        search: search.map(Into::into),
        offset,
        limit,
    };
    let (all, total) = store.people(&page(None, 0, 100)).await.expect("all");
    assert_eq!(total, 8);
    let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
    // Byte order, as SQLite's default collation: capitals before lower case.
    assert_eq!(
        names,
        [
            "Ann Report",
            "Ben Report",
            "Dana Director",
            "Eve Report",
            "Lee Leader",
            "Pat Peer",
            "Percent 100%_done",
            "anna lower"
        ]
    );
    let (second, total) = store.people(&page(None, 2, 3)).await.expect("page");
    assert_eq!(total, 8);
    assert_eq!(
        second.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["Dana Director", "Eve Report", "Lee Leader"]
    );
    let (found, total) = store
        .people(&page(Some("REPORT"), 0, 100))
        .await
        .expect("search");
    assert_eq!(total, 3, "case-insensitive name search");
    assert_eq!(found.len(), 3);
    let (found, _) = store
        .people(&page(Some("ann"), 0, 100))
        .await
        .expect("search");
    assert_eq!(
        found.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["Ann Report", "anna lower"]
    );
    let (found, _) = store
        .people(&page(Some("pat@"), 0, 100))
        .await
        .expect("search");
    assert_eq!(
        found.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["Pat Peer"],
        "search by email"
    );
    // % and _ are matched literally.
    let (found, total) = store
        .people(&page(Some("0%_"), 0, 100))
        .await
        .expect("search");
    assert_eq!(total, 1);
    assert_eq!(found[0].name, "Percent 100%_done");
    let (found, total) = store
        .people(&page(Some("%"), 0, 100))
        .await
        .expect("search");
    assert_eq!((found.len(), total), (1, 1));
}

async fn a_new_campaign_is_a_draft_and_campaigns_are_listed_newest_first(store: DynStore) {
    let first = campaign(&store, "First").await;
    let second = campaign(&store, "Second").await;
    let stored = store.campaign(first).await.expect("first");
    assert_eq!(stored.name, "First");
    assert_eq!(stored.status, CampaignStatus::Draft);
    assert_eq!(stored.deadline, today() + time::Duration::days(14));
    assert_eq!(stored.rules, PrivacyRules::default());
    assert_eq!(stored.instrument_version, Instrument::current().version);
    let ids: Vec<CampaignId> = store
        .campaigns()
        .await
        .expect("list")
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, [second, first]);
    assert!(is_not_found(&store.campaign(CampaignId(424_242)).await));
}

async fn adding_a_leader_proposes_self_manager_and_direct_reports(store: DynStore) {
    let org = import_org(&store).await;
    let id = campaign(&store, "Spring").await;
    store.add_leader(id, org.lee).await.expect("Lee added");
    store.add_leader(id, org.dana).await.expect("Dana added");
    let leaders: Vec<String> = store
        .campaign_leaders(id)
        .await
        .expect("leaders")
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(leaders, ["Dana Director", "Lee Leader"]);

    let lee: Vec<(RaterGroup, String)> = store
        .invitations(id, Some(org.lee))
        .await
        .expect("Lee's raters")
        .into_iter()
        .map(|i| (i.group, i.rater_name))
        .collect();
    assert_eq!(
        lee,
        [
            (RaterGroup::SelfRating, "Lee Leader".to_string()),
            (RaterGroup::Manager, "Dana Director".to_string()),
            (RaterGroup::DirectReport, "Ann Report".to_string()),
            (RaterGroup::DirectReport, "Ben Report".to_string()),
        ]
    );
    // Dana has no manager: herself and her two reports.
    let dana = store
        .invitations(id, Some(org.dana))
        .await
        .expect("Dana's raters");
    assert_eq!(dana.len(), 3);
    assert!(dana.iter().all(|i| !i.has_link));
    assert_eq!(store.invitations(id, None).await.expect("all").len(), 7);

    let led: Vec<CampaignId> = store
        .campaigns_led_by(org.lee)
        .await
        .expect("Lee's campaigns")
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(led, [id]);
    let later = campaign(&store, "Autumn").await;
    store.add_leader(later, org.lee).await.expect("again");
    let led: Vec<CampaignId> = store
        .campaigns_led_by(org.lee)
        .await
        .expect("Lee's campaigns")
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(led, [later, id]);
    assert!(
        store
            .campaigns_led_by(org.ann)
            .await
            .expect("none")
            .is_empty()
    );
}

async fn a_leader_added_twice_or_unknown_is_refused(store: DynStore) {
    let org = import_org(&store).await;
    let id = campaign(&store, "Spring").await;
    store.add_leader(id, org.lee).await.expect("Lee added");
    let twice = store.add_leader(id, org.lee).await;
    assert!(is_conflict(&twice), "{twice:?}");
    assert_eq!(store.invitations(id, None).await.expect("raters").len(), 4);
    assert!(is_not_found(&store.add_leader(id, PersonId(987_654)).await));
    assert!(is_not_found(
        &store.add_leader(CampaignId(987_654), org.lee).await
    ));
    store
        .set_campaign_status(id, CampaignStatus::Open)
        .await
        .expect("open");
    store
        .add_leader(id, org.pat)
        .await
        .expect("added while open");
    store
        .set_campaign_status(id, CampaignStatus::Closed)
        .await
        .expect("closed");
    assert!(is_conflict(&store.add_leader(id, org.dana).await));
}

async fn an_invitation_is_refused_when_the_rater_is_already_invited_or_the_campaign_closed(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let id = campaign(&store, "Spring").await;
    store.add_leader(id, org.lee).await.expect("Lee added");
    let peer = |address: &str, name: &str| NewInvitation {
        campaign_id: id,
        leader_id: org.lee,
        group: RaterGroup::Peer,
        person_id: None,
        rater_name: name.into(),
        rater_email: email(address),
    };
    let added = store
        .add_invitation(&peer("outsider@example.com", "Olga Outsider"))
        .await
        .expect("peer added");
    assert!(
        store
            .invitations(id, Some(org.lee))
            .await
            .expect("raters")
            .iter()
            .any(|i| i.id == added && i.group == RaterGroup::Peer)
    );
    let again = store
        .add_invitation(&peer("outsider@example.com", "Olga Again"))
        .await;
    let message = conflict(again);
    assert!(message.contains("outsider@example.com"), "{message}");
    // Already proposed as a direct report.
    assert!(is_conflict(
        &store.add_invitation(&peer("ann@example.org", "Ann")).await
    ));
    // Pat is not a leader in this campaign.
    let mut not_leader = peer("someone@example.com", "Someone");
    not_leader.leader_id = org.pat;
    assert!(is_not_found(&store.add_invitation(&not_leader).await));
    store
        .set_campaign_status(id, CampaignStatus::Open)
        .await
        .expect("open");
    store
        .add_invitation(&peer("late@example.com", "Late Peer"))
        .await
        .expect("added while open");
    store
        .set_campaign_status(id, CampaignStatus::Closed)
        .await
        .expect("closed");
    assert!(is_conflict(
        &store
            .add_invitation(&peer("later@example.com", "Later"))
            .await
    ));
}

async fn invitations_are_listed_by_leader_then_group_then_name(store: DynStore) {
    let org = import_org(&store).await;
    let id = campaign(&store, "Spring").await;
    store.add_leader(id, org.lee).await.expect("Lee added");
    for (address, name, group) in [
        ("zed@example.com", "Zed Other", RaterGroup::Other),
        ("bob@example.com", "bob peer", RaterGroup::Peer),
        ("amy@example.com", "Amy Peer", RaterGroup::Peer),
    ] {
        store
            .add_invitation(&NewInvitation {
                campaign_id: id,
                leader_id: org.lee,
                group,
                person_id: None,
                rater_name: name.into(),
                rater_email: email(address),
            })
            .await
            .expect("added");
    }
    let order: Vec<String> = store
        .invitations(id, Some(org.lee))
        .await
        .expect("raters")
        .into_iter()
        .map(|i| i.rater_name)
        .collect();
    assert_eq!(
        order,
        [
            "Lee Leader",
            "Dana Director",
            "Amy Peer",
            "bob peer",
            "Ann Report",
            "Ben Report",
            "Zed Other"
        ]
    );
}

async fn issuing_links_covers_invitations_without_one_and_reissuing_voids_old_links(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let id = campaign(&store, "Spring").await;
    store.add_leader(id, org.lee).await.expect("Lee added");
    let tokens = token_factory();
    let first = store.issue_links(id, false, &tokens).await.expect("links");
    assert_eq!(first.len(), 4);
    assert!(first.iter().all(|(i, _)| i.has_link));
    assert!(
        store
            .invitations(id, None)
            .await
            .expect("raters")
            .iter()
            .all(|i| i.has_link)
    );
    // Nothing new to issue.
    assert!(
        store
            .issue_links(id, false, &tokens)
            .await
            .expect("none")
            .is_empty()
    );
    let (ann_invitation, ann_token) = first
        .iter()
        .find(|(i, _)| i.rater_email == "ann@example.org")
        .cloned()
        .expect("Ann's link");
    let opened = store
        .invitation_by_token(&hash_of(&ann_token))
        .await
        .expect("lookup")
        .expect("the link opens");
    assert_eq!(opened.id, ann_invitation.id);
    assert_eq!(opened.leader_id, org.lee);
    assert_eq!(opened.leader_name, "Lee Leader");
    assert_eq!(opened.group, RaterGroup::DirectReport);
    assert_eq!(opened.campaign.id, id);
    assert!(!opened.completed);

    // Ann answers; reissuing replaces every other link and leaves hers alone.
    store
        .set_campaign_status(id, CampaignStatus::Open)
        .await
        .expect("open");
    store
        .submit_response(ann_invitation.id, &answers(4, None), today())
        .await
        .expect("answered");
    let again = store
        .issue_links(id, true, &tokens)
        .await
        .expect("reissued");
    assert_eq!(again.len(), 3);
    assert!(again.iter().all(|(i, _)| i.id != ann_invitation.id));
    for (invitation, old) in &first {
        let found = store
            .invitation_by_token(&hash_of(old))
            .await
            .expect("lookup");
        if invitation.id == ann_invitation.id {
            assert!(found.expect("the answered link still opens").completed);
        } else {
            assert!(found.is_none(), "an old link still opens");
        }
    }
    for (invitation, new) in &again {
        let found = store
            .invitation_by_token(&hash_of(new))
            .await
            .expect("lookup")
            .expect("new link opens");
        assert_eq!(found.id, invitation.id);
    }
    assert!(
        store
            .invitation_by_token("no such hash")
            .await
            .expect("lookup")
            .is_none()
    );
}

async fn links_issued_at_the_same_time_each_open_their_invitation(store: DynStore) {
    let org = import_org(&store).await;
    let id = campaign(&store, "Spring").await;
    store.add_leader(id, org.lee).await.expect("Lee");
    store.add_leader(id, org.pat).await.expect("Pat");
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.issue_links(id, false, &token_factory()).await })
        })
        .collect();
    let mut issued = Vec::new();
    for call in calls {
        issued.extend(call.await.expect("task ran").expect("links issued"));
    }
    assert_eq!(issued.len(), 7, "one link per invitation");
    for (invitation, token) in &issued {
        let opened = store
            .invitation_by_token(&hash_of(token))
            .await
            .expect("lookup")
            .expect("every link handed out opens");
        assert_eq!(opened.id, invitation.id);
    }
}

async fn a_campaign_moves_from_draft_to_open_to_closed_and_never_back(store: DynStore) {
    let org = import_org(&store).await;
    let id = campaign(&store, "Spring").await;
    let empty = store.set_campaign_status(id, CampaignStatus::Open).await;
    let message = conflict(empty);
    assert!(message.contains("leader"), "{message}");
    let early = store.set_campaign_status(id, CampaignStatus::Closed).await;
    assert_eq!(
        conflict(early),
        "the campaign is draft; it can only become closed from open"
    );
    store.add_leader(id, org.lee).await.expect("Lee added");
    store
        .set_campaign_status(id, CampaignStatus::Open)
        .await
        .expect("opened");
    assert_eq!(
        store.campaign(id).await.expect("campaign").status,
        CampaignStatus::Open
    );
    assert!(is_conflict(
        &store.set_campaign_status(id, CampaignStatus::Open).await
    ));
    store
        .set_campaign_status(id, CampaignStatus::Closed)
        .await
        .expect("closed");
    assert_eq!(
        store.campaign(id).await.expect("campaign").status,
        CampaignStatus::Closed
    );
    assert!(is_conflict(
        &store.set_campaign_status(id, CampaignStatus::Draft).await
    ));
    assert!(is_conflict(
        &store.set_campaign_status(id, CampaignStatus::Open).await
    ));
    assert!(is_not_found(
        &store
            .set_campaign_status(CampaignId(55_555), CampaignStatus::Closed)
            .await
    ));
}

async fn an_answer_is_accepted_once_and_counted_in_progress(store: DynStore) {
    let org = import_org(&store).await;
    let (id, links) = open_campaign(&store, &[org.lee]).await;
    let progress = store.progress(id).await.expect("progress");
    assert_eq!(
        progress,
        [
            GroupProgress {
                leader_id: org.lee,
                group: RaterGroup::SelfRating,
                invited: 1,
                completed: 0
            },
            GroupProgress {
                leader_id: org.lee,
                group: RaterGroup::Manager,
                invited: 1,
                completed: 0
            },
            GroupProgress {
                leader_id: org.lee,
                group: RaterGroup::DirectReport,
                invited: 2,
                completed: 0
            },
        ]
    );
    let (ann, token) = link_for(&links, "ann@example.org");
    store
        .submit_response(ann.id, &answers(4, Some("More demos, please.")), today())
        .await
        .expect("accepted");
    let again = store
        .submit_response(ann.id, &answers(2, None), today())
        .await;
    let message = conflict(again);
    assert!(message.contains("already"), "{message}");
    assert!(
        store
            .invitation_by_token(&hash_of(token))
            .await
            .expect("lookup")
            .expect("opens")
            .completed
    );
    let reports = store
        .progress(id)
        .await
        .expect("progress")
        .into_iter()
        .find(|p| p.group == RaterGroup::DirectReport)
        .expect("direct reports");
    assert_eq!((reports.invited, reports.completed), (2, 1));
    let (responses, comments) = store.responses(id, org.lee).await.expect("responses");
    assert!(
        responses.is_empty() && comments.is_empty(),
        "one direct report's answer waits, sealed, for its batch"
    );
    assert_eq!(
        store.pending_answers(id).await.expect("pending"),
        1,
        "the refused second answer stored nothing"
    );
    store
        .set_campaign_status(id, CampaignStatus::Closed)
        .await
        .expect("closed");
    let (responses, comments) = store.responses(id, org.lee).await.expect("responses");
    assert!(
        responses.is_empty() && comments.is_empty(),
        "a lone direct report is hidden in the report, so their answer is never released"
    );
    assert_eq!(
        store.pending_answers(id).await.expect("pending"),
        1,
        "kept, sealed"
    );
    assert!(is_not_found(
        &store
            .submit_response(InvitationId(123_456), &answers(3, None), today())
            .await
    ));
}

async fn concurrent_answers_to_one_invitation_store_exactly_one_response(store: DynStore) {
    let org = import_org(&store).await;
    let (id, links) = open_campaign_with_rules(&store, &[org.lee], STORAGE_ONLY_RULES).await;
    let invitation = link_for(&links, "ben@example.org").0.id;
    let attempts: Vec<_> = (0..6)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .submit_response(invitation, &answers(1 + i % 5, None), today())
                    .await
            })
        })
        .collect();
    let mut accepted = 0;
    for attempt in attempts {
        match attempt.await.expect("task ran") {
            Ok(()) => accepted += 1,
            refused => {
                conflict(refused);
            }
        }
    }
    assert_eq!(accepted, 1);
    store
        .set_campaign_status(id, CampaignStatus::Closed)
        .await
        .expect("closed");
    let (responses, _) = store.responses(id, org.lee).await.expect("responses");
    assert_eq!(responses.len(), 1);
}

async fn a_campaign_that_is_not_open_or_past_its_deadline_refuses_answers(store: DynStore) {
    let org = import_org(&store).await;
    // Draft: links exist but nobody can answer yet.
    let draft = campaign(&store, "Draft").await;
    store.add_leader(draft, org.pat).await.expect("Pat added");
    let links = store
        .issue_links(draft, false, &token_factory())
        .await
        .expect("links");
    let refused = store
        .submit_response(links[0].0.id, &answers(3, None), today())
        .await;
    let message = conflict(refused);
    assert_eq!(message, "the campaign is draft");

    let (id, links) = open_campaign_with_rules(&store, &[org.lee], STORAGE_ONLY_RULES).await;
    let (ann, _) = link_for(&links, "ann@example.org");
    let late = store
        .submit_response(
            ann.id,
            &answers(3, None),
            today() + time::Duration::days(15),
        )
        .await;
    let message = conflict(late);
    assert!(message.contains("deadline"), "{message}");
    // The last day still counts.
    store
        .submit_response(
            ann.id,
            &answers(3, None),
            today() + time::Duration::days(14),
        )
        .await
        .expect("answered on the deadline");
    store
        .set_campaign_status(id, CampaignStatus::Closed)
        .await
        .expect("closed");
    let (ben, _) = link_for(&links, "ben@example.org");
    let closed = store
        .submit_response(ben.id, &answers(3, Some("too late")), today())
        .await;
    let message = conflict(closed);
    assert_eq!(message, "the campaign is closed");
    let (responses, comments) = store.responses(id, org.lee).await.expect("responses");
    assert_eq!((responses.len(), comments.len()), (1, 0));
    let done = store
        .progress(id)
        .await
        .expect("progress")
        .iter()
        .map(|p| p.completed)
        .sum::<u32>();
    assert_eq!(done, 1);
}

async fn a_form_sent_to_a_link_is_stored_only_when_the_link_is_open_and_the_answers_fit(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let (id, links) = open_campaign(&store, &[org.lee]).await;
    let instrument = Instrument::current();
    let form = |point: u8| -> Vec<(String, String)> {
        let mut fields: Vec<(String, String)> = instrument
            .items
            .iter()
            .map(|item| {
                (
                    trustloop_domain::rating::item_field(&item.code),
                    point.to_string(),
                )
            })
            .collect();
        fields.push(("csrf".into(), "ignored".into()));
        fields
    };
    let completed = |store: DynStore, token: String| async move {
        store
            .invitation_by_token(&hash_of(&token))
            .await
            .expect("lookup")
            .expect("opens")
            .completed
    };
    let (_, ann) = link_for(&links, "ann@example.org");
    let (_, ben) = link_for(&links, "ben@example.org");
    let (_, manager) = link_for(&links, "dana@example.org");
    // Forms arriving together: one that fits, one missing an answer, one to an unknown link,
    // and the same link twice.
    let mut short = form(4);
    short.remove(0);
    let sent = [
        (hash_of(ann), form(4)),
        (hash_of(ben), short),
        ("no-such-link".to_string(), form(3)),
        (hash_of(manager), form(5)),
        (hash_of(manager), form(2)),
    ];
    let outcomes: Vec<bool> = futures_util::future::join_all(
        sent.iter()
            .map(|(hash, fields)| store.submit_form(hash, fields.clone(), today())),
    )
    .await
    .into_iter()
    .collect::<StoreResult<_>>()
    .expect("no database error");
    assert_eq!(
        outcomes.iter().filter(|stored| **stored).count(),
        2,
        "Ann's form and one of the manager's two: {outcomes:?}"
    );
    assert_eq!(&outcomes[..3], [true, false, false]);
    assert!(completed(store.clone(), ann.clone()).await);
    assert!(
        !completed(store.clone(), ben.clone()).await,
        "a form that does not fit stores nothing"
    );
    assert!(completed(store.clone(), manager.clone()).await);
    assert!(
        !store
            .submit_form(&hash_of(ann), form(2), today())
            .await
            .expect("no database error"),
        "a link already answered"
    );
    // The manager's answer (a group of one) is readable at once, exactly as sent.
    let (responses, _) = store.responses(id, org.lee).await.expect("responses");
    assert_eq!(responses.len(), 1);
    let point = match responses[0].ratings.values().next() {
        Some(Rating::Score(p)) => *p,
        other => panic!("a score, not {other:?}"),
    };
    assert!(point == 5 || point == 2, "{point}");
    assert!(
        responses[0]
            .ratings
            .values()
            .all(|r| *r == Rating::Score(point))
    );
    assert_eq!(
        store.pending_answers(id).await.expect("pending"),
        1,
        "Ann's"
    );
    // Late, or once the campaign closed: refused, nothing stored.
    assert!(
        !store
            .submit_form(&hash_of(ben), form(3), today() + time::Duration::days(15))
            .await
            .expect("no database error")
    );
    store
        .set_campaign_status(id, CampaignStatus::Closed)
        .await
        .expect("closed");
    assert!(
        !store
            .submit_form(&hash_of(ben), form(3), today())
            .await
            .expect("no database error")
    );
    assert!(!completed(store.clone(), ben.clone()).await);
}

async fn responses_come_back_per_leader_without_who_gave_them(store: DynStore) {
    let org = import_org(&store).await;
    let id = answered_campaign(&store, &org).await;
    let (responses, comments) = store.responses(id, org.lee).await.expect("Lee's");
    assert_eq!(responses.len(), 4);
    let expected = answers(5, None).ratings;
    assert!(responses.iter().all(|r| r.ratings == expected));
    assert_eq!(
        responses
            .iter()
            .filter(|r| r.ratings.values().any(|v| *v == Rating::CantSay))
            .count(),
        4,
        "\"can't say\" is kept apart from the scores"
    );
    let mut groups: Vec<RaterGroup> = responses.iter().map(|r| r.group).collect();
    groups.sort();
    assert_eq!(
        groups,
        [
            RaterGroup::SelfRating,
            RaterGroup::Manager,
            RaterGroup::DirectReport,
            RaterGroup::DirectReport
        ]
    );
    assert_eq!(comments.len(), 2);
    let code = Instrument::current().open_questions[0].code.clone();
    for comment in &comments {
        assert_eq!(comment.group, RaterGroup::DirectReport);
        assert_eq!(comment.code, code);
        assert_eq!(comment.text, format!("from a report of {}", org.lee));
    }
    let (pats, pat_comments) = store.responses(id, org.pat).await.expect("Pat's");
    assert_eq!(pats.len(), 3, "Pat: herself, Dana, Eve");
    assert!(pats.iter().all(|r| r.ratings == answers(2, None).ratings));
    assert_eq!(pat_comments.len(), 1);
    let (none, none_comments) = store.responses(id, org.dana).await.expect("Dana's");
    assert!(none.is_empty() && none_comments.is_empty());
}

async fn campaign_responses_carry_the_leader_each_response_rates(store: DynStore) {
    let org = import_org(&store).await;
    let id = answered_campaign(&store, &org).await;
    let all = store.campaign_responses(id).await.expect("all");
    assert_eq!(all.len(), 7);
    for (leader, response) in &all {
        let point = if *leader == org.lee { 5 } else { 2 };
        assert_eq!(response.ratings, answers(point, None).ratings);
    }
    assert_eq!(all.iter().filter(|(l, _)| *l == org.lee).count(), 4);
    let other = campaign(&store, "Other").await;
    assert!(
        store
            .campaign_responses(other)
            .await
            .expect("none")
            .is_empty()
    );
}

async fn the_leaders_own_survey_is_found_by_campaign_and_leader(store: DynStore) {
    let org = import_org(&store).await;
    let (id, _) = open_campaign(&store, &[org.lee]).await;
    let own = store
        .self_invitation(id, org.lee)
        .await
        .expect("lookup")
        .expect("Lee's own survey");
    assert_eq!(own.group, RaterGroup::SelfRating);
    assert_eq!(own.leader_id, org.lee);
    assert_eq!(own.campaign.status, CampaignStatus::Open);
    assert!(!own.completed);
    store
        .submit_response(own.id, &answers(4, None), today())
        .await
        .expect("self-assessment");
    assert!(
        store
            .self_invitation(id, org.lee)
            .await
            .expect("lookup")
            .expect("still there")
            .completed
    );
    assert!(
        store
            .self_invitation(id, org.ann)
            .await
            .expect("lookup")
            .is_none()
    );
}

async fn a_session_lasts_until_it_expires_or_is_deleted(store: DynStore) {
    let user = store
        .create_user(&NewUser {
            email: email("admin@example.org"),
            display_name: "Admin".into(),
            role: Role::Admin,
            person_id: None,
            password_hash: None,
        })
        .await
        .expect("user");
    store
        .create_session(&NewSession {
            token_hash: "session-hash".into(),
            user_id: user,
            csrf_token: "csrf".into(),
            expires_at: 1_000,
        })
        .await
        .expect("session");
    let live = store
        .session("session-hash", 999)
        .await
        .expect("lookup")
        .expect("live before it expires");
    assert_eq!(live.user_id, user);
    assert_eq!(live.csrf_token, "csrf");
    assert_eq!(live.expires_at, 1_000);
    assert!(
        store
            .session("session-hash", 1_000)
            .await
            .expect("lookup")
            .is_none()
    );
    assert!(
        store
            .session("other-hash", 0)
            .await
            .expect("lookup")
            .is_none()
    );
    store.delete_session("session-hash").await.expect("deleted");
    assert!(
        store
            .session("session-hash", 0)
            .await
            .expect("lookup")
            .is_none()
    );
}

async fn accounts_are_unique_by_email_and_found_by_email_or_id(store: DynStore) {
    let org = import_org(&store).await;
    let new_user = |address: &str, role| NewUser {
        email: email(address),
        display_name: "Lee L.".into(),
        role,
        person_id: Some(org.lee),
        password_hash: Some("$argon2id$fake".into()),
    };
    let id = store
        .create_user(&new_user("lee@example.org", Role::Leader))
        .await
        .expect("created");
    let by_email = store
        .user_by_email(&email("lee@example.org"))
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(by_email.id, id);
    assert_eq!(by_email.role, Role::Leader);
    assert_eq!(by_email.person_id, Some(org.lee));
    assert_eq!(by_email.display_name, "Lee L.");
    assert_eq!(by_email.password_hash.as_deref(), Some("$argon2id$fake"));
    assert_eq!(
        store.user(id).await.expect("by id").email,
        "lee@example.org"
    );
    let message = conflict(
        store
            .create_user(&new_user("lee@example.org", Role::Admin))
            .await,
    );
    assert_eq!(message, "an account for lee@example.org already exists");
    assert!(
        store
            .user_by_email(&email("nobody@example.org"))
            .await
            .expect("lookup")
            .is_none()
    );
    assert!(is_not_found(&store.user(UserId(77_777)).await));
}

async fn audit_events_come_newest_first_in_pages(store: DynStore) {
    let event = |i: i64| AuditEvent {
        at: 1_000 + i,
        actor: format!("user{i}@example.org"),
        action: "sign_in".into(),
        target: String::new(),
        address: "127.0.0.1".into(),
        detail: format!("event {i}"),
    };
    for i in 0..2 {
        store.record_audit(&event(i)).await.expect("recorded");
    }
    // Several at once (one commit), in order.
    store
        .record_audits(&[event(2), event(3), event(4)])
        .await
        .expect("recorded");
    store.record_audits(&[]).await.expect("nothing to record");
    let first = store.audit_events(2, None).await.expect("page 1");
    assert_eq!(
        first.iter().map(|(_, e)| e.at).collect::<Vec<_>>(),
        [1_004, 1_003]
    );
    assert_eq!(first[0].1.actor, "user4@example.org");
    assert_eq!(first[0].1.detail, "event 4");
    assert_eq!(first[0].1.address, "127.0.0.1");
    let before = first.last().expect("two").0;
    let second = store.audit_events(10, Some(before)).await.expect("page 2");
    assert_eq!(
        second.iter().map(|(_, e)| e.at).collect::<Vec<_>>(),
        [1_002, 1_001, 1_000]
    );
    assert!(second.windows(2).all(|w| w[0].0 > w[1].0));
    // More than one statement holds (2,000 a statement): all of them, in order.
    let many: Vec<AuditEvent> = (5..2_505).map(event).collect();
    store.record_audits(&many).await.expect("recorded");
    let all = store.audit_events(3_000, None).await.expect("all");
    assert_eq!(all.len(), 2_505);
    assert_eq!(
        all.iter().map(|(_, e)| e.at).collect::<Vec<_>>(),
        (0..2_505).rev().map(|i| 1_000 + i).collect::<Vec<_>>()
    );
}

async fn sign_in_failures_are_counted_per_key_since_a_time_and_cleared(store: DynStore) {
    let keys = [
        "account:a@example.org".to_string(),
        "address:10.0.0.1".to_string(),
    ];
    store
        .record_sign_in_failure(&keys, 100)
        .await
        .expect("recorded");
    store
        .record_sign_in_failure(&keys[..1], 200)
        .await
        .expect("recorded");
    assert_eq!(store.sign_in_failures(&keys[0], 0).await.expect("count"), 2);
    assert_eq!(
        store.sign_in_failures(&keys[0], 150).await.expect("count"),
        1
    );
    assert_eq!(store.sign_in_failures(&keys[1], 0).await.expect("count"), 1);
    assert_eq!(store.sign_in_failures("other", 0).await.expect("count"), 0);
    // Clearing the account forgets its failures and, everywhere, those before 150.
    store
        .clear_sign_in_failures(&keys[0], 150)
        .await
        .expect("cleared");
    assert_eq!(store.sign_in_failures(&keys[0], 0).await.expect("count"), 0);
    assert_eq!(store.sign_in_failures(&keys[1], 0).await.expect("count"), 0);
}

async fn an_import_job_records_its_progress_and_problems(store: DynStore) {
    let id = store.create_import_job(1_700_000_000).await.expect("job");
    let started = store.import_job(id).await.expect("read");
    assert_eq!(
        started,
        ImportJob {
            id,
            status: ImportStatus::Running,
            total_rows: 0,
            processed: 0,
            message: String::new(),
            problems: Vec::new()
        }
    );
    let failed = ImportJob {
        id,
        status: ImportStatus::Failed,
        total_rows: 120,
        processed: 120,
        message: "The file has 2 problem(s); nothing was imported.".into(),
        problems: vec!["line 3: no email".into(), "line 9: \"x\" has no @".into()],
    };
    store.update_import_job(&failed).await.expect("updated");
    assert_eq!(store.import_job(id).await.expect("read"), failed);
    let other = store.create_import_job(1_700_000_001).await.expect("job");
    assert_ne!(other, id);
    let done = ImportJob {
        status: ImportStatus::Done,
        problems: Vec::new(),
        ..failed
    };
    store
        .update_import_job(&ImportJob { id: other, ..done })
        .await
        .expect("updated");
    assert_eq!(
        store.import_job(other).await.expect("read").status,
        ImportStatus::Done
    );
    assert!(is_not_found(&store.import_job(other + 100).await));
}

async fn user_named(store: &DynStore, address: &str) -> UserId {
    store
        .create_user(&NewUser {
            email: email(address),
            display_name: address.into(),
            role: Role::Member,
            person_id: None,
            password_hash: Some("old hash".into()),
        })
        .await
        .expect("user")
}

async fn api_tokens_are_listed_newest_first_used_and_revoked_only_by_their_owner(store: DynStore) {
    let owner = user_named(&store, "owner@example.org").await;
    let other = user_named(&store, "other@example.org").await;
    let token = |name: &str, hash: &str, at| NewApiToken {
        user_id: owner,
        name: name.into(),
        token_hash: hash.into(),
        scopes: vec!["reports:read".into(), "people:read".into()],
        created_at: at,
    };
    let first = store
        .create_api_token(&token("laptop", "hash-1", 100))
        .await
        .expect("first");
    let second = store
        .create_api_token(&token("ci", "hash-2", 200))
        .await
        .expect("second");
    let listed = store.api_tokens(owner).await.expect("listed");
    assert_eq!(
        listed.iter().map(|t| t.id).collect::<Vec<_>>(),
        [second, first]
    );
    assert_eq!(listed[1].name, "laptop");
    assert_eq!(listed[1].scopes, ["reports:read", "people:read"]);
    assert_eq!((listed[1].created_at, listed[1].last_used_at), (100, None));
    assert!(!listed[1].revoked);
    assert!(store.api_tokens(other).await.expect("none").is_empty());

    let (used, user) = store
        .use_api_token("hash-1", 300)
        .await
        .expect("lookup")
        .expect("live token");
    assert_eq!(
        (used.id, used.user_id, used.last_used_at),
        (first, owner, Some(300))
    );
    assert_eq!(user, store.user(owner).await.expect("the owner"));
    assert!(
        store
            .use_api_token("unknown", 300)
            .await
            .expect("lookup")
            .is_none()
    );

    assert!(is_not_found(
        &store.revoke_api_token(other, first, 400).await
    ));
    store
        .revoke_api_token(owner, first, 400)
        .await
        .expect("revoked");
    // Revoking again is harmless.
    store
        .revoke_api_token(owner, first, 500)
        .await
        .expect("revoked again");
    assert!(
        store
            .use_api_token("hash-1", 600)
            .await
            .expect("lookup")
            .is_none()
    );
    let listed = store.api_tokens(owner).await.expect("listed");
    assert!(listed[1].revoked && !listed[0].revoked);
}

async fn a_password_link_works_once_before_it_expires_and_ends_the_users_sessions(store: DynStore) {
    let user = user_named(&store, "member@example.org").await;
    store
        .create_session(&NewSession {
            token_hash: "live-session".into(),
            user_id: user,
            csrf_token: "csrf".into(),
            expires_at: 10_000,
        })
        .await
        .expect("session");
    store
        .create_password_link(user, "old-link", 1_000)
        .await
        .expect("first link");
    // A newer link replaces the unused older one.
    store
        .create_password_link(user, "new-link", 1_000)
        .await
        .expect("second link");
    assert!(
        store
            .password_link_user("old-link", 0)
            .await
            .expect("lookup")
            .is_none()
    );
    let owner = store
        .password_link_user("new-link", 999)
        .await
        .expect("lookup")
        .expect("live link");
    assert_eq!(owner.id, user);
    assert!(
        store
            .password_link_user("new-link", 1_000)
            .await
            .expect("lookup")
            .is_none()
    );
    assert!(is_conflict(
        &store.use_password_link("new-link", 1_000, "new hash").await
    ));

    let changed = store
        .use_password_link("new-link", 500, "new hash")
        .await
        .expect("password set");
    assert_eq!(changed, user);
    assert_eq!(
        store
            .user(user)
            .await
            .expect("user")
            .password_hash
            .as_deref(),
        Some("new hash")
    );
    assert!(
        store
            .session("live-session", 0)
            .await
            .expect("lookup")
            .is_none()
    );
    let message = conflict(store.use_password_link("new-link", 600, "third hash").await);
    assert_eq!(message, "this link has been used or has expired");
    assert!(
        store
            .password_link_user("new-link", 600)
            .await
            .expect("lookup")
            .is_none()
    );
    assert_eq!(
        store
            .user(user)
            .await
            .expect("user")
            .password_hash
            .as_deref(),
        Some("new hash")
    );
}

/// A small xorshift generator: reproducible random sequences without a dependency.
struct Random(u64);

impl Random {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

fn assert_same_sums(
    kept: &[(String, trustloop_domain::analytics::TeamSums)],
    recomputed: &[(String, trustloop_domain::analytics::TeamSums)],
) {
    assert_eq!(
        kept.len(),
        recomputed.len(),
        "teams: {kept:?} vs {recomputed:?}"
    );
    for ((team_a, a), (team_b, b)) in kept.iter().zip(recomputed) {
        assert_eq!(team_a, team_b);
        assert_eq!(a.respondents, b.respondents, "{team_a}");
        for (x, y) in a.measures.iter().zip(&b.measures) {
            assert_eq!(x.n, y.n, "{team_a}");
            for (u, v) in [(x.sum, y.sum), (x.sum_sq, y.sum_sq)] {
                assert!(
                    (u - v).abs() <= 1e-9 * u.abs().max(1.0),
                    "{team_a}: {u} vs {v}"
                );
            }
        }
    }
}

/// The heatmap's lean read equals what it shows of the full sums, exactly: the same stored values.
async fn assert_totals_are_the_sums_shown(
    store: &DynStore,
    campaign: CampaignId,
    kept: &[(String, trustloop_domain::analytics::TeamSums)],
) {
    let totals = store.team_totals(campaign).await.expect("totals");
    let shown: Vec<(String, trustloop_domain::analytics::TeamTotals)> =
        kept.iter().map(|(t, s)| (t.clone(), (*s).into())).collect();
    assert_eq!(totals, shown);
}

async fn team_sums_kept_up_to_date_always_equal_a_recomputation_from_the_answers(store: DynStore) {
    // Five teams, each a leader with 3 to 7 direct reports, plus peers who are not counted.
    let mut rows = vec![row("Chief", "chief@example.org", None, Some("Board"))];
    let mut leaders = Vec::new();
    for t in 0..5 {
        let leader = format!("lead{t}@example.org");
        rows.push(row(
            &format!("Lead {t}"),
            &leader,
            Some("chief@example.org"),
            Some(&format!("Team {t}")),
        ));
        leaders.push(leader.clone());
        for r in 0..(3 + t) {
            rows.push(row(
                &format!("Member {t}.{r}"),
                &format!("m{t}.{r}@example.org"),
                Some(&leader),
                Some(&format!("Team {t}")),
            ));
        }
    }
    import(&store, rows).await.expect("imported");
    let mut ids = Vec::new();
    for l in &leaders {
        ids.push(id_of(&store, l).await);
    }
    let instrument = Instrument::current();
    // Each random sequence in a campaign of its own: a random share of the invitations answered
    // in a random order, the sums read at random moments while answers keep arriving (and
    // then answers arriving after each read), then the campaign closed.
    for seed in [7u64, 1234, 99, 2026, 31337, 4242] {
        let mut random = Random(seed);
        let (campaign, links) = open_campaign(&store, &ids).await;
        assert!(
            store.team_sums(campaign).await.expect("sums").is_empty(),
            "nothing before answers"
        );
        let mut pending: Vec<&(Invitation, String)> = links
            .iter()
            .filter(|_| seed == 7 || random.next(5) != 0)
            .collect();
        let mut direct_reports = 0;
        while !pending.is_empty() {
            let (invitation, _) = pending.remove(random.next(pending.len() as u64) as usize);
            let ratings = instrument
                .items
                .iter()
                .map(|item| {
                    let rating = match random.next(7) {
                        0 => Rating::CantSay,
                        p => Rating::Score(p.min(5) as u8),
                    };
                    (item.code.clone(), rating)
                })
                .collect();
            store
                .submit_response(
                    invitation.id,
                    &SurveyAnswers {
                        ratings,
                        comments: BTreeMap::new(),
                    },
                    today(),
                )
                .await
                .expect("answered");
            if invitation.group == RaterGroup::DirectReport {
                direct_reports += 1;
            }
            // Read the sums at random moments while answers keep arriving.
            if random.next(4) == 0 {
                let kept = store.team_sums(campaign).await.expect("sums");
                let recomputed = store
                    .recomputed_team_sums(campaign)
                    .await
                    .expect("recomputed");
                assert_same_sums(&kept, &recomputed);
                assert_totals_are_the_sums_shown(&store, campaign, &kept).await;
                assert!(
                    kept.iter().all(|(_, sums)| sums.respondents >= 3),
                    "answers become readable only in batches of at least k = 3: {kept:?}"
                );
            }
        }
        // What still waits for its batch is released when the campaign closes.
        store
            .set_campaign_status(campaign, CampaignStatus::Closed)
            .await
            .expect("closed");
        if seed == 7 {
            // Everyone answered: no group is too small, nothing stays sealed. (Otherwise a group
            // the report hides stays sealed for good, in no sum.)
            assert_eq!(store.pending_answers(campaign).await.expect("pending"), 0);
        }
        let kept = store.team_sums(campaign).await.expect("sums");
        assert_same_sums(
            &kept,
            &store
                .recomputed_team_sums(campaign)
                .await
                .expect("recomputed"),
        );
        assert_totals_are_the_sums_shown(&store, campaign, &kept).await;
        let counted: u64 = kept.iter().map(|(_, s)| s.respondents).sum();
        assert!(
            counted <= direct_reports,
            "direct reports only, and never more than answered (a group below the minimum stays sealed): seed {seed}"
        );
        if seed == 7 {
            assert_eq!(
                counted,
                3 + 4 + 5 + 6 + 7,
                "everyone answered: every direct report"
            );
            assert_eq!(kept[0].0, "Team 0");
        }
    }
}

async fn bulk_loaded_answers_are_stored_exactly_as_answers_submitted_one_by_one(store: DynStore) {
    let org = import_org(&store).await;
    let leaders = [org.dana, org.lee, org.pat];
    // The same raters answer the same way in two campaigns: one by one in the first, in one
    // bulk load in the second.
    let (one_by_one, _) = open_campaign_with_rules(&store, &leaders, STORAGE_ONLY_RULES).await;
    let bulk = campaign_with_rules(&store, "Bulk 360", STORAGE_ONLY_RULES).await;
    for leader in leaders {
        store.add_leader(bulk, leader).await.expect("leader added");
    }
    store
        .set_campaign_status(bulk, CampaignStatus::Open)
        .await
        .expect("opened");
    let instrument = Instrument::current();
    let mut random = Random(99);
    let mut answer_for = BTreeMap::new();
    for invitation in store.invitations(one_by_one, None).await.expect("listed") {
        // Leave one invitation in four unanswered.
        if random.next(4) == 0 {
            continue;
        }
        let ratings = instrument
            .items
            .iter()
            .map(|item| {
                let rating = match random.next(7) {
                    0 => Rating::CantSay,
                    p => Rating::Score(p.min(5) as u8),
                };
                (item.code.clone(), rating)
            })
            .collect();
        let mut comments = BTreeMap::new();
        if random.next(2) == 0 {
            comments.insert(
                "start".to_string(),
                format!("Comment {}", random.next(1000)),
            );
        }
        answer_for.insert(
            (
                invitation.leader_id,
                invitation.group,
                invitation.rater_email.clone(),
            ),
            SurveyAnswers { ratings, comments },
        );
    }
    let mut batch = Vec::new();
    for (first, second) in store
        .invitations(one_by_one, None)
        .await
        .expect("listed")
        .into_iter()
        .zip(store.invitations(bulk, None).await.expect("listed"))
    {
        assert_eq!(
            (first.leader_id, first.group, &first.rater_email),
            (second.leader_id, second.group, &second.rater_email)
        );
        if let Some(answers) = answer_for.get(&(first.leader_id, first.group, first.rater_email)) {
            store
                .submit_response(first.id, answers, today())
                .await
                .expect("submitted");
            batch.push((second.id, answers.clone()));
        }
    }
    assert!(
        batch.len() >= 4,
        "enough answers to compare: {}",
        batch.len()
    );
    store.load_responses(&batch, today()).await.expect("loaded");
    // A batch holding one answered invitation is refused as a whole and stores nothing.
    let unanswered = store
        .invitations(bulk, None)
        .await
        .expect("listed")
        .into_iter()
        .find(|i| !batch.iter().any(|(id, _)| *id == i.id))
        .expect("some invitation was left unanswered");
    let refused = store
        .load_responses(
            &[
                (unanswered.id, batch[0].1.clone()),
                (batch[0].0, batch[0].1.clone()),
            ],
            today(),
        )
        .await;
    assert!(is_conflict(&refused), "{refused:?}");
    assert_eq!(
        store.progress(one_by_one).await.expect("progress"),
        store.progress(bulk).await.expect("progress"),
        "nothing of the refused batch was kept"
    );
    assert_eq!(
        store.pending_answers(one_by_one).await.expect("pending"),
        store.pending_answers(bulk).await.expect("pending"),
        "the same answers wait for their batch either way"
    );
    // Closing releases what still waits; then both campaigns hold the same.
    for id in [one_by_one, bulk] {
        let closed = store.set_campaign_status(id, CampaignStatus::Closed).await;
        assert!(closed.is_ok(), "{closed:?}");
    }

    let normalise = |(responses, comments): (
        Vec<trustloop_domain::report::Response>,
        Vec<trustloop_domain::report::Comment>,
    )| {
        let mut responses: Vec<String> = responses.iter().map(|r| format!("{r:?}")).collect();
        responses.sort();
        let mut comments: Vec<String> = comments.iter().map(|c| format!("{c:?}")).collect();
        comments.sort();
        (responses, comments)
    };
    for leader in leaders {
        assert_eq!(
            normalise(store.responses(one_by_one, leader).await.expect("read")),
            normalise(store.responses(bulk, leader).await.expect("read")),
            "leader {leader:?}"
        );
    }
    assert_eq!(
        store.progress(one_by_one).await.expect("progress"),
        store.progress(bulk).await.expect("progress")
    );
    let kept = store.team_sums(bulk).await.expect("sums");
    assert!(!kept.is_empty(), "direct reports' answers are counted");
    assert_same_sums(&kept, &store.team_sums(one_by_one).await.expect("sums"));
    assert_same_sums(
        &kept,
        &store.recomputed_team_sums(bulk).await.expect("recomputed"),
    );

    let late = store
        .load_responses(&[(unanswered.id, batch[0].1.clone())], today())
        .await;
    assert!(
        is_conflict(&late),
        "a closed campaign refuses bulk answers too: {late:?}"
    );
}

async fn each_response_keeps_its_scores_and_a_closed_campaigns_context_is_stored_once(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let id = answered_campaign(&store, &org).await;
    let instrument = Instrument::current();
    let scores = store.campaign_rater_scores(id).await.expect("scores");
    let (responses, _) = store
        .campaign_responses(id)
        .await
        .map(|r| (r, ()))
        .expect("responses");
    assert_eq!(scores.len(), responses.len());
    let expected =
        trustloop_domain::analytics::Contribution::of(&instrument, &answers(5, None).ratings)
            .values;
    for (leader, _, values) in &scores {
        if *leader == org.lee {
            assert_eq!(*values, expected);
        }
    }
    assert_eq!(store.campaign_context(id).await.expect("read"), None);
    store
        .save_campaign_context(id, "{\"first\":1}")
        .await
        .expect("saved");
    store
        .save_campaign_context(id, "{\"second\":2}")
        .await
        .expect("kept");
    assert_eq!(
        store.campaign_context(id).await.expect("read").as_deref(),
        Some("{\"first\":1}")
    );
}

/// On SQLite the intake commits without flushing and flushes the log itself: an answer is
/// reported stored only once that flush worked.
#[tokio::test]
async fn on_sqlite_an_answer_is_reported_stored_only_once_the_log_is_flushed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("flushed.db");
    let store = connect(&format!("sqlite://{}", file.display()))
        .await
        .expect("opens");
    let org = import_org(&store).await;
    let (_, links) = open_campaign(&store, &[org.lee]).await;
    store
        .submit_response(
            link_for(&links, "ann@example.org").0.id,
            &answers(4, None),
            today(),
        )
        .await
        .expect("stored and flushed");
    // The log the intake flushes is gone (SQLite goes on writing to the file it has open).
    let log = dir.path().join("flushed.db-wal");
    std::fs::remove_file(&log).expect("the log is beside the database");
    let unflushed = store
        .submit_response(
            link_for(&links, "ben@example.org").0.id,
            &answers(3, None),
            today(),
        )
        .await;
    assert!(
        matches!(
            &unflushed,
            Err(StoreError::Database(sqlx::Error::Io(error))) if error.kind() == std::io::ErrorKind::NotFound
        ),
        "{unflushed:?}"
    );
}

#[tokio::test]
async fn scores_missing_for_older_responses_are_computed_when_first_needed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let store = connect(&url).await.expect("opens");
    let org = import_org(&store).await;
    let id = answered_campaign(&store, &org).await;
    let mut before = store.campaign_rater_scores(id).await.expect("scores");
    // As if the responses had been stored before scores were kept.
    let pool = sqlx::SqlitePool::connect(&url)
        .await
        .expect("raw connection");
    sqlx::query("UPDATE responses SET scored = 0, m0 = NULL, m1 = NULL, m2 = NULL, m3 = NULL")
        .execute(&pool)
        .await
        .expect("forgotten");
    pool.close().await;

    let mut after = store.campaign_rater_scores(id).await.expect("recomputed");

    let key =
        |row: &(PersonId, RaterGroup, [Option<f64>; 4])| (row.0, row.1, format!("{:?}", row.2));
    before.sort_by_key(key);
    after.sort_by_key(key);
    assert_eq!(before, after);
}

/// The location of each segment answer of a campaign, sorted.
async fn segment_locations(store: &DynStore, campaign: CampaignId) -> Vec<String> {
    let mut found: Vec<String> = store
        .segment_answers(campaign)
        .await
        .expect("segments")
        .into_iter()
        .map(|s| s.attributes["location"].clone())
        .collect();
    found.sort();
    found
}

async fn answers_become_readable_only_in_batches_of_k_or_when_the_campaign_closes(store: DynStore) {
    let mut rows = vec![
        row("Chief", "chief@example.org", None, Some("Board")),
        row(
            "Lead",
            "lead@example.org",
            Some("chief@example.org"),
            Some("Core"),
        ),
    ];
    let places = [
        "Lisbon", "Lisbon", "Lisbon", "Porto", "Porto", "Faro", "Faro",
    ];
    for (i, place) in places.iter().enumerate() {
        let mut member = row(
            &format!("Member {i}"),
            &format!("m{i}@example.org"),
            Some("lead@example.org"),
            Some("Core"),
        );
        member.attributes = vec![("location".into(), (*place).into())];
        rows.push(member);
    }
    import(&store, rows).await.expect("imported");
    let lead = id_of(&store, "lead@example.org").await;
    let (id, links) = open_campaign(&store, &[lead]).await;
    let answer = |rater: &str| link_for(&links, rater).0.id;
    let readable = |store: DynStore| async move {
        store.responses(id, lead).await.expect("responses").0.len()
    };

    // The leader's own answer is shown as theirs: nothing to hide it among.
    store
        .submit_response(answer("lead@example.org"), &answers(4, None), today())
        .await
        .expect("self");
    assert_eq!(readable(store.clone()).await, 1);
    assert_eq!(store.pending_answers(id).await.expect("pending"), 0);

    // Direct reports (k = 3): nothing readable while fewer than 2k = 6 wait.
    for n in 0..5 {
        store
            .submit_response(
                answer(&format!("m{n}@example.org")),
                &answers(2, Some("a comment")),
                today(),
            )
            .await
            .expect("answered");
        assert_eq!(
            readable(store.clone()).await,
            1,
            "still only the self answer"
        );
        assert_eq!(store.pending_answers(id).await.expect("pending"), n + 1);
        assert!(store.team_sums(id).await.expect("sums").is_empty());
        assert!(
            store
                .segment_answers(id)
                .await
                .expect("segments")
                .is_empty()
        );
    }
    // The sixth: three of the six, chosen at random, come out together; three stay behind so
    // that what is left at the close is a batch of at least k too.
    store
        .submit_response(answer("m5@example.org"), &answers(3, None), today())
        .await
        .expect("answered");
    assert_eq!(readable(store.clone()).await, 4);
    assert_eq!(store.pending_answers(id).await.expect("pending"), 3);
    let sums = store.team_sums(id).await.expect("sums");
    assert_eq!(sums.len(), 1);
    assert_eq!(sums[0].1.respondents, 3);
    assert_eq!(store.segment_answers(id).await.expect("segments").len(), 3);

    // A seventh waits with them until the campaign closes.
    store
        .submit_response(answer("m6@example.org"), &answers(5, None), today())
        .await
        .expect("answered");
    assert_eq!(readable(store.clone()).await, 4);
    assert_eq!(store.pending_answers(id).await.expect("pending"), 4);
    store
        .set_campaign_status(id, CampaignStatus::Closed)
        .await
        .expect("closed");
    assert_eq!(readable(store.clone()).await, 8);
    assert_eq!(store.pending_answers(id).await.expect("pending"), 0);
    let (_, comments) = store.responses(id, lead).await.expect("comments");
    assert_eq!(comments.len(), 5);
    let found = segment_locations(&store, id).await;
    let mut expected = places.map(String::from).to_vec();
    expected.sort();
    assert_eq!(
        found, expected,
        "each answer keeps its rater's attributes, sealed"
    );
    assert_same_sums(
        &store.team_sums(id).await.expect("sums"),
        &store.recomputed_team_sums(id).await.expect("recomputed"),
    );
}

/// Answers that arrive in one commit count as they would one by one: a group with 2k waiting,
/// stored and arriving together alike, releases all but k, and the answers it releases at once
/// keep their comments, their rater's attributes and their place in the team's sums.
async fn answers_committed_together_are_released_by_the_same_rule_as_answers_one_by_one(
    store: DynStore,
) {
    let mut rows = vec![row("Lead", "lead@example.org", None, Some("Core"))];
    let places: Vec<String> = (0..10).map(|i| format!("Place {}", i % 4)).collect();
    for (i, place) in places.iter().enumerate() {
        let mut member = row(
            &format!("Member {i}"),
            &format!("m{i}@example.org"),
            Some("lead@example.org"),
            Some("Core"),
        );
        member.attributes = vec![("location".into(), place.clone())];
        rows.push(member);
    }
    import(&store, rows).await.expect("imported");
    let lead = id_of(&store, "lead@example.org").await;
    let (id, links) = open_campaign(&store, &[lead]).await;
    let answer = |n: usize| {
        (
            link_for(&links, &format!("m{n}@example.org")).0.id,
            answers(1 + (n % 5) as u8, Some("said together")),
        )
    };
    let readable = |store: DynStore| async move {
        store.responses(id, lead).await.expect("responses").0.len()
    };
    let check = |readable_now: usize, waiting: u64| {
        let store = store.clone();
        async move {
            assert_eq!(readable(store.clone()).await, readable_now);
            assert_eq!(store.pending_answers(id).await.expect("pending"), waiting);
            let sums = store.team_sums(id).await.expect("sums");
            assert_eq!(
                sums.iter().map(|(_, s)| s.respondents).sum::<u64>(),
                readable_now as u64
            );
            assert_same_sums(&sums, &store.recomputed_team_sums(id).await.expect("again"));
        }
    };

    // Seven at once (k = 3): four come out, three stay.
    store
        .load_responses(&(0..7).map(answer).collect::<Vec<_>>(), today())
        .await
        .expect("seven");
    check(4, 3).await;
    // Two more together make five waiting: fewer than 2k, nothing comes out.
    store
        .load_responses(&(7..9).map(answer).collect::<Vec<_>>(), today())
        .await
        .expect("two");
    check(4, 5).await;
    // The sixth waiting arrives alone: three of the six come out.
    let (invitation, last) = answer(9);
    store
        .submit_response(invitation, &last, today())
        .await
        .expect("one");
    check(7, 3).await;

    store
        .set_campaign_status(id, CampaignStatus::Closed)
        .await
        .expect("closed");
    check(10, 0).await;
    let (responses, comments) = store.responses(id, lead).await.expect("read");
    assert_eq!(comments.len(), 10);
    let mut points: Vec<u8> = responses
        .iter()
        .map(|r| {
            r.ratings
                .values()
                .find_map(|rating| match rating {
                    Rating::Score(p) => Some(*p),
                    Rating::CantSay => None,
                })
                .expect("a score")
        })
        .collect();
    points.sort();
    let mut expected: Vec<u8> = (0..10).map(|n| 1 + (n % 5) as u8).collect();
    expected.sort();
    assert_eq!(points, expected, "every answer as it was given");
    let found = segment_locations(&store, id).await;
    let mut places = places;
    places.sort();
    assert_eq!(found, places, "each answer keeps its rater's attributes");
}

// ------------------------------------------------------------------------------ segment views

async fn attribute_values_list_everyones_attributes_with_few_enough_values(store: DynStore) {
    let mut rows = Vec::new();
    for (i, location) in ["Lisbon", "London", "Lisbon", "Porto"].iter().enumerate() {
        let mut r = row(&format!("P{i}"), &format!("p{i}@example.org"), None, None);
        r.attributes = vec![
            ("employee_no".into(), format!("E{i}")),
            ("location".into(), (*location).into()),
        ];
        rows.push(r);
    }
    rows.push(row("No attributes", "none@example.org", None, None));
    import(&store, rows).await.expect("imported");
    let values = store.attribute_values(3).await.expect("values");
    assert_eq!(
        values,
        vec![
            ("employee_no".to_string(), None),
            (
                "location".to_string(),
                Some(vec!["Lisbon".into(), "London".into(), "Porto".into()])
            ),
        ]
    );
    let all = store.attribute_values(4).await.expect("values");
    assert_eq!(all[0].1.as_ref().map(Vec::len), Some(4));
}

async fn segment_views_are_kept_per_viewer_and_campaign_once_each(store: DynStore) {
    let admin = user_named(&store, "admin@example.org").await;
    let other = user_named(&store, "other@example.org").await;
    let spring = campaign(&store, "Spring").await;
    let autumn = campaign(&store, "Autumn").await;
    let first_day = today();
    store
        .record_segment_views(spring, admin, first_day, &|seen| {
            assert!(seen.is_empty());
            vec![(r#"{"location":["Lisbon"]}"#.into(), 12), ("{}".into(), 30)]
        })
        .await
        .expect("recorded");
    let later = first_day + time::Duration::days(1);
    let observed = std::sync::Mutex::new(Vec::new());
    store
        .record_segment_views(spring, admin, later, &|seen| {
            observed.lock().expect("lock").extend_from_slice(seen);
            vec![("{}".into(), 30), (r#"{"function":["Finance"]}"#.into(), 9)]
        })
        .await
        .expect("recorded");
    let expected_before = vec![
        SegmentViewRecord {
            filters: r#"{"location":["Lisbon"]}"#.into(),
            respondents: 12,
            seen_on: first_day,
        },
        SegmentViewRecord {
            filters: "{}".into(),
            respondents: 30,
            seen_on: first_day,
        },
    ];
    assert_eq!(*observed.lock().expect("lock"), expected_before);
    let seen = store.segment_views_seen(spring, admin).await.expect("seen");
    assert_eq!(seen.len(), 3, "a view seen again is kept once");
    assert_eq!(seen[..2], expected_before[..], "with its first day");
    assert_eq!(seen[2].seen_on, later);
    assert!(
        store
            .segment_views_seen(spring, other)
            .await
            .expect("seen")
            .is_empty()
    );
    assert!(
        store
            .segment_views_seen(autumn, admin)
            .await
            .expect("seen")
            .is_empty()
    );
    // Nothing to record records nothing; an unknown viewer is refused.
    store
        .record_segment_views(autumn, other, later, &|_| Vec::new())
        .await
        .expect("nothing");
    assert!(
        store
            .segment_views_seen(autumn, other)
            .await
            .expect("seen")
            .is_empty()
    );
    assert!(is_not_found(
        &store
            .record_segment_views(autumn, UserId(other.0 + 100), later, &|_| vec![(
                "{}".into(),
                5
            )])
            .await
    ));
}

async fn concurrent_segment_view_decisions_of_one_viewer_each_see_the_others(store: DynStore) {
    let admin = user_named(&store, "admin@example.org").await;
    let id = campaign(&store, "Spring").await;
    // Each request shows its view only if the viewer has seen nothing yet: exactly one may.
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .record_segment_views(id, admin, today(), &move |seen| {
                        if seen.is_empty() {
                            vec![(format!(r#"{{"n":["{i}"]}}"#), 10)]
                        } else {
                            Vec::new()
                        }
                    })
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("recorded");
    }
    assert_eq!(
        store
            .segment_views_seen(id, admin)
            .await
            .expect("seen")
            .len(),
        1
    );
}

async fn at_close_small_groups_are_written_as_others_or_stay_sealed_as_the_report_would_show_them(
    store: DynStore,
) {
    let rows = vec![
        row("Chief", "chief@example.org", None, Some("Board")),
        row(
            "Lead",
            "lead@example.org",
            Some("chief@example.org"),
            Some("Core"),
        ),
        row(
            "Sol",
            "sol@example.org",
            Some("chief@example.org"),
            Some("Edge"),
        ),
        row(
            "Dee",
            "d0@example.org",
            Some("lead@example.org"),
            Some("Core"),
        ),
        row(
            "Dov",
            "d1@example.org",
            Some("lead@example.org"),
            Some("Core"),
        ),
        row(
            "Xan",
            "x0@example.org",
            Some("sol@example.org"),
            Some("Edge"),
        ),
    ];
    import(&store, rows).await.expect("imported");
    let lead = id_of(&store, "lead@example.org").await;
    let sol = id_of(&store, "sol@example.org").await;
    let id = campaign(&store, "Small groups").await;
    for leader in [lead, sol] {
        store.add_leader(id, leader).await.expect("leader");
    }
    // Each leader is also the other's peer.
    for (leader, peer, name) in [
        (lead, "sol@example.org", "Sol"),
        (sol, "lead@example.org", "Lead"),
    ] {
        store
            .add_invitation(&NewInvitation {
                campaign_id: id,
                leader_id: leader,
                group: RaterGroup::Peer,
                person_id: None,
                rater_name: name.into(),
                rater_email: email(peer),
            })
            .await
            .expect("peer invited");
    }
    let links = store
        .issue_links(id, false, &token_factory())
        .await
        .expect("links");
    store
        .set_campaign_status(id, CampaignStatus::Open)
        .await
        .expect("opened");
    // Lead: two direct reports and one peer (3 anonymous raters, each group below k = 3).
    // Sol: one direct report and one peer (2: below k even together).
    for (invitation, _) in &links {
        if invitation.group != RaterGroup::SelfRating && invitation.group != RaterGroup::Manager {
            store
                .submit_response(invitation.id, &answers(3, Some("a comment")), today())
                .await
                .expect("answered");
        }
    }
    assert_eq!(store.pending_answers(id).await.expect("pending"), 5);
    store
        .set_campaign_status(id, CampaignStatus::Closed)
        .await
        .expect("closed");
    let (leads, lead_comments) = store.responses(id, lead).await.expect("Lead's");
    assert_eq!(leads.len(), 3);
    assert!(
        leads.iter().all(|r| r.group == RaterGroup::Other),
        "groups below k are stored as the Others they are shown as: {leads:?}"
    );
    assert!(lead_comments.iter().all(|c| c.group == RaterGroup::Other));
    let (sols, sol_comments) = store.responses(id, sol).await.expect("Sol's");
    assert!(
        sols.is_empty() && sol_comments.is_empty(),
        "a group the report hides is never written where it can be read"
    );
    assert_eq!(
        store.pending_answers(id).await.expect("pending"),
        2,
        "Sol's two answers stay sealed"
    );
    assert!(
        store.team_sums(id).await.expect("sums").is_empty(),
        "no direct report's answer is readable as one"
    );
    assert!(
        store
            .segment_answers(id)
            .await
            .expect("segments")
            .is_empty()
    );
}

/// People and their attributes as a database made before migration 0010 held them, one row per
/// attribute in `person_attributes`; the values carry quotes, backslashes and non-ASCII letters.
const PEOPLE_BEFORE_0010: [&str; 2] = [
    "INSERT INTO people (id, name, email) VALUES (1, 'Ana', 'ana@example.org'),
         (2, 'Bo', 'bo@example.org'), (3, 'Cy', 'cy@example.org')",
    "INSERT INTO person_attributes (person_id, name, value) VALUES
         (1, 'location', 'São Paulo \\ \"HQ\"'), (1, 'function', 'Finance'), (2, 'location', 'Lisbon')",
];

/// After the upgrade, each person has the attributes they had, and the segment filters list
/// the same values.
async fn attributes_came_through_the_upgrade(store: &DynStore) {
    let attributes =
        |id| async move { store.person(PersonId(id)).await.expect("person").attributes };
    assert_eq!(
        attributes(1).await,
        vec![
            ("function".to_string(), "Finance".to_string()),
            ("location".to_string(), "São Paulo \\ \"HQ\"".to_string())
        ]
    );
    assert_eq!(
        attributes(2).await,
        vec![("location".to_string(), "Lisbon".to_string())]
    );
    assert!(attributes(3).await.is_empty());
    assert_eq!(
        store.attribute_values(10).await.expect("values"),
        vec![
            ("function".to_string(), Some(vec!["Finance".to_string()])),
            (
                "location".to_string(),
                Some(vec![
                    "Lisbon".to_string(),
                    "São Paulo \\ \"HQ\"".to_string()
                ])
            ),
        ]
    );
}

/// A new, empty database on the PostgreSQL test server (`TRUSTLOOP_TEST_POSTGRES`): its URL.
async fn new_postgres_database() -> String {
    let server = std::env::var("TRUSTLOOP_TEST_POSTGRES").expect("TRUSTLOOP_TEST_POSTGRES");
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    PgStore::create_database(&server, &name)
        .await
        .expect("test database created")
}

/// The pool checks a connection only when it sat idle (`POSTGRES_IDLE_CHECK`): one the server
/// closed meanwhile (a restart, a failover, an administrator) must be replaced before a query is
/// sent on it, not fail the query.
#[tokio::test]
#[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
async fn a_connection_the_server_closed_while_idle_is_replaced_before_use_postgres() {
    let (url, store) = new_postgres_store().await;
    // Several connections in the pool, all used a moment ago.
    let reads: Vec<_> = (0..4).map(|_| store.campaigns()).collect();
    for read in futures_util::future::join_all(reads).await {
        read.expect("reads");
    }
    let mut admin: sqlx::PgConnection = sqlx::Connection::connect(&url).await.expect("opens");
    let closed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()) AS t",
    )
    .fetch_one(&mut admin)
    .await
    .expect("terminates");
    assert!(closed >= 1, "the store's connections were closed: {closed}");
    tokio::time::sleep(
        trustloop_storage::POSTGRES_IDLE_CHECK + std::time::Duration::from_millis(300),
    )
    .await;
    for _ in 0..closed + 1 {
        store
            .campaigns()
            .await
            .expect("a read after the connections were closed");
    }
    store.health().await.expect("healthy");
}

/// A store on a new database of the PostgreSQL test server, and the database's URL.
async fn new_postgres_store() -> (String, DynStore) {
    let url = new_postgres_database().await;
    let store = connect_with_key(&url, SealKey::random())
        .await
        .expect("opens");
    (url, store)
}

/// Applies the first `applied` of `migrator`'s migrations to `pool`'s database, runs
/// `inserts` on it and closes the pool.
async fn older_schema<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
    mut migrator: sqlx::migrate::Migrator,
    applied: usize,
    inserts: &[impl AsRef<str>],
) where
    DB::Connection: sqlx::migrate::Migrate,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    migrator.migrations = migrator.migrations[..applied].to_vec().into();
    migrator.run(pool).await.expect("the older schema");
    for insert in inserts {
        sqlx::query(insert.as_ref())
            .execute(pool)
            .await
            .expect("old rows");
    }
    pool.close().await;
}

/// An SQLite store opened on a database that had only the first `applied` migrations when
/// `inserts` were run on it: the upgrade from that schema. The folder holds the file.
async fn sqlite_upgraded_from(
    applied: usize,
    inserts: &[impl AsRef<str>],
) -> (tempfile::TempDir, DynStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("opens");
    older_schema(
        &pool,
        sqlx::migrate!("./migrations/sqlite"),
        applied,
        inserts,
    )
    .await;
    let store = connect(&url).await.expect("upgraded");
    (dir, store)
}

/// [`sqlite_upgraded_from`] on a new database of the PostgreSQL test server.
async fn postgres_upgraded_from(applied: usize, inserts: &[impl AsRef<str>]) -> DynStore {
    let url = new_postgres_database().await;
    let pool = sqlx::PgPool::connect(&url).await.expect("opens");
    older_schema(
        &pool,
        sqlx::migrate!("./migrations/postgres"),
        applied,
        inserts,
    )
    .await;
    connect_with_key(&url, SealKey::random())
        .await
        .expect("upgraded")
}

#[tokio::test]
async fn attributes_stored_one_row_each_move_into_people_on_upgrade_sqlite() {
    let (_dir, store) = sqlite_upgraded_from(9, &PEOPLE_BEFORE_0010).await;
    attributes_came_through_the_upgrade(&store).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
async fn attributes_stored_one_row_each_move_into_people_on_upgrade_postgres() {
    let store = postgres_upgraded_from(9, &PEOPLE_BEFORE_0010).await;
    attributes_came_through_the_upgrade(&store).await;
}

/// The constraints of `people` on PostgreSQL, as the catalogue defines them.
async fn people_constraints(pool: &sqlx::PgPool) -> Vec<(String, String, bool)> {
    sqlx::query_as(
        "SELECT conname::text, pg_get_constraintdef(oid), convalidated FROM pg_constraint
         WHERE conrelid = 'people'::regclass
         UNION ALL
         SELECT indexname::text, indexdef, true FROM pg_indexes WHERE tablename = 'people'
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .expect("constraints and indexes")
}

/// A first import on PostgreSQL drops the foreign keys of `people` and its indexes of reads and
/// makes them again (see `Backend::FIRST_IMPORT_DEFERRED`): they must come back exactly as the
/// migrations made them, checked, and enforced; a later import leaves them alone.
#[tokio::test]
#[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
async fn a_first_import_leaves_the_keys_of_people_as_the_migrations_made_them_postgres() {
    let (url, store) = new_postgres_store().await;
    let pool = sqlx::PgPool::connect(&url).await.expect("opens");
    let made = people_constraints(&pool).await;
    assert!(
        ["people_manager", "people_team", "people_email_key"]
            .iter()
            .all(|index| made.iter().any(|(name, ..)| name == index)),
        "{made:?}"
    );
    assert!(
        made.iter().any(|(name, ..)| name == "people_team_id_fkey")
            && made
                .iter()
                .any(|(name, ..)| name == "people_manager_id_fkey"),
        "{made:?}"
    );

    let org = import_org(&store).await;
    assert_eq!(
        people_constraints(&pool).await,
        made,
        "after a first import"
    );
    import(
        &store,
        vec![row(
            "New Hire",
            "new@example.org",
            Some("lee@example.org"),
            Some("Platform"),
        )],
    )
    .await
    .expect("a later import");
    assert_eq!(
        people_constraints(&pool).await,
        made,
        "after a later import"
    );

    let orphan = sqlx::query(
        "INSERT INTO people (name, email, team_id, manager_id) VALUES ('Orphan', 'o@example.org', 999999, NULL)",
    )
    .execute(&pool)
    .await;
    assert!(orphan.is_err(), "a team that does not exist is refused");
    let orphan = sqlx::query(
        "INSERT INTO people (name, email, team_id, manager_id) VALUES ('Orphan', 'o@example.org', NULL, 999999)",
    )
    .execute(&pool)
    .await;
    assert!(orphan.is_err(), "a manager who does not exist is refused");
    let lee = store.person(org.lee).await.expect("Lee");
    assert_eq!(lee.manager_id, Some(org.dana));
}

/// An open campaign (id 1) with one leader (Lea, id 1, of team Core) as any schema from 0010 on
/// holds it.
fn old_campaign(instrument: &Instrument) -> Vec<String> {
    let definition = serde_json::to_string(instrument).expect("instrument");
    vec![
        format!(
            "INSERT INTO instruments (version, definition) VALUES ({}, '{}')",
            instrument.version,
            definition.replace('\'', "''")
        ),
        "INSERT INTO teams (id, name) VALUES (1, 'Core')".to_string(),
        "INSERT INTO people (id, name, email, team_id) VALUES (1, 'Lea', 'lea@example.org', 1)"
            .to_string(),
        format!(
            "INSERT INTO campaigns (id, name, status, instrument_version, deadline, min_rater_group,
                 min_team, min_comments, created_on, min_segment)
             VALUES (1, 'Old', 'open', {}, '2027-01-31', 3, 3, 3, '2026-01-05', 3)",
            instrument.version
        ),
        "INSERT INTO campaign_leaders (campaign_id, leader_id) VALUES (1, 1)".to_string(),
    ]
}

/// Team sums as SQLite held them before migration 0013 made their table clustered by campaign
/// and team: every value must come through exactly, in team order, for its campaign only.
#[tokio::test]
async fn team_sums_come_through_the_move_to_a_clustered_table_sqlite() {
    let mut inserts = old_campaign(&Instrument::current());
    inserts.push(
        "INSERT INTO campaigns (id, name, status, instrument_version, deadline, min_rater_group,
             min_team, min_comments, created_on, min_segment)
         SELECT 2, 'Other', 'open', instrument_version, deadline, 3, 3, 3, created_on, 3
         FROM campaigns WHERE id = 1"
            .to_string(),
    );
    // Not in team order; numbers exact in binary and in short decimals, one with 17 significant
    // digits, which a copy through text at SQLite's 15 would round.
    let rows = [
        (
            1,
            "Zürich \"ops\"",
            7,
            0.375,
            1_000_000_000_000_000.5,
            123_456.781_25,
        ),
        (2, "Elsewhere", 4, 1.0, 2.0, 3.0),
        (1, "Accounts", 3, 7.25, 52.5, 1_000_000_000_000_000.5),
    ];
    for (campaign, team, respondents, sum, sum_sq, other) in rows {
        inserts.push(format!(
            "INSERT INTO team_aggregates (campaign_id, team, respondents, m0_n, m0_sum, m0_sum_sq,
                 m1_n, m1_sum, m1_sum_sq, m2_n, m2_sum, m2_sum_sq, m3_n, m3_sum, m3_sum_sq)
             VALUES ({campaign}, '{team}', {respondents}, {respondents}, {sum:?}, {sum_sq:?},
                 2, {other:?}, {sum:?}, 0, 0, 0, 1, {sum_sq:?}, {other:?})"
        ));
    }
    let (_dir, store) = sqlite_upgraded_from(12, &inserts).await;
    let sums = store.team_sums(CampaignId(1)).await.expect("team sums");
    let expected: Vec<(String, analytics::TeamSums)> = rows
        .iter()
        .filter(|row| row.0 == 1)
        .map(|&(_, team, respondents, sum, sum_sq, other)| {
            let sums = |n: u64, sum: f64, sum_sq: f64| analytics::Sums { n, sum, sum_sq };
            (
                team.to_string(),
                analytics::TeamSums {
                    respondents,
                    measures: [
                        sums(respondents, sum, sum_sq),
                        sums(2, other, sum),
                        sums(0, 0.0, 0.0),
                        sums(1, sum_sq, other),
                    ],
                },
            )
        })
        .rev()
        .collect();
    assert_eq!(sums, expected);
}

/// A campaign of three direct reports' answers as a database made before migration 0011 held
/// them: a row per rating in `response_ratings`, scores in `response_scores`: the first
/// response's as they were stored (not what its ratings give now, so that a copy can be told
/// from a recomputation), the second's as its ratings give them, the third without any (stored
/// before scores were kept).
fn answers_before_0011() -> (Vec<String>, Vec<BTreeMap<String, Rating>>) {
    let instrument = Instrument::current();
    let mut sql = old_campaign(&instrument);
    let mut all = Vec::new();
    for (n, id) in ["r1", "r2", "r3"].into_iter().enumerate() {
        sql.push(format!(
            "INSERT INTO responses (id, campaign_id, leader_id, rater_group, submitted_on, team)
             VALUES ('{id}', 1, 1, 'direct_report', '2026-01-06', 'Core')"
        ));
        let ratings: BTreeMap<String, Rating> = instrument
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let value = ((i * 7 + n * 3) % (usize::from(instrument.scale.max) + 1)) as u8;
                let rating = if value == 0 {
                    Rating::CantSay
                } else {
                    Rating::Score(value)
                };
                (item.code.clone(), rating)
            })
            .collect();
        for (code, rating) in &ratings {
            sql.push(format!(
                "INSERT INTO response_ratings (response_id, item_code, value) VALUES ('{id}', '{code}', {})",
                rating.to_stored()
            ));
        }
        let scores = match n {
            0 => [Some(11.0), Some(22.0), None, Some(44.0)],
            1 => analytics::Contribution::of(&instrument, &ratings).values,
            _ => {
                all.push(ratings);
                continue;
            }
        };
        let scores: Vec<String> = scores
            .iter()
            .map(|v| v.map_or("NULL".to_string(), |v| format!("{v:?}")))
            .collect();
        sql.push(format!(
            "INSERT INTO response_scores (response_id, campaign_id, leader_id, rater_group, m0, m1, m2, m3)
             VALUES ('{id}', 1, 1, 'direct_report', {})",
            scores.join(", ")
        ));
        all.push(ratings);
    }
    (sql, all)
}

/// After the upgrade, the report reads the same ratings, stored scores are kept as they were,
/// missing ones are computed, and the team's sums recomputed from the answers count all three.
async fn answers_came_through_the_upgrade(store: &DynStore, ratings: &[BTreeMap<String, Rating>]) {
    let instrument = Instrument::current();
    let (responses, _) = store
        .responses(CampaignId(1), PersonId(1))
        .await
        .expect("responses");
    let read: Vec<&BTreeMap<String, Rating>> = responses.iter().map(|r| &r.ratings).collect();
    assert_eq!(read, ratings.iter().collect::<Vec<_>>());
    assert!(
        responses
            .iter()
            .all(|r| r.group == RaterGroup::DirectReport)
    );
    let mut scores: Vec<String> = store
        .campaign_rater_scores(CampaignId(1))
        .await
        .expect("scores")
        .into_iter()
        .map(|(leader, group, values)| format!("{leader:?} {group:?} {values:?}"))
        .collect();
    scores.sort();
    let mut expected: Vec<String> = [
        [Some(11.0), Some(22.0), None, Some(44.0)],
        analytics::Contribution::of(&instrument, &ratings[1]).values,
        analytics::Contribution::of(&instrument, &ratings[2]).values,
    ]
    .iter()
    .map(|values| {
        format!(
            "{:?} {:?} {values:?}",
            PersonId(1),
            RaterGroup::DirectReport
        )
    })
    .collect();
    expected.sort();
    assert_eq!(scores, expected);
    let sums = store
        .recomputed_team_sums(CampaignId(1))
        .await
        .expect("sums");
    assert_eq!(sums.len(), 1);
    assert_eq!(sums[0].0, "Core");
    assert_eq!(sums[0].1.respondents, 3);
}

#[tokio::test]
async fn ratings_and_scores_move_onto_responses_on_upgrade_sqlite() {
    let (inserts, ratings) = answers_before_0011();
    let (_dir, store) = sqlite_upgraded_from(10, &inserts).await;
    answers_came_through_the_upgrade(&store, &ratings).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
async fn ratings_and_scores_move_onto_responses_on_upgrade_postgres() {
    let (inserts, ratings) = answers_before_0011();
    let store = postgres_upgraded_from(10, &inserts).await;
    answers_came_through_the_upgrade(&store, &ratings).await;
}

// ------------------------------------------------------------ two servers on one database

/// Two servers on one database (behind a load balancer) take answers for the same rater groups
/// at the same time, each in its own intake: every answer is stored exactly once. The direct
/// reports' group reaches 2k again and again while both intakes release from it.
async fn two_servers_store_each_answer_once(first: DynStore, second: DynStore) {
    let point_of = |invitation: InvitationId| 1 + (invitation.0 % 5) as u8;
    let reports: Vec<String> = (0..120).map(|n| format!("report{n}@example.org")).collect();
    let mut rows = vec![
        row(
            "Dana Director",
            "dana@example.org",
            None,
            Some("Leadership"),
        ),
        row(
            "Lee Leader",
            "lee@example.org",
            Some("dana@example.org"),
            Some("Platform"),
        ),
    ];
    for (n, address) in reports.iter().enumerate() {
        rows.push(row(
            &format!("Report {n}"),
            address,
            Some("lee@example.org"),
            Some("Platform"),
        ));
    }
    import(&first, rows).await.expect("organisation imported");
    let lee = id_of(&first, "lee@example.org").await;
    let rules = PrivacyRules {
        min_rater_group: 2,
        ..STORAGE_ONLY_RULES
    };
    let (campaign, links) = open_campaign_with_rules(&first, &[lee], rules).await;
    assert_eq!(links.len(), 122, "self, manager and 120 direct reports");
    // Rounds of a few answers to each server at once, so that both intakes keep finding the
    // same waiting answers when they decide what to release.
    for round in links.chunks(6) {
        let sent: Vec<_> = round
            .iter()
            .enumerate()
            .map(|(n, (invitation, _))| {
                let store = if n % 2 == 0 { &first } else { &second }.clone();
                let (invitation, point) = (invitation.id, point_of(invitation.id));
                tokio::spawn(async move {
                    store
                        .submit_response(invitation, &answers(point, None), today())
                        .await
                })
            })
            .collect();
        for answer in sent {
            answer.await.expect("task ran").expect("answer stored");
        }
    }
    let (released, _) = first.responses(campaign, lee).await.expect("responses");
    assert!(
        released.len() <= 122,
        "{} responses readable for 122 answers",
        released.len()
    );
    second
        .set_campaign_status(campaign, CampaignStatus::Closed)
        .await
        .expect("closed");
    let (responses, _) = first.responses(campaign, lee).await.expect("responses");
    assert_eq!(responses.len(), 122, "each answer stored once");
    let mut scores: Vec<u8> = responses
        .iter()
        .map(|r| {
            r.ratings
                .values()
                .find_map(|rating| match rating {
                    Rating::Score(point) => Some(*point),
                    _ => None,
                })
                .expect("a scored rating")
        })
        .collect();
    scores.sort_unstable();
    let mut expected: Vec<u8> = links.iter().map(|(i, _)| point_of(i.id)).collect();
    expected.sort_unstable();
    assert_eq!(scores, expected, "the answers themselves, each once");
}

#[tokio::test]
async fn two_sqlite_servers_store_each_answer_once() {
    let fixture = sqlite_fixture().await;
    let dir = fixture._dir.as_ref().expect("a folder");
    let url = format!("sqlite://{}", dir.path().join("contract.db").display());
    let second = connect(&url).await.expect("a second server opens the file");
    two_servers_store_each_answer_once(fixture.store.clone(), second).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
async fn two_postgres_servers_store_each_answer_once() {
    let url = new_postgres_database().await;
    let key = SealKey::random();
    let first = connect_with_key(&url, key.clone()).await.expect("first");
    let second = connect_with_key(&url, key).await.expect("second");
    two_servers_store_each_answer_once(first, second).await;
}
