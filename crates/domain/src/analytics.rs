//! Organisation analytics: trust by team, built from running sums so that the same code serves
//! a recomputation from raw answers and aggregates kept up to date as answers arrive.
//!
//! A team's row holds how its members (the team leader's direct reports) rate their leader. Rows
//! are shown under the privacy rules of [`crate::privacy::disclosure`]: a team below the minimum
//! is hidden, and the next-smallest team too when the organisation total would reveal it; and,
//! by [`heatmap_against`], a team (or the total) that together with figures already shown of
//! the same answers (segment views) would single out fewer than k people.

use crate::instrument::Instrument;
use crate::model::Element;
use crate::privacy::disclosure::{PartitionPlan, Suppression, plan_partition_after};
use crate::rating::Rating;
use crate::scoring;
use crate::segments::{Answers, FilterSet, SeenPopulation, TEAM};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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

/// The populations a heatmap shows, as the disclosure history keeps them, each with its
/// respondents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeatmapShown {
    /// Every shown team (`team = T`, with the measures whose mean its row shows), in team
    /// order.
    pub teams: Vec<(SeenPopulation, u32)>,
    /// The organisation total, when shown: the answers of every team, hidden ones included,
    /// with the measures its row shows.
    pub total: Option<(SeenPopulation, u32)>,
}

impl HeatmapShown {
    /// Every population shown: the teams, then the total.
    pub fn all(&self) -> impl Iterator<Item = &(SeenPopulation, u32)> {
        self.teams.iter().chain(&self.total)
    }
}

/// The populations `map` shows.
pub fn heatmap_populations(map: &Heatmap<String>) -> HeatmapShown {
    // A shown row's population: the answers of `teams`, the measures whose mean it shows.
    fn shown<K>(teams: BTreeSet<Option<String>>, row: &HeatmapRow<K>) -> (SeenPopulation, u32) {
        let population = SeenPopulation {
            filters: FilterSet::everyone().with(TEAM, teams),
            measures: std::array::from_fn(|m| row.means[m].is_some()),
        };
        let n = u32::try_from(row.respondents.unwrap_or(0)).unwrap_or(u32::MAX);
        (population, n)
    }
    let teams = map
        .rows
        .iter()
        .filter(|r| r.hidden.is_none())
        .map(|r| shown(BTreeSet::from([Some(r.team.clone())]), r))
        .collect();
    let total = map
        .total
        .as_ref()
        .filter(|t| t.hidden.is_none())
        .map(|total| {
            shown(
                map.rows.iter().map(|r| Some(r.team.clone())).collect(),
                total,
            )
        });
    HeatmapShown { teams, total }
}

/// [`heatmap`] decided against everything already shown of the same answers: `seen` is the
/// campaign's disclosure history (earlier heatmaps, segment views of any admin), `answers` the
/// campaign's direct-report answers with the team each counts for. Returns the heatmap and the
/// populations it shows (to be recorded in the history).
///
/// A team whose figures, with those already shown, would single out fewer than k answers (a
/// segment view took in all of a team but a few) is hidden as [`Suppression::Overlap`], and
/// the partition is planned again with it hidden; when the small group lies outside the shown
/// teams, the organisation total is withheld (also as `Overlap`), and when that is not enough,
/// the shown team that takes the least of the group's population is hidden too. It stops when
/// no group of fewer than k answers is newly singled out on any measure, by the rule of
/// [`Answers::isolates`].
pub fn heatmap_against(
    k: u32,
    teams: &BTreeMap<String, TeamTotals>,
    answers: &Answers,
    seen: &[SeenPopulation],
) -> (Heatmap<String>, HeatmapShown) {
    let names: Vec<&String> = teams.keys().collect();
    let row_of: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(r, t)| (t.as_str(), r))
        .collect();
    let rows: Vec<Option<usize>> = answers
        .as_slice()
        .iter()
        .map(|a| a.team.as_deref().and_then(|t| row_of.get(t).copied()))
        .collect();
    let before: [Vec<u32>; 4] = std::array::from_fn(|m| answers.atoms(seen, m));
    let cells = Cells {
        k,
        answers,
        rows: &rows,
    };
    let mut excluded: BTreeMap<String, Suppression> = BTreeMap::new();
    let mut total_withheld = false;
    loop {
        let mut map = heatmap_excluding(k, teams, &excluded);
        if total_withheld {
            withhold_total(&mut map);
        }
        let fixes: BTreeSet<Fix> = (0..4)
            .flat_map(|m| cells.fixes(&map, m, &before[m]))
            .collect();
        if fixes.is_empty() {
            let shown = heatmap_populations(&map);
            return (map, shown);
        }
        let mut progress = false;
        for fix in fixes {
            progress |= match fix {
                Fix::Hide(r) => excluded
                    .insert(names[r].clone(), Suppression::Overlap)
                    .is_none(),
                Fix::WithholdTotal => !std::mem::replace(&mut total_withheld, true),
            };
        }
        if !progress {
            // Never reached (each fix hides something still shown); if it were, nothing shown.
            for row in &mut map.rows {
                hide(row);
            }
            withhold_total(&mut map);
            return (map, HeatmapShown::default());
        }
    }
}

/// What to change in a heatmap so that it singles out nobody new.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fix {
    /// Hide the team of this row.
    Hide(usize),
    /// Withhold the organisation total.
    WithholdTotal,
}

/// Where an answer's value for one measure is seen in a heatmap: in its team's row, or only in
/// the organisation total (its team hidden), or in no figure of the heatmap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Cell {
    /// In the row of the team at this index, shown with this measure.
    Team(usize),
    /// Not in a shown team's row: in the total when it is shown and the answer has a team.
    Rest { in_total: bool },
}

/// The answers of a heatmap, each with its row, for grouping them by what shows them.
struct Cells<'a> {
    k: u32,
    answers: &'a Answers,
    rows: &'a [Option<usize>],
}

impl Cells<'_> {
    /// The fixes that measure `m` of `map` needs: the answers with a value, grouped by the atom
    /// of the history they lie in (`before`) and by where the heatmap shows them, must each
    /// make a group of none, k or more, or exactly an atom of the history (nothing new).
    fn fixes(&self, map: &Heatmap<String>, m: usize, before: &[u32]) -> Vec<Fix> {
        let total_shown = map
            .total
            .as_ref()
            .is_some_and(|t| t.hidden.is_none() && t.means[m].is_some());
        let team_shown = |r: usize| map.rows[r].hidden.is_none() && map.rows[r].means[m].is_some();
        let mut groups: HashMap<(u32, Cell), u32> = HashMap::new();
        for (i, row) in self.rows.iter().enumerate() {
            if !self.answers.has_value(i, m) {
                continue;
            }
            let cell = match row {
                Some(r) if team_shown(*r) => Cell::Team(*r),
                _ => Cell::Rest {
                    in_total: total_shown && row.is_some(),
                },
            };
            if before[i] == 0 && cell == (Cell::Rest { in_total: false }) {
                continue; // in no figure at all
            }
            *groups.entry((before[i], cell)).or_default() += 1;
        }
        let sizes = crate::privacy::ledger::sizes(before);
        // Per atom of the history, the shown team that takes the fewest of its answers.
        let mut least: HashMap<u32, (u32, usize)> = HashMap::new();
        for (&(atom, cell), &n) in &groups {
            if let Cell::Team(r) = cell {
                let entry = least.entry(atom).or_insert((n, r));
                *entry = (*entry).min((n, r));
            }
        }
        groups
            .iter()
            .filter(|((atom, _), n)| **n < self.k && !(*atom != 0 && sizes[*atom as usize] == **n))
            .filter_map(|((atom, cell), _)| match cell {
                Cell::Team(r) => Some(Fix::Hide(*r)),
                Cell::Rest { .. } if total_shown => Some(Fix::WithholdTotal),
                Cell::Rest { .. } => least.get(atom).map(|(_, r)| Fix::Hide(*r)),
            })
            .collect()
    }
}

/// Withholds the organisation total of a heatmap, as hidden against figures shown elsewhere.
fn withhold_total(map: &mut Heatmap<String>) {
    if let Some(total) = &mut map.total {
        hide(total);
    }
}

/// Hides a row (when shown) as hidden against figures shown elsewhere.
fn hide<K>(row: &mut HeatmapRow<K>) {
    if row.hidden.is_none() {
        row.hidden = Some(Suppression::Overlap);
        row.respondents = None;
        row.means = [None; 4];
        row.withheld = [None; 4];
    }
}

/// The team totals of a campaign's answers, as the store keeps them for the heatmap: for tests
/// that show a heatmap and segment views of the same answers.
#[cfg(test)]
pub(crate) fn totals_of(answers: &[crate::segments::Answer]) -> BTreeMap<String, TeamTotals> {
    let mut teams: BTreeMap<String, TeamSums> = BTreeMap::new();
    for a in answers {
        if let Some(team) = &a.team {
            teams
                .entry(team.clone())
                .or_default()
                .add(&Contribution { values: a.scores });
        }
    }
    teams.into_iter().map(|(t, s)| (t, s.into())).collect()
}

/// Whether some linear combination of the figures of `shown` isolates fewer than k of
/// `answers` on some measure, by exact linear algebra (see [`crate::privacy::ledger`]): small
/// cases only.
#[cfg(test)]
pub(crate) fn exactly_isolates(
    k: u32,
    answers: &[crate::segments::Answer],
    shown: &[SeenPopulation],
) -> bool {
    (0..4).any(|m| {
        let rows: Vec<Vec<i128>> = shown
            .iter()
            .filter(|p| p.measures[m])
            .map(|p| {
                answers
                    .iter()
                    .map(|a| i128::from(p.filters.matches_answer(a) && a.scores[m].is_some()))
                    .collect()
            })
            .collect();
        crate::privacy::ledger::some_combination_isolates(k, &rows)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::Instrument;
    use crate::segments::Answer;

    fn member(team: Option<&str>, attribute: (&str, &str), score: f64) -> Answer {
        Answer {
            team: team.map(String::from),
            attributes: BTreeMap::from([(attribute.0.to_string(), attribute.1.to_string())]),
            scores: [Some(score); 4],
        }
    }

    fn segment(name: &str, value: &str) -> SeenPopulation {
        SeenPopulation {
            filters: FilterSet::everyone().with(name, BTreeSet::from([Some(value.to_string())])),
            measures: [true; 4],
        }
    }

    /// Sales: 6 answers, 5 of them Finance; Ops: 7 answers, all Legal.
    fn sales_and_ops() -> Vec<Answer> {
        let mut raw: Vec<Answer> = (0..6)
            .map(|i| {
                let function = if i < 5 { "Finance" } else { "Legal" };
                member(Some("Sales"), ("function", function), 40.0 + f64::from(i))
            })
            .collect();
        raw.extend((0..7).map(|i| member(Some("Ops"), ("function", "Legal"), 70.0 + f64::from(i))));
        raw
    }

    fn all_shown(seen: &[SeenPopulation], shown: &HeatmapShown) -> Vec<SeenPopulation> {
        seen.iter()
            .cloned()
            .chain(shown.all().map(|(p, _)| p.clone()))
            .collect()
    }

    #[test]
    fn a_team_that_a_segment_view_took_all_but_one_of_is_hidden_as_an_overlap() {
        let raw = sales_and_ops();
        let totals = totals_of(&raw);
        let answers = Answers::new(raw.clone());
        // Finance was shown: Sales minus Finance would be Sales' one Legal answer.
        let seen = [segment("function", "Finance")];
        let plain = heatmap(5, &totals);
        assert!(plain.rows.iter().all(|r| r.hidden.is_none()));
        assert!(exactly_isolates(
            5,
            &raw,
            &all_shown(&seen, &heatmap_populations(&plain))
        ));

        let (map, shown) = heatmap_against(5, &totals, &answers, &seen);
        let row = |t: &str| map.rows.iter().find(|r| r.team == t).expect("row");
        assert_eq!(row("Sales").hidden, Some(Suppression::Overlap));
        assert_eq!(row("Sales").means, [None; 4]);
        assert_eq!(row("Ops").respondents, Some(7));
        // The total minus Ops and Finance would be the same one answer: withheld too.
        let total = map.total.as_ref().expect("a total row");
        assert_eq!(total.hidden, Some(Suppression::Overlap));
        assert_eq!((total.respondents, total.means), (None, [None; 4]));
        assert_eq!(shown.total, None);
        assert_eq!(shown.teams.len(), 1, "Ops only: {shown:?}");
        assert_eq!(
            shown.teams[0].0.filters.to_canonical_json(),
            r#"{"team":["Ops"]}"#
        );
        assert_eq!(shown.teams[0].1, 7);
        assert!(!exactly_isolates(5, &raw, &all_shown(&seen, &shown)));
        assert_eq!(answers.isolates(5, &seen, &all_shown(&[], &shown)), None);
    }

    #[test]
    fn with_no_segment_view_shown_the_heatmap_is_the_plain_one_and_shows_the_same_again() {
        let mut raw = sales_and_ops();
        raw.extend((0..3).map(|_| member(Some("Tiny"), ("function", "Legal"), 10.0)));
        let totals = totals_of(&raw);
        let answers = Answers::new(raw);
        let plain = heatmap(5, &totals);
        let (map, shown) = heatmap_against(5, &totals, &answers, &[]);
        assert_eq!(map, plain);
        assert_eq!(shown, heatmap_populations(&plain));
        // Tiny (3) is hidden, Sales (6) with it; the total covers every team, hidden or not.
        assert_eq!(shown.teams.len(), 1);
        let (total, n) = shown.total.as_ref().expect("the total");
        assert_eq!(
            total.filters.to_canonical_json(),
            r#"{"team":["Ops","Sales","Tiny"]}"#
        );
        assert_eq!(*n, 16);
        let seen = all_shown(&[], &shown);
        let (again, shown_again) = heatmap_against(5, &totals, &answers, &seen);
        assert_eq!(again, plain);
        assert_eq!(shown_again, shown);
    }

    #[test]
    fn answers_outside_every_team_cannot_be_worked_out_from_everyone_minus_the_teams() {
        let mut raw = sales_and_ops();
        // Two answers count for no team (their leader has none).
        raw.extend((0..2).map(|_| member(None, ("function", "Legal"), 99.0)));
        let totals = totals_of(&raw);
        let answers = Answers::new(raw.clone());
        let seen = [SeenPopulation {
            filters: FilterSet::everyone(),
            measures: [true; 4],
        }];
        // Everyone (15) minus Sales (6) and Ops (7) would be those two.
        let plain = heatmap(5, &totals);
        assert!(exactly_isolates(
            5,
            &raw,
            &all_shown(&seen, &heatmap_populations(&plain))
        ));
        let (map, shown) = heatmap_against(5, &totals, &answers, &seen);
        assert!(!exactly_isolates(5, &raw, &all_shown(&seen, &shown)));
        // The smaller team goes: everyone minus Ops leaves 8.
        let row = |t: &str| map.rows.iter().find(|r| r.team == t).expect("row");
        assert_eq!(row("Sales").hidden, Some(Suppression::Overlap));
        assert_eq!(row("Ops").respondents, Some(7));
    }

    #[test]
    fn a_group_already_singled_out_under_a_smaller_minimum_is_not_split_and_hides_nothing_else() {
        // A: 6 answers, 3 in Lisbon; B: 7 in Madrid. Lisbon (3) was shown under a minimum of 3.
        let mut raw: Vec<Answer> = (0..6)
            .map(|i| {
                let place = if i < 3 { "Lisbon" } else { "Porto" };
                member(Some("A"), ("location", place), 50.0)
            })
            .collect();
        raw.extend((0..7).map(|_| member(Some("B"), ("location", "Madrid"), 60.0)));
        let totals = totals_of(&raw);
        let answers = Answers::new(raw.clone());
        let seen = [segment("location", "Lisbon")];
        let (map, shown) = heatmap_against(5, &totals, &answers, &seen);
        let row = |t: &str| map.rows.iter().find(|r| r.team == t).expect("row");
        // A minus Lisbon would be Porto's 3: A is hidden; B shares nothing with Lisbon.
        assert_eq!(row("A").hidden, Some(Suppression::Overlap));
        assert_eq!(row("B").respondents, Some(7));
        assert!(!exactly_isolates(3, &raw, &all_shown(&seen, &shown)));
        assert_eq!(answers.isolates(5, &seen, &all_shown(&[], &shown)), None);
    }

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
