//! Organisation analytics: trust by team, built from running sums so that the same code serves
//! a recomputation from raw answers and aggregates kept up to date as answers arrive.
//!
//! A team's row holds how its members (the team leader's direct reports) rate their leader. Rows
//! are shown under the privacy rules of [`crate::privacy::disclosure`]: a team below the minimum
//! is hidden, and the next-smallest team too when the organisation total would reveal it.

use crate::instrument::Instrument;
use crate::model::Element;
use crate::privacy::disclosure::{PartitionPlan, Suppression, plan_partition_after};
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
    /// Per measure, why its mean is hidden when the row is shown but the measure is not: fewer
    /// than k gave it a value (they could not say), or hidden so that the organisation's mean
    /// of that measure does not give away the hidden ones.
    pub withheld: [Option<Suppression>; 4],
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
///
/// Every figure rests on at least k people who gave it a value: a row is planned on its
/// respondents ([`plan_partition`]), and then each measure on its own values, with the rows
/// already hidden counted among the hidden ([`plan_partition_after`]), so that no mean of a team
/// or of the organisation holds fewer than k values and none can be subtracted from another to
/// recover fewer than k.
pub fn heatmap<K: Ord + Clone>(k: u32, teams: &BTreeMap<K, TeamTotals>) -> Heatmap<K> {
    heatmap_excluding(k, teams, &BTreeMap::new())
}

/// [`heatmap`] with some team rows hidden beforehand (the disclosure engine's decision against
/// what was already shown elsewhere), treated like rows hidden for their size.
pub fn heatmap_excluding<K: Ord + Clone>(
    k: u32,
    teams: &BTreeMap<K, TeamTotals>,
    excluded: &BTreeMap<K, Suppression>,
) -> Heatmap<K> {
    // The plan works on the teams' names borrowed: an organisation has thousands of teams.
    let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    let cells: Vec<(&K, u32)> = teams
        .iter()
        .map(|(team, sums)| (team, count(sums.respondents)))
        .collect();
    let excluded: BTreeMap<&K, Suppression> = excluded.iter().map(|(t, s)| (t, *s)).collect();
    let plan: PartitionPlan<&K> = plan_partition_after(k, &cells, excluded);
    let measure_plans: [PartitionPlan<&K>; 4] = std::array::from_fn(|m| {
        let cells: Vec<(&K, u32)> = teams
            .iter()
            .map(|(team, sums)| (team, count(sums.measures[m].n)))
            .collect();
        plan_partition_after(k, &cells, plan.hidden.clone())
    });
    let rows = teams
        .iter()
        .map(|(team, sums)| {
            let hidden = plan.hidden.get(team).copied();
            let withheld: [Option<Suppression>; 4] = std::array::from_fn(|m| match hidden {
                Some(_) => None,
                None => measure_plans[m].hidden.get(team).copied(),
            });
            HeatmapRow {
                team: team.clone(),
                respondents: hidden.is_none().then_some(sums.respondents),
                means: std::array::from_fn(|m| {
                    (hidden.is_none() && withheld[m].is_none())
                        .then(|| sums.measures[m].mean())
                        .flatten()
                }),
                hidden,
                withheld,
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
        let withheld: [Option<Suppression>; 4] =
            std::array::from_fn(|m| (!measure_plans[m].total_shown).then_some(Suppression::TooFew));
        HeatmapRow {
            team: (),
            respondents: Some(all.respondents),
            means: std::array::from_fn(|m| {
                withheld[m]
                    .is_none()
                    .then(|| all.measures[m].mean())
                    .flatten()
            }),
            hidden: None,
            withheld,
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

    #[test]
    fn a_measure_fewer_than_k_of_a_team_gave_a_value_is_withheld_with_its_complement() {
        let instrument = Instrument::current();
        let mut cant_say_consistency = answers(4);
        for item in &instrument.items {
            if item.measures == crate::instrument::Measures::Element(Element::Consistency) {
                cant_say_consistency.insert(item.code.clone(), Rating::CantSay);
            }
        }
        let mut teams: BTreeMap<&str, TeamSums> = BTreeMap::new();
        // Sales: 5 answered, 4 of them could not say anything about consistency.
        for _ in 0..4 {
            teams
                .entry("Sales")
                .or_default()
                .add(&Contribution::of(&instrument, &cant_say_consistency));
        }
        teams
            .entry("Sales")
            .or_default()
            .add(&Contribution::of(&instrument, &answers(1)));
        for (team, n) in [("Platform", 9), ("Finance", 6)] {
            for _ in 0..n {
                teams
                    .entry(team)
                    .or_default()
                    .add(&Contribution::of(&instrument, &answers(5)));
            }
        }
        let teams: BTreeMap<&str, TeamTotals> =
            teams.into_iter().map(|(t, s)| (t, s.into())).collect();
        let map = heatmap(5, &teams);
        let row = |t: &str| map.rows.iter().find(|r| r.team == t).expect("row");
        let consistency = 3;
        assert_eq!(row("Sales").hidden, None, "five respondents");
        assert_eq!(
            row("Sales").withheld[consistency],
            Some(Suppression::TooFew)
        );
        assert_eq!(row("Sales").means[consistency], None, "one person's value");
        // The organisation's consistency minus Platform and Finance would give it away: the
        // smallest of them is withheld too.
        assert_eq!(
            row("Finance").withheld[consistency],
            Some(Suppression::Complementary)
        );
        assert!(row("Platform").means[consistency].is_some());
        assert!(row("Sales").means[0].is_some() && row("Finance").means[0].is_some());
        let total = map.total.expect("20 respondents");
        assert!(total.means[consistency].is_some());
    }
}
