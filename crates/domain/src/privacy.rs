//! The privacy rules: which groups of answers may be shown, merged or must be hidden.
//!
//! This is the one place that decides visibility; pages, exports and the API only show what a
//! plan made here allows.

pub mod disclosure;
pub mod ledger;
pub mod population;

use crate::model::RaterGroup;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The minimum group sizes in force for a campaign; fixed when the campaign opens and shown to
/// respondents on the survey page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyRules {
    /// Smallest anonymous 360 rater group (peers, direct reports, others) that is shown.
    pub min_rater_group: u32,
    /// Smallest team or organisation group that is shown.
    pub min_team: u32,
    /// Smallest segment (raters chosen by attributes such as location) that is shown.
    #[serde(default = "default_min_segment")]
    pub min_segment: u32,
    /// Smallest number of anonymous respondents whose comments are shown.
    pub min_comments: u32,
}

fn default_min_segment() -> u32 {
    5
}

impl Default for PrivacyRules {
    fn default() -> Self {
        PrivacyRules {
            min_rater_group: 3,
            min_team: 5,
            min_segment: default_min_segment(),
            min_comments: 3,
        }
    }
}

/// Why a rule set was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct RulesError(String);

impl PrivacyRules {
    /// Checks a rule set chosen by an admin: thresholds may be raised, never lowered below the
    /// product's floor of 3 (2 would let one rater subtract their own answer).
    pub fn new(
        min_rater_group: u32,
        min_team: u32,
        min_segment: u32,
        min_comments: u32,
    ) -> Result<PrivacyRules, RulesError> {
        for (name, value) in [
            ("rater group", min_rater_group),
            ("team", min_team),
            ("segment", min_segment),
            ("comments", min_comments),
        ] {
            if !(3..=50).contains(&value) {
                return Err(RulesError(format!(
                    "The minimum {name} size must be between 3 and 50 (got {value})."
                )));
            }
        }
        Ok(PrivacyRules {
            min_rater_group,
            min_team,
            min_segment,
            min_comments,
        })
    }
}

/// One column of a 360 report: a rater group as shown, possibly several groups merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownGroup {
    /// The group whose label the column carries.
    pub label: RaterGroup,
    /// The groups whose answers the column pools.
    pub members: Vec<RaterGroup>,
    /// The number of respondents in the column.
    pub respondents: u32,
}

/// What a 360 report may show for one leader, given how many answered in each group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupPlan {
    /// Columns that are shown, in report order.
    pub shown: Vec<ShownGroup>,
    /// Groups below the threshold whose answers were pooled into "Others".
    pub merged: Vec<RaterGroup>,
    /// Groups whose answers appear nowhere in the report, not even in totals, because the pool
    /// they would fall into is still below the threshold.
    pub hidden: Vec<RaterGroup>,
}

impl GroupPlan {
    /// The column that shows answers from `group`, if they are shown at all.
    pub fn column_of(&self, group: RaterGroup) -> Option<usize> {
        self.shown.iter().position(|g| g.members.contains(&group))
    }

    /// Whether answers from `group` count anywhere in the report.
    pub fn counts(&self, group: RaterGroup) -> bool {
        self.column_of(group).is_some()
    }

    /// The number of respondents other than the leader whose answers the report uses.
    pub fn others_respondents(&self) -> u32 {
        self.shown
            .iter()
            .filter(|g| g.label != RaterGroup::SelfRating)
            .map(|g| g.respondents)
            .sum()
    }

    /// The number of anonymous respondents (neither self nor manager) whose answers the report uses.
    pub fn anonymous_respondents(&self) -> u32 {
        self.shown
            .iter()
            .filter(|g| !g.label.is_identified())
            .map(|g| g.respondents)
            .sum()
    }
}

/// Decides which 360 rater groups are shown. Self and manager are shown as themselves (their
/// raters are told so). Peers and direct reports below the threshold are merged into "Others";
/// if "Others" is still below the threshold it is hidden, and its answers are left out of every
/// total too, so that no reader can subtract the shown groups from a total to recover it.
pub fn plan_rater_groups(
    rules: &PrivacyRules,
    respondents: &BTreeMap<RaterGroup, u32>,
) -> GroupPlan {
    let count = |g: RaterGroup| respondents.get(&g).copied().unwrap_or(0);
    let mut shown = Vec::new();
    let mut merged = Vec::new();
    let mut hidden = Vec::new();
    for g in [RaterGroup::SelfRating, RaterGroup::Manager] {
        if count(g) > 0 {
            shown.push(ShownGroup {
                label: g,
                members: vec![g],
                respondents: count(g),
            });
        }
    }
    let mut others = ShownGroup {
        label: RaterGroup::Other,
        members: Vec::new(),
        respondents: 0,
    };
    for g in [RaterGroup::Peer, RaterGroup::DirectReport] {
        let n = count(g);
        if n >= rules.min_rater_group {
            shown.push(ShownGroup {
                label: g,
                members: vec![g],
                respondents: n,
            });
        } else if n > 0 {
            merged.push(g);
            others.members.push(g);
            others.respondents += n;
        }
    }
    if count(RaterGroup::Other) > 0 {
        others.members.push(RaterGroup::Other);
        others.respondents += count(RaterGroup::Other);
    }
    if others.respondents >= rules.min_rater_group {
        shown.push(others);
    } else {
        merged.clear();
        hidden = others.members;
    }
    GroupPlan {
        shown,
        merged,
        hidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RaterGroup::*;

    fn counts(pairs: &[(RaterGroup, u32)]) -> BTreeMap<RaterGroup, u32> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn groups_at_the_threshold_are_shown_as_themselves() {
        let plan = plan_rater_groups(
            &PrivacyRules::default(),
            &counts(&[(SelfRating, 1), (Manager, 1), (Peer, 3), (DirectReport, 5)]),
        );
        let labels: Vec<_> = plan.shown.iter().map(|g| g.label).collect();
        assert_eq!(labels, vec![SelfRating, Manager, Peer, DirectReport]);
        assert!(plan.hidden.is_empty() && plan.merged.is_empty());
        assert_eq!(plan.others_respondents(), 9);
        assert_eq!(plan.anonymous_respondents(), 8);
    }

    #[test]
    fn small_groups_merge_into_others_when_the_pool_reaches_the_threshold() {
        let plan = plan_rater_groups(
            &PrivacyRules::default(),
            &counts(&[(Manager, 1), (Peer, 2), (DirectReport, 4), (Other, 1)]),
        );
        assert_eq!(plan.merged, vec![Peer]);
        let others = plan.shown.last().expect("others shown");
        assert_eq!(others.label, Other);
        assert_eq!(others.members, vec![Peer, Other]);
        assert_eq!(others.respondents, 3);
        assert_eq!(plan.column_of(Peer), plan.column_of(Other));
    }

    #[test]
    fn a_pool_still_below_the_threshold_is_hidden_and_left_out_of_totals() {
        let plan = plan_rater_groups(
            &PrivacyRules::default(),
            &counts(&[(Manager, 1), (Peer, 1), (DirectReport, 5), (Other, 1)]),
        );
        assert_eq!(plan.hidden, vec![Peer, Other]);
        assert!(plan.merged.is_empty());
        assert!(!plan.counts(Peer) && !plan.counts(Other));
        // The total over shown groups equals the sum of the shown columns: nothing to subtract.
        assert_eq!(plan.others_respondents(), 6);
    }

    #[test]
    fn the_rules_refuse_thresholds_below_three() {
        assert!(PrivacyRules::new(2, 5, 5, 3).is_err());
        assert!(PrivacyRules::new(3, 5, 5, 3).is_ok());
        assert!(PrivacyRules::new(3, 500, 5, 3).is_err());
        assert!(PrivacyRules::new(3, 5, 2, 3).is_err());
    }
}
