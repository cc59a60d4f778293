//! The audit log ([`AuditStore`]).

use trustloop_storage::*;

pub(crate) async fn audit_events_come_newest_first_in_pages(store: DynStore) {
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
