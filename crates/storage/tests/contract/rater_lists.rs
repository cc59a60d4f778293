//! Rater lists ([`RaterListStore`]): nominations await approval by someone else, the reporting
//! lines' groups are never changed by hand, lists lock at opening, every change is listed for
//! the leader, and nobody is issued the links of raters they chose.

use crate::helpers::*;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::raters::{ChangedBy, NominationState, RaterChange};
use trustloop_storage::*;

/// The accounts of the small organisation that act on Lee's list: Lee, Dana (Lee's manager),
/// Pat (a peer, no authority over Lee) and two admins.
struct Accounts {
    lee: UserId,
    dana: UserId,
    pat: UserId,
    admin: UserId,
    other_admin: UserId,
}

async fn account(store: &DynStore, address: &str, role: Role, person: Option<PersonId>) -> UserId {
    store
        .create_user(&NewUser {
            email: email(address),
            display_name: address.into(),
            role,
            person_id: person,
            password_hash: None,
        })
        .await
        .expect("account")
}

async fn accounts(store: &DynStore, org: &Org) -> Accounts {
    Accounts {
        lee: account(store, "lee@example.org", Role::Leader, Some(org.lee)).await,
        dana: account(store, "dana@example.org", Role::Leader, Some(org.dana)).await,
        pat: account(store, "pat@example.org", Role::Leader, Some(org.pat)).await,
        admin: admin_named(store, "admin@example.org").await,
        other_admin: admin_named(store, "other-admin@example.org").await,
    }
}

fn nomination(
    campaign: CampaignId,
    leader: PersonId,
    group: RaterGroup,
    address: &str,
    by: UserId,
) -> NewNomination {
    NewNomination {
        campaign_id: campaign,
        leader_id: leader,
        group,
        rater_name: format!("Rater {address}"),
        rater_email: email(address),
        by,
    }
}

fn decision(invitation: InvitationId, by: UserId, outside_confirmed: bool) -> RaterDecision {
    RaterDecision {
        invitation,
        by,
        outside_confirmed,
    }
}

/// Who is on a leader's list as an invitation (invited), by email.
async fn invited(store: &DynStore, campaign: CampaignId, leader: PersonId) -> Vec<String> {
    store
        .invitations(campaign, Some(leader))
        .await
        .expect("invitations")
        .into_iter()
        .map(|i| i.rater_email)
        .collect()
}

pub(crate) async fn a_nomination_is_not_invited_and_has_no_link_until_someone_else_approves_it(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let who = accounts(&store, &org).await;
    let id = spring_led_by(&store, &[org.lee]).await;

    let nominated = store
        .nominate(&nomination(
            id,
            org.lee,
            RaterGroup::Peer,
            "mine@outside.example",
            who.lee,
        ))
        .await
        .expect("Lee nominates");
    assert_eq!(nominated.state, NominationState::AwaitingApproval);
    assert!(nominated.outside_directory);
    assert_eq!(nominated.nominated_by, Some(who.lee));
    assert_eq!(nominated.leader_name, "Lee Leader");
    assert_eq!(
        store.nomination(nominated.id).await.expect("read back"),
        nominated
    );
    assert!(
        !invited(&store, id, org.lee)
            .await
            .contains(&"mine@outside.example".into())
    );
    let progress = store.progress(id).await.expect("progress");
    assert!(
        progress.iter().all(|p| p.group != RaterGroup::Peer),
        "{progress:?}"
    );
    let links = links_for_program(&store, id, false).await;
    assert_eq!(links.len(), 4, "self, manager and two direct reports only");
    assert!(links.iter().all(|(i, _)| i.id != nominated.id));

    // Dana, Lee's manager, must confirm that someone outside the directory should rate.
    let unconfirmed = store
        .approve_rater(&decision(nominated.id, who.dana, false))
        .await;
    assert!(
        conflict(unconfirmed).contains("not in the people directory"),
        "the outside rater needs a confirmation"
    );
    let approved = store
        .approve_rater(&decision(nominated.id, who.dana, true))
        .await
        .expect("Dana approves");
    assert_eq!(approved.state, NominationState::Approved);
    assert_eq!(approved.approved_by, Some(who.dana));
    assert!(
        invited(&store, id, org.lee)
            .await
            .contains(&"mine@outside.example".into())
    );
    let links = links_for_program(&store, id, false).await;
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].0.id, nominated.id);
    let again = store
        .approve_rater(&decision(nominated.id, who.admin, true))
        .await;
    assert!(is_conflict(&again), "approved once");
}

pub(crate) async fn only_the_leaders_manager_or_an_admin_approves_and_never_the_nominator(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let who = accounts(&store, &org).await;
    let id = spring_led_by(&store, &[org.lee]).await;
    let by_admin = store
        .nominate(&nomination(
            id,
            org.lee,
            RaterGroup::Other,
            "pat@example.org",
            who.admin,
        ))
        .await
        .expect("an admin nominates on Lee's behalf");
    assert!(!by_admin.outside_directory, "Pat is in the directory");

    for (user, why) in [
        (who.admin, "its nominator"),
        (who.lee, "the leader"),
        (who.pat, "neither manager nor admin"),
    ] {
        let refused = store
            .approve_rater(&decision(by_admin.id, user, true))
            .await;
        assert!(is_conflict(&refused), "{why}: {refused:?}");
    }
    let unknown = store
        .approve_rater(&decision(by_admin.id, UserId(987_654), true))
        .await;
    assert!(is_not_found(&unknown));
    let nothing = store
        .approve_rater(&decision(InvitationId(987_654), who.admin, true))
        .await;
    assert!(is_not_found(&nothing));
    let approved = store
        .approve_rater(&decision(by_admin.id, who.other_admin, false))
        .await
        .expect("another admin approves (Pat is in the directory: no confirmation)");
    assert_eq!(approved.approved_by, Some(who.other_admin));

    // Neither a manager nor anyone else nominates; only the leader or an admin.
    for user in [who.dana, who.pat] {
        let refused = store
            .nominate(&nomination(
                id,
                org.lee,
                RaterGroup::Peer,
                "x@example.com",
                user,
            ))
            .await;
        assert!(is_conflict(&refused), "{refused:?}");
    }
}

pub(crate) async fn the_reporting_lines_groups_are_never_changed_by_hand(store: DynStore) {
    let org = import_org(&store).await;
    let who = accounts(&store, &org).await;
    let id = spring_led_by(&store, &[org.lee]).await;
    for group in [
        RaterGroup::SelfRating,
        RaterGroup::Manager,
        RaterGroup::DirectReport,
    ] {
        let refused = store
            .nominate(&nomination(
                id,
                org.lee,
                group,
                "mine@outside.example",
                who.admin,
            ))
            .await;
        assert!(
            conflict(refused).contains("reporting lines"),
            "{group:?} is refused"
        );
    }
    let ann = store
        .invitations(id, Some(org.lee))
        .await
        .expect("invitations")
        .into_iter()
        .find(|i| i.group == RaterGroup::DirectReport)
        .expect("a direct report");
    assert!(
        is_not_found(&store.nomination(ann.id).await),
        "not a nomination"
    );
    for user in [who.admin, who.dana] {
        let removed = store.remove_rater(&decision(ann.id, user, false)).await;
        assert!(conflict(removed).contains("reporting lines"));
        let moved = store.approve_rater(&decision(ann.id, user, true)).await;
        assert!(is_conflict(&moved));
    }
    // Ann is a direct report in the reporting lines: she cannot be moved into the peers.
    let twice = store
        .nominate(&nomination(
            id,
            org.lee,
            RaterGroup::Peer,
            "ann@example.org",
            who.lee,
        ))
        .await;
    assert!(conflict(twice).contains("reporting lines"));
    // Nor is anyone the reporting lines put in a group moved into another by hand: Dana, Lee's
    // manager, is not invited a second time as someone else.
    let moved = store
        .nominate(&nomination(
            id,
            org.lee,
            RaterGroup::Other,
            "dana@example.org",
            who.admin,
        ))
        .await;
    assert!(conflict(moved).contains("reporting lines"));
    let lee_himself = store
        .nominate(&nomination(
            id,
            org.lee,
            RaterGroup::Peer,
            "lee@example.org",
            who.admin,
        ))
        .await;
    assert!(conflict(lee_himself).contains("self-assessment"));
    assert_eq!(
        store.nominations(id, None).await.expect("nominations"),
        Vec::new()
    );
}

pub(crate) async fn a_nomination_is_refused_when_already_listed_or_the_campaign_is_not_a_draft(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let who = accounts(&store, &org).await;
    let id = spring_led_by(&store, &[org.lee]).await;
    let peer = |address: &str| nomination(id, org.lee, RaterGroup::Peer, address, who.lee);
    store
        .nominate(&peer("outsider@example.com"))
        .await
        .expect("nominated");
    let again = store.nominate(&peer("outsider@example.com")).await;
    assert!(conflict(again).contains("outsider@example.com"));
    // Pat is not a leader in this campaign.
    let mut not_leader = peer("someone@example.com");
    not_leader.leader_id = org.pat;
    assert!(is_not_found(&store.nominate(&not_leader).await));
    let mut no_campaign = peer("someone@example.com");
    no_campaign.campaign_id = CampaignId(987_654);
    assert!(is_not_found(&store.nominate(&no_campaign).await));

    let waiting = store.set_campaign_status(id, CampaignStatus::Open).await;
    let message = conflict(waiting);
    assert!(
        message.starts_with("1 nomination still awaits approval (Lee Leader: 1)"),
        "{message}"
    );
    assert_eq!(
        store.campaign(id).await.expect("campaign").status,
        CampaignStatus::Draft
    );
    let outsider = store.nominations(id, Some(org.lee)).await.expect("list")[0].id;
    store
        .approve_rater(&decision(outsider, who.dana, true))
        .await
        .expect("approved");
    set_status(&store, id, CampaignStatus::Open).await;

    let late = store.nominate(&peer("late@example.com")).await;
    assert!(conflict(late).contains("locked"), "no rater after opening");
    let removed = store
        .remove_rater(&decision(outsider, who.admin, false))
        .await;
    assert!(conflict(removed).contains("locked"));
    set_status(&store, id, CampaignStatus::Closed).await;
    assert!(is_conflict(
        &store.nominate(&peer("later@example.com")).await
    ));
    assert_eq!(
        invited(&store, id, org.lee).await.len(),
        5,
        "the four from the reporting lines and the approved peer"
    );
}

pub(crate) async fn a_rater_is_removed_before_opening_by_the_nominator_the_approver_or_an_admin(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let who = accounts(&store, &org).await;
    let id = spring_led_by(&store, &[org.lee]).await;
    let nominate = |address: &str, by: UserId| {
        let store = store.clone();
        let n = nomination(id, org.lee, RaterGroup::Other, address, by);
        async move { store.nominate(&n).await.expect("nominated").id }
    };
    let withdrawn = nominate("a@outside.example", who.lee).await;
    let refused = nominate("b@outside.example", who.lee).await;
    let by_admin = nominate("c@outside.example", who.admin).await;
    let approved = nominate("d@outside.example", who.lee).await;
    store
        .approve_rater(&decision(approved, who.dana, true))
        .await
        .expect("approved");

    let (rater, change) = store
        .remove_rater(&decision(withdrawn, who.lee, false))
        .await
        .expect("the nominator withdraws");
    assert_eq!(
        (rater.rater_email.as_str(), change),
        ("a@outside.example", RaterChange::Removed)
    );
    assert!(is_conflict(
        &store
            .remove_rater(&decision(by_admin, who.lee, false))
            .await
    ));
    assert!(is_conflict(
        &store.remove_rater(&decision(refused, who.pat, false)).await
    ));
    let (_, change) = store
        .remove_rater(&decision(refused, who.dana, false))
        .await
        .expect("the manager refuses");
    assert_eq!(change, RaterChange::Refused);
    let (_, change) = store
        .remove_rater(&decision(by_admin, who.other_admin, false))
        .await
        .expect("another admin refuses");
    assert_eq!(change, RaterChange::Refused);
    let (_, change) = store
        .remove_rater(&decision(approved, who.admin, false))
        .await
        .expect("an admin removes an approved rater");
    assert_eq!(change, RaterChange::Removed);
    assert!(store.nominations(id, None).await.expect("list").is_empty());
    assert!(is_not_found(
        &store
            .remove_rater(&decision(approved, who.admin, false))
            .await
    ));
}

pub(crate) async fn every_change_to_a_rater_list_is_listed_for_its_leader_with_who_made_it(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let who = accounts(&store, &org).await;
    let id = spring_led_by(&store, &[org.lee, org.pat]).await;
    let mine = store
        .nominate(&nomination(
            id,
            org.lee,
            RaterGroup::Peer,
            "p@outside.example",
            who.lee,
        ))
        .await
        .expect("nominated");
    let theirs = store
        .nominate(&nomination(
            id,
            org.lee,
            RaterGroup::Other,
            "o@outside.example",
            who.admin,
        ))
        .await
        .expect("nominated");
    store
        .approve_rater(&decision(mine.id, who.dana, true))
        .await
        .expect("approved");
    store
        .remove_rater(&decision(theirs.id, who.other_admin, false))
        .await
        .expect("refused");
    set_status(&store, id, CampaignStatus::Open).await;

    let changes = store
        .rater_list_changes(id, org.lee)
        .await
        .expect("changes");
    let seen: Vec<(RaterChange, &str, ChangedBy)> = changes
        .iter()
        .map(|c| (c.change, c.rater_email.as_str(), c.changed_by))
        .collect();
    use ChangedBy::*;
    use RaterChange::*;
    assert_eq!(
        seen,
        [
            (FromReportingLines, "lee@example.org", ReportingLines),
            (FromReportingLines, "dana@example.org", ReportingLines),
            (FromReportingLines, "ann@example.org", ReportingLines),
            (FromReportingLines, "ben@example.org", ReportingLines),
            (Nominated, "p@outside.example", Leader),
            (Nominated, "o@outside.example", Admin),
            (Approved, "p@outside.example", Manager),
            (Refused, "o@outside.example", Admin),
            (Locked, "", Admin),
        ]
    );
    assert_eq!(changes[4].group, Some(RaterGroup::Peer));
    assert_eq!(changes[8].group, None);
    assert!(changes.windows(2).all(|w| w[0].at <= w[1].at));
    let pat: Vec<RaterChange> = store
        .rater_list_changes(id, org.pat)
        .await
        .expect("Pat's")
        .into_iter()
        .map(|c| c.change)
        .collect();
    assert_eq!(
        pat,
        [
            FromReportingLines,
            FromReportingLines,
            FromReportingLines,
            Locked
        ]
    );

    // A leader who joins an open campaign finds their list locked at once.
    store
        .add_leader(id, org.dana)
        .await
        .expect("added while open");
    let dana = store
        .rater_list_changes(id, org.dana)
        .await
        .expect("Dana's");
    assert_eq!(dana.last().map(|c| c.change), Some(Locked));
}

pub(crate) async fn links_are_never_issued_to_whoever_nominated_or_approved_their_rater(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let who = accounts(&store, &org).await;
    let third_admin = admin_named(&store, "third-admin@example.org").await;
    let id = spring_led_by(&store, &[org.lee]).await;
    let chosen = store
        .nominate(&nomination(
            id,
            org.lee,
            RaterGroup::Peer,
            "mine@outside.example",
            who.admin,
        ))
        .await
        .expect("nominated");
    store
        .approve_rater(&decision(chosen.id, who.other_admin, true))
        .await
        .expect("approved");
    let issue = |holder: UserId, reissue: bool| {
        let store = store.clone();
        async move {
            store
                .issue_links(id, reissue, LinkHolder::Admin(holder), &token_factory())
                .await
                .expect("issued")
        }
    };
    for holder in [who.admin, who.other_admin] {
        let issued = issue(holder, true).await;
        assert_eq!(issued.withheld, 1);
        assert_eq!(
            issued.links.len(),
            4,
            "the reporting lines' links are theirs to send"
        );
        assert!(issued.links.iter().all(|(i, _)| i.id != chosen.id));
    }
    let without_link: Vec<InvitationId> = store
        .invitations(id, Some(org.lee))
        .await
        .expect("invitations")
        .into_iter()
        .filter(|i| !i.has_link)
        .map(|i| i.id)
        .collect();
    assert_eq!(without_link, [chosen.id], "left for someone else to send");
    let issued = issue(third_admin, false).await;
    assert_eq!(issued.withheld, 0);
    assert_eq!(issued.links.len(), 1);
    assert_eq!(issued.links[0].0.id, chosen.id);
    // Reissuing never hands the chosen rater's new link to the admins who chose them.
    assert_eq!(issue(who.admin, true).await.withheld, 1);
}

pub(crate) async fn a_manager_is_shown_the_nominations_awaiting_them(store: DynStore) {
    let org = import_org(&store).await;
    let who = accounts(&store, &org).await;
    let id = spring_led_by(&store, &[org.lee, org.pat]).await;
    let eve = id_of(&store, "eve@example.org").await;
    store.add_leader(id, eve).await.expect("Eve leads too");
    for (leader, address) in [
        (org.lee, "l@outside.example"),
        (org.pat, "p@outside.example"),
        (eve, "e@outside.example"),
    ] {
        store
            .nominate(&nomination(
                id,
                leader,
                RaterGroup::Peer,
                address,
                who.admin,
            ))
            .await
            .expect("nominated");
    }
    let open = spring_led_by(&store, &[org.lee]).await;
    let later = store
        .nominate(&nomination(
            open,
            org.lee,
            RaterGroup::Peer,
            "x@outside.example",
            who.lee,
        ))
        .await
        .expect("nominated");
    store
        .remove_rater(&decision(later.id, who.lee, false))
        .await
        .expect("withdrawn");
    set_status(&store, open, CampaignStatus::Open).await;

    let for_dana: Vec<(String, String)> = store
        .nominations_awaiting(org.dana)
        .await
        .expect("Dana's")
        .into_iter()
        .map(|n| (n.leader_name, n.rater_email))
        .collect();
    assert_eq!(
        for_dana,
        [
            ("Lee Leader".to_string(), "l@outside.example".to_string()),
            ("Pat Peer".to_string(), "p@outside.example".to_string()),
        ],
        "Eve reports to Pat, not Dana"
    );
    let for_pat = store.nominations_awaiting(org.pat).await.expect("Pat's");
    assert_eq!(for_pat.len(), 1);
    assert_eq!(for_pat[0].leader_name, "Eve Report");
    assert_eq!(
        for_pat[0].nominator_name.as_deref(),
        Some("admin@example.org")
    );
    assert!(
        store
            .nominations_awaiting(org.ann)
            .await
            .expect("none")
            .is_empty()
    );
}

pub(crate) async fn a_campaign_opening_while_raters_are_nominated_never_opens_with_one_awaiting(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let who = accounts(&store, &org).await;
    for round in 0..6 {
        let id = spring_led_by(&store, &[org.lee]).await;
        let opening = {
            let store = store.clone();
            tokio::spawn(async move { store.set_campaign_status(id, CampaignStatus::Open).await })
        };
        let nominating = {
            let store = store.clone();
            let n = nomination(
                id,
                org.lee,
                RaterGroup::Peer,
                &format!("r{round}@outside.example"),
                who.lee,
            );
            tokio::spawn(async move { store.nominate(&n).await })
        };
        let opened = opening.await.expect("ran").is_ok();
        let nominated = nominating.await.expect("ran").is_ok();
        let status = store.campaign(id).await.expect("campaign").status;
        let awaiting = store
            .nominations(id, None)
            .await
            .expect("list")
            .iter()
            .filter(|n| n.state == NominationState::AwaitingApproval)
            .count();
        assert!(opened != nominated, "exactly one of the two happened");
        assert_eq!(status == CampaignStatus::Open, opened);
        assert_eq!(awaiting, usize::from(nominated));
    }
}

/// Lea's raters in the open campaign of [`crate::upgrades::old_campaign`] as a database made
/// before migration 0015 held them: herself, and a peer from outside the directory added by
/// hand, as any admin or leader could then.
fn raters_before_0015() -> Vec<String> {
    let mut inserts =
        crate::upgrades::old_campaign(&trustloop_domain::instrument::Instrument::current());
    inserts.push(
        "INSERT INTO invitations (id, campaign_id, leader_id, rater_group, person_id, rater_name, rater_email)
         VALUES (1, 1, 1, 'self', 1, 'Lea', 'lea@example.org'),
                (2, 1, 1, 'peer', NULL, 'Out', 'out@partner.example')"
            .to_string(),
    );
    inserts
}

/// How many migrations come before 0015 in `migrator`.
fn before_0015(migrator: &sqlx::migrate::Migrator) -> usize {
    migrator
        .migrations
        .iter()
        .position(|m| m.version >= 15)
        .expect("migration 0015 exists")
}

/// After the upgrade, the raters listed before are invited (approved, chosen by nobody on
/// record, so any admin may send their links) and are the start of Lea's change list.
async fn raters_came_through_the_upgrade(store: &DynStore) {
    let campaign = CampaignId(1);
    let lea = PersonId(1);
    let invited = invited(store, campaign, lea).await;
    assert_eq!(invited, ["lea@example.org", "out@partner.example"]);
    let nominated = store
        .nominations(campaign, None)
        .await
        .expect("nominations");
    assert_eq!(nominated.len(), 1);
    assert_eq!(nominated[0].state, NominationState::Approved);
    assert_eq!(nominated[0].nominated_by, None);
    assert!(nominated[0].outside_directory);
    let changes: Vec<(RaterChange, ChangedBy)> = store
        .rater_list_changes(campaign, lea)
        .await
        .expect("changes")
        .into_iter()
        .map(|c| (c.change, c.changed_by))
        .collect();
    assert_eq!(changes, [(RaterChange::Listed, ChangedBy::Unrecorded); 2]);
    let admin = admin_named(store, "admin@example.org").await;
    let issued = store
        .issue_links(campaign, false, LinkHolder::Admin(admin), &token_factory())
        .await
        .expect("links");
    assert_eq!((issued.links.len(), issued.withheld), (2, 0));
}

#[tokio::test]
async fn raters_listed_before_rater_control_count_as_approved_on_upgrade_sqlite() {
    let applied = before_0015(&sqlx::migrate!("./migrations/sqlite"));
    let (_dir, store) = crate::upgrades::sqlite_upgraded_from(applied, &raters_before_0015()).await;
    raters_came_through_the_upgrade(&store).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
async fn raters_listed_before_rater_control_count_as_approved_on_upgrade_postgres() {
    let applied = before_0015(&sqlx::migrate!("./migrations/postgres"));
    let store = crate::upgrades::postgres_upgraded_from(applied, &raters_before_0015()).await;
    raters_came_through_the_upgrade(&store).await;
}
