//! A campaign's measurement quality as figures: what the quality page shows, each figure at full
//! precision, with what it means for the organisation in words chosen from the figure as shown.

use serde::Serialize;
use trustloop_domain::display;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::quality::{ElementQuality, GroupQuality, InstrumentQuality, MeasureIcc};
use trustloop_domain::report::MIN_NORM_LEADERS;
use trustloop_domain::scoring;
use trustloop_domain::stats::OneWayIcc;
use utoipa::ToSchema;

/// How well the instrument measured in one closed campaign, pooled over its leaders.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct QualityFigures {
    /// The campaign.
    pub campaign_id: i64,
    /// Whether the figures could be computed: they need at least `min_leaders` rated leaders,
    /// so that they never describe one leader's results.
    pub assessed: bool,
    /// The fewest rated leaders the figures need.
    pub min_leaders: usize,
    /// Leaders with at least one response from others.
    pub leaders: Option<usize>,
    /// Responses from others (self-assessments are left out).
    pub responses: Option<usize>,
    /// How much of the Trust Index's rating differences lies between leaders.
    pub trust_index: Option<IccFigures>,
    /// Per element.
    pub elements: Vec<ElementQualityFigures>,
    /// Per anonymous rater group.
    pub groups: Vec<GroupQualityFigures>,
}

/// Internal consistency of one element's statements, and how much of its rating differences
/// lies between leaders.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ElementQualityFigures {
    /// relationships, judgement or consistency.
    pub element: String,
    /// Its name.
    pub label: String,
    /// Raters who rated every statement of the element (the rows used).
    pub complete_respondents: usize,
    /// Cronbach's alpha.
    pub alpha: Option<f64>,
    /// Feldt's 95% confidence interval of alpha.
    pub alpha_ci95: Option<[f64; 2]>,
    /// McDonald's omega total (one-factor model).
    pub omega: Option<f64>,
    /// Each statement's corrected item–total correlation.
    pub item_total: Vec<ItemTotalFigures>,
    /// The one-way ICC of the element's scores over leaders.
    pub icc: Option<IccFigures>,
    /// As shown.
    pub shown: ShownElementQuality,
}

/// An element's consistency as shown.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ShownElementQuality {
    /// Alpha to two decimals.
    pub alpha: Option<String>,
    /// Alpha's interval ends to two decimals.
    pub alpha_ci95: Option<[String; 2]>,
    /// Omega to two decimals.
    pub omega: Option<String>,
    /// What the figures mean for the organisation, before any coefficient.
    pub meaning: String,
}

/// One statement's corrected item–total correlation.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ItemTotalFigures {
    /// The statement's code.
    pub code: String,
    /// The statement.
    pub text: String,
    /// The correlation of the statement with the rest of its element, when defined.
    pub correlation: Option<f64>,
    /// The correlation to two decimals.
    pub shown: Option<String>,
    /// Whether the statement fits its element poorly (shown below .30).
    pub fits_poorly: bool,
}

/// The one-way ICC of one measure over leaders.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IccFigures {
    /// ICC(1): the share of rating differences that is about the leader (one rater's
    /// reliability).
    pub icc1: f64,
    /// ICC(2): the reliability of a leader's average score, when defined.
    pub icc2: Option<f64>,
    /// The leaders it rests on (those with two or more raters).
    pub leaders: usize,
    /// The effective number of raters per leader.
    pub n0: f64,
    /// F of the one-way analysis of variance.
    pub f: f64,
    /// Its p-value: do leaders differ at all?
    pub p_value: f64,
    /// As shown.
    pub shown: ShownIcc,
}

/// An ICC as shown.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ShownIcc {
    /// ICC(1) to two decimals.
    pub icc1: String,
    /// ICC(2) to two decimals.
    pub icc2: Option<String>,
    /// ICC(1) as a share of the differences ("19%"; "0%" when below zero).
    pub about_the_leader: String,
    /// What it means for the organisation.
    pub meaning: String,
}

/// Agreement within one anonymous rater group, averaged over the leaders where it had two or
/// more raters.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GroupQualityFigures {
    /// peer, direct_report or other.
    pub group: String,
    /// Its name.
    pub label: String,
    /// Leaders the mean is taken over.
    pub leaders: usize,
    /// Mean rwg(j), over at least the minimum number of leaders.
    pub rwg_j: Option<f64>,
    /// Mean awg(j), over at least the minimum number of leaders.
    pub awg_j: Option<f64>,
    /// As shown.
    pub shown: ShownGroupQuality,
}

/// A group's agreement as shown.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ShownGroupQuality {
    /// rwg(j) to two decimals.
    pub rwg_j: Option<String>,
    /// awg(j) to two decimals.
    pub awg_j: Option<String>,
    /// strong, moderate or weak, from awg(j) as shown (rwg(j) when awg(j) is undefined).
    pub word: String,
    /// What it means for the organisation.
    pub meaning: String,
}

/// A small count in words ("five"), a larger one in digits.
fn count_in_words(n: usize) -> String {
    const WORDS: [&str; 13] = [
        "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    WORDS.get(n).map_or(n.to_string(), |w| (*w).to_string())
}

fn icc(icc: &OneWayIcc, measure: &str) -> IccFigures {
    let about = display::percent(icc.icc1.max(0.0));
    let average = match icc.icc2 {
        Some(r) if scoring::shows_solid(r) => format!(
            "; a leader's average over about {} raters is reliable enough to act on",
            display::fixed(icc.n0, 0)
        ),
        Some(_) => format!(
            "; a leader's average over about {} raters is a direction rather than a precise number",
            display::fixed(icc.n0, 0)
        ),
        None => String::new(),
    };
    IccFigures {
        icc1: icc.icc1,
        icc2: icc.icc2,
        leaders: icc.groups,
        n0: icc.n0,
        f: icc.f,
        p_value: icc.p_value,
        shown: ShownIcc {
            icc1: display::coefficient(icc.icc1),
            icc2: icc.icc2.map(display::coefficient),
            meaning: format!(
                "{about} of the differences between {measure} ratings are about the leader rather than about who rates{average}."
            ),
            about_the_leader: about,
        },
    }
}

fn icc_of(
    quality: &InstrumentQuality,
    element: Option<trustloop_domain::model::Element>,
) -> Option<&OneWayIcc> {
    quality
        .icc
        .iter()
        .find(|m: &&MeasureIcc| m.element == element)
        .and_then(|m| m.icc.as_ref())
}

fn element(
    e: &ElementQuality,
    quality: &InstrumentQuality,
    instrument: &Instrument,
) -> ElementQualityFigures {
    let label = e.element.label();
    let statements = count_in_words(e.item_total.len());
    let meaning = match e.alpha {
        Some(alpha) => {
            let word = display::consistency(alpha);
            let consequence = match word {
                "poorly" => {
                    ": the element may be measuring more than one thing, so read its score with care"
                }
                _ => ": together they measure one thing",
            };
            format!(
                "Answers to the {statements} {} statements hang together {word}{consequence}.",
                label.to_lowercase()
            )
        }
        None => format!(
            "Too few raters answered every {} statement to tell whether they hang together.",
            label.to_lowercase()
        ),
    };
    ElementQualityFigures {
        element: e.element.slug().into(),
        label: label.into(),
        complete_respondents: e.complete_respondents,
        alpha: e.alpha,
        alpha_ci95: e.alpha_ci95.map(|(low, high)| [low, high]),
        omega: e.omega,
        item_total: e
            .item_total
            .iter()
            .map(|(code, r)| ItemTotalFigures {
                code: code.clone(),
                text: instrument
                    .item(code)
                    .map_or(code.clone(), |i| i.others_text.clone()),
                correlation: *r,
                shown: r.map(display::coefficient),
                fits_poorly: r.is_some_and(|r| display::round(r, 2) < 0.30),
            })
            .collect(),
        icc: icc_of(quality, Some(e.element)).map(|i| icc(i, &label.to_lowercase())),
        shown: ShownElementQuality {
            alpha: e.alpha.map(display::coefficient),
            alpha_ci95: e
                .alpha_ci95
                .map(|(low, high)| [display::coefficient(low), display::coefficient(high)]),
            omega: e.omega.map(display::coefficient),
            meaning,
        },
    }
}

fn group(g: &GroupQuality) -> GroupQualityFigures {
    let label = g.group.label();
    let (word, meaning) = match g.awg_j.or(g.rwg_j) {
        Some(index) => {
            let (_, word) = display::agreement(index);
            let meaning = match word {
                "strong" => {
                    "answer much alike about the same leader: their group's average speaks for most of them"
                }
                "moderate" => {
                    "agree in part about the same leader: their group's average hides some different experiences"
                }
                _ => {
                    "often see the same leader differently: their group's average hides very different experiences"
                }
            };
            (word, format!("{label} {meaning}."))
        }
        None => (
            "",
            format!(
                "Too few leaders had two or more {} raters to say how closely they agree.",
                label.to_lowercase()
            ),
        ),
    };
    GroupQualityFigures {
        group: g.group.slug().into(),
        label: label.into(),
        leaders: g.leaders,
        rwg_j: g.rwg_j,
        awg_j: g.awg_j,
        shown: ShownGroupQuality {
            rwg_j: g.rwg_j.map(display::coefficient),
            awg_j: g.awg_j.map(display::coefficient),
            word: word.into(),
            meaning,
        },
    }
}

impl QualityFigures {
    /// The figures of a campaign's assessed quality (`None`: too few leaders to assess).
    pub fn new(
        campaign_id: i64,
        assessed: Option<&InstrumentQuality>,
        instrument: &Instrument,
    ) -> QualityFigures {
        QualityFigures {
            campaign_id,
            assessed: assessed.is_some(),
            min_leaders: MIN_NORM_LEADERS,
            leaders: assessed.map(|q| q.leaders),
            responses: assessed.map(|q| q.responses),
            trust_index: assessed
                .and_then(|q| icc_of(q, None))
                .map(|i| icc(i, "Trust Index")),
            elements: assessed
                .map(|q| {
                    q.elements
                        .iter()
                        .map(|e| element(e, q, instrument))
                        .collect()
                })
                .unwrap_or_default(),
            groups: assessed
                .map(|q| q.groups.iter().map(group).collect())
                .unwrap_or_default(),
        }
    }
}
