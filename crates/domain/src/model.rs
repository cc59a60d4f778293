//! The vocabulary of the trust model: the three elements of trust and the rater groups of a 360.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One of the three elements that trust in a leader rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Element {
    /// Builds rapport, keeps in touch with people's concerns, balances results with care, resolves
    /// conflict, gives honest feedback helpfully.
    Relationships,
    /// Knows the domain, decides from facts, evidence and values, weighs stakeholders' interests.
    Judgement,
    /// Acts with integrity, does what they say, follows through, is transparent and accountable.
    Consistency,
}

impl Element {
    /// All elements in the order the product shows them.
    pub const ALL: [Element; 3] = [
        Element::Relationships,
        Element::Judgement,
        Element::Consistency,
    ];

    /// The name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Element::Relationships => "Relationships",
            Element::Judgement => "Judgement",
            Element::Consistency => "Consistency",
        }
    }

    /// The stable identifier used in URLs, data files and the API.
    pub fn slug(self) -> &'static str {
        match self {
            Element::Relationships => "relationships",
            Element::Judgement => "judgement",
            Element::Consistency => "consistency",
        }
    }

    /// A one-line description of what people see a leader do on this element.
    pub fn description(self) -> &'static str {
        match self {
            Element::Relationships => {
                "Builds rapport, stays in touch with people's concerns, balances results with care for people, resolves conflict and gives honest, helpful feedback."
            }
            Element::Judgement => {
                "Knows the field, decides from facts, evidence and values, and weighs the interests of everyone affected."
            }
            Element::Consistency => {
                "Acts with integrity, does what they say, follows through on promises and is open and accountable."
            }
        }
    }

    /// Parses the stable identifier.
    pub fn from_slug(slug: &str) -> Option<Element> {
        Element::ALL.into_iter().find(|e| e.slug() == slug)
    }
}

impl fmt::Display for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The relationship of a rater to the leader being assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RaterGroup {
    /// The leader rating themselves.
    #[serde(rename = "self")]
    SelfRating,
    /// The leader's own manager.
    Manager,
    /// Colleagues at a similar level.
    Peer,
    /// People who report to the leader.
    DirectReport,
    /// Anyone else who works with the leader (other teams, customers, partners).
    Other,
}

impl RaterGroup {
    /// All groups in the order the report shows them.
    pub const ALL: [RaterGroup; 5] = [
        RaterGroup::SelfRating,
        RaterGroup::Manager,
        RaterGroup::Peer,
        RaterGroup::DirectReport,
        RaterGroup::Other,
    ];

    /// The name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            RaterGroup::SelfRating => "Self",
            RaterGroup::Manager => "Manager",
            RaterGroup::Peer => "Peers",
            RaterGroup::DirectReport => "Direct reports",
            RaterGroup::Other => "Others",
        }
    }

    /// One member of the group, as a rater is told who they answer as.
    pub fn one_member(self) -> &'static str {
        match self {
            RaterGroup::SelfRating => "the leader themselves",
            RaterGroup::Manager => "their manager",
            RaterGroup::Peer => "a peer",
            RaterGroup::DirectReport => "someone who reports to them",
            RaterGroup::Other => "someone who works with them",
        }
    }

    /// The stable identifier used in URLs, the database and the API.
    pub fn slug(self) -> &'static str {
        match self {
            RaterGroup::SelfRating => "self",
            RaterGroup::Manager => "manager",
            RaterGroup::Peer => "peer",
            RaterGroup::DirectReport => "direct_report",
            RaterGroup::Other => "other",
        }
    }

    /// Parses the stable identifier.
    pub fn from_slug(slug: &str) -> Option<RaterGroup> {
        RaterGroup::ALL.into_iter().find(|g| g.slug() == slug)
    }

    /// Whether answers from this group are shown as the person themselves rather than pooled
    /// anonymously; raters in such a group are told so before they answer.
    pub fn is_identified(self) -> bool {
        matches!(self, RaterGroup::SelfRating | RaterGroup::Manager)
    }
}

impl fmt::Display for RaterGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip_for_every_element_and_group() {
        for e in Element::ALL {
            assert_eq!(Element::from_slug(e.slug()), Some(e));
        }
        for g in RaterGroup::ALL {
            assert_eq!(RaterGroup::from_slug(g.slug()), Some(g));
        }
        assert_eq!(Element::from_slug("nonsense"), None);
        assert_eq!(RaterGroup::from_slug(""), None);
    }

    #[test]
    fn only_self_and_manager_are_identified() {
        let identified: Vec<_> = RaterGroup::ALL
            .into_iter()
            .filter(|g| g.is_identified())
            .collect();
        assert_eq!(
            identified,
            vec![RaterGroup::SelfRating, RaterGroup::Manager]
        );
    }
}
