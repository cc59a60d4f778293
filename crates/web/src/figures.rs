//! The figures pages show, as the JSON API returns them: every figure at full precision (an
//! interval unclipped), with beside it, under `shown`, the text the page shows for it, made by
//! [`trustloop_domain::display`] (one rounding rule, the word chosen from the number shown).
//!
//! The report page and the measurement-quality page are laid out from these very structures, so
//! the API carries every figure the pages show and the two can never disagree: the page's
//! figures carry a `data-testid` that is the JSON pointer of the figure's text in the API
//! response (`/rows/0/others/shown/mean`), and a test compares the two.

mod quality;
mod report;

pub use quality::{
    ElementQualityFigures, GroupQualityFigures, IccFigures, ItemTotalFigures, QualityFigures,
    ShownElementQuality, ShownGroupQuality, ShownIcc,
};
pub use report::{
    AgreementFigures, ChangeFigures, ChangeRowFigures, ColumnFigures, CommentBlockFigures,
    CommentsFigures, FocusFigures, GroupScoreFigures, ItemFigures, ReportFigures, RowFigures,
    RowReliabilityFigures, RulesFigures, ScaleFigures, ShownAgreement, ShownChange, ShownItem,
    ShownReliability, ShownRow, actions_for,
};

use serde::Serialize;
use trustloop_domain::display;
use trustloop_domain::scoring::Score;
use utoipa::ToSchema;

/// A score with its uncertainty, as computed and as shown.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScoreFigures {
    /// Raters the score rests on.
    pub n: usize,
    /// The mean on 0–100.
    pub mean: f64,
    /// Standard deviation across raters, when n ≥ 2.
    pub sd: Option<f64>,
    /// The 95% confidence interval of the mean (Student's t) as computed, not clipped: an end
    /// can lie outside 0–100 when few raters disagree. When n ≥ 2.
    pub ci95: Option<[f64; 2]>,
    /// `ci95` clipped to 0–100, as drawn.
    pub interval: Option<[f64; 2]>,
    /// solid, indicative or too_few_answers.
    pub reliability: String,
    /// The reliability of the mean of these raters (Spearman–Brown from one rater's).
    pub reliability_coefficient: f64,
    /// How many more raters would make the score solid (0 when it is).
    pub more_raters_for_solid: u32,
    /// The score as the page shows it.
    pub shown: ShownScore,
}

/// A score as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ShownScore {
    /// The mean rounded to a whole number ("75").
    pub mean: String,
    /// The interval's ends, clipped to 0–100 and rounded ("62", "87"), when there is one.
    pub interval: Option<[String; 2]>,
    /// The word on how far to rely on the score: solid, indicative or too few answers.
    pub reliability: String,
    /// The reliability of the mean to two decimals ("0.54").
    pub reliability_coefficient: String,
    /// How many more raters would make the score solid, in words ("" when it is solid).
    pub more_raters: String,
}

impl ScoreFigures {
    /// The figures of a computed score.
    pub fn of(score: &Score) -> ScoreFigures {
        ScoreFigures {
            n: score.n,
            mean: score.mean,
            sd: score.sd,
            ci95: score.ci95.map(|(low, high)| [low, high]),
            interval: score
                .ci95
                .map(display::clip_to_scale)
                .map(|(low, high)| [low, high]),
            reliability: slug(score.reliability),
            reliability_coefficient: score.reliability_coefficient,
            more_raters_for_solid: score.more_raters_for_solid,
            shown: ShownScore {
                mean: display::score(score.mean),
                interval: score.ci95.map(|i| {
                    let (low, high) = display::interval_ends(i);
                    [low, high]
                }),
                reliability: score.reliability.label().to_string(),
                reliability_coefficient: display::coefficient(score.reliability_coefficient),
                more_raters: match score.more_raters_for_solid {
                    0 => String::new(),
                    1 => "1 more rater would make it solid".into(),
                    n => format!("{n} more raters would make it solid"),
                },
            },
        }
    }
}

/// The snake_case name a value serialises to ("too_few_answers"), or "" if it is no string.
pub fn slug<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// An estimate on 0–100 of a heatmap or segment cell, as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ShownMean {
    /// The mean rounded to a whole number ("75").
    pub mean: String,
    /// The interval's ends, clipped to 0–100 and rounded, when there is one.
    pub interval: Option<[String; 2]>,
    /// The colour band of the mean as shown: 0 for 0–19, 1 for 20–39, … 4 for 80–100.
    pub band: u8,
}

impl ShownMean {
    /// A mean (with its unclipped interval, if any) as shown.
    pub fn of(mean: f64, ci95: Option<(f64, f64)>) -> ShownMean {
        ShownMean {
            mean: display::score(mean),
            interval: ci95.map(|i| {
                let (low, high) = display::interval_ends(i);
                [low, high]
            }),
            band: band(mean),
        }
    }
}

/// The heatmap's colour band of a mean, from the mean as shown: five bands of twenty points,
/// the last holding 100, so that "80" is always in the top band whatever decimals lie behind it.
pub fn band(mean: f64) -> u8 {
    let shown = display::round(mean, 0);
    if shown.is_nan() {
        return 0;
    }
    // Bands of 20 on a whole number from 0 to 100: a u8 cannot overflow here.
    ((shown.clamp(0.0, 100.0) / 20.0).floor() as u8).min(4)
}

/// The reliability word's CSS class.
pub fn reliability_class(word: &str) -> &'static str {
    match word {
        "solid" => "rel-solid",
        "indicative" => "rel-indicative",
        _ => "rel-few",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_band_is_chosen_from_the_mean_as_shown() {
        assert_eq!(band(79.4), 3);
        assert_eq!(band(79.5), 4, "shown 80");
        assert_eq!(band(100.0), 4);
        assert_eq!(band(19.5), 1, "shown 20");
        assert_eq!(band(0.0), 0);
        assert_eq!(band(-3.0), 0);
    }

    #[test]
    fn a_score_keeps_its_unclipped_interval_beside_the_shown_one() {
        let score = Score::from_rater_scores(&[100.0, 100.0, 75.0], 0.19).expect("a score");
        let figures = ScoreFigures::of(&score);
        let [low, high] = figures.ci95.expect("three raters");
        assert!(high > 100.0, "unclipped: {high}");
        assert_eq!(figures.interval, Some([low, 100.0]));
        assert_eq!(
            figures.shown.interval.as_ref().map(|i| i[1].as_str()),
            Some("100")
        );
        assert_eq!(figures.shown.mean, "92");
        assert_eq!(
            (
                figures.reliability.as_str(),
                figures.shown.reliability.as_str()
            ),
            ("indicative", "indicative")
        );
    }
}
