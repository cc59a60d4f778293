//! Which pulse figures can be shown when the people behind them change from round to round.
//!
//! Every pulse figure (a team's round, a manager's roll-up of several teams) rests on the
//! answers of the people it covers. A respondent's answers tend to repeat from one round to the
//! next, so two rounds of a team that differ by one person who joined or left would, subtracted,
//! give away that person's answer; a roll-up minus the teams shown inside it would do the same
//! for the people in no team shown. The product's rule is the one the 360's disclosure ledger
//! applies to answers (`crate::privacy::ledger`), applied here to *people* across a whole
//! series: group the people by which shown figures cover them; every group must hold at least
//! k people (or none). A figure is shown only if it keeps that true, together with every figure
//! of the series shown before, to anyone.
//!
//! The rule is strict on purpose: when fewer than k people join or leave a team at once, its
//! later rounds stay withheld (the page says why) until the series is ended and a new one
//! started — a new series is a new set of figures with nothing to subtract from.

use crate::privacy::population::Population;
use serde::Serialize;
use std::collections::HashMap;

/// Whether a figure may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "shown", rename_all = "snake_case")]
pub enum Shown {
    /// Shown, and recorded as shown.
    Yes,
    /// Fewer than k answered.
    NotEnoughAnswers,
    /// Together with what was shown before, it would single out a group of `smallest` people
    /// (fewer than k): people who joined or left, or who are in no team shown.
    WouldSingleOut {
        /// The size of the smallest group it would isolate.
        smallest: u32,
    },
}

/// Everything shown of one pulse series, as the people each figure covers. People are numbered
/// from 0 within the series (everyone ever invited to one of its rounds).
///
/// The groups ("atoms") are kept up to date figure by figure: a new figure only splits the groups
/// of its own people, so deciding it costs the size of the figure, not of everything shown
/// before. Recomputing the atoms from every shown figure (`ledger::keeps_k`) decides the same
/// (a test checks it), but costs the total size of the series' figures per decision: about
/// 10^11 steps to decide the 234,000 team rounds of half a year of weekly pulses of 9,000 teams.
#[derive(Debug, Clone)]
pub struct PeopleLedger {
    k: u32,
    /// Each person's group: 0 for people in no shown figure.
    atom: Vec<u32>,
    /// Each group's size, by group number (0 unused).
    sizes: Vec<u32>,
    /// The people of each figure shown, in increasing order.
    shown: Vec<Vec<usize>>,
}

impl PeopleLedger {
    /// An empty ledger for a series of `people` people with the privacy minimum `k`.
    pub fn new(k: u32, people: usize) -> PeopleLedger {
        PeopleLedger {
            k,
            atom: vec![0; people],
            sizes: vec![0],
            shown: Vec::new(),
        }
    }

    /// The people of each figure shown so far, in the order they were shown, each in
    /// increasing order.
    pub fn shown(&self) -> &[Vec<usize>] {
        &self.shown
    }

    /// Decides whether a figure over `members` with `answered` answers may be shown, and records
    /// it when it may. The order of calls matters: figures are decided in the order they were
    /// first shown (rounds oldest first; within a round, teams before roll-ups).
    pub fn try_show(&mut self, members: &Population, answered: u32) -> Shown {
        let people: Vec<usize> = members.positions().collect();
        self.try_show_people(&people, answered)
    }

    /// [`PeopleLedger::try_show`] for the figure over the people numbered `members` (each
    /// once).
    pub fn try_show_people(&mut self, members: &[usize], answered: u32) -> Shown {
        let count = u32::try_from(members.len()).unwrap_or(u32::MAX);
        if answered < self.k || count < self.k {
            return Shown::NotEnoughAnswers;
        }
        if let Some(last) = members.iter().max()
            && *last >= self.atom.len()
        {
            self.atom.resize(last + 1, 0);
        }
        // How many of the figure's people each group holds.
        let mut inside: HashMap<u32, u32> = HashMap::new();
        for &i in members {
            *inside.entry(self.atom[i]).or_default() += 1;
        }
        // A group split by the figure leaves its people inside and, unless it is the people in
        // no figure yet, those outside: both parts must be empty or hold k.
        let smallest = inside
            .iter()
            .flat_map(|(&group, &n)| {
                let outside = if group == 0 {
                    0
                } else {
                    self.sizes[group as usize] - n
                };
                [n, outside]
            })
            .filter(|part| *part > 0 && *part < self.k)
            .min();
        if let Some(smallest) = smallest {
            return Shown::WouldSingleOut { smallest };
        }
        let mut split: HashMap<u32, u32> = HashMap::new();
        for &i in members {
            let old = self.atom[i];
            let next = u32::try_from(self.sizes.len()).unwrap_or(u32::MAX);
            let new = *split.entry(old).or_insert(next);
            if new == next {
                self.sizes.push(0);
            }
            self.atom[i] = new;
            self.sizes[new as usize] += 1;
            if old != 0 {
                self.sizes[old as usize] -= 1;
            }
        }
        let mut people = members.to_vec();
        people.sort_unstable();
        self.shown.push(people);
        Shown::Yes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const K: u32 = 5;

    fn people(n: usize, members: impl IntoIterator<Item = usize>) -> Population {
        let mut p = Population::none(n);
        for i in members {
            p.insert(i);
        }
        p
    }

    #[test]
    fn a_team_that_stays_the_same_is_shown_every_round() {
        let mut ledger = PeopleLedger::new(K, 20);
        let team = people(20, 0..6);
        for _ in 0..5 {
            assert_eq!(ledger.try_show(&team, 6), Shown::Yes);
        }
        assert_eq!(ledger.try_show(&team, 4), Shown::NotEnoughAnswers);
    }

    #[test]
    fn one_person_joining_or_leaving_withholds_the_next_round() {
        let mut ledger = PeopleLedger::new(K, 20);
        assert_eq!(ledger.try_show(&people(20, 0..6), 6), Shown::Yes);
        assert_eq!(
            ledger.try_show(&people(20, 0..7), 7),
            Shown::WouldSingleOut { smallest: 1 },
            "one joiner"
        );
        assert_eq!(
            ledger.try_show(&people(20, 0..5), 5),
            Shown::WouldSingleOut { smallest: 1 },
            "one leaver"
        );
        // Five joining together form a group of their own: shown.
        assert_eq!(ledger.try_show(&people(20, 0..11), 9), Shown::Yes);
    }

    #[test]
    fn a_roll_up_is_refused_when_it_minus_the_teams_shown_isolates_a_few() {
        let mut ledger = PeopleLedger::new(K, 30);
        let (a, b) = (people(30, 0..6), people(30, 6..12));
        assert_eq!(ledger.try_show(&a, 6), Shown::Yes);
        assert_eq!(ledger.try_show(&b, 6), Shown::Yes);
        // The manager's organisation: both teams and two people in a team too small to show.
        let parent = people(30, 0..14);
        assert_eq!(
            ledger.try_show(&parent, 12),
            Shown::WouldSingleOut { smallest: 2 }
        );
        // The two teams alone: nothing isolated.
        assert_eq!(ledger.try_show(&people(30, 0..12), 11), Shown::Yes);
    }

    proptest! {
        /// The groups kept up to date decide every figure as recomputing them from everything
        /// shown does (`ledger::keeps_k` and `ledger::smallest_isolated`).
        #[test]
        fn kept_groups_decide_as_recomputed_ones(
            figures in prop::collection::vec(prop::collection::btree_set(0usize..20, 0..20), 1..12),
        ) {
            use crate::privacy::ledger;
            let mut ledger = PeopleLedger::new(K, 20);
            let mut shown: Vec<Population> = Vec::new();
            for f in &figures {
                let members = people(20, f.iter().copied());
                let n = members.count();
                let expected = if n < K {
                    Shown::NotEnoughAnswers
                } else {
                    let before: Vec<&Population> = shown.iter().collect();
                    if ledger::keeps_k(K, &before, &[&members]) {
                        Shown::Yes
                    } else {
                        let all: Vec<&Population> = before.into_iter().chain([&members]).collect();
                        Shown::WouldSingleOut {
                            smallest: ledger::smallest_isolated(K, &all).unwrap_or(0),
                        }
                    }
                };
                prop_assert_eq!(ledger.try_show(&members, n), expected);
                if expected == Shown::Yes {
                    shown.push(members);
                }
            }
        }

        /// Whatever is shown, no combination of the shown figures isolates fewer than k people:
        /// checked by brute force over every sum and difference of up to three figures.
        #[test]
        fn no_difference_of_shown_figures_isolates_fewer_than_k(
            figures in prop::collection::vec(prop::collection::btree_set(0usize..14, 0..14), 1..8),
        ) {
            let mut ledger = PeopleLedger::new(K, 14);
            for f in &figures {
                let members = people(14, f.iter().copied());
                let answered = members.count();
                let _decided = ledger.try_show(&members, answered);
            }
            let shown = ledger.shown();
            for person in 0..14 {
                // The people who are in exactly the same shown figures as `person`.
                let has = |s: &Vec<usize>, q: usize| s.binary_search(&q).is_ok();
                let same: u32 = (0..14)
                    .filter(|q| shown.iter().all(|s| has(s, *q) == has(s, person)))
                    .count() as u32;
                let covered = shown.iter().any(|s| has(s, person));
                prop_assert!(!covered || same >= K, "person {person} is in a group of {same}");
            }
        }
    }
}
