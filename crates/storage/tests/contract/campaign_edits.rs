//! Editing campaigns ([`CampaignEditStore`]): name and deadline, taking a leader off, and
//! reopening a campaign closed by mistake.

use crate::helpers::*;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::closing::REOPEN_WINDOW_SECONDS;
use trustloop_storage::*;

pub(crate) async fn a_campaign_is_renamed_and_its_deadline_moved_until_it_closes(store: DynStore) {
    let org = import_org(&store).await;
    let (id, _) = open_campaign(&store, &[org.lee]).await;
    let later = today() + time::Duration::days(30);

    store
        .edit_campaign(id, "Spring 360, extended", later)
        .await
        .expect("an open campaign is edited");

    let edited = store.campaign(id).await.expect("campaign");
    assert_eq!(edited.name, "Spring 360, extended");
    assert_eq!(edited.deadline, later);
    assert_eq!(edited.status, CampaignStatus::Open);
    set_status(&store, id, CampaignStatus::Closed).await;
    let refused = store.edit_campaign(id, "Renamed after", later).await;
    assert!(conflict(refused).contains("closed"));
    assert!(is_not_found(
        &store
            .edit_campaign(CampaignId(424_242), "Nobody", later)
            .await
    ));
}

pub(crate) async fn a_leader_is_taken_off_with_their_raters_until_someone_answers_for_them(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let (id, links) = open_campaign(&store, &[org.lee, org.dana]).await;
    let dana_raters = store.invitations(id, Some(org.dana)).await.expect("raters");

    let removed = store.remove_leader(id, org.dana).await.expect("removed");

    assert_eq!(removed, dana_raters.len() as u64);
    let leaders: Vec<PersonId> = store
        .campaign_leaders(id)
        .await
        .expect("leaders")
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(leaders, [org.lee]);
    assert!(
        store
            .invitations(id, Some(org.dana))
            .await
            .expect("none")
            .is_empty()
    );
    assert!(is_not_found(&store.remove_leader(id, org.dana).await));
    // Once someone has answered for Lee, Lee stays, with every rater.
    let (ann, _) = link_for(&links, "ann@example.org");
    store
        .submit_response(ann.id, &answers(4, None), today())
        .await
        .expect("accepted");
    let refused = store.remove_leader(id, org.lee).await;
    assert!(conflict(refused).contains("already answered"));
    assert_eq!(store.campaign_leaders(id).await.expect("leaders").len(), 1);
    assert!(
        !store
            .invitations(id, Some(org.lee))
            .await
            .expect("raters")
            .is_empty()
    );
}

pub(crate) async fn a_closed_campaign_reopens_within_the_window_until_a_result_is_read(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let (id, _) = open_campaign(&store, &[org.lee]).await;
    let open = store.campaign_closing(id).await.expect("closing");
    assert_eq!(open, CampaignClosing::default());
    let refused = store.reopen_campaign(id, 0).await;
    assert!(conflict(refused).contains("Only a closed campaign"));
    set_status(&store, id, CampaignStatus::Closed).await;
    let closed_at = store
        .campaign_closing(id)
        .await
        .expect("closing")
        .closed_at
        .expect("recorded when it closed");

    let too_late = store
        .reopen_campaign(id, closed_at + REOPEN_WINDOW_SECONDS + 1)
        .await;
    assert!(conflict(too_late).contains("24 hours"));
    store
        .reopen_campaign(id, closed_at + 60)
        .await
        .expect("reopened within the window");

    let reopened = store.campaign(id).await.expect("campaign");
    assert_eq!(reopened.status, CampaignStatus::Open);
    assert_eq!(reopened.closed_on, None);
    set_status(&store, id, CampaignStatus::Closed).await;
    let closed_again = store.campaign_closing(id).await.expect("closing");
    store
        .record_result_read(id, 1_000)
        .await
        .expect("first read");
    store
        .record_result_read(id, 2_000)
        .await
        .expect("a later read changes nothing");
    assert_eq!(
        store.campaign_closing(id).await.expect("closing"),
        CampaignClosing {
            first_result_read_at: Some(1_000),
            ..closed_again
        }
    );
    let read = store
        .reopen_campaign(id, closed_again.closed_at.expect("closed") + 60)
        .await;
    assert!(conflict(read).contains("already been read"));
    assert_eq!(
        store.campaign(id).await.expect("campaign").status,
        CampaignStatus::Closed
    );
}
