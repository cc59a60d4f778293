//! The steps of running a campaign, in order — leaders, raters, check, open, follow progress,
//! close — each saying what is done and what is next, from what the campaign page already
//! knows. Counts only: never who has answered.

use crate::{App, Result};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::raters::NominationState;
use trustloop_storage::Campaign;

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    /// Done.
    Done,
    /// The next thing to do.
    Next,
    /// Comes later.
    Later,
}

impl StepState {
    /// The word shown beside the step (and its CSS class).
    pub fn slug(self) -> &'static str {
        match self {
            StepState::Done => "done",
            StepState::Next => "next",
            StepState::Later => "later",
        }
    }
}

/// One step of running a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Its name.
    pub title: &'static str,
    /// Where it stands.
    pub state: StepState,
    /// What is done, or what to do.
    pub detail: String,
    /// The part of the campaign page where it is done (`#…`), or empty.
    pub anchor: &'static str,
}

/// What the steps are decided from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CampaignFacts {
    /// The campaign's status.
    pub status: Option<CampaignStatus>,
    /// How many leaders it has.
    pub leaders: usize,
    /// How many raters are invited (approved), all leaders together.
    pub invited: u32,
    /// How many of them have answered.
    pub answered: u32,
    /// How many nominations await approval.
    pub awaiting: usize,
    /// How many invitations have no survey link yet.
    pub without_link: usize,
    /// Whether the deadline has passed.
    pub deadline_passed: bool,
}

/// The six steps of a campaign, with the first that is not done marked as next.
pub fn steps(facts: &CampaignFacts) -> Vec<Step> {
    let status = facts.status.unwrap_or(CampaignStatus::Draft);
    let (draft, open, closed) = (
        status == CampaignStatus::Draft,
        status == CampaignStatus::Open,
        status == CampaignStatus::Closed,
    );
    let leaders_done = facts.leaders > 0;
    let raters_done = leaders_done && facts.awaiting == 0;
    // Creating the links is part of opening, while some are missing.
    let opened = closed || (open && facts.without_link == 0);
    let mut steps = [
        Step {
            title: "Leaders",
            state: if leaders_done {
                StepState::Done
            } else {
                StepState::Later
            },
            detail: if leaders_done {
                format!("{} leader(s) to be rated.", facts.leaders)
            } else {
                "Add the leaders to be rated: type their names or emails.".into()
            },
            anchor: "#add-leaders",
        },
        Step {
            title: "Raters",
            state: if raters_done {
                StepState::Done
            } else {
                StepState::Later
            },
            detail: if facts.awaiting > 0 {
                format!(
                    "{} nomination(s) await approval by the leader's manager or another admin.",
                    facts.awaiting
                )
            } else if leaders_done {
                format!(
                    "{} rater(s): themselves, their manager and direct reports from the org chart, and any peers nominated.",
                    facts.invited
                )
            } else {
                "Raters come from the reporting lines once leaders are added; nominate peers and others if needed.".into()
            },
            anchor: "#leaders",
        },
        Step {
            title: "Check",
            state: if !draft {
                StepState::Done
            } else {
                StepState::Later
            },
            detail: if draft {
                "Check each leader's raters below: small groups are merged or withheld in reports, never shown alone.".into()
            } else {
                "Rater lists are locked.".into()
            },
            anchor: "#leaders",
        },
        Step {
            title: "Open",
            state: if opened {
                StepState::Done
            } else {
                StepState::Later
            },
            detail: if draft {
                "Open the campaign, then create the survey links and send them.".into()
            } else if facts.without_link > 0 && open {
                format!(
                    "Open. {} invitation(s) still have no survey link: create them below.",
                    facts.without_link
                )
            } else {
                "Opened; links created.".into()
            },
            anchor: "#links",
        },
        Step {
            title: "Follow progress",
            state: if closed {
                StepState::Done
            } else {
                StepState::Later
            },
            detail: format!(
                "{} of {} rater(s) have answered{}.",
                facts.answered,
                facts.invited,
                if open && facts.deadline_passed {
                    "; the deadline has passed"
                } else {
                    ""
                }
            ),
            anchor: "#leaders",
        },
        Step {
            title: "Close",
            state: if closed {
                StepState::Done
            } else {
                StepState::Later
            },
            detail: if closed {
                "Closed: each leader reads their report from their home page.".into()
            } else {
                "Close to release the reports; you will see what is released first.".into()
            },
            anchor: "",
        },
    ];
    if let Some(next) = steps.iter_mut().find(|s| s.state != StepState::Done) {
        next.state = StepState::Next;
    }
    steps.into()
}

/// The facts of `campaign` read from the store, for [`steps`] where the caller has not read
/// them already (the admin's overview).
pub async fn facts(app: &App, campaign: &Campaign) -> Result<CampaignFacts> {
    let id = campaign.id;
    let (leaders, progress, invitations, nominations) = tokio::try_join!(
        app.store.campaign_leaders(id),
        app.store.progress(id),
        app.store.invitations(id, None),
        app.store.nominations(id, None),
    )?;
    Ok(CampaignFacts {
        status: Some(campaign.status),
        leaders: leaders.len(),
        invited: progress.iter().map(|p| p.invited).sum(),
        answered: progress.iter().map(|p| p.completed).sum(),
        awaiting: nominations
            .iter()
            .filter(|n| n.state == NominationState::AwaitingApproval)
            .count(),
        without_link: invitations.iter().filter(|i| !i.has_link).count(),
        deadline_passed: campaign.deadline < crate::today(),
    })
}

/// The step to take next, if any is left.
pub fn next_step(facts: &CampaignFacts) -> Option<Step> {
    steps(facts)
        .into_iter()
        .find(|s| s.state == StepState::Next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next(facts: CampaignFacts) -> &'static str {
        steps(&facts)
            .into_iter()
            .find(|s| s.state == StepState::Next)
            .map_or("", |s| s.title)
    }

    #[test]
    fn each_step_is_next_in_turn() {
        let mut facts = CampaignFacts {
            status: Some(CampaignStatus::Draft),
            ..CampaignFacts::default()
        };
        assert_eq!(next(facts), "Leaders");
        facts.leaders = 2;
        facts.awaiting = 1;
        assert_eq!(next(facts), "Raters");
        facts.awaiting = 0;
        facts.invited = 12;
        assert_eq!(next(facts), "Check");
        facts.status = Some(CampaignStatus::Open);
        facts.without_link = 12;
        assert_eq!(next(facts), "Open", "links are still to be created");
        facts.without_link = 0;
        assert_eq!(next(facts), "Follow progress");
        facts.status = Some(CampaignStatus::Closed);
        assert_eq!(next(facts), "");
        assert!(steps(&facts).iter().all(|s| s.state == StepState::Done));
    }

    #[test]
    fn progress_is_counted_never_named() {
        let facts = CampaignFacts {
            status: Some(CampaignStatus::Open),
            leaders: 2,
            invited: 12,
            answered: 5,
            ..CampaignFacts::default()
        };
        let follow = &steps(&facts)[4];
        assert_eq!(follow.detail, "5 of 12 rater(s) have answered.");
    }
}
