//! Development plans ([`PlanStore`]): made once from a leader's closed report, actions checked
//! and their status dated, shared only with the leader's manager, counted by team for admins.

use crate::helpers::*;
use time::Duration;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::model::Element;
use trustloop_domain::plan::ActionStatus;
use trustloop_storage::*;

/// A campaign led by `leaders`, closed.
pub(crate) async fn closed_campaign(store: &DynStore, leaders: &[PersonId]) -> CampaignId {
    let (id, _) = open_campaign(store, leaders).await;
    set_status(store, id, CampaignStatus::Closed).await;
    id
}

pub(crate) fn new_plan(leader: PersonId, campaign: CampaignId, focus: &[Element]) -> NewPlan {
    NewPlan {
        leader_id: leader,
        campaign_id: campaign,
        focus: focus.to_vec(),
        library_version: 1,
        today: today(),
    }
}

pub(crate) fn own_action(title: &str, days: i64) -> NewAction {
    NewAction {
        source: ActionSource::Own,
        title: title.into(),
        element: Element::Consistency,
        target: today() + Duration::days(days),
        note: String::new(),
    }
}

pub(crate) async fn a_plan_starts_once_from_a_closed_report_of_its_own_leader(store: DynStore) {
    let org = import_org(&store).await;
    let draft = spring_led_by(&store, &[org.lee]).await;
    assert!(
        conflict(
            store
                .create_plan(&new_plan(org.lee, draft, &[Element::Consistency]))
                .await
        )
        .contains("campaign closes")
    );
    let closed = closed_campaign(&store, &[org.lee]).await;
    assert_eq!(
        store.campaign(closed).await.expect("campaign").closed_on,
        Some(today()),
        "the day it closed is kept: the next report counts done actions from it"
    );
    assert_eq!(
        store.campaign(draft).await.expect("campaign").closed_on,
        None
    );
    assert!(is_not_found(
        &store
            .create_plan(&new_plan(org.pat, closed, &[Element::Consistency]))
            .await
    ));
    assert!(is_conflict(
        &store
            .create_plan(&new_plan(
                org.lee,
                closed,
                &[Element::Consistency, Element::Consistency]
            ))
            .await
    ));
    let plan = store
        .create_plan(&new_plan(
            org.lee,
            closed,
            &[Element::Consistency, Element::Judgement],
        ))
        .await
        .expect("plan made");
    assert_eq!(plan.focus, vec![Element::Consistency, Element::Judgement]);
    assert_eq!((plan.leader_id, plan.campaign_id), (org.lee, closed));
    assert!(!plan.shared_with_manager && plan.actions.is_empty());
    assert!(
        conflict(
            store
                .create_plan(&new_plan(org.lee, closed, &[Element::Relationships]))
                .await
        )
        .contains("already a plan")
    );
    assert_eq!(store.plans_of(org.lee).await.expect("plans"), vec![plan]);
}

pub(crate) async fn actions_are_checked_and_their_status_dated_when_it_changes(store: DynStore) {
    let org = import_org(&store).await;
    let closed = closed_campaign(&store, &[org.lee]).await;
    let plan = store
        .create_plan(&new_plan(org.lee, closed, &[Element::Consistency]))
        .await
        .expect("plan");
    let library = NewAction {
        source: ActionSource::Library {
            id: "con-renegotiate-early".into(),
            version: 1,
        },
        title: "Renegotiate early".into(),
        element: Element::Consistency,
        target: today() + Duration::days(30),
        note: "with the team".into(),
    };
    let first = store
        .add_action(org.lee, plan.id, &library, today())
        .await
        .expect("library action added");
    assert_eq!(first.source, library.source);
    assert_eq!(
        (first.status, first.since),
        (ActionStatus::Planned, today())
    );
    assert!(
        conflict(
            store
                .add_action(org.lee, plan.id, &own_action("Late", -1), today())
                .await
        )
        .contains("already passed")
    );
    assert!(is_conflict(
        &store
            .add_action(org.lee, plan.id, &own_action(" ", 3), today())
            .await
    ));
    assert!(is_not_found(
        &store
            .add_action(org.pat, plan.id, &own_action("Not mine", 3), today())
            .await
    ));
    let own = store
        .add_action(org.lee, plan.id, &own_action("Weekly notes", 10), today())
        .await
        .expect("own action added");
    assert_eq!(own.source, ActionSource::Own);

    let later = today() + Duration::days(5);
    let done = store
        .set_action_status(org.lee, own.id, ActionStatus::Done, "sent", later)
        .await
        .expect("status set");
    assert_eq!(
        (done.status, done.since, done.note.as_str()),
        (ActionStatus::Done, later, "sent")
    );
    let noted = store
        .set_action_status(
            org.lee,
            own.id,
            ActionStatus::Done,
            "sent twice",
            later + Duration::days(2),
        )
        .await
        .expect("note set");
    assert_eq!(noted.since, later, "a note alone does not move the day");
    assert!(is_not_found(
        &store
            .set_action_status(org.pat, own.id, ActionStatus::Dropped, "", later)
            .await
    ));
    assert!(is_conflict(
        &store
            .set_action_status(
                org.lee,
                own.id,
                ActionStatus::Doing,
                &"n".repeat(501),
                later
            )
            .await
    ));
    let read = store.plan(plan.id).await.expect("plan");
    assert_eq!(read.actions, vec![first, noted]);
}

pub(crate) async fn a_manager_sees_only_shared_plans_and_admins_only_counts(store: DynStore) {
    let org = import_org(&store).await;
    let closed = closed_campaign(&store, &[org.lee, org.pat]).await;
    let lee = store
        .create_plan(&new_plan(org.lee, closed, &[Element::Consistency]))
        .await
        .expect("plan");
    let pat = store
        .create_plan(&new_plan(org.pat, closed, &[Element::Judgement]))
        .await
        .expect("plan");
    assert!(
        store
            .plans_shared_with(org.dana)
            .await
            .expect("shared")
            .is_empty()
    );
    assert!(is_not_found(&store.share_plan(org.pat, lee.id, true).await));
    let shared = store
        .share_plan(org.lee, lee.id, true)
        .await
        .expect("shared");
    assert!(shared.shared_with_manager);
    assert_eq!(
        store.plans_shared_with(org.dana).await.expect("shared"),
        vec![shared]
    );
    assert!(
        store
            .plans_shared_with(org.lee)
            .await
            .expect("none")
            .is_empty()
    );
    store
        .share_plan(org.lee, lee.id, false)
        .await
        .expect("unshared");
    assert!(
        store
            .plans_shared_with(org.dana)
            .await
            .expect("shared")
            .is_empty()
    );

    let counts = store.plan_counts_by_team().await.expect("counts");
    let team = |name: &str| {
        counts
            .iter()
            .find(|c| c.team.as_deref() == Some(name))
            .cloned()
    };
    assert_eq!(team("Platform").map(|c| (c.plans, c.leaders)), Some((1, 1)));
    assert_eq!(team("Sales").map(|c| (c.plans, c.leaders)), Some((1, 1)));
    assert_eq!(counts.len(), 2);
    let _ = pat;
}
