//! The disclosure history ([`DisclosureStore`]): one per campaign, for every admin and page.

use crate::helpers::*;
use trustloop_storage::*;

fn shown(population: &str, kind: DisclosureKind, respondents: u32) -> NewDisclosure {
    NewDisclosure {
        population: population.into(),
        kind,
        respondents,
    }
}

/// A figure showing `populations`, with no heatmap digest.
fn showing(populations: Vec<NewDisclosure>) -> Disclosed {
    Disclosed {
        populations,
        heatmap_digest: None,
    }
}

const LISBON: &str = r#"{"filters":{"location":["Lisbon"]},"measures":[true,true,true,true]}"#;
const FINANCE: &str = r#"{"filters":{"function":["Finance"]},"measures":[true,true,true,true]}"#;
const TEAM: &str = r#"{"filters":{"team":["Core"]},"measures":[true,true,false,true]}"#;

pub(crate) async fn the_history_keeps_each_population_of_a_campaign_once_with_its_first_day(
    store: DynStore,
) {
    let spring = campaign(&store, "Spring").await;
    let autumn = campaign(&store, "Autumn").await;
    // A heatmap total over thousands of teams: longer than PostgreSQL can index.
    let teams: Vec<String> = (0..9_000).map(|t| format!("\"Team {t:05}\"")).collect();
    let total = format!(
        r#"{{"filters":{{"team":[{}]}},"measures":[true,true,true,true]}}"#,
        teams.join(",")
    );
    let first_day = today();
    store
        .record_disclosures(spring, first_day, &|history| {
            assert!(history.is_empty());
            showing(vec![
                shown(LISBON, DisclosureKind::Segment, 12),
                shown(TEAM, DisclosureKind::Team, 6),
                shown(&total, DisclosureKind::Total, 30),
                shown(LISBON, DisclosureKind::Segment, 12),
            ])
        })
        .await
        .expect("recorded");
    let later = first_day + time::Duration::days(1);
    let observed = std::sync::Mutex::new(Vec::new());
    store
        .record_disclosures(spring, later, &|history| {
            observed.lock().expect("lock").extend_from_slice(history);
            showing(vec![
                shown(&total, DisclosureKind::Total, 30),
                shown(FINANCE, DisclosureKind::Segment, 9),
            ])
        })
        .await
        .expect("recorded");
    let on = |population: &str, kind, respondents, first_seen| Disclosure {
        population: population.into(),
        kind,
        respondents,
        first_seen,
    };
    let first = vec![
        on(LISBON, DisclosureKind::Segment, 12, first_day),
        on(TEAM, DisclosureKind::Team, 6, first_day),
        on(&total, DisclosureKind::Total, 30, first_day),
    ];
    assert_eq!(
        *observed.lock().expect("lock"),
        first,
        "the whole history, each population once, in the order shown"
    );
    let all = store.disclosures(spring, None).await.expect("history");
    assert_eq!(all.len(), 4, "a population shown again is kept once");
    assert_eq!(all[..3], first[..], "with its first day");
    assert_eq!(all[3], on(FINANCE, DisclosureKind::Segment, 9, later));
    assert_eq!(
        store
            .disclosures(spring, Some(DisclosureKind::Segment))
            .await
            .expect("segments"),
        vec![first[0].clone(), all[3].clone()]
    );
    assert_eq!(
        store.disclosure_summary(spring).await.expect("summary"),
        DisclosureSummary {
            kinds: vec![
                (DisclosureKind::Team, first_day),
                (DisclosureKind::Total, first_day),
                (DisclosureKind::Segment, first_day),
            ],
            heatmap_digest: None,
        }
    );
    let nothing_shown = |campaign| {
        let store = store.clone();
        async move {
            store
                .disclosures(campaign, None)
                .await
                .expect("history")
                .is_empty()
        }
    };
    // Another campaign's history is its own.
    assert!(nothing_shown(autumn).await);
    assert_eq!(
        store.disclosure_summary(autumn).await.expect("summary"),
        DisclosureSummary::default()
    );
    // Nothing to record records nothing; an unknown campaign is refused.
    store
        .record_disclosures(autumn, later, &|_| Disclosed::default())
        .await
        .expect("nothing");
    assert!(nothing_shown(autumn).await);
    // Each kind with the first day any of it was shown; the last heatmap digest recorded.
    for (day, kind, digest) in [
        (later, DisclosureKind::Team, Some("first")),
        (first_day, DisclosureKind::Segment, None),
        (first_day, DisclosureKind::Team, Some("second")),
        (later, DisclosureKind::Segment, None),
    ] {
        let population = format!(r#"{{"filters":{{"n":["{day} {kind:?}"]}}}}"#);
        store
            .record_disclosures(autumn, day, &|_| Disclosed {
                populations: vec![shown(&population, kind, 5)],
                heatmap_digest: digest.map(String::from),
            })
            .await
            .expect("recorded");
    }
    assert_eq!(
        store.disclosure_summary(autumn).await.expect("summary"),
        DisclosureSummary {
            kinds: vec![
                (DisclosureKind::Team, first_day),
                (DisclosureKind::Segment, first_day)
            ],
            heatmap_digest: Some("second".into()),
        }
    );
    assert!(is_not_found(
        &store
            .record_disclosures(CampaignId(autumn.0 + 100), later, &|_| showing(vec![
                shown(LISBON, DisclosureKind::Segment, 5)
            ]))
            .await
    ));
}

pub(crate) async fn concurrent_decisions_on_one_campaign_each_see_the_others(store: DynStore) {
    let id = campaign(&store, "Spring").await;
    let other = campaign(&store, "Autumn").await;
    // Each figure (two admins' segment views, a heatmap) is shown only if nothing of the
    // campaign was shown yet: exactly one may, whichever kind it is.
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let store = store.clone();
            let campaign = if i == 11 { other } else { id };
            tokio::spawn(async move {
                store
                    .record_disclosures(campaign, today(), &move |history| {
                        let kind = match i % 3 {
                            0 => DisclosureKind::Team,
                            1 => DisclosureKind::Total,
                            _ => DisclosureKind::Segment,
                        };
                        let n = format!(r#"{{"filters":{{"n":["{i}"]}}}}"#);
                        showing(if history.is_empty() {
                            vec![shown(&n, kind, 10)]
                        } else {
                            Vec::new()
                        })
                    })
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("recorded");
    }
    assert_eq!(store.disclosures(id, None).await.expect("history").len(), 1);
    assert_eq!(
        store.disclosures(other, None).await.expect("history").len(),
        1,
        "another campaign's figure is decided on its own history"
    );
}
