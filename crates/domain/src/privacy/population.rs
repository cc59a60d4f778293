//! A population: which answers of one data set (a closed campaign, a pulse round) a figure
//! rests on, as a bit set over the answers' positions.

/// Which answers a population holds, as a bit set over the answers' positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Population {
    words: Vec<u64>,
    capacity: usize,
}

impl Population {
    /// Nobody, among `n` answers.
    pub fn none(n: usize) -> Population {
        Population {
            words: vec![0; n.div_ceil(64)],
            capacity: n,
        }
    }

    /// Every one of `n` answers.
    pub fn all(n: usize) -> Population {
        let mut all = Population {
            words: vec![u64::MAX; n.div_ceil(64)],
            capacity: n,
        };
        if !n.is_multiple_of(64)
            && let Some(last) = all.words.last_mut()
        {
            *last = (1u64 << (n % 64)) - 1;
        }
        all
    }

    /// How many answers the data set has (members or not).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Adds answer `i`.
    pub fn insert(&mut self, i: usize) {
        self.words[i / 64] |= 1 << (i % 64);
    }

    /// Removes answer `i`.
    pub fn remove(&mut self, i: usize) {
        self.words[i / 64] &= !(1 << (i % 64));
    }

    /// Whether answer `i` is a member.
    pub fn contains(&self, i: usize) -> bool {
        self.words[i / 64] & (1 << (i % 64)) != 0
    }

    /// Adds every member of `other`.
    pub fn or(&mut self, other: &Population) {
        self.words
            .iter_mut()
            .zip(&other.words)
            .for_each(|(a, b)| *a |= b);
    }

    /// Keeps only the members of `other`.
    pub fn and(&mut self, other: &Population) {
        self.words
            .iter_mut()
            .zip(&other.words)
            .for_each(|(a, b)| *a &= b);
    }

    /// Removes every member of `other`.
    pub fn and_not(&mut self, other: &Population) {
        self.words
            .iter_mut()
            .zip(&other.words)
            .for_each(|(a, b)| *a &= !b);
    }

    /// How many members.
    pub fn count(&self) -> u32 {
        self.words.iter().map(|w| w.count_ones()).sum()
    }

    /// How many members both have.
    pub fn shared(&self, other: &Population) -> u32 {
        self.words
            .iter()
            .zip(&other.words)
            .map(|(a, b)| (a & b).count_ones())
            .sum()
    }

    /// The members' positions, in order.
    pub fn positions(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(w, bits)| {
            let mut bits = *bits;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let b = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    w * 64 + b
                })
            })
        })
    }
}
