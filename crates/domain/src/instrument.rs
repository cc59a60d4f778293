//! The survey instrument: the items, the element each measures, the scale and the open questions.
//!
//! An instrument is data with a version. The versions shipped with Trustloop are embedded from
//! `instruments/*.toml`; a campaign records the version it opened with and is always scored and
//! shown with that version, so changing wording later never changes an old report.

use crate::model::Element;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// What an item measures: one element of trust, or trust overall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measures {
    /// One of the three elements.
    Element(Element),
    /// Trust in the leader as a whole.
    Overall,
}

/// One rated statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Stable identifier within the instrument, used to store answers.
    pub code: String,
    /// What the item measures.
    pub measures: Measures,
    /// The wording shown to raters about the leader.
    pub others_text: String,
    /// The wording shown to the leader in their self-assessment.
    pub self_text: String,
}

/// A free-text question (continue / start / stop).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenQuestion {
    /// Stable identifier within the instrument.
    pub code: String,
    /// The question shown to raters.
    pub prompt: String,
}

/// The rating scale: whole points from `min` to `max`, each with a label, plus "can't say".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scale {
    /// The lowest point (1).
    pub min: u8,
    /// The highest point (5).
    pub max: u8,
    /// One label per point, lowest first.
    pub labels: Vec<String>,
    /// The label of the "can't say" option.
    pub cant_say: String,
}

impl Scale {
    /// The points with their labels, lowest first.
    pub fn points(&self) -> impl Iterator<Item = (u8, &str)> {
        (self.min..=self.max).zip(self.labels.iter().map(String::as_str))
    }
}

/// A versioned survey instrument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instrument {
    /// The version number; a campaign keeps the version it opened with.
    pub version: u32,
    /// The instrument's name.
    pub name: String,
    /// The rating scale.
    pub scale: Scale,
    /// The rated items in the order they are asked.
    pub items: Vec<Item>,
    /// The free-text questions.
    pub open_questions: Vec<OpenQuestion>,
}

/// Why an instrument definition was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InstrumentError {
    /// The file is not valid TOML of the expected shape.
    #[error("the instrument file cannot be read: {0}")]
    Syntax(String),
    /// The content breaks one of the rules an instrument must follow.
    #[error("the instrument is not valid: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
struct RawInstrument {
    version: u32,
    name: String,
    scale: Scale,
    items: Vec<RawItem>,
    open_questions: Vec<OpenQuestion>,
}

#[derive(Deserialize)]
struct RawItem {
    code: String,
    element: String,
    others: String,
    #[serde(rename = "self")]
    self_text: Option<String>,
}

const BUILT_IN: &[&str] = &[include_str!("../instruments/trust360-v1.toml")];

/// The pulse instruments shipped with this build, oldest first.
const PULSE_BUILT_IN: &[&str] = &[include_str!("../instruments/pulse-v1.toml")];

/// The recovery pulse instruments shipped with this build, oldest first: pulse-shaped (one
/// item per element and one overall), of which a round asks the overall item and the item of
/// the element the breach touched.
const RECOVERY_BUILT_IN: &[&str] = &[include_str!("../instruments/recovery-v1.toml")];

/// Which kind of instrument a file defines: the checks differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The trust 360: every item has a self wording; 4-6 items per element.
    Trust360,
    /// The team pulse: one item per element and one overall, no self wording.
    Pulse,
}

impl Instrument {
    /// Reads and checks a trust 360 instrument definition written in TOML.
    pub fn from_toml(text: &str) -> Result<Instrument, InstrumentError> {
        Instrument::read(text, Kind::Trust360)
    }

    /// Reads and checks a team pulse instrument written in TOML: 3 to 6 items with one for each
    /// element and at least one overall, no self wording, at most one open question.
    pub fn pulse_from_toml(text: &str) -> Result<Instrument, InstrumentError> {
        Instrument::read(text, Kind::Pulse)
    }

    fn read(text: &str, kind: Kind) -> Result<Instrument, InstrumentError> {
        let raw: RawInstrument =
            toml::from_str(text).map_err(|e| InstrumentError::Syntax(e.to_string()))?;
        let mut items = Vec::with_capacity(raw.items.len());
        for item in raw.items {
            let measures = if item.element == "overall" {
                Measures::Overall
            } else {
                Measures::Element(Element::from_slug(&item.element).ok_or_else(|| {
                    InstrumentError::Invalid(format!(
                        "item {} measures unknown element {:?}",
                        item.code, item.element
                    ))
                })?)
            };
            let self_text = match (kind, item.self_text) {
                (Kind::Trust360, Some(text)) => text,
                (Kind::Pulse, None) => String::new(),
                (Kind::Trust360, None) => {
                    return Err(InstrumentError::Invalid(format!(
                        "item {} has no self wording",
                        item.code
                    )));
                }
                (Kind::Pulse, Some(_)) => {
                    return Err(InstrumentError::Invalid(format!(
                        "item {} has a self wording, which a pulse does not ask",
                        item.code
                    )));
                }
            };
            items.push(Item {
                code: item.code,
                measures,
                others_text: item.others,
                self_text,
            });
        }
        let instrument = Instrument {
            version: raw.version,
            name: raw.name,
            scale: raw.scale,
            items,
            open_questions: raw.open_questions,
        };
        instrument.check(kind)?;
        Ok(instrument)
    }

    /// Every pulse instrument version shipped with this build, oldest first.
    pub fn pulse_built_in() -> Vec<Instrument> {
        PULSE_BUILT_IN
            .iter()
            .map(|text| {
                Instrument::pulse_from_toml(text)
                    .expect("built-in pulse instruments are checked by tests")
            })
            .collect()
    }

    /// The newest pulse instrument; new pulse series use it.
    pub fn pulse_current() -> Instrument {
        Instrument::pulse_built_in()
            .pop()
            .expect("at least one pulse instrument is built in")
    }

    /// Every recovery pulse instrument version shipped with this build, oldest first.
    pub fn recovery_built_in() -> Vec<Instrument> {
        RECOVERY_BUILT_IN
            .iter()
            .map(|text| {
                Instrument::pulse_from_toml(text)
                    .expect("built-in recovery instruments are checked by tests")
            })
            .collect()
    }

    /// The newest recovery pulse instrument; a new recovery pulse uses it.
    pub fn recovery_current() -> Instrument {
        Instrument::recovery_built_in()
            .pop()
            .expect("at least one recovery instrument is built in")
    }

    /// Every instrument version shipped with this build, oldest first.
    pub fn built_in() -> Vec<Instrument> {
        BUILT_IN
            .iter()
            .map(|text| {
                Instrument::from_toml(text).expect("built-in instruments are checked by tests")
            })
            .collect()
    }

    /// The newest instrument shipped with this build; new campaigns use it.
    pub fn current() -> Instrument {
        Instrument::built_in()
            .pop()
            .expect("at least one instrument is built in")
    }

    /// The items that measure `element`, in the order they are asked.
    pub fn items_for(&self, element: Element) -> impl Iterator<Item = &Item> {
        self.items
            .iter()
            .filter(move |i| i.measures == Measures::Element(element))
    }

    /// The items that measure trust overall.
    pub fn overall_items(&self) -> impl Iterator<Item = &Item> {
        self.items
            .iter()
            .filter(|i| i.measures == Measures::Overall)
    }

    /// Finds an item by its code.
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code == code)
    }

    fn check(&self, kind: Kind) -> Result<(), InstrumentError> {
        let invalid = |msg: String| Err(InstrumentError::Invalid(msg));
        if self.scale.min != 1 || self.scale.max < 3 || self.scale.max > 10 {
            return invalid("the scale must run from 1 to between 3 and 10".into());
        }
        if self.scale.labels.len() != usize::from(self.scale.max - self.scale.min + 1) {
            return invalid("the scale needs exactly one label per point".into());
        }
        let mut codes = HashSet::new();
        for code in self
            .items
            .iter()
            .map(|i| &i.code)
            .chain(self.open_questions.iter().map(|q| &q.code))
        {
            if code.is_empty() || !code.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                return invalid(format!("code {code:?} must be lowercase letters and _"));
            }
            if !codes.insert(code) {
                return invalid(format!("code {code} is used twice"));
            }
        }
        if kind == Kind::Pulse {
            return self.check_pulse();
        }
        for element in Element::ALL {
            let n = self.items_for(element).count();
            if !(4..=6).contains(&n) {
                return invalid(format!("{element} needs 4 to 6 items, has {n}"));
            }
        }
        let overall = self.overall_items().count();
        if !(1..=2).contains(&overall) {
            return invalid(format!(
                "one or two overall items are needed, found {overall}"
            ));
        }
        Ok(())
    }

    fn check_pulse(&self) -> Result<(), InstrumentError> {
        let invalid = |msg: String| Err(InstrumentError::Invalid(msg));
        if !(3..=6).contains(&self.items.len()) {
            return invalid(format!(
                "a pulse has 3 to 6 items, found {}",
                self.items.len()
            ));
        }
        for element in Element::ALL {
            let n = self.items_for(element).count();
            if n != 1 {
                return invalid(format!("a pulse asks one item for {element}, found {n}"));
            }
        }
        if self.overall_items().count() == 0 {
            return invalid("a pulse needs an overall item".into());
        }
        if self.open_questions.len() > 1 {
            return invalid("a pulse has at most one open question".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_instrument_is_valid_and_versions_increase() {
        let all = Instrument::built_in();
        assert!(!all.is_empty());
        for pair in all.windows(2) {
            assert!(pair[0].version < pair[1].version);
        }
        let current = Instrument::current();
        assert_eq!(current.items_for(Element::Relationships).count(), 5);
        assert_eq!(current.overall_items().count(), 2);
        assert_eq!(current.open_questions.len(), 3);
        assert_eq!(current.scale.points().count(), 5);
    }

    #[test]
    fn the_pulse_asks_one_item_per_element_and_one_overall_without_self_wording() {
        let pulse = Instrument::pulse_current();
        for element in Element::ALL {
            assert_eq!(pulse.items_for(element).count(), 1);
        }
        assert_eq!(pulse.overall_items().count(), 1);
        assert!(pulse.items.iter().all(|i| i.self_text.is_empty()));
        assert!(pulse.open_questions.len() <= 1);
        let text = PULSE_BUILT_IN[0];
        let two = text.replace("element = \"judgement\"", "element = \"consistency\"");
        let err = Instrument::pulse_from_toml(&two).expect_err("consistency twice");
        assert!(err.to_string().contains("one item for Judgement"), "{err}");
        let with_self = text.replace(
            "others = \"I trust my team leader.\"",
            "others = \"I trust my team leader.\"\nself = \"I am trusted.\"",
        );
        assert!(Instrument::pulse_from_toml(&with_self).is_err());
        let no_self = BUILT_IN[0].replace("self = ", "unused = ");
        let err = Instrument::from_toml(&no_self).expect_err("a 360 needs self wording");
        assert!(err.to_string().contains("no self wording"), "{err}");
    }

    #[test]
    fn an_element_with_too_few_items_is_refused() {
        let text = BUILT_IN[0].replace("element = \"judgement\"", "element = \"consistency\"");
        let err = Instrument::from_toml(&text).expect_err("judgement has no items left");
        assert!(
            err.to_string().contains("Judgement needs 4 to 6 items"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_element_and_a_duplicate_code_are_refused() {
        let text = BUILT_IN[0].replacen("element = \"judgement\"", "element = \"charm\"", 1);
        assert!(matches!(
            Instrument::from_toml(&text),
            Err(InstrumentError::Invalid(_))
        ));
        let text = BUILT_IN[0].replace("code = \"rel_balance\"", "code = \"rel_rapport\"");
        let err = Instrument::from_toml(&text).expect_err("duplicate code");
        assert!(err.to_string().contains("used twice"), "{err}");
    }
}
