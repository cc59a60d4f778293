//! Campaigns ([`CampaignStore`]): leaders, invitations, links and status.

use crate::helpers::*;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::privacy::PrivacyRules;
use trustloop_storage::*;

pub(crate) async fn a_new_campaign_is_a_draft_and_campaigns_are_listed_newest_first(
    store: DynStore,
) {
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

pub(crate) async fn adding_a_leader_proposes_self_manager_and_direct_reports(store: DynStore) {
    let org = import_org(&store).await;
    let id = spring_led_by(&store, &[org.lee, org.dana]).await;
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

    let led_by = |leader: PersonId| {
        let store = store.clone();
        async move {
            let led = store.campaigns_led_by(leader).await;
            led.expect("campaigns led")
                .iter()
                .map(|c| c.id)
                .collect::<Vec<CampaignId>>()
        }
    };
    assert_eq!(led_by(org.lee).await, [id]);
    let later = campaign(&store, "Autumn").await;
    store.add_leader(later, org.lee).await.expect("again");
    assert_eq!(led_by(org.lee).await, [later, id]);
    assert!(led_by(org.ann).await.is_empty());
}

pub(crate) async fn a_leader_added_twice_or_unknown_is_refused(store: DynStore) {
    let org = import_org(&store).await;
    let id = spring_led_by(&store, &[org.lee]).await;
    let twice = store.add_leader(id, org.lee).await;
    assert!(is_conflict(&twice), "{twice:?}");
    assert_eq!(store.invitations(id, None).await.expect("raters").len(), 4);
    assert!(is_not_found(&store.add_leader(id, PersonId(987_654)).await));
    assert!(is_not_found(
        &store.add_leader(CampaignId(987_654), org.lee).await
    ));
    set_status(&store, id, CampaignStatus::Open).await;
    store
        .add_leader(id, org.pat)
        .await
        .expect("added while open");
    set_status(&store, id, CampaignStatus::Closed).await;
    assert!(is_conflict(&store.add_leader(id, org.dana).await));
}

pub(crate) async fn invitations_are_listed_by_leader_then_group_then_name(store: DynStore) {
    let org = import_org(&store).await;
    let id = spring_led_by(&store, &[org.lee]).await;
    for (address, name, group) in [
        ("zed@example.com", "Zed Other", RaterGroup::Other),
        ("bob@example.com", "bob peer", RaterGroup::Peer),
        ("amy@example.com", "Amy Peer", RaterGroup::Peer),
    ] {
        invite(&store, id, org.lee, group, name, address).await;
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

pub(crate) async fn issuing_links_covers_invitations_without_one_and_reissuing_voids_old_links(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let id = spring_led_by(&store, &[org.lee]).await;
    let first = links_for_program(&store, id, false).await;
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
    assert!(links_for_program(&store, id, false).await.is_empty());
    let (ann_invitation, ann_token) = first
        .iter()
        .find(|(i, _)| i.rater_email == "ann@example.org")
        .cloned()
        .expect("Ann's link");
    let opened = found(
        store.invitation_by_token(&hash_of(&ann_token)).await,
        "the link opens",
    );
    assert_eq!(opened.id, ann_invitation.id);
    assert_eq!(opened.leader_id, org.lee);
    assert_eq!(opened.leader_name, "Lee Leader");
    assert_eq!(opened.group, RaterGroup::DirectReport);
    assert_eq!(opened.campaign.id, id);
    assert!(!opened.completed);

    // Ann answers; reissuing replaces every other link and leaves hers alone.
    set_status(&store, id, CampaignStatus::Open).await;
    store
        .submit_response(ann_invitation.id, &answers(4, None), today())
        .await
        .expect("answered");
    let again = links_for_program(&store, id, true).await;
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
        let found = found(
            store.invitation_by_token(&hash_of(new)).await,
            "new link opens",
        );
        assert_eq!(found.id, invitation.id);
    }
    assert!(nothing(store.invitation_by_token("no such hash").await));
}

pub(crate) async fn links_issued_at_the_same_time_each_open_their_invitation(store: DynStore) {
    let org = import_org(&store).await;
    let id = spring_led_by(&store, &[org.lee, org.pat]).await;
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .issue_links(id, false, LinkHolder::Program, &token_factory())
                    .await
            })
        })
        .collect();
    let mut issued = Vec::new();
    for call in calls {
        issued.extend(call.await.expect("task ran").expect("links issued").links);
    }
    assert_eq!(issued.len(), 7, "one link per invitation");
    for (invitation, token) in &issued {
        let opened = found(
            store.invitation_by_token(&hash_of(token)).await,
            "every link handed out opens",
        );
        assert_eq!(opened.id, invitation.id);
    }
}

pub(crate) async fn a_campaign_moves_from_draft_to_open_to_closed_and_never_back(store: DynStore) {
    let org = import_org(&store).await;
    let id = campaign(&store, "Spring").await;
    let status = || {
        let store = store.clone();
        async move { store.campaign(id).await.expect("campaign").status }
    };
    let empty = store.set_campaign_status(id, CampaignStatus::Open).await;
    let message = conflict(empty);
    assert!(message.contains("leader"), "{message}");
    let early = store.set_campaign_status(id, CampaignStatus::Closed).await;
    assert_eq!(
        conflict(early),
        "the campaign is draft; it can only become closed from open"
    );
    store.add_leader(id, org.lee).await.expect("Lee added");
    set_status(&store, id, CampaignStatus::Open).await;
    assert_eq!(status().await, CampaignStatus::Open);
    assert!(is_conflict(
        &store.set_campaign_status(id, CampaignStatus::Open).await
    ));
    set_status(&store, id, CampaignStatus::Closed).await;
    assert_eq!(status().await, CampaignStatus::Closed);
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
