//! How the report writes its numbers: one rounding rule for every figure it shows, and every
//! word beside a figure chosen from the figure as shown, so that a number and its word never
//! contradict each other (an agreement shown as "0.70" is "strong", because strong starts at
//! .70, even when the index was 0.6991).
//!
//! **The rule.** A number is rounded to the decimals it is shown with, half away from zero, as it
//! is written: from the shortest decimal that reads back as the same `f64` (what `{}` prints). So
//! 80.5 is shown "81" and 81.5 "82" (`{:.0}` rounds both to the even neighbour: "80", "82"), and
//! 0.695 is shown "0.70" (`{:.2}` gives "0.69", because the `f64` nearest 0.695 lies just below
//! it). A computed figure that prints as 0.6949999999999998 is shown "0.69".
//!
//! **What is shown with how many decimals.** Scores, interval ends and item means on 0–100: none.
//! Agreement indices (awg, rwg) and reliability coefficients (Spearman–Brown, alpha, omega,
//! ICC): two. Percentile ranks: none, and in words that never claim "higher than 100%" or
//! "higher than 0%" (see [`percentile`]).
//!
//! **Unclipped and shown values.** The domain types keep every figure at full precision and
//! unclipped (for example [`crate::scoring::Score::ci95`]); this module clips an interval to the
//! 0–100 scale only to show it ([`clip_to_scale`]). An API returns both: the full value, and
//! beside it the string this module makes.

use crate::stats::{self, SelfOtherGap};

/// What is shown where there is no number (a value that is not finite).
pub const NO_VALUE: &str = "–";

/// The lowest agreement index (awg(j), otherwise rwg(j)), as shown, that is called "strong".
pub const STRONG_AGREEMENT: f64 = 0.70;

/// The lowest agreement index, as shown, that is called "moderate" (below it: "weak").
pub const MODERATE_AGREEMENT: f64 = 0.50;

/// The digits of `|value|` rounded half away from zero to `decimals` decimals, as an integer in
/// units of 10^−decimals written in decimal (no sign, no point; "0" for zero). `None` when the
/// value is not finite.
fn rounded_units(value: f64, decimals: u32) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    // `{:e}` writes the shortest decimal that reads back as the value: d.ddd…e±x.
    let written = format!("{:e}", value.abs());
    let (mantissa, exponent) = written.split_once('e')?;
    let exponent: i64 = exponent.parse().ok()?;
    let digits: Vec<u8> = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    // The value is 0.d₀d₁d₂… × 10^(exponent + 1); keep the digits down to 10^−decimals.
    let keep = exponent + 1 + i64::from(decimals);
    let Ok(keep) = usize::try_from(keep) else {
        // Every digit lies below half a unit of the last decimal shown.
        return Some("0".to_string());
    };
    let mut kept: Vec<u8> = (0..keep)
        .map(|i| digits.get(i).copied().unwrap_or(0))
        .collect();
    // The written decimal is exact, so a next digit of 5 or more is at least half a unit.
    if digits.get(keep).is_some_and(|d| *d >= 5) {
        let mut carry = true;
        for d in kept.iter_mut().rev() {
            if *d == 9 {
                *d = 0;
            } else {
                *d += 1;
                carry = false;
                break;
            }
        }
        if carry {
            kept.insert(0, 1);
        }
    }
    let text: String = kept
        .iter()
        .map(|d| char::from(b'0' + d))
        .skip_while(|c| *c == '0')
        .collect();
    Some(if text.is_empty() {
        "0".to_string()
    } else {
        text
    })
}

/// `value` rounded by the rule of this module to `decimals` decimals, as text: "81", "0.70",
/// "-0.12". A value that rounds to zero is "0" (or "0.00"), never "-0". [`NO_VALUE`] for a
/// value that is not finite.
pub fn fixed(value: f64, decimals: u32) -> String {
    let Some(units) = rounded_units(value, decimals) else {
        return NO_VALUE.to_string();
    };
    let decimals = decimals as usize;
    let padded = format!("{units:0>width$}", width = decimals + 1);
    let (whole, fraction) = padded.split_at(padded.len() - decimals);
    let sign = if value < 0.0 && units != "0" { "-" } else { "" };
    if decimals == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction}")
    }
}

/// `value` rounded by the rule of this module to `decimals` decimals, as a number: the number
/// that [`fixed`] shows, which every word about the figure is chosen from. NaN stays NaN.
pub fn round(value: f64, decimals: u32) -> f64 {
    fixed(value, decimals).parse().unwrap_or(f64::NAN)
}

/// A score, mean or self score on 0–100 as shown: no decimals ("81").
pub fn score(value: f64) -> String {
    fixed(value, 0)
}

/// An interval on 0–100 as it is drawn: both ends clipped to the scale, since scores cannot
/// leave it (the interval itself, from Student's t, can). Keep the unclipped interval for
/// anything but showing it.
pub fn clip_to_scale((low, high): (f64, f64)) -> (f64, f64) {
    (low.clamp(0.0, 100.0), high.clamp(0.0, 100.0))
}

/// The ends of an interval on 0–100 as shown: clipped to the scale and rounded like a score
/// (`("62", "80")`).
pub fn interval_ends(interval: (f64, f64)) -> (String, String) {
    let (low, high) = clip_to_scale(interval);
    (score(low), score(high))
}

/// An interval on 0–100 as shown: "62–80" (clipped to the scale, rounded like a score).
pub fn interval(interval: (f64, f64)) -> String {
    let (low, high) = interval_ends(interval);
    format!("{low}–{high}")
}

/// A reliability coefficient (Spearman–Brown reliability of a score, alpha, omega, an ICC) as
/// shown: two decimals ("0.70"). The word beside a score's coefficient,
/// [`crate::scoring::Score::reliability`], is decided on this shown number.
pub fn coefficient(value: f64) -> String {
    fixed(value, 2)
}

/// An agreement index (awg(j) or rwg(j)) as shown, two decimals, with its word chosen from the
/// shown number: "strong" from [`STRONG_AGREEMENT`], "moderate" from [`MODERATE_AGREEMENT`],
/// otherwise "weak" (`0.6991` → `("0.70", "strong")`). A value that is not finite is
/// `(NO_VALUE, "")`.
pub fn agreement(index: f64) -> (String, &'static str) {
    let shown = round(index, 2);
    let word = if shown.is_nan() {
        ""
    } else if shown >= STRONG_AGREEMENT {
        "strong"
    } else if shown >= MODERATE_AGREEMENT {
        "moderate"
    } else {
        "weak"
    };
    (fixed(index, 2), word)
}

/// A percentile rank (0–100) among a campaign's leaders in words, from the rank as shown (no
/// decimals): "Higher than 72% of the leaders in this campaign". A rank shown as 100 is "Higher
/// than almost all of the leaders in this campaign", and one shown as 0 "Lower than almost all
/// …": a leader is never "higher than 100%" (they would be higher than themselves) nor "higher
/// than 0%" of a group they belong to. `None` for a rank that is not a number between 0 and 100.
pub fn percentile(rank: f64) -> Option<String> {
    if !(0.0..=100.0).contains(&rank) {
        return None;
    }
    let shown = round(rank, 0);
    Some(if shown >= 100.0 {
        "Higher than almost all of the leaders in this campaign".to_string()
    } else if shown <= 0.0 {
        "Lower than almost all of the leaders in this campaign".to_string()
    } else {
        format!(
            "Higher than {}% of the leaders in this campaign",
            fixed(rank, 0)
        )
    })
}

/// A difference of scores on 0–100 as shown, with its sign: "+3", "-12", and "0" (never "+0"
/// or "-0") for one that rounds to zero.
pub fn signed_score(value: f64) -> String {
    let shown = fixed(value, 0);
    if round(value, 0) > 0.0 {
        format!("+{shown}")
    } else {
        shown
    }
}

/// Which answer of a rating scale with `points` answers (lowest first) a score on 0–100, as
/// shown, lies nearest: the index of the answer, so that 75 on a five-point scale is the fourth
/// ("Agree") and 62 the third. Halves go up (a score shown "63" is nearer "Agree" than
/// "Neither", since 62.5 is the midpoint). `None` for a score that is not finite or a scale of
/// fewer than two answers.
pub fn nearest_answer(score: f64, points: usize) -> Option<usize> {
    if points < 2 || !score.is_finite() {
        return None;
    }
    let shown = round(score, 0).clamp(0.0, 100.0);
    let steps = (points - 1) as f64;
    // The position on the scale, 0..=steps, rounded half up by the written-decimal rule.
    let position = round(shown / 100.0 * steps, 0);
    Some((position as usize).min(points - 1))
}

/// The word for a reliability coefficient of a scale's items (Cronbach's alpha, McDonald's
/// omega), chosen from the coefficient as shown (two decimals): "well" from .80, "acceptably"
/// from .70, otherwise "poorly" (the items hang together …). "" for a value that is not finite.
pub fn consistency(value: f64) -> &'static str {
    let shown = round(value, 2);
    if shown.is_nan() {
        ""
    } else if shown >= 0.80 {
        "well"
    } else if shown >= 0.70 {
        "acceptably"
    } else {
        "poorly"
    }
}

/// A share (0–1) as a whole percentage as shown: 0.186 → "19%".
pub fn percent(share: f64) -> String {
    let shown = fixed(share * 100.0, 0);
    if shown == NO_VALUE {
        shown
    } else {
        format!("{shown}%")
    }
}

/// Self against others decided on the figures as shown: the self score rounded like a score
/// against the others' interval clipped and rounded like a score (see
/// [`stats::compare_self`]), so that "81" beside "62–80" is a blind spot and "80" beside "62–80"
/// is in line, whatever the decimals behind them.
pub fn gap(self_score: f64, others_interval: Option<(f64, f64)>) -> SelfOtherGap {
    let shown = others_interval.map(|i| {
        let (low, high) = clip_to_scale(i);
        (round(low, 0), round(high, 0))
    });
    stats::compare_self(round(self_score, 0), shown)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn halves_round_away_from_zero() {
        assert_eq!(score(80.5), "81");
        assert_eq!(score(81.5), "82");
        assert_eq!(score(0.5), "1");
        assert_eq!(score(99.5), "100");
        assert_eq!(score(80.49999999999999), "80");
        assert_eq!(fixed(-2.5, 0), "-3");
        assert_eq!(fixed(-0.4, 0), "0", "never -0");
        assert_eq!(fixed(-0.004, 2), "0.00");
        // As written, not as the nearest binary fraction lies.
        assert_eq!(coefficient(0.695), "0.70");
        assert_eq!(coefficient(0.6949999999999998), "0.69");
        assert_eq!(coefficient(0.495), "0.50");
        assert_eq!(fixed(2.675, 2), "2.68");
        assert_eq!(fixed(1.005, 2), "1.01");
        assert_eq!(coefficient(0.999), "1.00");
        assert_eq!(coefficient(-0.125), "-0.13");
        assert_eq!(fixed(9.96, 1), "10.0");
        assert_eq!(fixed(0.0004, 2), "0.00");
        assert_eq!(fixed(0.005, 2), "0.01");
        assert_eq!(fixed(1e-300, 2), "0.00");
        assert_eq!(fixed(123456.0, 0), "123456");
        assert_eq!(fixed(1e21, 0), "1000000000000000000000");
        assert_eq!(fixed(f64::NAN, 2), NO_VALUE);
        assert_eq!(fixed(f64::INFINITY, 0), NO_VALUE);
    }

    #[test]
    fn the_agreement_word_is_the_word_of_the_number_shown() {
        assert_eq!(agreement(0.6991), ("0.70".to_string(), "strong"));
        assert_eq!(agreement(0.695), ("0.70".to_string(), "strong"));
        assert_eq!(
            agreement(0.6949999999999998),
            ("0.69".to_string(), "moderate")
        );
        assert_eq!(agreement(0.4951), ("0.50".to_string(), "moderate"));
        assert_eq!(agreement(0.494), ("0.49".to_string(), "weak"));
        assert_eq!(agreement(-0.3), ("-0.30".to_string(), "weak"));
        assert_eq!(agreement(f64::NAN), (NO_VALUE.to_string(), ""));
    }

    #[test]
    fn intervals_are_clipped_only_to_be_shown() {
        assert_eq!(interval((-12.4, 100.6)), "0–100");
        assert_eq!(interval((61.5, 80.5)), "62–81");
        assert_eq!(
            interval_ends((70.0, 140.0)),
            ("70".to_string(), "100".to_string())
        );
    }

    #[test]
    fn a_percentile_never_reads_higher_than_everyone_or_no_one() {
        let higher_than =
            |shown: &str| format!("Higher than {shown}% of the leaders in this campaign");
        let cases = [
            (72.4, higher_than("72")),
            (50.5, higher_than("51")),
            (99.49, higher_than("99")),
            (0.5, higher_than("1")),
        ]
        .into_iter()
        .chain([99.5, 99.75, 100.0].map(|top| {
            (
                top,
                "Higher than almost all of the leaders in this campaign".to_string(),
            )
        }))
        .chain([0.0, 0.25, 0.49].map(|bottom| {
            (
                bottom,
                "Lower than almost all of the leaders in this campaign".to_string(),
            )
        }));
        for (rank, words) in cases {
            assert_eq!(percentile(rank), Some(words), "{rank}");
        }
        assert!(percentile(f64::NAN).is_none());
        assert!(percentile(100.1).is_none());
        assert!(percentile(-0.1).is_none());
    }

    #[test]
    fn the_gap_is_decided_on_the_figures_shown() {
        // 80.4 beside an interval ending at 80.3: both read "80", so they are in line.
        assert_eq!(gap(80.4, Some((62.0, 80.3))), SelfOtherGap::Aligned);
        assert_eq!(
            stats::compare_self(80.4, Some((62.0, 80.3))),
            SelfOtherGap::BlindSpot,
            "what the raw numbers alone would say"
        );
        // 80.5 reads "81" against "80": above.
        assert_eq!(gap(80.5, Some((62.0, 80.3))), SelfOtherGap::BlindSpot);
        assert_eq!(gap(61.6, Some((62.4, 80.0))), SelfOtherGap::Aligned);
        assert_eq!(gap(61.4, Some((62.4, 80.0))), SelfOtherGap::HiddenStrength);
        // The unclipped interval reads as the clipped one.
        assert_eq!(gap(100.0, Some((70.0, 130.0))), SelfOtherGap::Aligned);
        assert_eq!(gap(0.0, Some((-30.0, 20.0))), SelfOtherGap::Aligned);
        assert_eq!(gap(50.0, None), SelfOtherGap::Unknown);
    }

    #[test]
    fn signed_scores_carry_their_sign_but_zero_has_none() {
        assert_eq!(signed_score(2.5), "+3");
        assert_eq!(signed_score(-2.5), "-3");
        assert_eq!(signed_score(0.4), "0");
        assert_eq!(signed_score(-0.4), "0");
        assert_eq!(signed_score(f64::NAN), NO_VALUE);
    }

    #[test]
    fn the_nearest_answer_is_read_from_the_score_shown() {
        // 0, 25, 50, 75, 100 are the five answers of a five-point scale.
        assert_eq!(nearest_answer(75.0, 5), Some(3));
        assert_eq!(nearest_answer(62.0, 5), Some(2));
        assert_eq!(nearest_answer(62.4, 5), Some(2), "shown 62");
        assert_eq!(nearest_answer(62.5, 5), Some(3), "shown 63");
        assert_eq!(nearest_answer(12.4, 5), Some(0));
        assert_eq!(nearest_answer(12.5, 5), Some(1), "shown 13");
        assert_eq!(nearest_answer(100.0, 5), Some(4));
        assert_eq!(nearest_answer(0.0, 5), Some(0));
        assert_eq!(nearest_answer(50.0, 2), Some(1));
        assert_eq!(nearest_answer(f64::NAN, 5), None);
        assert_eq!(nearest_answer(50.0, 1), None);
    }

    #[test]
    fn the_consistency_word_is_the_word_of_the_number_shown() {
        assert_eq!(
            (coefficient(0.795), consistency(0.795)),
            ("0.80".to_string(), "well")
        );
        assert_eq!(consistency(0.7949), "acceptably");
        assert_eq!(consistency(0.695), "acceptably");
        assert_eq!(consistency(0.6949), "poorly");
        assert_eq!(consistency(-0.2), "poorly");
        assert_eq!(consistency(f64::NAN), "");
        assert_eq!(percent(0.186), "19%");
        assert_eq!(percent(0.005), "1%");
    }

    /// A decimal's text with `decimals` decimals, rounded half away from zero by exact integer
    /// arithmetic on the written digits: the rule, computed a second way.
    fn by_integers(units: i64, extra: u32, decimals: u32) -> String {
        // `units` in 10^-(decimals + extra); round to 10^-decimals.
        let step = 10i64.pow(extra);
        let magnitude = units.abs();
        let rounded = (magnitude + step / 2) / step;
        let sign = if units < 0 && rounded != 0 { "-" } else { "" };
        let scale = 10i64.pow(decimals);
        if decimals == 0 {
            format!("{sign}{rounded}")
        } else {
            format!(
                "{sign}{}.{:0>width$}",
                rounded / scale,
                rounded % scale,
                width = decimals as usize
            )
        }
    }

    proptest! {
        #[test]
        fn every_written_decimal_is_rounded_half_away_from_zero(
            units in -10_000_000i64..10_000_000, extra in 1u32..4, decimals in 0u32..3
        ) {
            // A number written with decimals + extra decimals, as a user or a score would be.
            // Seven significant digits at most: the nearest f64 is written back as this decimal.
            let written = units as f64 / 10f64.powi((decimals + extra) as i32);
            prop_assert_eq!(fixed(written, decimals), by_integers(units, extra, decimals));
        }

        #[test]
        fn rounding_is_monotone_and_round_reads_back_what_is_shown(
            a in -1000.0..1000.0f64, b in -1000.0..1000.0f64, decimals in 0u32..4
        ) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(round(lo, decimals) <= round(hi, decimals));
            prop_assert!((round(a, decimals) - a).abs() <= 0.5 * 10f64.powi(-(decimals as i32)) * (1.0 + 1e-9));
            prop_assert_eq!(fixed(round(a, decimals), decimals), fixed(a, decimals));
        }

        #[test]
        fn the_agreement_word_agrees_with_the_number_shown(index in -1.0..1.0f64) {
            let (shown, word) = agreement(index);
            let number: f64 = shown.parse().unwrap();
            let expected = if number >= 0.70 { "strong" } else if number >= 0.50 { "moderate" } else { "weak" };
            prop_assert_eq!(word, expected, "{} shown as {}", index, shown);
            // Every index that shows the same number gets the same word.
            for neighbour in [index.next_up(), index.next_down()] {
                let (n_shown, n_word) = agreement(neighbour);
                if n_shown == shown { prop_assert_eq!(n_word, word); }
            }
        }

        #[test]
        fn a_percentile_in_words_is_always_a_possible_sentence(rank in 0.0..=100.0f64) {
            let words = percentile(rank).unwrap();
            prop_assert!(!words.contains("100%") && !words.contains(" 0%"), "{}", words);
            if let Some(number) = words.strip_prefix("Higher than ").and_then(|w| w.split_once('%')) {
                let shown: u32 = number.0.parse().unwrap();
                prop_assert!((1..=99).contains(&shown));
                prop_assert_eq!(number.0, fixed(rank, 0));
            } else {
                prop_assert!(words.contains("almost all"));
            }
        }
    }
}
