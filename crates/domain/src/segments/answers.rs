//! A closed campaign's direct-report answers as segment views and the heatmap see them: indexed
//! by attribute value and team, with the ledger's check of new figures against the history.

use super::*;

/// A closed campaign's direct-report answers, indexed by attribute value (and team) so that
/// applying a filter set costs a few operations on bit sets rather than a pass over every answer
/// (the whole disclosure history is re-applied on every view).
#[derive(Debug, Clone)]
pub struct Answers {
    pub(super) answers: Vec<Answer>,
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
