//! The demo's outcome figures: attrition and engagement per team for the last two quarters,
//! made to go with each team's trust on the closed campaign's heatmap (higher trust, lower
//! attrition and higher engagement, with noise), so that "Trust and outcomes" shows an
//! association a newcomer can see.

use rand::Rng;
use rand::rngs::StdRng;
use std::collections::BTreeMap;
use time::Date;
use trustloop_domain::analytics;
use trustloop_domain::outcomes::Period;
use trustloop_domain::privacy::PrivacyRules;
use trustloop_storage::{CampaignId, DynStore, OutcomeFigure};

/// The quarter `day` falls in.
fn quarter_of(day: Date) -> Period {
    Period::Quarter(day.year(), (u8::from(day.month()) - 1) / 3 + 1)
}

/// The quarter before `period`.
fn quarter_before(period: Period) -> Period {
    match period {
        Period::Quarter(y, 1) => Period::Quarter(y - 1, 4),
        Period::Quarter(y, q) => Period::Quarter(y, q - 1),
        other => other,
    }
}

/// Imports each team's attrition (percent a year) and engagement score (0–100) for the
/// quarter before `today`'s and `today`'s, from the trust the heatmap of `closed` shows.
pub(crate) async fn seed(
    store: &DynStore,
    rng: &mut StdRng,
    closed: CampaignId,
    today: Date,
) -> anyhow::Result<()> {
    let totals: BTreeMap<String, analytics::TeamTotals> =
        store.team_totals(closed).await?.into_iter().collect();
    let map = analytics::heatmap(PrivacyRules::default().min_team, &totals);
    let now = quarter_of(today);
    let before = quarter_before(now);
    let mut figures = Vec::new();
    for row in &map.rows {
        // A team the heatmap withholds still has figures: they take no part in the view.
        let trust = row.means[0].unwrap_or(60.0);
        for (period, drift) in [(before, 0.0), (now, -0.6)] {
            let attrition: f64 = 28.0 - 0.25 * trust + drift + rng.random_range(-2.0..2.0);
            let engagement: f64 = 30.0 + 0.55 * trust + rng.random_range(-5.0..5.0);
            figures.push(OutcomeFigure {
                team: row.team.clone(),
                metric: "Attrition".into(),
                period: period.to_string(),
                value: (attrition.max(1.0) * 10.0).round() / 10.0,
            });
            figures.push(OutcomeFigure {
                team: row.team.clone(),
                metric: "Engagement score".into(),
                period: period.to_string(),
                value: engagement.clamp(0.0, 100.0).round(),
            });
        }
    }
    store.import_outcomes(&figures, today).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_follow_the_calendar() {
        let day = |y, m, d| {
            Date::from_calendar_date(y, time::Month::try_from(m).expect("month"), d).expect("day")
        };
        assert_eq!(quarter_of(day(2026, 12, 7)), Period::Quarter(2026, 4));
        assert_eq!(quarter_of(day(2026, 1, 1)), Period::Quarter(2026, 1));
        assert_eq!(
            quarter_before(Period::Quarter(2026, 1)),
            Period::Quarter(2025, 4)
        );
        assert_eq!(
            quarter_before(Period::Quarter(2026, 3)),
            Period::Quarter(2026, 2)
        );
    }
}
