//! Segment views ([`SegmentViewStore`]).

use crate::helpers::*;
use trustloop_storage::*;

// ------------------------------------------------------------------------------ segment views
pub(crate) async fn attribute_values_list_everyones_attributes_with_few_enough_values(
    store: DynStore,
) {
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

pub(crate) async fn segment_views_are_kept_per_viewer_and_campaign_once_each(store: DynStore) {
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

pub(crate) async fn concurrent_segment_view_decisions_of_one_viewer_each_see_the_others(
    store: DynStore,
) {
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
