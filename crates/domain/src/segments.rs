//! Organisation analytics by segment: how direct reports in a part of the organisation (chosen
//! by rater attributes such as location or function) rate their own leaders, and the gaps
//! between segments (one row per value of a "compare by" attribute).
//!
//! Every privacy decision about a segment view is taken here, from the rules of
//! [`crate::privacy::disclosure`] and [`crate::privacy::ledger`]:
//! - the filtered population must have at least k respondents
//!   ([`disclosure::check_filtered_population`]);
//! - compare-by rows are planned as a partition under complementary suppression
//!   ([`disclosure::plan_partition`]);
//! - every population the view shows (per measure), together with every population already
//!   shown of the campaign's answers to any viewer on any page (the team heatmap, earlier
//!   segment views), must single out no group of fewer than k answers ([`Answers::isolates`]).
//!   The history keeps filter sets, never answers; it is re-applied to the answers each time.
//!
//! A respondent is one answer: each direct report's answer about their own leader. A person who
//! reports to two leaders in the campaign answers twice and counts twice.

use crate::privacy::disclosure::{self, Refusal, Suppression};
use crate::privacy::ledger;
use crate::privacy::population::Population;
use crate::stats;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The most filters one view may combine.
pub const MAX_FILTERS: usize = 10;

/// Attributes with more distinct values than this (such as an employee number) are not offered
/// in the filter form and cannot be compared by.
pub const MAX_LISTED_VALUES: usize = 100;

/// The measures of a view, in order: the Trust Index, then the three elements (as in
/// [`crate::analytics::MEASURES`]).
pub const MEASURE_LABELS: [&str; 4] = ["Trust Index", "Relationships", "Judgement", "Consistency"];

/// The attribute name under which an answer's team is found in a [`FilterSet`]: the team the
/// answer counts for on the team heatmap. `team` is a column of the people file, never an
/// attribute, so it cannot clash with one.
pub const TEAM: &str = "team";

/// One direct report's answer as segment views see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The team the answer counts for on the heatmap (the leader's team when it was released).
    pub team: Option<String>,
    /// The rater's attributes when they answered (name → value).
    pub attributes: BTreeMap<String, String>,
    /// The answer's four scores on 0–100, in the order of [`MEASURE_LABELS`]; `None` where the
    /// rater answered "can't say" to every item of the element.
    pub scores: [Option<f64>; 4],
}

/// A conjunction of conditions on rater attributes: for each named attribute, the values it may
/// have (`None` standing for "not set"). A filter chosen by an admin allows one value; the
/// hidden rows of a compare-by view together allow several.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FilterSet(BTreeMap<String, BTreeSet<Option<String>>>);

impl FilterSet {
    /// No condition: every answer.
    pub fn everyone() -> FilterSet {
        FilterSet::default()
    }

    /// Whether there is no condition.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The conditions, by attribute name.
    pub fn conditions(&self) -> &BTreeMap<String, BTreeSet<Option<String>>> {
        &self.0
    }

    /// Whether an answer with these attributes belongs to the population.
    pub fn matches(&self, attributes: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|(name, allowed)| {
            let value = attributes.get(name).map(String::as_str);
            allowed.iter().any(|v| v.as_deref() == value)
        })
    }

    /// Whether an answer belongs to the population, its team standing as attribute [`TEAM`].
    pub fn matches_answer(&self, answer: &Answer) -> bool {
        self.0.iter().all(|(name, allowed)| {
            let value = if name == TEAM {
                answer.team.as_deref()
            } else {
                answer.attributes.get(name).map(String::as_str)
            };
            allowed.iter().any(|v| v.as_deref() == value)
        })
    }

    /// The population in both: the conditions of both. Where both constrain the same attribute,
    /// only the values both allow remain (none, when they conflict: an empty population).
    pub fn and(&self, other: &FilterSet) -> FilterSet {
        let mut both = self.0.clone();
        for (name, allowed) in &other.0 {
            both.entry(name.clone())
                .and_modify(|mine| *mine = mine.intersection(allowed).cloned().collect())
                .or_insert_with(|| allowed.clone());
        }
        FilterSet(both)
    }

    /// This filter set with one more condition.
    pub fn with(&self, name: &str, allowed: BTreeSet<Option<String>>) -> FilterSet {
        self.and(&FilterSet(BTreeMap::from([(name.to_string(), allowed)])))
    }

    /// The canonical JSON form kept in a viewer's history: attribute names in order, each with
    /// its sorted values (`null` for "not set"), such as `{"location":["Lisbon"]}`.
    pub fn to_canonical_json(&self) -> String {
        serde_json::to_string(&self.0).expect("a map of strings always serialises")
    }

    /// Reads the canonical JSON form back.
    pub fn from_canonical_json(text: &str) -> Result<FilterSet, String> {
        serde_json::from_str::<BTreeMap<String, BTreeSet<Option<String>>>>(text)
            .map(FilterSet)
            .map_err(|e| format!("filter set {text:?}: {e}"))
    }

    /// The population in words: "everyone", or "location is Lisbon and function is Finance".
    pub fn describe(&self) -> String {
        if self.0.is_empty() {
            return "everyone".into();
        }
        self.0
            .iter()
            .map(|(name, allowed)| {
                let values: Vec<&str> = allowed
                    .iter()
                    .map(|v| v.as_deref().unwrap_or("not set"))
                    .collect();
                match values.as_slice() {
                    [] => format!("{name} is nothing"),
                    [one] => format!("{name} is {one}"),
                    many => format!("{name} is one of {}", many.join(", ")),
                }
            })
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

/// The attributes people in the organisation have, offered in the filter form. Taken from every
/// person, never from the raters who answered, so that it says nothing about who answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Catalog {
    /// Attribute name → its values, or `None` when it has more than [`MAX_LISTED_VALUES`].
    attributes: BTreeMap<String, Option<BTreeSet<String>>>,
}

impl Catalog {
    /// A catalog from (name, values) pairs; `None` values mean "too many to list".
    pub fn new(attributes: impl IntoIterator<Item = (String, Option<Vec<String>>)>) -> Catalog {
        Catalog {
            attributes: attributes
                .into_iter()
                .map(|(name, values)| (name, values.map(|v| v.into_iter().collect())))
                .collect(),
        }
    }

    /// The attributes with their values (only those with few enough to list).
    pub fn listed(&self) -> impl Iterator<Item = (&str, &BTreeSet<String>)> {
        self.attributes
            .iter()
            .filter_map(|(name, values)| values.as_ref().map(|v| (name.as_str(), v)))
    }

    /// The attributes with too many values to list (such as an employee number).
    pub fn unlisted(&self) -> impl Iterator<Item = &str> {
        self.attributes
            .iter()
            .filter(|(_, values)| values.is_none())
            .map(|(name, _)| name.as_str())
    }

    fn known_names(&self) -> String {
        let names: Vec<&str> = self.attributes.keys().map(String::as_str).collect();
        if names.is_empty() {
            "the organisation's people have no attributes".into()
        } else {
            format!("the attributes are {}", names.join(", "))
        }
    }
}

/// What an admin asked to see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentQuery {
    /// The population: answers whose raters match every filter.
    pub filters: FilterSet,
    /// The attribute to compare by (one row per value), if any.
    pub by: Option<String>,
}

/// Why a query is malformed, in words for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(pub String);

/// Reads an attribute name as typed: trimmed, lower case (as the people import stores them).
fn attribute_name(text: &str) -> String {
    text.trim().to_lowercase()
}

/// Parses and checks a query: `filters` as `name:value` (an empty one means "any" and is
/// skipped, as the form's first option sends it), `by` an attribute name (empty: none).
///
/// Refused with a clear message: a filter without `:`, an empty value, an unknown attribute, an
/// attribute filtered twice, a value nobody in the organisation has, more than [`MAX_FILTERS`]
/// filters, an unknown compare-by attribute, one that is also filtered, or one with too many
/// values to compare.
pub fn parse_query(
    catalog: &Catalog,
    filters: &[&str],
    by: Option<&str>,
) -> Result<SegmentQuery, QueryError> {
    let mut set: BTreeMap<String, BTreeSet<Option<String>>> = BTreeMap::new();
    let given: Vec<&str> = filters
        .iter()
        .map(|f| f.trim())
        .filter(|f| !f.is_empty())
        .collect();
    if given.len() > MAX_FILTERS {
        return Err(QueryError(format!(
            "A view can combine at most {MAX_FILTERS} filters."
        )));
    }
    for raw in given {
        let Some((name, value)) = raw.split_once(':') else {
            return Err(QueryError(format!(
                "The filter {raw:?} must be written name:value, for example location:Lisbon."
            )));
        };
        let name = attribute_name(name);
        if name.is_empty() {
            return Err(QueryError(format!(
                "The filter {raw:?} names no attribute; write name:value, for example location:Lisbon."
            )));
        }
        let value = crate::people::parse_text(&format!("value of {name}"), value)
            .map_err(|e| QueryError(format!("In the filter on {name}: {e}.")))?;
        let Some(values) = catalog.attributes.get(&name) else {
            return Err(QueryError(format!(
                "There is no attribute {name:?} in the organisation ({}).",
                catalog.known_names()
            )));
        };
        if let Some(values) = values
            && !values.contains(&value)
        {
            return Err(QueryError(format!(
                "Nobody in the organisation has {name} {value:?}; choose one of the listed values."
            )));
        }
        if set.contains_key(&name) {
            return Err(QueryError(format!(
                "{name} is filtered more than once; choose one value per attribute."
            )));
        }
        set.insert(name, BTreeSet::from([Some(value)]));
    }
    let by = match by.map(attribute_name).filter(|b| !b.is_empty()) {
        None => None,
        Some(name) => {
            match catalog.attributes.get(&name) {
                None => {
                    return Err(QueryError(format!(
                        "There is no attribute {name:?} to compare by ({}).",
                        catalog.known_names()
                    )));
                }
                Some(None) => {
                    return Err(QueryError(format!(
                        "{name} has more than {MAX_LISTED_VALUES} different values, too many to compare; choose another attribute."
                    )));
                }
                Some(Some(_)) => {}
            }
            if set.contains_key(&name) {
                return Err(QueryError(format!(
                    "The view is already filtered by {name}; compare by another attribute or remove that filter."
                )));
            }
            Some(name)
        }
    };
    Ok(SegmentQuery {
        filters: FilterSet(set),
        by,
    })
}

/// A mean with its uncertainty, from [`stats::summarize`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// How many answers.
    pub n: usize,
    /// The mean on 0–100.
    pub mean: f64,
    /// The 95% confidence interval (Student's t) as computed, not clipped: an end can lie
    /// outside 0–100. `None` below two answers. Show it with [`crate::display::interval`].
    pub ci95: Option<(f64, f64)>,
    /// [`Estimate::ci95`] clipped to 0–100, the interval as drawn; kept for the pages that read
    /// it.
    pub interval: Option<(f64, f64)>,
}

impl Estimate {
    /// The estimate of a measure over a population, shown only when every answer in it has the
    /// measure, so that the answers behind a mean are exactly the population whose size the
    /// privacy checks judged (a mean over fewer would escape them).
    fn of(values: &[Option<f64>]) -> Option<Estimate> {
        let complete: Vec<f64> = values.iter().copied().collect::<Option<Vec<f64>>>()?;
        let summary = stats::summarize(&complete)?;
        Some(Estimate {
            n: summary.n,
            mean: summary.mean,
            ci95: summary.ci95,
            interval: summary.ci95.map(crate::display::clip_to_scale),
        })
    }
}

/// The figures shown for one population.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// Respondents (answers).
    pub respondents: u32,
    /// Per measure of [`MEASURE_LABELS`]: the estimate, or `None` when some answers lack it
    /// (their raters could not say).
    pub scores: [Option<Estimate>; 4],
}

impl Figures {
    fn of(members: &[&Answer]) -> Figures {
        let scores = std::array::from_fn(|m| {
            let values: Vec<Option<f64>> = members.iter().map(|a| a.scores[m]).collect();
            Estimate::of(&values)
        });
        Figures {
            respondents: u32::try_from(members.len()).unwrap_or(u32::MAX),
            scores,
        }
    }
}

/// One compare-by row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentRow {
    /// The attribute's value; `None` for raters without it.
    pub value: Option<String>,
    /// The figures, when the row is shown.
    pub figures: Option<Figures>,
    /// Why the row is hidden, if it is.
    pub hidden: Option<Suppression>,
}

/// A segment view as it may be shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentView {
    /// The population's filters.
    pub filters: FilterSet,
    /// The compare-by attribute.
    pub by: Option<String>,
    /// The minimum group size applied.
    pub k: u32,
    /// The whole filtered population.
    pub total: Figures,
    /// One row per value of `by` among the population's answers (values in order, "not set"
    /// last); empty without `by`.
    pub rows: Vec<SegmentRow>,
    /// Every population this view shows, with the measures it shows of it and its respondents:
    /// to be recorded in the campaign's disclosure history before the view is shown.
    pub seen: Vec<(SeenPopulation, u32)>,
}

/// A population shown of a campaign's answers, as the disclosure history keeps it: who (a
/// filter set over the answers' attributes and team) and which measures were shown of it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct SeenPopulation {
    /// The answers it holds.
    pub filters: FilterSet,
    /// Per measure of [`MEASURE_LABELS`], whether a figure of it was shown.
    pub measures: [bool; 4],
}

impl SeenPopulation {
    /// The canonical JSON form kept in the history.
    pub fn to_canonical_json(&self) -> String {
        serde_json::to_string(self).expect("a population always serialises")
    }

    /// Reads the canonical JSON form back; a bare filter set (as histories kept before measures
    /// were recorded) stands for all four measures.
    pub fn from_canonical_json(text: &str) -> Result<SeenPopulation, String> {
        serde_json::from_str::<SeenPopulation>(text).or_else(|_| {
            FilterSet::from_canonical_json(text).map(|filters| SeenPopulation {
                filters,
                measures: [true; 4],
            })
        })
    }
}

impl<'de> serde::Deserialize<'de> for FilterSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<FilterSet, D::Error> {
        BTreeMap::<String, BTreeSet<Option<String>>>::deserialize(deserializer).map(FilterSet)
    }
}

/// A closed campaign's direct-report answers, indexed by attribute value (and team) so that
/// applying a filter set costs a few operations on bit sets rather than a pass over every answer
/// (the whole disclosure history is re-applied on every view).
#[derive(Debug, Clone)]
pub struct Answers {
    answers: Vec<Answer>,
    /// Attribute name (and [`TEAM`]) → value → the positions of the answers whose rater had it,
    /// in order. Kept as lists, not bit sets: an organisation has thousands of teams, and a bit
    /// set per team over a million answers would take a gigabyte.
    index: BTreeMap<String, BTreeMap<String, Vec<u32>>>,
    /// Per measure, the answers that have a value for it.
    valued: [Population; 4],
}

impl Answers {
    /// Indexes the answers.
    pub fn new(answers: Vec<Answer>) -> Answers {
        let n = answers.len();
        let mut index: BTreeMap<String, BTreeMap<String, Vec<u32>>> = BTreeMap::new();
        let mut valued: [Population; 4] = std::array::from_fn(|_| Population::none(n));
        for (i, a) in answers.iter().enumerate() {
            let position = u32::try_from(i).unwrap_or(u32::MAX);
            let team = a.team.iter().map(|t| (TEAM, t));
            let attributes = a.attributes.iter().map(|(k, v)| (k.as_str(), v));
            for (name, value) in team.chain(attributes) {
                let values = match index.get_mut(name) {
                    Some(values) => values,
                    None => index.entry(name.to_string()).or_default(),
                };
                match values.get_mut(value) {
                    Some(m) => m.push(position),
                    None => {
                        values.insert(value.clone(), vec![position]);
                    }
                }
            }
            for (m, score) in a.scores.iter().enumerate() {
                if score.is_some() {
                    valued[m].insert(i);
                }
            }
        }
        Answers {
            answers,
            index,
            valued,
        }
    }

    /// How many answers.
    pub fn len(&self) -> usize {
        self.answers.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
    }

    /// The answers, in the order their positions refer to.
    pub fn as_slice(&self) -> &[Answer] {
        &self.answers
    }

    /// The answers a filter set selects (the same as [`FilterSet::matches_answer`] on each).
    pub fn members(&self, filters: &FilterSet) -> Population {
        let n = self.answers.len();
        let mut result = Population::all(n);
        for (name, allowed) in filters.conditions() {
            let values = self.index.get(name);
            let listed = |v: &str| values.and_then(|vs| vs.get(v)).into_iter().flatten();
            let mut condition = Population::none(n);
            for value in allowed {
                match value {
                    Some(v) => listed(v).for_each(|&i| condition.insert(i as usize)),
                    None => {
                        let mut unset = Population::all(n);
                        for &i in values.into_iter().flat_map(BTreeMap::values).flatten() {
                            unset.remove(i as usize);
                        }
                        condition.or(&unset);
                    }
                }
            }
            result.and(&condition);
        }
        result
    }

    /// The positions of the answers behind the figures of one measure of a population: its
    /// members that have a value for the measure, in order. A population of one value of one
    /// attribute (a team) is read from its list without a pass over every answer.
    fn behind(&self, filters: &FilterSet, measure: usize) -> Vec<usize> {
        let valued = &self.valued[measure];
        let mut conditions = filters.conditions().iter();
        if let (Some((name, allowed)), None) = (conditions.next(), conditions.next())
            && allowed.len() == 1
            && let Some(Some(value)) = allowed.first()
        {
            return self
                .index
                .get(name)
                .and_then(|values| values.get(value))
                .into_iter()
                .flatten()
                .map(|&i| i as usize)
                .filter(|&i| valued.contains(i))
                .collect();
        }
        let mut members = self.members(filters);
        members.and(valued);
        members.positions().collect()
    }

    /// Which atom of the populations in `seen` each answer falls in on one measure (see
    /// [`ledger::atoms`]): answers shown together in exactly the same populations share a
    /// number; 0 for answers in none of them or without a value for the measure.
    pub fn atoms(&self, seen: &[SeenPopulation], measure: usize) -> Vec<u32> {
        ledger::atoms(
            self.answers.len(),
            seen.iter()
                .filter(|p| p.measures[measure])
                .map(|p| self.behind(&p.filters, measure)),
        )
    }

    /// Whether answer `i` has a value for `measure`.
    pub fn has_value(&self, i: usize, measure: usize) -> bool {
        self.valued[measure].contains(i)
    }

    /// Whether showing `new` after everything in `seen` would single out fewer than k answers on
    /// some measure that `seen` alone did not (see [`ledger`]): the measure and the size of the
    /// smallest group newly singled out, or `None` when every group any combination of the
    /// figures could isolate has at least k answers or was already isolated, exactly, by what
    /// was shown before (a history kept under a smaller minimum, such as segment views with a
    /// smaller k than the team heatmap's: figures that do not split such a group reveal nothing
    /// new about it).
    pub fn isolates(
        &self,
        k: u32,
        seen: &[SeenPopulation],
        new: &[SeenPopulation],
    ) -> Option<(usize, u32)> {
        (0..4).find_map(|m| {
            let before = self.atoms(seen, m);
            let before_sizes = ledger::sizes(&before);
            let after = ledger::atoms(
                self.answers.len(),
                seen.iter()
                    .chain(new)
                    .filter(|p| p.measures[m])
                    .map(|p| self.behind(&p.filters, m)),
            );
            let after_sizes = ledger::sizes(&after);
            // One member of each atom tells which atom of `seen` it lies in (atoms only split).
            let mut was = vec![0u32; after_sizes.len()];
            for (i, a) in after.iter().enumerate() {
                was[*a as usize] = before[i];
            }
            (1..after_sizes.len())
                .filter(|&a| {
                    let n = after_sizes[a];
                    let kept = was[a] != 0 && before_sizes[was[a] as usize] == n;
                    n < k && !kept
                })
                .map(|a| after_sizes[a])
                .min()
                .map(|n| (m, n))
        })
    }
}

/// The refusal of a view that, with what was already shown, would single out a few answers.
pub fn overlap_refusal(k: u32) -> Refusal {
    Refusal(format!(
        "Together with figures already shown of this campaign (the team heatmap, or a segment view you or another admin saw), this view would single out fewer than {k} people's answers: it splits a group already shown into a part of fewer than {k}. Choose a broader group, or one that takes in or leaves out whole teams."
    ))
}

/// Decides what may be shown of `query` over a closed campaign's `answers`, given every
/// population already shown of them (`seen`: the campaign's disclosure history, of every viewer
/// and page), under minimum group size `k`.
///
/// Refused (with the privacy engine's message) when the filtered population has fewer than k
/// respondents, or when its figures together with those already shown would single out fewer
/// than k answers on any measure. Otherwise the view, whose [`SegmentView::seen`] lists the
/// populations to add to the history.
pub fn plan_view(
    k: u32,
    answers: &Answers,
    query: &SegmentQuery,
    seen: &[SeenPopulation],
) -> Result<SegmentView, Refusal> {
    let members: Vec<&Answer> = answers
        .members(&query.filters)
        .positions()
        .map(|i| &answers.answers[i])
        .collect();
    let total = Figures::of(&members);
    disclosure::check_filtered_population(k, total.respondents)?;

    let shown_of = |filters: FilterSet, figures: &Figures| {
        (
            SeenPopulation {
                filters,
                measures: std::array::from_fn(|m| figures.scores[m].is_some()),
            },
            figures.respondents,
        )
    };
    let mut shown: Vec<(SeenPopulation, u32)> = vec![shown_of(query.filters.clone(), &total)];
    let mut rows = Vec::new();
    if let Some(by) = &query.by {
        let mut cells: BTreeMap<Option<&str>, Vec<&Answer>> = BTreeMap::new();
        for a in &members {
            cells
                .entry(a.attributes.get(by).map(String::as_str))
                .or_default()
                .push(a);
        }
        let sizes: Vec<(Option<&str>, u32)> = cells
            .iter()
            .map(|(value, m)| (*value, u32::try_from(m.len()).unwrap_or(u32::MAX)))
            .collect();
        let plan = disclosure::plan_partition(k, &sizes);
        // Values in order, raters without the attribute last.
        let ordered = cells
            .iter()
            .filter(|(v, _)| v.is_some())
            .chain(cells.iter().filter(|(v, _)| v.is_none()));
        for (value, m) in ordered {
            let owned = value.map(String::from);
            let hidden = plan.hidden.get(value).copied();
            let figures = hidden.is_none().then(|| Figures::of(m));
            if let Some(figures) = &figures {
                shown.push(shown_of(
                    query.filters.with(by, BTreeSet::from([owned.clone()])),
                    figures,
                ));
            }
            rows.push(SegmentRow {
                value: owned,
                figures,
                hidden,
            });
        }
    }

    let new: Vec<SeenPopulation> = shown.iter().map(|(p, _)| p.clone()).collect();
    if answers.isolates(k, seen, &new).is_some() {
        return Err(overlap_refusal(k));
    }

    Ok(SegmentView {
        filters: query.filters.clone(),
        by: query.by.clone(),
        k,
        total,
        rows,
        seen: shown,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn answer(pairs: &[(&str, &str)], score: f64) -> Answer {
        Answer {
            team: None,
            attributes: pairs
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            scores: [Some(score); 4],
        }
    }

    fn catalog() -> Catalog {
        Catalog::new([
            (
                "location".to_string(),
                Some(vec!["Lisbon".into(), "London".into(), "Porto".into()]),
            ),
            (
                "function".to_string(),
                Some(vec!["Finance".into(), "Sales".into()]),
            ),
            ("employee_no".to_string(), None),
        ])
    }

    fn query(filters: &[&str], by: Option<&str>) -> SegmentQuery {
        parse_query(&catalog(), filters, by).unwrap()
    }

    /// 12 in Lisbon (8 Finance, 4 Sales), 6 in London (all Sales), 3 in Porto, 2 without a
    /// location.
    fn org() -> Vec<Answer> {
        let mut answers = Vec::new();
        for i in 0..8 {
            answers.push(answer(
                &[("location", "Lisbon"), ("function", "Finance")],
                60.0 + f64::from(i),
            ));
        }
        for _ in 0..4 {
            answers.push(answer(
                &[("location", "Lisbon"), ("function", "Sales")],
                40.0,
            ));
        }
        for _ in 0..6 {
            answers.push(answer(
                &[("location", "London"), ("function", "Sales")],
                80.0,
            ));
        }
        for _ in 0..3 {
            answers.push(answer(&[("location", "Porto")], 20.0));
        }
        for _ in 0..2 {
            answers.push(answer(&[("function", "Finance")], 50.0));
        }
        answers
    }

    #[test]
    fn filters_are_parsed_with_clear_errors_for_bad_input() {
        let q = query(&["location:Lisbon", " function : Finance ", ""], Some("  "));
        assert_eq!(
            q.filters.describe(),
            "function is Finance and location is Lisbon"
        );
        assert_eq!(q.by, None);
        let err = |f: &[&str], by: Option<&str>| parse_query(&catalog(), f, by).unwrap_err().0;
        assert!(err(&["location"], None).contains("name:value"));
        assert!(err(&[":Lisbon"], None).contains("names no attribute"));
        assert!(err(&["location:"], None).contains("empty"));
        assert!(err(&["tenure:new"], None).contains("no attribute \"tenure\""));
        assert!(err(&["tenure:new"], None).contains("location"));
        assert!(err(&["location:Atlantis"], None).contains("Nobody"));
        assert!(err(&["location:Lisbon", "location:Porto"], None).contains("more than once"));
        assert!(err(&["location:Lisbon", "LOCATION:Lisbon"], None).contains("more than once"));
        assert!(err(&["location:Lisbon"], Some("location")).contains("already filtered"));
        assert!(err(&[], Some("tenure")).contains("no attribute"));
        assert!(err(&[], Some("employee_no")).contains("too many"));
        assert!(err(&["location:a\u{7}b"], None).contains("control"));
        let many: Vec<String> = (0..=MAX_FILTERS).map(|i| format!("a{i}:x")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(err(&many, None).contains("at most"));
        // An attribute with too many values to list can still be filtered on.
        assert!(parse_query(&catalog(), &["employee_no:123"], None).is_ok());
    }

    #[test]
    fn filter_sets_round_trip_through_canonical_json_and_intersect() {
        let a = query(&["location:Lisbon"], None).filters;
        let b = query(&["function:Finance"], None).filters;
        let both = a.and(&b);
        assert_eq!(
            both.to_canonical_json(),
            r#"{"function":["Finance"],"location":["Lisbon"]}"#
        );
        assert_eq!(
            FilterSet::from_canonical_json(&both.to_canonical_json()).unwrap(),
            both
        );
        let porto = query(&["location:Porto"], None).filters;
        let conflict = a.and(&porto);
        assert!(org().iter().all(|x| !conflict.matches(&x.attributes)));
        let unset = FilterSet::everyone().with("location", BTreeSet::from([None]));
        assert_eq!(unset.to_canonical_json(), r#"{"location":[null]}"#);
        assert_eq!(
            org()
                .iter()
                .filter(|x| unset.matches(&x.attributes))
                .count(),
            2
        );
        assert!(FilterSet::from_canonical_json("[1]").is_err());
    }

    #[test]
    fn a_population_below_k_is_refused_and_a_large_one_shown_with_intervals() {
        let raw = org();
        let answers = Answers::new(raw.clone());
        let refused = plan_view(5, &answers, &query(&["location:Porto"], None), &[]);
        assert!(refused.unwrap_err().0.contains("fewer than 5"));
        let view = plan_view(5, &answers, &query(&["location:Lisbon"], None), &[]).unwrap();
        assert_eq!(view.total.respondents, 12);
        let ti = view.total.scores[0].as_ref().unwrap();
        let values: Vec<f64> = raw[..12].iter().map(|a| a.scores[0].unwrap()).collect();
        let summary = stats::summarize(&values).unwrap();
        assert_eq!(ti.n, 12);
        assert!((ti.mean - summary.mean).abs() < 1e-12);
        assert_eq!(
            ti.interval.map(|(l, _)| l),
            summary.ci95.map(|(l, _)| l.max(0.0))
        );
        assert_eq!(
            ti.ci95, summary.ci95,
            "kept unclipped beside the drawn interval"
        );
        assert_eq!(
            view.seen,
            vec![(
                SeenPopulation {
                    filters: view.filters.clone(),
                    measures: [true; 4]
                },
                12
            )]
        );
    }

    #[test]
    fn a_measure_some_could_not_rate_is_not_shown() {
        let mut raw = org();
        raw[0].scores[2] = None;
        let answers = Answers::new(raw);
        let view = plan_view(5, &answers, &query(&["location:Lisbon"], None), &[]).unwrap();
        assert!(view.total.scores[2].is_none());
        assert!(view.total.scores[1].is_some());
    }

    #[test]
    fn compare_by_rows_are_suppressed_with_their_complement_and_the_leftover_is_seen() {
        let answers = Answers::new(org());
        let view = plan_view(5, &answers, &query(&[], Some("location")), &[]).unwrap();
        let row = |v: Option<&str>| {
            view.rows
                .iter()
                .find(|r| r.value.as_deref() == v)
                .unwrap()
                .clone()
        };
        assert_eq!(view.total.respondents, 23);
        assert_eq!(row(Some("Lisbon")).figures.unwrap().respondents, 12);
        assert_eq!(row(Some("Porto")).hidden, Some(Suppression::TooFew));
        assert_eq!(row(None).hidden, Some(Suppression::TooFew));
        // Porto (3) and "not set" (2) together reach 5: London needs no complement.
        assert!(row(Some("London")).hidden.is_none());
        assert_eq!(view.rows.last().unwrap().value, None, "not set comes last");
        // The total and the two shown rows; the hidden rows (Porto and "not set", 5 together)
        // are the difference, which the ledger sees as one group of 5.
        assert_eq!(view.seen.len(), 3);
    }

    #[test]
    fn a_view_near_a_seen_one_is_refused_but_the_same_or_a_distant_one_is_not() {
        let answers = Answers::new(org());
        let seen = |filters: &[&str]| SeenPopulation {
            filters: query(filters, None).filters,
            measures: [true; 4],
        };
        let lisbon = seen(&["location:Lisbon"]);
        // Lisbon Finance (8) differs from Lisbon (12) by 4 < 5.
        let near = plan_view(
            5,
            &answers,
            &query(&["location:Lisbon", "function:Finance"], None),
            std::slice::from_ref(&lisbon),
        );
        assert!(near.unwrap_err().0.contains("single out fewer than 5"));
        // The same view again reveals nothing new.
        assert!(
            plan_view(
                5,
                &answers,
                &query(&["location:Lisbon"], None),
                std::slice::from_ref(&lisbon)
            )
            .is_ok()
        );
        // London (6) shares nobody with Lisbon.
        assert!(
            plan_view(
                5,
                &answers,
                &query(&["location:London"], None),
                std::slice::from_ref(&lisbon)
            )
            .is_ok()
        );
        // Two overlapping filters: Finance (10) against Lisbon (12): 8 shared, differences 2 and 4.
        let overlap = plan_view(5, &answers, &query(&["function:Finance"], None), &[lisbon]);
        assert!(overlap.is_err());
        // A compare-by row near a seen view refuses the whole view.
        let sales = seen(&["function:Sales"]);
        let by_location = plan_view(5, &answers, &query(&[], Some("location")), &[sales]);
        // London row (6) is all Sales (10): 4 Sales outside London.
        assert!(by_location.is_err());
        // After seeing London alone, comparing by location shows London again, Lisbon, and
        // Porto with "not set" hidden together (5): nothing near London.
        let london = seen(&["location:London"]);
        assert!(plan_view(5, &answers, &query(&[], Some("location")), &[london]).is_ok());
    }

    #[test]
    fn a_segment_that_splits_a_team_already_shown_on_the_heatmap_is_refused() {
        // Team Sales: 6 answers, 5 of them Finance; Team Ops: 7 answers, none Finance.
        let mut raw = Vec::new();
        for i in 0..6 {
            let function = if i < 5 { "Finance" } else { "Legal" };
            let mut a = answer(&[("function", function)], 50.0);
            a.team = Some("Sales".into());
            raw.push(a);
        }
        for _ in 0..7 {
            let mut a = answer(&[("function", "Legal")], 70.0);
            a.team = Some("Ops".into());
            raw.push(a);
        }
        let answers = Answers::new(raw);
        let team = |t: &str| SeenPopulation {
            filters: FilterSet::everyone().with(TEAM, BTreeSet::from([Some(t.to_string())])),
            measures: [true; 4],
        };
        let heatmap = [
            team("Sales"),
            team("Ops"),
            SeenPopulation {
                filters: FilterSet::everyone(),
                measures: [true; 4],
            },
        ];
        // Sales minus Finance would be the one Legal answer of Sales.
        let finance = plan_view(5, &answers, &query(&["function:Finance"], None), &heatmap);
        assert!(finance.is_err());
        // Legal takes in the whole of Ops and one of Sales: refused too.
        let legal = SegmentQuery {
            filters: FilterSet::everyone().with("function", BTreeSet::from([Some("Legal".into())])),
            by: None,
        };
        assert!(plan_view(5, &answers, &legal, &heatmap).is_err());
        // Without the heatmap shown, Finance alone (5) is fine.
        assert!(plan_view(5, &answers, &query(&["function:Finance"], None), &[]).is_ok());
        // A measure that was not shown on the heatmap does not count against a view.
        let mut partial = heatmap.clone();
        for p in &mut partial {
            p.measures = [false; 4];
        }
        assert!(plan_view(5, &answers, &query(&["function:Finance"], None), &partial).is_ok());
    }

    #[test]
    fn a_group_shown_under_a_smaller_minimum_refuses_only_the_views_that_split_it() {
        // The heatmap showed a team of 5 (the team minimum); segment views here need 9.
        let mut raw = org();
        for a in &mut raw[..5] {
            a.team = Some("Five".into());
        }
        let answers = Answers::new(raw);
        let five = SeenPopulation {
            filters: FilterSet::everyone().with(TEAM, BTreeSet::from([Some("Five".into())])),
            measures: [true; 4],
        };
        let seen = std::slice::from_ref(&five);
        // Everyone (23) takes in the whole team: nothing new about its five.
        assert!(plan_view(9, &answers, &query(&[], None), seen).is_ok());
        assert_eq!(
            answers.isolates(9, seen, &[]),
            None,
            "the history alone is not held against a view"
        );
        // Lisbon (12) minus the team would be 7.
        let lisbon = plan_view(9, &answers, &query(&["location:Lisbon"], None), seen);
        assert!(lisbon.unwrap_err().0.contains("single out fewer than 9"));
    }

    /// Small organisations: each answer has a location (0–2 or none), a function (0–1 or
    /// none), a team (0–2 or none), and now and then no value for one measure (its rater could
    /// not say).
    fn answers_strategy() -> impl Strategy<Value = Vec<Answer>> {
        prop::collection::vec(
            (
                prop::option::of(0u8..3),
                prop::option::of(0u8..2),
                0.0..100.0f64,
                prop::option::of(0u8..3),
                prop::option::weighted(0.15, 0usize..4),
            ),
            0..16,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .map(|(loc, func, score, team, cant_say)| {
                    let mut attributes = BTreeMap::new();
                    if let Some(l) = loc {
                        attributes.insert("location".to_string(), format!("L{l}"));
                    }
                    if let Some(f) = func {
                        attributes.insert("function".to_string(), format!("F{f}"));
                    }
                    let mut scores = [Some(score); 4];
                    if let Some(m) = cant_say {
                        scores[m] = None;
                    }
                    Answer {
                        team: team.map(|t| format!("T{t}")),
                        attributes,
                        scores,
                    }
                })
                .collect()
        })
    }

    fn query_strategy() -> impl Strategy<Value = SegmentQuery> {
        (prop::option::of(0u8..3), prop::option::of(0u8..2), 0u8..3).prop_map(|(loc, func, by)| {
            let mut filters = FilterSet::everyone();
            if let Some(l) = loc {
                filters = filters.with("location", BTreeSet::from([Some(format!("L{l}"))]));
            }
            if let Some(f) = func {
                filters = filters.with("function", BTreeSet::from([Some(format!("F{f}"))]));
            }
            let by = match by {
                1 if loc.is_none() => Some("location".to_string()),
                2 if func.is_none() => Some("function".to_string()),
                _ => None,
            };
            SegmentQuery { filters, by }
        })
    }

    proptest! {
        /// Whatever the answers and the sequence of views asked for (segment views and team
        /// heatmaps, by several admins, all kept in one history, the heatmap decided by
        /// [`crate::analytics::heatmap_against`] as the product decides it): every shown total
        /// and row has at least k answers, the hidden rows together have none or at least k,
        /// and no linear combination of everything shown isolates fewer than k answers on any
        /// measure (checked by exact linear algebra over every group of k − 1 answers).
        #[test]
        fn no_combination_of_everything_shown_isolates_fewer_than_k(
            k in 3u32..6,
            raw in answers_strategy(),
            // `None` is a heatmap view.
            views in prop::collection::vec(prop::option::weighted(0.75, query_strategy()), 1..9),
        ) {
            let answers = Answers::new(raw.clone());
            let totals = crate::analytics::totals_of(&raw);
            let mut seen: Vec<SeenPopulation> = Vec::new();
            for view in &views {
                let Some(q) = view else {
                    let (map, shown) = crate::analytics::heatmap_against(k, &totals, &answers, &seen);
                    for row in &map.rows {
                        if let Some(n) = row.respondents {
                            prop_assert!(n >= u64::from(k));
                        }
                    }
                    for (population, n) in shown.all() {
                        prop_assert_eq!(answers.members(&population.filters).count(), *n);
                    }
                    seen.extend(shown.all().map(|(p, _)| p.clone()));
                    continue;
                };
                let Ok(view) = plan_view(k, &answers, q, &seen) else { continue };
                prop_assert!(view.total.respondents >= k);
                let mut hidden = 0;
                for row in &view.rows {
                    match &row.figures {
                        Some(f) => prop_assert!(f.respondents >= k),
                        None => {
                            let m = FilterSet::everyone()
                                .with(q.by.as_deref().unwrap(), BTreeSet::from([row.value.clone()]))
                                .and(&q.filters);
                            hidden += answers.members(&m).count();
                        }
                    }
                }
                prop_assert!(hidden == 0 || hidden >= k);
                for (population, n) in &view.seen {
                    prop_assert_eq!(answers.members(&population.filters).count(), *n);
                }
                seen.extend(view.seen.into_iter().map(|(p, _)| p));
            }
            // The index selects exactly the answers the filter sets match, asked for or seen,
            // including "not set" and several values at once.
            let unset = FilterSet::everyone().with("location", BTreeSet::from([None, Some("L1".into())]));
            let no_team = FilterSet::everyone().with(TEAM, BTreeSet::from([None]));
            let asked = views.iter().flatten().map(|q| &q.filters);
            for s in seen.iter().map(|p| &p.filters).chain(asked).chain([&unset, &no_team]) {
                let naive: Vec<usize> = raw
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| s.matches_answer(a))
                    .map(|(i, _)| i)
                    .collect();
                prop_assert_eq!(answers.members(s).positions().collect::<Vec<_>>(), naive);
            }
            prop_assert!(
                !crate::analytics::exactly_isolates(k, &raw, &seen),
                "a combination of what was shown isolates fewer than {} answers", k
            );
        }
    }
}
