//! Rater lists: nominating peers and others for a leader, approving, refusing or removing them,
//! and what the leader, their manager and an admin are shown of a list. The rules are
//! `trustloop_domain::raters`; the store checks them in the transaction that makes each change
//! and keeps the leader's change list there too. Here each change is also written to the audit
//! log, and typed raters are checked before they reach the store.

use crate::{Actor, App, Error, FieldRefusal, Result};
use trustloop_domain::model::RaterGroup;
use trustloop_domain::people::{Email, parse_text};
use trustloop_domain::raters::{self, NOMINATED_GROUPS, RaterChange, Refusal};
use trustloop_storage::{
    CampaignId, Invitation, InvitationId, NewNomination, Nomination, PersonId, RaterDecision,
    RaterListChange, User,
};

/// A rater as typed by a leader or an admin.
#[derive(Debug, Clone, Copy)]
pub struct RaterText<'a> {
    /// Their name.
    pub name: &'a str,
    /// Their email.
    pub email: &'a str,
    /// Their relationship to the leader, as a slug (`peer` or `other`).
    pub group: &'a str,
}

/// A rater to nominate, checked: a name, an email and a nominated group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaterDraft {
    /// Their name.
    pub name: String,
    /// Their email.
    pub email: Email,
    /// Peer or other.
    pub group: RaterGroup,
}

impl RaterDraft {
    /// Checks a rater as typed; the message says what to fix. A group of the reporting lines
    /// is refused with the rule that keeps it so.
    pub fn parse(text: &RaterText<'_>) -> std::result::Result<RaterDraft, String> {
        RaterDraft::parse_fields(text).map_err(|refusal| refusal.message)
    }

    /// Checks a rater as typed; the refusal names the field to fix (`name`, `email`, `group`).
    pub fn parse_fields(text: &RaterText<'_>) -> std::result::Result<RaterDraft, FieldRefusal> {
        let name = parse_text("rater's name", text.name)
            .map_err(|e| FieldRefusal::new("name", sentence(&e)))?;
        let email =
            Email::parse(text.email).map_err(|e| FieldRefusal::new("email", sentence(&e)))?;
        let group = match RaterGroup::from_slug(text.group) {
            Some(group) if NOMINATED_GROUPS.contains(&group) => group,
            Some(group) => {
                let refusal = Refusal::ReportingLinesOnly(group).to_string();
                return Err(FieldRefusal::new("group", refusal));
            }
            None => {
                let message = "Choose the rater's relationship: a peer or someone else.";
                return Err(FieldRefusal::new("group", message));
            }
        };
        Ok(RaterDraft { name, email, group })
    }
}

/// `text` as a sentence: capitalised, with a full stop.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// Records a change to a rater list in the audit log.
async fn audit_change(
    app: &App,
    actor: &Actor,
    change: RaterChange,
    rater: &Nomination,
) -> Result<()> {
    app.audit(
        actor,
        change.audit_action(),
        &format!("campaign {}", rater.campaign_id),
        &format!(
            "leader {} ({}): {} <{}> as {}",
            rater.leader_name,
            rater.leader_id,
            rater.rater_name,
            rater.rater_email,
            rater.group.label().to_lowercase()
        ),
    )
    .await
}

/// Nominates `draft` for `leader` in `campaign` as `by` (the leader, or an admin on their
/// behalf): it awaits approval by the leader's manager or an admin. Audited.
#[tracing::instrument(skip_all, fields(campaign = %campaign, leader = %leader, user = %by.id))]
pub async fn nominate(
    app: &App,
    actor: &Actor,
    by: &User,
    campaign: CampaignId,
    leader: PersonId,
    draft: RaterDraft,
) -> Result<Nomination> {
    let nominated = app
        .store
        .nominate(&NewNomination {
            campaign_id: campaign,
            leader_id: leader,
            group: draft.group,
            rater_name: draft.name,
            rater_email: draft.email,
            by: by.id,
        })
        .await?;
    audit_change(app, actor, RaterChange::Nominated, &nominated).await?;
    Ok(nominated)
}

/// Approves a nomination as `by` (the leader's manager or an admin who did not nominate it);
/// `outside_confirmed` when they confirmed that a rater outside the people directory should
/// rate. Audited.
#[tracing::instrument(skip_all, fields(invitation = %invitation, user = %by.id))]
pub async fn approve(
    app: &App,
    actor: &Actor,
    by: &User,
    invitation: InvitationId,
    outside_confirmed: bool,
) -> Result<Nomination> {
    let approved = app
        .store
        .approve_rater(&RaterDecision {
            invitation,
            by: by.id,
            outside_confirmed,
        })
        .await?;
    audit_change(app, actor, RaterChange::Approved, &approved).await?;
    Ok(approved)
}

/// Takes a nominated rater off a list before the campaign opens, as `by`: refuses the
/// nomination, or removes the rater. Audited; returns which it was.
#[tracing::instrument(skip_all, fields(invitation = %invitation, user = %by.id))]
pub async fn remove(
    app: &App,
    actor: &Actor,
    by: &User,
    invitation: InvitationId,
) -> Result<(Nomination, RaterChange)> {
    let (removed, change) = app
        .store
        .remove_rater(&RaterDecision {
            invitation,
            by: by.id,
            outside_confirmed: false,
        })
        .await?;
    audit_change(app, actor, change, &removed).await?;
    Ok((removed, change))
}

/// One leader's rater list in a campaign, as the leader (or an admin) sees it.
pub struct RaterList {
    /// The raters from the reporting lines (self, manager, direct reports).
    pub from_reporting_lines: Vec<Invitation>,
    /// The nominated raters (peers and others), awaiting approval or approved.
    pub nominated: Vec<Nomination>,
    /// Every change to the list, oldest first.
    pub changes: Vec<RaterListChange>,
}

/// A leader's rater list in a campaign.
pub async fn rater_list(app: &App, campaign: CampaignId, leader: PersonId) -> Result<RaterList> {
    let from_reporting_lines = app
        .store
        .invitations(campaign, Some(leader))
        .await?
        .into_iter()
        .filter(|i| raters::from_reporting_lines(i.group))
        .collect();
    Ok(RaterList {
        from_reporting_lines,
        nominated: app.store.nominations(campaign, Some(leader)).await?,
        changes: app.store.rater_list_changes(campaign, leader).await?,
    })
}

/// The nominations awaiting the decision of `user` as a manager: those of the leaders who
/// report to their person, in draft campaigns. A user without a person has none.
pub async fn awaiting_manager(app: &App, user: &User) -> Result<Vec<Nomination>> {
    match user.person_id {
        Some(person) => Ok(app.store.nominations_awaiting(person).await?),
        None => Ok(Vec::new()),
    }
}

/// The nomination `invitation` if it awaits the decision of `user` as the leader's manager;
/// otherwise "not found", so that ids of other nominations reveal nothing.
pub async fn awaiting_manager_one(
    app: &App,
    user: &User,
    invitation: InvitationId,
) -> Result<Nomination> {
    awaiting_manager(app, user)
        .await?
        .into_iter()
        .find(|n| n.id == invitation)
        .ok_or(Error::NotFound("nomination"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed<'a>(name: &'a str, email: &'a str, group: &'a str) -> RaterText<'a> {
        RaterText { name, email, group }
    }

    #[test]
    fn a_typed_rater_is_a_peer_or_other_with_a_name_and_an_email() {
        let draft =
            RaterDraft::parse(&typed(" Quinn ", "Quinn@Partner.Example", "other")).expect("valid");
        assert_eq!(draft.name, "Quinn");
        assert_eq!(draft.group, RaterGroup::Other);
        assert!(
            RaterDraft::parse(&typed("", "q@example.org", "peer"))
                .expect_err("no name")
                .starts_with("The rater's name is empty")
        );
        assert!(RaterDraft::parse(&typed("Q", "not an email", "peer")).is_err());
        let unknown = RaterDraft::parse(&typed("Q", "q@example.org", "friend"));
        assert!(unknown.expect_err("no group").contains("peer"));
        for group in ["direct_report", "manager", "self"] {
            let refused = RaterDraft::parse(&typed("Q", "q@example.org", group));
            assert!(
                refused.expect_err("refused").contains("reporting lines"),
                "{group}"
            );
        }
    }
}
