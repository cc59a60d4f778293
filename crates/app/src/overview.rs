//! The admin's home: the open campaigns with their response rates and days left, what needs
//! attention, and each campaign's next step. Counts only, never who answered.

use crate::campaign_guide::{self, Step};
use crate::{App, Result};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_storage::{Campaign, ImportStatus};

/// Days before the deadline from which a low response rate needs attention.
pub const NEAR_DEADLINE_DAYS: i64 = 3;
/// The response rate, in percent, below which a campaign near its deadline needs attention.
pub const LOW_RESPONSE_PERCENT: u32 = 50;

/// A campaign as the admin's home shows it.
pub struct CampaignLine {
    /// The campaign.
    pub campaign: Campaign,
    /// Raters invited and how many answered.
    pub invited: u32,
    /// How many answered.
    pub answered: u32,
    /// The share that answered, in whole percent (0 when nobody is invited).
    pub percent: u32,
    /// Days until the deadline (negative once it has passed).
    pub days_left: i64,
    /// What to do next, if anything.
    pub next: Option<Step>,
}

/// Something that needs the admin's attention, with where to act on it.
pub struct Attention {
    /// What, in a sentence.
    pub text: String,
    /// Where to act on it.
    pub href: String,
}

/// The admin's home.
pub struct Overview {
    /// Open campaigns, nearest deadline first.
    pub open: Vec<CampaignLine>,
    /// Draft campaigns, newest first.
    pub drafts: Vec<CampaignLine>,
    /// What needs attention, most urgent first.
    pub attention: Vec<Attention>,
}

/// What needs attention about one campaign, if anything: an open campaign past its deadline, or
/// near it with few answers.
pub fn attention_of(line: &CampaignLine) -> Option<Attention> {
    let href = format!("/admin/campaigns/{}", line.campaign.id);
    let name = &line.campaign.name;
    if line.campaign.status != CampaignStatus::Open {
        return None;
    }
    if line.days_left < 0 {
        return Some(Attention {
            text: format!(
                "{name}: the deadline has passed with {}% answered. Close it to release the reports, or extend the deadline.",
                line.percent
            ),
            href,
        });
    }
    (line.days_left <= NEAR_DEADLINE_DAYS && line.percent < LOW_RESPONSE_PERCENT).then(|| {
        Attention {
            text: format!(
                "{name}: {} day(s) left and only {}% answered ({} of {}). Remind the raters, or extend the deadline.",
                line.days_left, line.percent, line.answered, line.invited
            ),
            href,
        }
    })
}

/// The admin's home: open and draft campaigns with their figures and next step, and what needs
/// attention (an import that failed among it).
pub async fn overview(app: &App) -> Result<Overview> {
    let today = crate::today();
    let mut open = Vec::new();
    let mut drafts = Vec::new();
    for campaign in app.store.campaigns().await? {
        if campaign.status == CampaignStatus::Closed {
            continue;
        }
        let facts = campaign_guide::facts(app, &campaign).await?;
        let percent = (facts.answered * 100)
            .checked_div(facts.invited)
            .unwrap_or(0);
        let line = CampaignLine {
            days_left: (campaign.deadline - today).whole_days(),
            invited: facts.invited,
            answered: facts.answered,
            percent,
            next: campaign_guide::next_step(&facts),
            campaign,
        };
        if line.campaign.status == CampaignStatus::Open {
            open.push(line);
        } else {
            drafts.push(line);
        }
    }
    open.sort_by_key(|l| l.days_left);
    let mut attention: Vec<Attention> = open.iter().filter_map(attention_of).collect();
    if let Some(job) = app.store.latest_import_job().await?
        && job.status == ImportStatus::Failed
    {
        attention.push(Attention {
            text: format!(
                "The last people import found {} problem(s) and imported nothing: fix the file and import it again.",
                job.problems.len()
            ),
            href: format!("/admin/imports/{}", job.id),
        });
    }
    Ok(Overview {
        open,
        drafts,
        attention,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use trustloop_domain::privacy::PrivacyRules;
    use trustloop_storage::CampaignId;

    fn line(days_left: i64, answered: u32, invited: u32) -> CampaignLine {
        CampaignLine {
            campaign: Campaign {
                id: CampaignId(7),
                name: "Spring".into(),
                status: CampaignStatus::Open,
                instrument_version: 1,
                deadline: crate::today(),
                closed_on: None,
                rules: PrivacyRules::default(),
            },
            invited,
            answered,
            percent: (answered * 100).checked_div(invited).unwrap_or(0),
            days_left,
            next: None,
        }
    }

    #[test]
    fn a_campaign_near_its_deadline_with_few_answers_needs_attention() {
        assert!(
            attention_of(&line(10, 1, 10)).is_none(),
            "far from the deadline"
        );
        assert!(
            attention_of(&line(3, 5, 10)).is_none(),
            "half have answered"
        );
        let near = attention_of(&line(3, 4, 10)).expect("attention");
        assert!(
            near.text
                .contains("3 day(s) left and only 40% answered (4 of 10)")
        );
        assert_eq!(near.href, "/admin/campaigns/7");
        let late = attention_of(&line(-1, 9, 10)).expect("attention");
        assert!(late.text.contains("deadline has passed"));
    }
}
