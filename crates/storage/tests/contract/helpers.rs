//! What the contract's tests share: a small organisation, campaigns, answers and checks.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::people::{Email, PeopleFile, PersonRow};
use trustloop_domain::privacy::PrivacyRules;
use trustloop_domain::rating::{Rating, SurveyAnswers};
use trustloop_storage::*;

/// A store on a fresh database, with whatever must live as long as it.
pub(crate) struct Fixture {
    pub(crate) store: DynStore,
    pub(crate) _dir: Option<tempfile::TempDir>,
}

pub(crate) async fn sqlite_fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("contract.db").display());
    Fixture {
        store: connect(&url).await.expect("SQLite database opens"),
        _dir: Some(dir),
    }
}

pub(crate) async fn postgres_fixture() -> Fixture {
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

// ------------------------------------------------------------------------------------ helpers
pub(crate) fn email(text: &str) -> Email {
    Email::parse(text).expect("valid email")
}

pub(crate) fn row(
    name: &str,
    address: &str,
    manager: Option<&str>,
    team: Option<&str>,
) -> PersonRow {
    PersonRow {
        line: 0,
        name: name.into(),
        email: email(address),
        manager_email: manager.map(email),
        team: team.map(Into::into),
        attributes: Vec::new(),
    }
}

pub(crate) fn file(rows: Vec<PersonRow>) -> PeopleFile {
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

pub(crate) async fn import(store: &DynStore, rows: Vec<PersonRow>) -> StoreResult<ImportSummary> {
    store.import_people(&file(rows), &|_| {}).await
}

/// `person`, with `place` as their only attribute, `location`.
pub(crate) fn located(mut person: PersonRow, place: &str) -> PersonRow {
    person.attributes = vec![("location".into(), place.into())];
    person
}

/// Lee Leader, of team Platform, who reports to Dana.
pub(crate) fn lee() -> PersonRow {
    row(
        "Lee Leader",
        "lee@example.org",
        Some("dana@example.org"),
        Some("Platform"),
    )
}

/// Dana Director, of team Leadership, who has no manager: the top of the small organisation.
pub(crate) fn dana() -> PersonRow {
    row(
        "Dana Director",
        "dana@example.org",
        None,
        Some("Leadership"),
    )
}

/// A small organisation: a director, two leaders under her, and their reports.
pub(crate) async fn import_org(store: &DynStore) -> Org {
    let lee = located(lee(), "London");
    import(
        store,
        vec![
            dana(),
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

/// Dana, Lee Leader (of team Platform, reporting to Dana) and `reports` direct reports of Lee,
/// `report{n}@example.org`, each located by `place(n)` when it gives a place.
pub(crate) fn lee_with_reports(
    reports: usize,
    place: fn(usize) -> Option<&'static str>,
) -> Vec<PersonRow> {
    let mut rows = vec![
        dana(),
        row(
            "Lee Leader",
            "lee@example.org",
            Some("dana@example.org"),
            Some("Platform"),
        ),
    ];
    for n in 0..reports {
        let report = row(
            &format!("Report {n}"),
            &format!("report{n}@example.org"),
            Some("lee@example.org"),
            Some("Platform"),
        );
        rows.push(match place(n) {
            Some(place) => located(report, place),
            None => report,
        });
    }
    rows
}

pub(crate) struct Org {
    pub(crate) dana: PersonId,
    pub(crate) lee: PersonId,
    pub(crate) pat: PersonId,
    pub(crate) ann: PersonId,
}

pub(crate) async fn id_of(store: &DynStore, address: &str) -> PersonId {
    found(
        store.person_by_email(&email(address)).await,
        "person exists",
    )
    .id
}

pub(crate) fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

pub(crate) async fn campaign(store: &DynStore, name: &str) -> CampaignId {
    campaign_with_rules(store, name, PrivacyRules::default()).await
}

pub(crate) async fn campaign_with_rules(
    store: &DynStore,
    name: &str,
    rules: PrivacyRules,
) -> CampaignId {
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
pub(crate) const STORAGE_ONLY_RULES: PrivacyRules = PrivacyRules {
    min_rater_group: 1,
    min_team: 1,
    min_segment: 1,
    min_comments: 1,
};

/// A draft campaign named "Spring" with `leaders` in it (and the raters proposed for them).
pub(crate) async fn spring_led_by(store: &DynStore, leaders: &[PersonId]) -> CampaignId {
    let id = campaign(store, "Spring").await;
    add_leaders(store, id, leaders).await;
    id
}

/// Adds `leaders` to a campaign (and the raters proposed for them).
pub(crate) async fn add_leaders(store: &DynStore, campaign: CampaignId, leaders: &[PersonId]) {
    for leader in leaders {
        store
            .add_leader(campaign, *leader)
            .await
            .expect("leader added");
    }
}

/// An open campaign with `leaders` in it and a link for every proposed rater.
pub(crate) async fn open_campaign(
    store: &DynStore,
    leaders: &[PersonId],
) -> (CampaignId, Vec<(Invitation, String)>) {
    open_campaign_with_rules(store, leaders, PrivacyRules::default()).await
}

pub(crate) async fn open_campaign_with_rules(
    store: &DynStore,
    leaders: &[PersonId],
    rules: PrivacyRules,
) -> (CampaignId, Vec<(Invitation, String)>) {
    let id = campaign_with_rules(store, "Spring 360", rules).await;
    add_leaders(store, id, leaders).await;
    let links = links_for_program(store, id, false).await;
    set_status(store, id, CampaignStatus::Open).await;
    (id, links)
}

/// Issues the links of a campaign's invitations that need one to no person (as the demo and
/// the benchmarks do: nothing is withheld), with `reissue` as [`CampaignStore::issue_links`].
pub(crate) async fn links_for_program(
    store: &DynStore,
    campaign: CampaignId,
    reissue: bool,
) -> Vec<(Invitation, String)> {
    let issued = store
        .issue_links(campaign, reissue, LinkHolder::Program, &token_factory())
        .await
        .expect("links issued");
    assert_eq!(issued.withheld, 0, "nothing is withheld from the program");
    issued.links
}

/// An admin account with `address`, made on first use.
pub(crate) async fn admin_named(store: &DynStore, address: &str) -> UserId {
    if let Some(user) = store.user_by_email(&email(address)).await.expect("lookup") {
        return user.id;
    }
    store
        .create_user(&NewUser {
            email: email(address),
            display_name: address.into(),
            role: Role::Admin,
            person_id: None,
            password_hash: None,
        })
        .await
        .expect("admin")
}

/// Invites a peer or other for `leader` as the rules allow: nominated by one admin and
/// approved by another (who confirms a rater outside the directory).
pub(crate) async fn invite(
    store: &DynStore,
    campaign: CampaignId,
    leader: PersonId,
    group: RaterGroup,
    name: &str,
    address: &str,
) -> InvitationId {
    let nominated = store
        .nominate(&NewNomination {
            campaign_id: campaign,
            leader_id: leader,
            group,
            rater_name: name.into(),
            rater_email: email(address),
            by: admin_named(store, "nominating-admin@example.org").await,
        })
        .await
        .expect("nominated");
    store
        .approve_rater(&RaterDecision {
            invitation: nominated.id,
            by: admin_named(store, "approving-admin@example.org").await,
            outside_confirmed: true,
        })
        .await
        .expect("approved")
        .id
}

/// The invitation (and link) of the rater with this email.
pub(crate) fn link_for<'a>(
    links: &'a [(Invitation, String)],
    rater: &str,
) -> &'a (Invitation, String) {
    links
        .iter()
        .find(|(i, _)| i.rater_email == rater)
        .expect("the rater has a link")
}

/// Makes distinct (token, hash) pairs; the "hash" is the token reversed, enough for a store.
pub(crate) fn token_factory() -> impl Fn() -> (String, String) + Send + Sync {
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

pub(crate) fn hash_of(token: &str) -> String {
    token.chars().rev().collect()
}

pub(crate) fn answers(point: u8, comment: Option<&str>) -> SurveyAnswers {
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

/// What a lookup that worked found, which must be something (`what`, named if it is not).
pub(crate) fn found<T>(lookup: StoreResult<Option<T>>, what: &str) -> T {
    lookup
        .expect("lookup")
        .unwrap_or_else(|| panic!("nothing found: {what}"))
}

/// Whether a lookup worked and found nothing.
pub(crate) fn nothing<T>(found: StoreResult<Option<T>>) -> bool {
    found.expect("lookup").is_none()
}

pub(crate) fn is_conflict<T>(result: &StoreResult<T>) -> bool {
    matches!(result, Err(StoreError::Conflict(_)))
}

pub(crate) fn is_not_found<T>(result: &StoreResult<T>) -> bool {
    matches!(result, Err(StoreError::NotFound(_)))
}

/// The message of a conflict; any other outcome fails the test.
pub(crate) fn conflict<T: std::fmt::Debug>(result: StoreResult<T>) -> String {
    match result {
        Err(StoreError::Conflict(message)) => message,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

pub(crate) async fn user_named(store: &DynStore, address: &str) -> UserId {
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

/// A small xorshift generator: reproducible random sequences without a dependency.
pub(crate) struct Random(pub(crate) u64);

impl Random {
    pub(crate) fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }

    /// A rating for every item of `instrument`: "can't say" one time in seven, otherwise a point
    /// from 1 to 5 (5 more often than the others).
    pub(crate) fn ratings(&mut self, instrument: &Instrument) -> BTreeMap<String, Rating> {
        instrument
            .items
            .iter()
            .map(|item| {
                let rating = match self.next(7) {
                    0 => Rating::CantSay,
                    p => Rating::Score(p.min(5) as u8),
                };
                (item.code.clone(), rating)
            })
            .collect()
    }
}

pub(crate) fn assert_same_sums(
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

/// A new, empty database on the PostgreSQL test server (`TRUSTLOOP_TEST_POSTGRES`): its URL.
pub(crate) async fn new_postgres_database() -> String {
    let server = std::env::var("TRUSTLOOP_TEST_POSTGRES").expect("TRUSTLOOP_TEST_POSTGRES");
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    PgStore::create_database(&server, &name)
        .await
        .expect("test database created")
}

/// A store on a new database of the PostgreSQL test server, and the database's URL.
pub(crate) async fn new_postgres_store() -> (String, DynStore) {
    let url = new_postgres_database().await;
    let store = connect_with_key(&url, SealKey::random())
        .await
        .expect("opens");
    (url, store)
}

/// Moves a campaign on (opens or closes it), which must work.
pub(crate) async fn set_status(store: &DynStore, campaign: CampaignId, status: CampaignStatus) {
    store
        .set_campaign_status(campaign, status)
        .await
        .unwrap_or_else(|e| panic!("the campaign becomes {}: {e}", status.slug()));
}

/// How many of a leader's responses and comments in a campaign are readable, and how many of
/// the campaign's answers wait sealed.
pub(crate) async fn readable_and_sealed(
    store: &DynStore,
    campaign: CampaignId,
    leader: PersonId,
) -> (usize, u64) {
    let (responses, comments) = store.responses(campaign, leader).await.expect("responses");
    let sealed = store.pending_answers(campaign).await.expect("pending");
    (responses.len() + comments.len(), sealed)
}
