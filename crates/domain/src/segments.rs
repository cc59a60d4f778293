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

mod answers;

pub use answers::*;

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
mod tests;
