//! Answers to the survey, validated at the edge: a rating on the instrument's scale or "can't
//! say" for every item, and optional comments to the open questions.

use crate::instrument::Instrument;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The longest comment accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 4000;

/// The answer to one rated item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Rating {
    /// A point on the scale, within the instrument's bounds.
    Score(u8),
    /// The rater chose "can't say"; excluded from every score.
    CantSay,
}

impl Rating {
    /// The value stored in the database: the point, or 0 for "can't say".
    pub fn to_stored(self) -> u8 {
        match self {
            Rating::Score(p) => p,
            Rating::CantSay => 0,
        }
    }

    /// Reads a stored value back; `None` for values no answer can have.
    pub fn from_stored(value: i64, instrument: &Instrument) -> Option<Rating> {
        if value == 0 {
            return Some(Rating::CantSay);
        }
        let point = u8::try_from(value).ok()?;
        (instrument.scale.min..=instrument.scale.max)
            .contains(&point)
            .then_some(Rating::Score(point))
    }

    /// The point, if the rater gave one.
    pub fn score(self) -> Option<u8> {
        match self {
            Rating::Score(p) => Some(p),
            Rating::CantSay => None,
        }
    }
}

/// A complete, valid set of answers to one survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyAnswers {
    /// Rating per item code, one for every item of the instrument.
    pub ratings: BTreeMap<String, Rating>,
    /// Trimmed, non-empty comments per open-question code.
    pub comments: BTreeMap<String, String>,
}

/// What is wrong with one field of a submitted survey, shown next to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The item or question code the message belongs to.
    pub code: String,
    /// What is wrong and how to put it right.
    pub message: String,
}

/// The form field name that carries the rating of item `code`.
pub fn item_field(code: &str) -> String {
    format!("item_{code}")
}

/// The form field name that carries the comment for open question `code`.
pub fn comment_field(code: &str) -> String {
    format!("comment_{code}")
}

/// The form value of the "can't say" option.
pub const CANT_SAY_VALUE: &str = "cant_say";

impl SurveyAnswers {
    /// Validates submitted form fields against `instrument`: every item needs a point on the scale
    /// or "can't say"; comments are optional and limited in length. Unknown fields are ignored so
    /// that form extras (such as a CSRF token) pass through. Returns every problem at once.
    pub fn parse(
        instrument: &Instrument,
        fields: &[(String, String)],
    ) -> Result<SurveyAnswers, Vec<FieldError>> {
        let value_of = |name: &str| {
            fields
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim())
        };
        let mut errors = Vec::new();
        let mut ratings = BTreeMap::new();
        for item in &instrument.items {
            match value_of(&item_field(&item.code)) {
                None | Some("") => errors.push(FieldError {
                    code: item.code.clone(),
                    message: format!(
                        "Choose an answer from {} to {}, or \"{}\".",
                        instrument.scale.min, instrument.scale.max, instrument.scale.cant_say
                    ),
                }),
                Some(CANT_SAY_VALUE) => {
                    ratings.insert(item.code.clone(), Rating::CantSay);
                }
                Some(v) => match v.parse::<u8>() {
                    Ok(p) if (instrument.scale.min..=instrument.scale.max).contains(&p) => {
                        ratings.insert(item.code.clone(), Rating::Score(p));
                    }
                    _ => errors.push(FieldError {
                        code: item.code.clone(),
                        message: format!(
                            "\"{}\" is not an answer on this scale: choose {} to {}, or \"{}\".",
                            v.chars().take(20).collect::<String>(),
                            instrument.scale.min,
                            instrument.scale.max,
                            instrument.scale.cant_say
                        ),
                    }),
                },
            }
        }
        let mut comments = BTreeMap::new();
        for q in &instrument.open_questions {
            let Some(text) = value_of(&comment_field(&q.code)) else {
                continue;
            };
            let length = text.chars().count();
            if length > MAX_COMMENT_CHARS {
                errors.push(FieldError {
                    code: q.code.clone(),
                    message: format!(
                        "Please shorten this comment to {MAX_COMMENT_CHARS} characters (it has {length})."
                    ),
                });
            } else if !text.is_empty() {
                comments.insert(q.code.clone(), text.replace("\r\n", "\n"));
            }
        }
        if errors.is_empty() {
            Ok(SurveyAnswers { ratings, comments })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete_form(instrument: &Instrument, value: &str) -> Vec<(String, String)> {
        instrument
            .items
            .iter()
            .map(|i| (item_field(&i.code), value.to_string()))
            .collect()
    }

    #[test]
    fn a_complete_form_parses_with_trimmed_comments() {
        let instrument = Instrument::current();
        let mut form = complete_form(&instrument, "4");
        form.push((item_field("rel_rapport"), CANT_SAY_VALUE.into()));
        form.push((comment_field("start"), "  Share the plan earlier.  ".into()));
        form.push((comment_field("stop"), "   ".into()));
        form.push(("csrf".into(), "ignored".into()));
        let answers = SurveyAnswers::parse(&instrument, &form).expect("valid");
        assert_eq!(answers.ratings.len(), instrument.items.len());
        assert_eq!(answers.ratings["rel_rapport"], Rating::CantSay);
        assert_eq!(answers.ratings["con_integrity"], Rating::Score(4));
        assert_eq!(answers.comments.len(), 1);
        assert_eq!(answers.comments["start"], "Share the plan earlier.");
    }

    #[test]
    fn missing_and_out_of_range_answers_are_each_explained() {
        let instrument = Instrument::current();
        let mut form = complete_form(&instrument, "3");
        form.retain(|(k, _)| k != "item_jud_values");
        form.push((item_field("con_integrity"), "6".into()));
        form.push((item_field("rel_conflict"), "<b>".into()));
        let errors = SurveyAnswers::parse(&instrument, &form).expect_err("invalid");
        let codes: Vec<_> = errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, vec!["rel_conflict", "jud_values", "con_integrity"]);
        assert!(errors[2].message.contains("\"6\" is not an answer"));
    }

    #[test]
    fn an_overlong_comment_is_refused() {
        let instrument = Instrument::current();
        let mut form = complete_form(&instrument, "5");
        form.push((comment_field("continue"), "x".repeat(MAX_COMMENT_CHARS + 1)));
        let errors = SurveyAnswers::parse(&instrument, &form).expect_err("too long");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, "continue");
    }

    #[test]
    fn stored_values_round_trip_and_bad_ones_are_rejected() {
        let instrument = Instrument::current();
        for r in [Rating::CantSay, Rating::Score(1), Rating::Score(5)] {
            assert_eq!(
                Rating::from_stored(i64::from(r.to_stored()), &instrument),
                Some(r)
            );
        }
        assert_eq!(Rating::from_stored(6, &instrument), None);
        assert_eq!(Rating::from_stored(-1, &instrument), None);
    }
}
