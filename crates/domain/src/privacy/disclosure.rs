//! Disclosure control for the figures of one table: minimum cell sizes, complementary
//! suppression against subtraction, and refusal of filters that isolate too few people. What
//! one table adds to everything shown before is checked by [`super::ledger`].
//!
//! Everything works on respondent counts (and, for overlaps, on counts of intersections that the
//! caller computes): it decides what may be shown before any score is computed.

use serde::Serialize;
use std::collections::BTreeMap;

/// Why a cell is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Suppression {
    /// Fewer than k respondents.
    TooFew,
    /// Large enough itself, but hidden so that the hidden cells cannot be recovered by
    /// subtracting the shown ones from the total.
    Complementary,
    /// Large enough itself, but hidden because, together with figures already shown of the
    /// same answers elsewhere (a segment view), it would single out fewer than k people.
    Overlap,
}

/// What may be shown of a partition: cells that together make up a population whose total is
/// also shown (teams of an organisation, locations, the rows of a heatmap).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionPlan<K: Ord> {
    /// The hidden cells and why.
    pub hidden: BTreeMap<K, Suppression>,
    /// Whether the total itself may be shown (it has at least k respondents).
    pub total_shown: bool,
}

impl<K: Ord> PartitionPlan<K> {
    /// Whether cell `key` may be shown.
    pub fn shows(&self, key: &K) -> bool {
        !self.hidden.contains_key(key)
    }
}

/// Plans a partition under minimum cell size `k`.
///
/// 1. A cell with fewer than k respondents is hidden (cells with none are simply absent).
/// 2. When the total is shown, the respondents of all hidden cells together can be recovered by
///    subtracting the shown cells from it; if they number fewer than k, the smallest shown cells
///    are hidden as well until the hidden cells together reach k. (If all cells end up hidden
///    the total alone remains, which is an aggregate of at least k.)
/// 3. The total is shown only when it has at least k respondents.
pub fn plan_partition<K: Ord + Clone>(k: u32, cells: &[(K, u32)]) -> PartitionPlan<K> {
    plan_partition_after(k, cells, BTreeMap::new())
}

/// [`plan_partition`] where some cells are already hidden for another reason (such as the
/// whole row of a table hidden on another measure): those stay hidden, count with the other
/// hidden cells, and more are hidden as needed so that the hidden cells together are never
/// between 1 and k−1 respondents.
pub fn plan_partition_after<K: Ord + Clone>(
    k: u32,
    cells: &[(K, u32)],
    mut hidden: BTreeMap<K, Suppression>,
) -> PartitionPlan<K> {
    let total: u32 = cells.iter().map(|(_, n)| n).sum();
    let total_shown = total >= k;
    for (key, n) in cells {
        if *n > 0 && *n < k && !hidden.contains_key(key) {
            hidden.insert(key.clone(), Suppression::TooFew);
        }
    }
    if total_shown {
        let mut hidden_n: u32 = cells
            .iter()
            .filter(|(key, _)| hidden.contains_key(key))
            .map(|(_, n)| n)
            .sum();
        let mut shown: Vec<&(K, u32)> = cells
            .iter()
            .filter(|(key, n)| *n > 0 && !hidden.contains_key(key))
            .collect();
        // Smallest first; ties broken by key so the plan never depends on input order.
        shown.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        let mut next = shown.into_iter();
        while hidden_n > 0 && hidden_n < k {
            let Some((key, n)) = next.next() else { break };
            hidden.insert(key.clone(), Suppression::Complementary);
            hidden_n += n;
        }
    }
    PartitionPlan {
        hidden,
        total_shown,
    }
}

/// Why a requested view is refused, in words for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal(pub String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Refuses a filtered view (a combination of segment filters) whose population has fewer than k
/// respondents; an empty population is refused too, since "nobody" is also a disclosure.
pub fn check_filtered_population(k: u32, respondents: u32) -> Result<(), Refusal> {
    if respondents < k {
        Err(Refusal(format!(
            "This combination of filters covers fewer than {k} people, so it cannot be shown without risking that someone is recognised. Remove a filter to widen it."
        )))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_small_cell_is_hidden_and_the_next_smallest_too_when_subtraction_would_reveal_it() {
        let plan = plan_partition(5, &[("a", 12), ("b", 3), ("c", 6), ("d", 9)]);
        assert_eq!(plan.hidden.get("b"), Some(&Suppression::TooFew));
        assert_eq!(plan.hidden.get("c"), Some(&Suppression::Complementary));
        assert!(plan.shows(&"a") && plan.shows(&"d"));
        assert!(plan.total_shown);
    }

    #[test]
    fn two_small_cells_that_together_reach_k_need_no_complement() {
        let plan = plan_partition(5, &[("a", 12), ("b", 3), ("c", 2)]);
        assert_eq!(plan.hidden.len(), 2);
        assert!(plan.shows(&"a"));
    }

    #[test]
    fn a_total_below_k_is_not_shown() {
        let plan = plan_partition(5, &[("a", 2), ("b", 2)]);
        assert!(!plan.total_shown);
        assert_eq!(plan.hidden.len(), 2);
    }

    #[test]
    fn filters_isolating_fewer_than_k_are_refused() {
        assert!(check_filtered_population(5, 4).is_err());
        assert!(check_filtered_population(5, 0).is_err());
        assert!(check_filtered_population(5, 5).is_ok());
    }

    proptest! {
        /// Whatever the cells, no hidden group of fewer than k can be recovered: the hidden cells
        /// together are either empty or at least k (when the total is shown), every shown cell has
        /// at least k, and the plan does not depend on the order of the cells.
        #[test]
        fn no_subtraction_recovers_fewer_than_k(k in 3u32..10, sizes in prop::collection::vec(0u32..30, 1..12)) {
            let cells: Vec<(usize, u32)> = sizes.iter().copied().enumerate().collect();
            let plan = plan_partition(k, &cells);
            let hidden_n: u32 = cells.iter().filter(|(key, _)| !plan.shows(key)).map(|(_, n)| n).sum();
            if plan.total_shown {
                let all_hidden = cells.iter().filter(|(_, n)| *n > 0).all(|(key, _)| !plan.shows(key));
                prop_assert!(hidden_n == 0 || hidden_n >= k || all_hidden);
            }
            for (key, n) in &cells {
                if plan.shows(key) && *n > 0 {
                    prop_assert!(*n >= k);
                }
            }
            let mut reversed = cells.clone();
            reversed.reverse();
            prop_assert_eq!(plan, plan_partition(k, &reversed));
        }
    }
}
