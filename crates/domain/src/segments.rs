//! Organisation analytics by segment: how direct reports in a part of the organisation (chosen
//! by rater attributes such as location or function) rate their own leaders, and the gaps
//! between segments (one row per value of a "compare by" attribute).
//!
//! Every privacy decision about a segment view is taken here, from the rules of
//! [`crate::privacy::disclosure`]:
//! - the filtered population must have at least k respondents
//!   ([`disclosure::check_filtered_population`]);
//! - compare-by rows are planned as a partition under complementary suppression
//!   ([`disclosure::plan_partition`]);
//! - every population the view lets its viewer see (the total, each shown row, and the hidden
//!   rows together, which the total minus the shown rows gives away) must not differ from any
//!   population the same viewer already saw in the campaign by 1 to k−1 respondents
//!   ([`disclosure::check_against_seen`]); overlaps are computed by re-applying both filter sets
//!   to the answers, so the history keeps filter sets, never answers.
//!
//! A respondent is one answer: each direct report's answer about their own leader. A person who
//! reports to two leaders in the campaign answers twice and counts twice.

use crate::privacy::disclosure::{self, Refusal, SeenView, Suppression};
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

/// One direct report's answer as segment views see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
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
    /// The 95% confidence interval (Student's t), clipped to 0–100; `None` below two answers.
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
            interval: summary
                .ci95
                .map(|(lo, hi)| (lo.clamp(0.0, 100.0), hi.clamp(0.0, 100.0))),
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
    /// Every population this view lets its viewer see, with its respondents: to be recorded in
    /// the viewer's history before the view is shown.
    pub seen: Vec<(FilterSet, u32)>,
}

/// Which answers a population holds, as a bit set over the answers' positions.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Members(Vec<u64>);

impl Members {
    fn none(n: usize) -> Members {
        Members(vec![0; n.div_ceil(64)])
    }

    fn all(n: usize) -> Members {
        let mut all = Members(vec![u64::MAX; n.div_ceil(64)]);
        if !n.is_multiple_of(64)
            && let Some(last) = all.0.last_mut()
        {
            *last = (1u64 << (n % 64)) - 1;
        }
        all
    }

    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    fn or(&mut self, other: &Members) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a |= b);
    }

    fn and(&mut self, other: &Members) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a &= b);
    }

    fn and_not(&mut self, other: &Members) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a &= !b);
    }

    fn count(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    fn shared(&self, other: &Members) -> u32 {
        self.0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| (a & b).count_ones())
            .sum()
    }

    fn positions(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, bits)| {
            (0..64)
                .filter(move |b| bits & (1u64 << b) != 0)
                .map(move |b| w * 64 + b)
        })
    }
}

/// A closed campaign's direct-report answers, indexed by attribute value so that applying a
/// filter set costs a few operations on bit sets rather than a pass over every answer (a viewer's
/// history is re-applied on every view, inside the transaction that records it).
#[derive(Debug, Clone)]
pub struct Answers {
    answers: Vec<Answer>,
    /// Attribute name → value → the answers whose rater had it.
    index: BTreeMap<String, BTreeMap<String, Members>>,
}

impl Answers {
    /// Indexes the answers.
    pub fn new(answers: Vec<Answer>) -> Answers {
        let n = answers.len();
        let mut index: BTreeMap<String, BTreeMap<String, Members>> = BTreeMap::new();
        for (i, a) in answers.iter().enumerate() {
            for (name, value) in &a.attributes {
                let values = match index.get_mut(name) {
                    Some(values) => values,
                    None => index.entry(name.clone()).or_default(),
                };
                match values.get_mut(value) {
                    Some(m) => m.insert(i),
                    None => {
                        let mut m = Members::none(n);
                        m.insert(i);
                        values.insert(value.clone(), m);
                    }
                }
            }
        }
        Answers { answers, index }
    }

    /// How many answers.
    pub fn len(&self) -> usize {
        self.answers.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
    }

    /// The answers a filter set selects (the same as [`FilterSet::matches`] on each answer).
    fn members(&self, filters: &FilterSet) -> Members {
        let n = self.answers.len();
        let mut result = Members::all(n);
        for (name, allowed) in filters.conditions() {
            let values = self.index.get(name);
            let mut condition = Members::none(n);
            for value in allowed {
                match value {
                    Some(v) => {
                        if let Some(m) = values.and_then(|vs| vs.get(v)) {
                            condition.or(m);
                        }
                    }
                    None => {
                        let mut unset = Members::all(n);
                        for m in values.into_iter().flat_map(BTreeMap::values) {
                            unset.and_not(m);
                        }
                        condition.or(&unset);
                    }
                }
            }
            result.and(&condition);
        }
        result
    }
}

/// Decides what a viewer may be shown of `query` over a closed campaign's `answers`, given the
/// filter sets they already saw in that campaign (`seen`), under minimum group size `k`.
///
/// Refused (with the privacy engine's message) when the filtered population has fewer than k
/// respondents, or when the population of the view, of any shown row, or of the hidden rows
/// together, differs from one already seen by 1 to k−1 respondents. Otherwise the view, whose
/// [`SegmentView::seen`] lists the populations to add to the history.
pub fn plan_view(
    k: u32,
    answers: &Answers,
    query: &SegmentQuery,
    seen: &[FilterSet],
) -> Result<SegmentView, Refusal> {
    let members: Vec<&Answer> = answers
        .members(&query.filters)
        .positions()
        .map(|i| &answers.answers[i])
        .collect();
    let total = Figures::of(&members);
    disclosure::check_filtered_population(k, total.respondents)?;

    let mut shown: Vec<(FilterSet, u32)> = vec![(query.filters.clone(), total.respondents)];
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
        let mut hidden_values = BTreeSet::new();
        let mut hidden_n = 0;
        // Values in order, raters without the attribute last.
        let ordered = cells
            .iter()
            .filter(|(v, _)| v.is_some())
            .chain(cells.iter().filter(|(v, _)| v.is_none()));
        for (value, m) in ordered {
            let owned = value.map(String::from);
            let hidden = plan.hidden.get(value).copied();
            if hidden.is_some() {
                hidden_values.insert(owned.clone());
                hidden_n += m.len() as u32;
            } else {
                let figures = Figures::of(m);
                shown.push((
                    query.filters.with(by, BTreeSet::from([owned.clone()])),
                    figures.respondents,
                ));
            }
            rows.push(SegmentRow {
                value: owned,
                figures: hidden.is_none().then(|| Figures::of(m)),
                hidden,
            });
        }
        // The total minus the shown rows gives the hidden rows away together: they are seen too.
        if !hidden_values.is_empty() {
            shown.push((query.filters.with(by, hidden_values), hidden_n));
        }
    }

    let seen_members: Vec<Members> = seen.iter().map(|s| answers.members(s)).collect();
    for (filters, _) in &shown {
        let mine = answers.members(filters);
        let overlaps: Vec<SeenView> = seen_members
            .iter()
            .map(|s| SeenView {
                respondents: s.count(),
                shared: s.shared(&mine),
            })
            .collect();
        disclosure::check_against_seen(k, mine.count(), &overlaps)?;
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
        assert_eq!(view.seen, vec![(view.filters.clone(), 12)]);
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
        let leftover =
            FilterSet::everyone().with("location", BTreeSet::from([None, Some("Porto".into())]));
        assert!(view.seen.contains(&(leftover, 5)));
        assert_eq!(view.seen.len(), 4);
    }

    #[test]
    fn a_view_near_a_seen_one_is_refused_but_the_same_or_a_distant_one_is_not() {
        let answers = Answers::new(org());
        let lisbon = query(&["location:Lisbon"], None).filters;
        // Lisbon Finance (8) differs from Lisbon (12) by 4 < 5.
        let near = plan_view(
            5,
            &answers,
            &query(&["location:Lisbon", "function:Finance"], None),
            std::slice::from_ref(&lisbon),
        );
        assert!(near.unwrap_err().0.contains("already seen"));
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
        let sales = query(&["function:Sales"], None).filters;
        let by_location = plan_view(5, &answers, &query(&[], Some("location")), &[sales]);
        // London row (6) is all Sales (10): 4 Sales outside London.
        assert!(by_location.is_err());
        // After seeing London alone, comparing by location shows London again, Lisbon, and
        // Porto with "not set" hidden together (5): nothing near London.
        let london = query(&["location:London"], None).filters;
        assert!(plan_view(5, &answers, &query(&[], Some("location")), &[london]).is_ok());
    }

    /// Small organisations: each answer has a location (0–2 or none) and a function (0–1 or
    /// none).
    fn answers_strategy() -> impl Strategy<Value = Vec<Answer>> {
        prop::collection::vec(
            (
                prop::option::of(0u8..3),
                prop::option::of(0u8..2),
                0.0..100.0f64,
            ),
            0..45,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .map(|(loc, func, score)| {
                    let mut attributes = BTreeMap::new();
                    if let Some(l) = loc {
                        attributes.insert("location".to_string(), format!("L{l}"));
                    }
                    if let Some(f) = func {
                        attributes.insert("function".to_string(), format!("F{f}"));
                    }
                    Answer {
                        attributes,
                        scores: [Some(score); 4],
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
        /// Whatever the answers and the sequence of views a viewer asks for: every shown total
        /// and row has at least k answers, the hidden rows together have none or at least k, and
        /// no two populations the viewer ever saw differ by 1 to k−1 answers.
        #[test]
        fn a_viewer_never_sees_two_populations_that_differ_by_fewer_than_k(
            k in 3u32..6,
            raw in answers_strategy(),
            queries in prop::collection::vec(query_strategy(), 1..10),
        ) {
            let answers = Answers::new(raw.clone());
            let mut seen: Vec<FilterSet> = Vec::new();
            for q in &queries {
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
                for (filters, n) in &view.seen {
                    prop_assert_eq!(answers.members(filters).count(), *n);
                }
                seen.extend(view.seen.into_iter().map(|(f, _)| f));
            }
            // The index selects exactly the answers the filter sets match, asked for or seen,
            // including "not set" and several values at once.
            let unset = FilterSet::everyone().with("location", BTreeSet::from([None, Some("L1".into())]));
            for s in seen.iter().chain(queries.iter().map(|q| &q.filters)).chain([&unset]) {
                let naive: Vec<usize> = raw
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| s.matches(&a.attributes))
                    .map(|(i, _)| i)
                    .collect();
                prop_assert_eq!(answers.members(s).positions().collect::<Vec<_>>(), naive);
            }
            let members: Vec<Members> = seen.iter().map(|s| answers.members(s)).collect();
            for a in &members {
                for b in &members {
                    let only_a = a.count() - a.shared(b);
                    prop_assert!(only_a == 0 || only_a >= k, "two seen views differ by {}", only_a);
                }
            }
        }
    }
}
