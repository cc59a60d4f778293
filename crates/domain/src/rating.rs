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
    /// or "can't say", written exactly as the form writes it ("3", never "+3", "03" or "3 ");
    /// comments are optional and limited in length; no item or comment may be sent twice.
    /// Unknown fields are ignored so that form extras (such as a CSRF token) pass through.
    /// Returns every problem at once.
    pub fn parse(
        instrument: &Instrument,
        fields: &[(String, String)],
    ) -> Result<SurveyAnswers, Vec<FieldError>> {
        let values_of = |name: &str| -> Vec<&str> {
            fields
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .collect()
        };
        let sent_twice = |code: &str| FieldError {
            code: code.to_string(),
            message: "This answer was sent more than once; send the form once, from its page."
                .into(),
        };
        let mut errors = Vec::new();
        let mut ratings = BTreeMap::new();
        for item in &instrument.items {
            let field = item_field(&item.code);
            let values = values_of(&field);
            if values.len() > 1 {
                errors.push(sent_twice(&item.code));
                continue;
            }
            match values.first().copied() {
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
                Some(v) => match (instrument.scale.min..=instrument.scale.max)
                    .find(|p| p.to_string() == v)
                {
                    Some(p) => {
                        ratings.insert(item.code.clone(), Rating::Score(p));
                    }
                    None => errors.push(FieldError {
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
            let field = comment_field(&q.code);
            let values = values_of(&field);
            if values.len() > 1 {
                errors.push(sent_twice(&q.code));
                continue;
            }
            let Some(text) = values.first().map(|v| v.trim()) else {
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

/// A survey form sent to a link, checked against each instrument version it may be for before
/// anything is read: a link's invitation, and so the version its form must fit, is found later
/// with the other answers arriving at the same time, and takes the check made against its
/// version. Made at the edge, on the request's task; holds checked answers or the problems
/// found, never the raw fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedForm {
    checks: Vec<(u32, Result<SurveyAnswers, Vec<FieldError>>)>,
}

impl CheckedForm {
    /// Checks `fields` against each of `instruments` ([`SurveyAnswers::parse`]).
    pub fn check<'a>(
        instruments: impl IntoIterator<Item = &'a Instrument>,
        fields: &[(String, String)],
    ) -> CheckedForm {
        CheckedForm {
            checks: instruments
                .into_iter()
                .map(|instrument| (instrument.version, SurveyAnswers::parse(instrument, fields)))
                .collect(),
        }
    }

    /// The answers the form gives to instrument `version`, or the problems found. A version the
    /// form was not checked against (one released after the check's list of versions was
    /// read) is one problem: the respondent is asked to look the form over and send it again,
    /// which checks it against that version too.
    pub fn answers_for(&self, version: u32) -> Result<&SurveyAnswers, Vec<FieldError>> {
        match self.checks.iter().find(|(v, _)| *v == version) {
            Some((_, Ok(answers))) => Ok(answers),
            Some((_, Err(errors))) => Err(errors.clone()),
            None => Err(vec![FieldError {
                code: String::new(),
                message: "This survey was updated while you were answering it. Please check your answers and send them again.".into(),
            }]),
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

    /// `form` with item `code` answered `value` instead.
    fn answering(
        mut form: Vec<(String, String)>,
        code: &str,
        value: &str,
    ) -> Vec<(String, String)> {
        for (name, v) in &mut form {
            if *name == item_field(code) {
                *v = value.to_string();
            }
        }
        form
    }

    #[test]
    fn a_complete_form_parses_with_trimmed_comments() {
        let instrument = Instrument::current();
        let mut form = answering(
            complete_form(&instrument, "4"),
            "rel_rapport",
            CANT_SAY_VALUE,
        );
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
        let form = answering(answering(form, "con_integrity", "6"), "rel_conflict", "<b>");
        let errors = SurveyAnswers::parse(&instrument, &form).expect_err("invalid");
        let codes: Vec<_> = errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, vec!["rel_conflict", "jud_values", "con_integrity"]);
        assert!(errors[2].message.contains("\"6\" is not an answer"));
    }

    #[test]
    fn ratings_are_taken_only_as_the_form_writes_them_and_once() {
        let instrument = Instrument::current();
        for odd in ["+3", "03", "3 ", " 3", "3.0", "٣"] {
            let form = complete_form(&instrument, odd);
            let errors = SurveyAnswers::parse(&instrument, &form).expect_err(odd);
            assert_eq!(errors.len(), instrument.items.len(), "{odd}");
            assert!(errors[0].message.contains("is not an answer"), "{odd}");
        }
        let mut twice = complete_form(&instrument, "3");
        twice.push((item_field(&instrument.items[0].code), "3".into()));
        let errors = SurveyAnswers::parse(&instrument, &twice).expect_err("sent twice");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, instrument.items[0].code);
        assert!(errors[0].message.contains("more than once"));
        let mut comments = complete_form(&instrument, "3");
        comments.push((comment_field("start"), "one".into()));
        comments.push((comment_field("start"), "two".into()));
        let errors = SurveyAnswers::parse(&instrument, &comments).expect_err("sent twice");
        assert_eq!(errors[0].code, "start");
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
    fn a_checked_form_answers_for_each_version_it_was_checked_against() {
        let instrument = Instrument::current();
        let form = CheckedForm::check([&instrument], &complete_form(&instrument, "4"));
        let answers = form.answers_for(instrument.version).expect("fits");
        assert_eq!(answers.ratings["con_integrity"], Rating::Score(4));
        let mut short = complete_form(&instrument, "4");
        short.retain(|(k, _)| k != "item_jud_values");
        let errors = CheckedForm::check([&instrument], &short)
            .answers_for(instrument.version)
            .expect_err("an answer is missing");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, "jud_values");
        let unchecked = form
            .answers_for(instrument.version + 1)
            .expect_err("not checked against that version");
        assert_eq!(unchecked.len(), 1);
        assert!(unchecked[0].message.contains("send them again"));
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
