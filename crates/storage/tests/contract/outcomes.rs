//! Team-level outcome figures ([`OutcomeStore`]): stored whole or not at all, replaced by a
//! later import of the same team, metric and period, and read back by metric and period.

use crate::helpers::*;
use trustloop_storage::*;

fn figure(team: &str, metric: &str, period: &str, value: f64) -> OutcomeFigure {
    OutcomeFigure {
        team: team.into(),
        metric: metric.into(),
        period: period.into(),
        value,
    }
}

pub(crate) async fn outcomes_are_stored_whole_replaced_by_a_later_import_and_read_by_period(
    store: DynStore,
) {
    import_org(&store).await;
    let mut names = store.team_names().await.expect("teams");
    names.sort();
    assert!(names.contains(&"Platform".to_string()) && names.contains(&"Sales".to_string()));

    // An unknown team stores nothing of the file.
    let refused = store
        .import_outcomes(
            &[
                figure("Platform", "Attrition", "2026-Q1", 4.0),
                figure("Nowhere", "Attrition", "2026-Q1", 9.0),
            ],
            today(),
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::NotFound("team"))),
        "{refused:?}"
    );
    assert!(store.outcome_metrics().await.expect("metrics").is_empty());

    let stored = store
        .import_outcomes(
            &[
                figure("Platform", "Attrition", "2026-Q1", 4.0),
                figure("Sales", "Attrition", "2026-Q1", 7.5),
                figure("Platform", "Attrition", "2026-Q2", 3.0),
                figure("Platform", "Engagement", "2026", 71.0),
            ],
            today(),
        )
        .await
        .expect("stored");
    assert_eq!(stored, 4);
    // The same team, metric (in another case) and period again: replaced, not added.
    store
        .import_outcomes(&[figure("Sales", "attrition", "2026-Q1", 6.25)], today())
        .await
        .expect("stored");

    let metrics = store.outcome_metrics().await.expect("metrics");
    assert_eq!(metrics.len(), 2, "{metrics:?}");
    let attrition = metrics
        .iter()
        .find(|m| m.metric.eq_ignore_ascii_case("attrition"))
        .expect("attrition");
    let mut periods = attrition.periods.clone();
    periods.sort();
    assert_eq!(periods, ["2026-Q1", "2026-Q2"]);
    assert_eq!(attrition.teams, 2);
    assert_eq!(
        store
            .outcome_values("ATTRITION", "2026-Q1")
            .await
            .expect("values"),
        [("Platform".to_string(), 4.0), ("Sales".to_string(), 6.25)]
    );
    assert!(
        store
            .outcome_values("attrition", "2027-Q1")
            .await
            .expect("values")
            .is_empty()
    );
}
