//! Campaigns: their life cycle and the values an admin sets on them.

use serde::{Deserialize, Serialize};
use time::Date;

/// Where a campaign is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// Being prepared: leaders and raters can be added; nobody can answer yet.
    Draft,
    /// Accepting answers; the privacy rules and the instrument are locked.
    Open,
    /// No longer accepting answers; reports are final.
    Closed,
}

impl CampaignStatus {
    /// The stable identifier stored in the database.
    pub fn slug(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Open => "open",
            CampaignStatus::Closed => "closed",
        }
    }

    /// Parses the stable identifier.
    pub fn from_slug(s: &str) -> Option<CampaignStatus> {
        [
            CampaignStatus::Draft,
            CampaignStatus::Open,
            CampaignStatus::Closed,
        ]
        .into_iter()
        .find(|c| c.slug() == s)
    }

    /// The word shown to users.
    pub fn label(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "Draft",
            CampaignStatus::Open => "Open",
            CampaignStatus::Closed => "Closed",
        }
    }
}

/// A campaign's name: trimmed, 1 to 120 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignName(String);

impl CampaignName {
    /// Checks a name typed by an admin.
    pub fn parse(text: &str) -> Result<CampaignName, String> {
        let cleaned = crate::text::clean_name(text).map_err(|e| format!("The name {e}."))?;
        let text = cleaned.trim();
        if text.is_empty() {
            return Err("Give the campaign a name.".into());
        }
        if text.chars().count() > 120 {
            return Err("Keep the name to 120 characters or fewer.".into());
        }
        if text.chars().any(char::is_control) {
            return Err("The name cannot contain control characters.".into());
        }
        Ok(CampaignName(text.to_string()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses a deadline typed as `YYYY-MM-DD`; it must not be before `today`.
pub fn parse_deadline(text: &str, today: Date) -> Result<Date, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(text.trim(), format)
        .map_err(|_| format!("{:?} is not a date: write it as YYYY-MM-DD.", text.trim()))?;
    if date < today {
        return Err(format!("The deadline {date} has already passed."));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            CampaignName::parse("  Spring 360 ").expect("ok").as_str(),
            "Spring 360"
        );
        assert!(CampaignName::parse("   ").is_err());
        assert!(CampaignName::parse(&"x".repeat(121)).is_err());
    }

    #[test]
    fn deadlines_must_be_dates_not_in_the_past() {
        let today = date!(2026 - 11 - 28);
        assert_eq!(
            parse_deadline("2026-12-31", today),
            Ok(date!(2026 - 12 - 31))
        );
        assert_eq!(parse_deadline("2026-11-28", today), Ok(today));
        assert!(parse_deadline("2026-11-27", today).is_err());
        assert!(parse_deadline("31/12/2026", today).is_err());
    }

    #[test]
    fn status_slugs_round_trip() {
        for s in [
            CampaignStatus::Draft,
            CampaignStatus::Open,
            CampaignStatus::Closed,
        ] {
            assert_eq!(CampaignStatus::from_slug(s.slug()), Some(s));
        }
    }
}
