//! Organisation analytics: trust by team, built from running sums so that the same code serves
//! a recomputation from raw answers and aggregates kept up to date as answers arrive.
//!
//! A team's row holds how its members (the team leader's direct reports) rate their leader. Rows
//! are shown under the privacy rules of [`crate::privacy::disclosure`]: a team below the minimum
//! is hidden, and the next-smallest team too when the organisation total would reveal it.

use crate::instrument::Instrument;
use crate::model::Element;
use crate::privacy::disclosure::{PartitionPlan, Suppression, plan_partition};
use crate::rating::Rating;
use crate::scoring;
use serde::Serialize;
use std::collections::BTreeMap;

/// The measures of a heatmap row: the Trust Index, then the three elements.
pub const MEASURES: [Option<Element>; 4] = [
    None,
    Some(Element::Relationships),
    Some(Element::Judgement),
    Some(Element::Consistency),
];

/// Running sums of one measure: enough to give the mean and the standard deviation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Sums {
    /// How many values.
    pub n: u64,
    /// Their sum.
    pub sum: f64,
    /// The sum of their squares.
    pub sum_sq: f64,
}

impl Sums {
    /// Adds one value.
    pub fn add(&mut self, value: f64) {
        self.n += 1;
        self.sum += value;
        self.sum_sq += value * value;
    }

    /// Adds another set of sums.
    pub fn merge(&mut self, other: &Sums) {
        self.n += other.n;
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
    }

    /// The mean, when there is a value.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }
}

/// What one response adds to its team's row: one respondent, and its value for each measure it
/// has (a rater who answered "can't say" to a whole element adds nothing to that element).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Contribution {
    /// Per measure of [`MEASURES`], the rater's score on 0–100.
    pub values: [Option<f64>; 4],
}

impl Contribution {
    /// The contribution of one rater's ratings.
    pub fn of(instrument: &Instrument, ratings: &BTreeMap<String, Rating>) -> Contribution {
        let elements: BTreeMap<Element, f64> = Element::ALL
            .into_iter()
            .filter_map(|e| scoring::rater_element_score(instrument, ratings, e).map(|s| (e, s)))
            .collect();
        let mut values = [None; 4];
        for (slot, measure) in values.iter_mut().zip(MEASURES) {
            *slot = match measure {
                None => scoring::rater_trust_index(&elements),
                Some(e) => elements.get(&e).copied(),
            };
        }
        Contribution { values }
    }
}

/// The running sums of one team.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct TeamSums {
    /// Respondents.
    pub respondents: u64,
    /// Per measure of [`MEASURES`].
    pub measures: [Sums; 4],
}

impl TeamSums {
    /// Adds one response.
    pub fn add(&mut self, contribution: &Contribution) {
        self.respondents += 1;
        for (sums, value) in self.measures.iter_mut().zip(contribution.values) {
            if let Some(v) = value {
                sums.add(v);
            }
        }
    }
}

/// What a heatmap shows of one measure's sums: how many values and their sum, which give the
/// mean (the spread is not shown, so its sum of squares need not be read).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Total {
    /// How many values.
    pub n: u64,
    /// Their sum.
    pub sum: f64,
}

impl Total {
    /// The mean, when there is a value.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }
}

impl From<Sums> for Total {
    fn from(sums: Sums) -> Total {
        Total {
            n: sums.n,
            sum: sums.sum,
        }
    }
}

/// What a heatmap shows of one team's running sums: respondents, and per measure of
/// [`MEASURES`] how many values and their sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct TeamTotals {
    /// Respondents.
    pub respondents: u64,
    /// Per measure of [`MEASURES`].
    pub measures: [Total; 4],
}

impl From<TeamSums> for TeamTotals {
    fn from(sums: TeamSums) -> TeamTotals {
        TeamTotals {
            respondents: sums.respondents,
            measures: sums.measures.map(Total::from),
        }
    }
}

/// One row of the heatmap as shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeatmapRow<K> {
    /// The team.
    pub team: K,
    /// Respondents, when the row is shown.
    pub respondents: Option<u64>,
    /// Per measure, the mean on 0–100, when shown.
    pub means: [Option<f64>; 4],
    /// Why the row is hidden, if it is.
    pub hidden: Option<Suppression>,
}

/// Teams × measures under the privacy rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heatmap<K> {
    /// One row per team with answers, in team order.
    pub rows: Vec<HeatmapRow<K>>,
    /// The whole organisation, when it has at least k respondents.
    pub total: Option<HeatmapRow<()>>,
}

/// Builds the heatmap from per-team sums under minimum group size `k`.
pub fn heatmap<K: Ord + Clone>(k: u32, teams: &BTreeMap<K, TeamTotals>) -> Heatmap<K> {
    // The plan works on the teams' names borrowed: an organisation has thousands of teams.
    let cells: Vec<(&K, u32)> = teams
        .iter()
        .map(|(team, sums)| (team, u32::try_from(sums.respondents).unwrap_or(u32::MAX)))
        .collect();
    let plan: PartitionPlan<&K> = plan_partition(k, &cells);
    let rows = teams
        .iter()
        .map(|(team, sums)| {
            let hidden = plan.hidden.get(team).copied();
            HeatmapRow {
                team: team.clone(),
                respondents: hidden.is_none().then_some(sums.respondents),
                means: if hidden.is_none() {
                    sums.measures.map(|m| m.mean())
                } else {
                    [None; 4]
                },
                hidden,
            }
        })
        .collect();
    let total = plan.total_shown.then(|| {
        let mut all = TeamTotals::default();
        for totals in teams.values() {
            all.respondents += totals.respondents;
            for (a, b) in all.measures.iter_mut().zip(&totals.measures) {
                a.n += b.n;
                a.sum += b.sum;
            }
        }
        HeatmapRow {
            team: (),
            respondents: Some(all.respondents),
            means: all.measures.map(|m| m.mean()),
            hidden: None,
        }
    });
    Heatmap { rows, total }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::Instrument;

    fn answers(point: u8) -> BTreeMap<String, Rating> {
        Instrument::current()
            .items
            .iter()
            .map(|i| (i.code.clone(), Rating::Score(point)))
            .collect()
    }

    #[test]
    fn a_small_team_is_hidden_with_the_next_smallest_and_the_total_includes_both() {
        let instrument = Instrument::current();
        let mut teams: BTreeMap<&str, TeamSums> = BTreeMap::new();
        for (team, n, point) in [("Platform", 8, 4), ("Sales", 3, 1), ("Finance", 6, 5)] {
            for _ in 0..n {
                teams
                    .entry(team)
                    .or_default()
                    .add(&Contribution::of(&instrument, &answers(point)));
            }
        }
        let teams: BTreeMap<&str, TeamTotals> =
            teams.into_iter().map(|(t, s)| (t, s.into())).collect();
        let map = heatmap(5, &teams);
        let row = |t: &str| map.rows.iter().find(|r| r.team == t).expect("row");
        assert_eq!(row("Sales").hidden, Some(Suppression::TooFew));
        assert_eq!(row("Finance").hidden, Some(Suppression::Complementary));
        assert_eq!(row("Platform").means[0], Some(75.0));
        assert_eq!(row("Sales").means, [None; 4]);
        let total = map.total.expect("17 respondents");
        assert_eq!(total.respondents, Some(17));
        let expected = (8.0 * 75.0 + 3.0 * 0.0 + 6.0 * 100.0) / 17.0;
        assert!((total.means[0].expect("mean") - expected).abs() < 1e-9);
    }

    #[test]
    fn sums_merge_like_adding_the_values_one_by_one() {
        let mut a = Sums::default();
        let mut b = Sums::default();
        let mut all = Sums::default();
        for v in [10.0, 20.0, 30.0] {
            a.add(v);
            all.add(v);
        }
        for v in [40.0, 50.0] {
            b.add(v);
            all.add(v);
        }
        a.merge(&b);
        assert_eq!(a, all);
        assert_eq!(a.mean(), Some(30.0));
    }
}
