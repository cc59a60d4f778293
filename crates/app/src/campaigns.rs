//! Running a campaign: creating it, choosing its leaders, issuing the survey links, opening and
//! closing it, and what an admin can read about it once it has closed. Who rates each leader
//! beyond the reporting lines is `crate::raters`.

use crate::{Actor, App, Error, FieldRefusal, Result};
use std::sync::Arc;
use trustloop_domain::campaign::{CampaignName, CampaignStatus, parse_deadline};
use trustloop_domain::instrument::Instrument;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::people::Email;
use trustloop_domain::privacy::PrivacyRules;
use trustloop_domain::quality::InstrumentQuality;
use trustloop_domain::raters::RaterChange;
use trustloop_storage::{
    Campaign, CampaignId, GroupProgress, LinkHolder, NewCampaign, PersonId, User,
};

/// A new campaign as an admin typed it; empty thresholds take the default rules.
pub struct CampaignText<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its deadline, `YYYY-MM-DD`.
    pub deadline: &'a str,
    /// The smallest anonymous rater group shown.
    pub min_rater_group: &'a str,
    /// The smallest team shown.
    pub min_team: &'a str,
    /// The smallest segment shown.
    pub min_segment: &'a str,
    /// The fewest anonymous raters whose comments are shown.
    pub min_comments: &'a str,
}

/// A new campaign, checked.
pub struct CampaignDraft {
    /// Its name.
    pub name: CampaignName,
    /// The last day answers are accepted.
    pub deadline: time::Date,
    /// Its privacy rules.
    pub rules: PrivacyRules,
}

fn threshold(text: &str, default: u32) -> std::result::Result<u32, String> {
    match text {
        "" => Ok(default),
        text => text
            .parse()
            .map_err(|_| format!("{text:?} is not a whole number.")),
    }
}

impl CampaignDraft {
    /// Checks a campaign as typed; the message says what to fix.
    pub fn parse(text: &CampaignText<'_>) -> std::result::Result<CampaignDraft, String> {
        CampaignDraft::parse_fields(text).map_err(|refusal| refusal.message)
    }

    /// Checks a campaign as typed; the refusal names the field to fix.
    pub fn parse_fields(
        text: &CampaignText<'_>,
    ) -> std::result::Result<CampaignDraft, FieldRefusal> {
        let defaults = PrivacyRules::default();
        let on = |field| move |message: String| FieldRefusal::new(field, message);
        let name = CampaignName::parse(text.name).map_err(on("name"))?;
        let deadline = parse_deadline(text.deadline, crate::today()).map_err(on("deadline"))?;
        let rules = PrivacyRules::new(
            threshold(text.min_rater_group, defaults.min_rater_group)
                .map_err(on("min_rater_group"))?,
            threshold(text.min_team, defaults.min_team).map_err(on("min_team"))?,
            threshold(text.min_segment, defaults.min_segment).map_err(on("min_segment"))?,
            threshold(text.min_comments, defaults.min_comments).map_err(on("min_comments"))?,
        )
        .map_err(|e| FieldRefusal::new("min_rater_group", e.to_string()))?;
        Ok(CampaignDraft {
            name,
            deadline,
            rules,
        })
    }
}

/// Creates a draft campaign on the current instrument.
#[tracing::instrument(skip_all)]
pub async fn create(app: &App, draft: CampaignDraft) -> Result<CampaignId> {
    Ok(app
        .store
        .create_campaign(&NewCampaign {
            name: draft.name.as_str().to_string(),
            instrument_version: Instrument::current().version,
            deadline: draft.deadline,
            rules: draft.rules,
            created_on: crate::today(),
        })
        .await?)
}

/// Adds the person with `email` to a campaign as a leader to be rated, with the raters of the
/// reporting lines (themselves, their manager and direct reports), and records it in the audit
/// log.
#[tracing::instrument(skip_all, fields(campaign = %campaign))]
pub async fn add_leader(app: &App, actor: &Actor, campaign: CampaignId, email: &str) -> Result<()> {
    let email = Email::parse(email)
        .map_err(|e| Error::Invalid(format!("Enter the leader's email: {e}.")))?;
    let person = app.store.person_by_email(&email).await?.ok_or_else(|| {
        Error::Invalid(format!(
            "Nobody with the email {email} is in the organisation. Import them first."
        ))
    })?;
    app.store.add_leader(campaign, person.id).await?;
    let raters = app
        .store
        .invitations(campaign, Some(person.id))
        .await?
        .len();
    app.audit(
        actor,
        "leader_added",
        &format!("campaign {campaign}"),
        &format!(
            "leader {} ({}) with {raters} rater(s) from the reporting lines",
            person.name, person.id
        ),
    )
    .await
}

/// The campaign `id` if `leader` is rated in it; otherwise "not found", so that ids of other
/// leaders' campaigns reveal nothing.
pub async fn led_by(app: &App, leader: PersonId, id: CampaignId) -> Result<Campaign> {
    app.store
        .campaigns_led_by(leader)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(Error::NotFound("campaign"))
}

/// Opens a draft campaign for answers, unless its deadline has passed or a nomination still
/// awaits approval, which locks every leader's rater list; records both in the audit log.
#[tracing::instrument(skip_all, fields(campaign = %id))]
pub async fn open(app: &App, actor: &Actor, id: CampaignId) -> Result<()> {
    let campaign = app.store.campaign(id).await?;
    if campaign.deadline < crate::today() {
        return Err(Error::Conflict(format!(
            "The deadline {} has passed; a campaign cannot open after its deadline.",
            campaign.deadline
        )));
    }
    change_status(app, actor, id, CampaignStatus::Open).await
}

/// Closes an open campaign for good, which releases its reports, and records it in the audit
/// log.
#[tracing::instrument(skip_all, fields(campaign = %id))]
pub async fn close(app: &App, actor: &Actor, id: CampaignId) -> Result<()> {
    change_status(app, actor, id, CampaignStatus::Closed).await
}

async fn change_status(
    app: &App,
    actor: &Actor,
    id: CampaignId,
    status: CampaignStatus,
) -> Result<()> {
    app.store.set_campaign_status(id, status).await?;
    let target = format!("campaign {id}");
    if status == CampaignStatus::Open {
        app.audit(actor, "campaign_opened", &target, "").await?;
        app.audit(
            actor,
            RaterChange::Locked.audit_action(),
            &target,
            "no rater can be added, approved or removed from now on",
        )
        .await
    } else {
        app.audit(actor, "campaign_closed", &target, "").await
    }
}

/// One survey link just issued.
pub struct IssuedLink {
    /// The leader's name.
    pub leader: String,
    /// The rater's name.
    pub rater_name: String,
    /// The rater's email.
    pub rater_email: String,
    /// The rater's relationship to the leader.
    pub group: RaterGroup,
    /// The link (shown once: only its hash is kept).
    pub url: String,
}

/// Survey links just issued to an admin.
pub struct IssuedLinkSet {
    /// The campaign.
    pub campaign: Campaign,
    /// The links.
    pub links: Vec<IssuedLink>,
    /// How many invitations needing a link were left out because this admin nominated or
    /// approved their rater: another admin must issue and send those.
    pub withheld: u32,
}

/// Issues survey links for a campaign's invitations that have none (or, with `reissue`, new
/// links for every unanswered one, so the old ones stop working), under `base_url`, to the
/// admin `holder`: the links of raters they nominated or approved are left for someone else.
/// Records it in the audit log.
#[tracing::instrument(skip_all, fields(campaign = %id, reissue))]
pub async fn issue_links(
    app: &App,
    actor: &Actor,
    holder: &User,
    id: CampaignId,
    reissue: bool,
    base_url: &str,
) -> Result<IssuedLinkSet> {
    let campaign = app.store.campaign(id).await?;
    if campaign.status == CampaignStatus::Closed {
        return Err(Error::Conflict(
            "The campaign is closed; no links are needed.".into(),
        ));
    }
    let issued = app
        .store
        .issue_links(
            campaign.id,
            reissue,
            LinkHolder::Admin(holder.id),
            &crate::tokens::new_link,
        )
        .await?;
    app.audit(
        actor,
        "links_issued",
        &format!("campaign {id}"),
        &format!(
            "{} link(s){}; {} withheld: raters this admin chose",
            issued.links.len(),
            if reissue {
                ", replacing unanswered ones"
            } else {
                ""
            },
            issued.withheld
        ),
    )
    .await?;
    let leaders = app.store.campaign_leaders(campaign.id).await?;
    let leader_name = |id| {
        leaders
            .iter()
            .find(|l| l.id == id)
            .map_or(String::new(), |l| l.name.clone())
    };
    let links = issued
        .links
        .into_iter()
        .map(|(invitation, token)| IssuedLink {
            leader: leader_name(invitation.leader_id),
            rater_name: invitation.rater_name,
            rater_email: invitation.rater_email,
            group: invitation.group,
            url: format!("{base_url}/s/{token}"),
        })
        .collect();
    Ok(IssuedLinkSet {
        campaign,
        links,
        withheld: issued.withheld,
    })
}

/// How well a closed campaign measured: consistency, reliability and agreement.
pub struct MeasurementQuality {
    /// The campaign.
    pub campaign: Campaign,
    /// Its instrument.
    pub instrument: Arc<Instrument>,
    /// The figures, when there were enough answers to compute them.
    pub assessed: Option<InstrumentQuality>,
}

/// Computes the measurement quality of a closed campaign.
#[tracing::instrument(skip_all, fields(campaign = %id))]
pub async fn measurement_quality(app: &App, id: CampaignId) -> Result<MeasurementQuality> {
    let campaign = app.store.campaign(id).await?;
    if campaign.status != CampaignStatus::Closed {
        return Err(Error::Conflict(
            "Measurement quality is computed once the campaign has closed.".into(),
        ));
    }
    crate::campaign_edits::record_result_read(app, campaign.id).await?;
    let instrument = app.instrument(campaign.instrument_version).await?;
    let all = app.store.campaign_responses(campaign.id).await?;
    let assessed = trustloop_domain::quality::assess(&instrument, &all);
    Ok(MeasurementQuality {
        campaign,
        instrument,
        assessed,
    })
}

/// Per leader and rater group, how many were invited and how many finished: counts only,
/// never who answered.
pub async fn progress(app: &App, id: CampaignId) -> Result<Vec<GroupProgress>> {
    app.store.campaign(id).await?;
    Ok(app.store.progress(id).await?)
}
