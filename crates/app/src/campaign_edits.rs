//! Changing a campaign after it was made: renaming it and moving its deadline (an open one
//! too), taking a leader off before anyone answered for them, what closing will release, and
//! reopening a campaign closed by mistake. Every change is audited.

use crate::{Actor, App, Error, FieldRefusal, Result};
use std::collections::BTreeMap;
use trustloop_domain::campaign::{CampaignName, CampaignStatus, parse_deadline};
use trustloop_domain::model::RaterGroup;
use trustloop_domain::privacy::plan_rater_groups;
use trustloop_storage::{Campaign, CampaignId, PersonId};

/// A campaign's new name and deadline as typed.
pub struct CampaignEditText<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its deadline, `YYYY-MM-DD`.
    pub deadline: &'a str,
}

/// Renames campaign `id` and sets its deadline (not in the past), until it closes; records
/// what changed in the audit log. A refused value names its field.
#[tracing::instrument(skip_all, fields(campaign = %id))]
pub async fn edit(
    app: &App,
    actor: &Actor,
    id: CampaignId,
    text: &CampaignEditText<'_>,
) -> std::result::Result<(), EditRefusal> {
    let name = CampaignName::parse(text.name).map_err(|m| FieldRefusal::new("name", m))?;
    let deadline = parse_deadline(text.deadline, crate::today())
        .map_err(|m| FieldRefusal::new("deadline", m))?;
    let before = app.store.campaign(id).await.map_err(Error::from)?;
    app.store
        .edit_campaign(id, name.as_str(), deadline)
        .await
        .map_err(Error::from)?;
    let mut changes = Vec::new();
    if before.name != name.as_str() {
        changes.push(format!("name {:?} → {:?}", before.name, name.as_str()));
    }
    if before.deadline != deadline {
        changes.push(format!("deadline {} → {deadline}", before.deadline));
    }
    if changes.is_empty() {
        return Ok(());
    }
    app.audit(
        actor,
        "campaign_edited",
        &format!("campaign {id}"),
        &changes.join("; "),
    )
    .await?;
    Ok(())
}

/// Why an edit was refused: a value to fix in its field, or anything else.
#[derive(Debug)]
pub enum EditRefusal {
    /// A typed value is wrong.
    Field(FieldRefusal),
    /// The campaign refused it (closed, unknown) or the store failed.
    Other(Error),
}

impl From<FieldRefusal> for EditRefusal {
    fn from(refusal: FieldRefusal) -> EditRefusal {
        EditRefusal::Field(refusal)
    }
}

impl From<Error> for EditRefusal {
    fn from(error: Error) -> EditRefusal {
        EditRefusal::Other(error)
    }
}

/// Takes `leader` off campaign `id` with their raters, as long as nobody has answered for them
/// (once anyone has, their answers cannot be taken back); records it in the audit log.
#[tracing::instrument(skip_all, fields(campaign = %id, leader = %leader))]
pub async fn remove_leader(
    app: &App,
    actor: &Actor,
    id: CampaignId,
    leader: PersonId,
) -> Result<()> {
    let person = app.store.person(leader).await?;
    let raters = app.store.remove_leader(id, leader).await?;
    app.audit(
        actor,
        "leader_removed",
        &format!("campaign {id}"),
        &format!(
            "leader {} ({}) with {raters} rater(s), before anyone answered",
            person.name, person.id
        ),
    )
    .await
}

/// What closing a campaign releases for one leader.
pub struct LeaderRelease {
    /// The leader's name.
    pub leader: String,
    /// How many answered, the leader's own included.
    pub answered: u32,
    /// The groups their report shows (merged groups under "Others").
    pub shown: Vec<&'static str>,
    /// The groups whose answers stay withheld: too few to be shown without being recognised.
    pub withheld: Vec<&'static str>,
}

/// What closing a campaign releases.
pub struct ClosingPreview {
    /// The campaign.
    pub campaign: Campaign,
    /// Per leader, by name.
    pub leaders: Vec<LeaderRelease>,
    /// How many leaders get a report with at least one group in it.
    pub reports: usize,
}

/// What closing campaign `id` would release, from the counts the progress already shows: the
/// reports, and the groups that stay withheld under the campaign's rules.
pub async fn closing_preview(app: &App, id: CampaignId) -> Result<ClosingPreview> {
    let campaign = app.store.campaign(id).await?;
    let progress = app.store.progress(id).await?;
    let mut leaders = Vec::new();
    for leader in app.store.campaign_leaders(id).await? {
        let answered: BTreeMap<RaterGroup, u32> = progress
            .iter()
            .filter(|p| p.leader_id == leader.id && p.completed > 0)
            .map(|p| (p.group, p.completed))
            .collect();
        let plan = plan_rater_groups(&campaign.rules, &answered);
        leaders.push(LeaderRelease {
            leader: leader.name,
            answered: answered.values().sum(),
            shown: plan.shown.iter().map(|g| g.label.label()).collect(),
            withheld: plan.hidden.iter().map(|g| g.label()).collect(),
        });
    }
    leaders.sort_by(|a, b| trustloop_domain::text::natural_order(&a.leader, &b.leader));
    let reports = leaders.iter().filter(|l| !l.shown.is_empty()).count();
    Ok(ClosingPreview {
        campaign,
        leaders,
        reports,
    })
}

/// Reopens campaign `id` closed by mistake: within 24 hours of closing and while none of its
/// results has been read (`trustloop_domain::closing`); records it in the audit log.
#[tracing::instrument(skip_all, fields(campaign = %id))]
pub async fn reopen(app: &App, actor: &Actor, id: CampaignId) -> Result<()> {
    app.store.reopen_campaign(id, crate::now()).await?;
    app.audit(
        actor,
        "campaign_reopened",
        &format!("campaign {id}"),
        "closed by mistake; no result had been read",
    )
    .await
}

/// Whether campaign `campaign` may be reopened now, for the page to offer it.
pub async fn may_reopen(app: &App, campaign: &Campaign) -> Result<bool> {
    if campaign.status != CampaignStatus::Closed {
        return Ok(false);
    }
    let closing = app.store.campaign_closing(campaign.id).await?;
    Ok(trustloop_domain::closing::check_reopening(
        closing.closed_at,
        closing.first_result_read_at,
        crate::now(),
    )
    .is_ok())
}

/// Records that a result of closed campaign `campaign` is being read (a report, an
/// organisation view), so that it never reopens; only the first read is written.
pub async fn record_result_read(app: &App, campaign: CampaignId) -> Result<()> {
    let closing = app.store.campaign_closing(campaign).await?;
    if closing.first_result_read_at.is_none() {
        app.store.record_result_read(campaign, crate::now()).await?;
    }
    Ok(())
}
