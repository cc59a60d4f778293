//! The records of rater lists: nominations, decisions on them, the change list a leader sees,
//! and who is shown the survey links being issued.

use super::{CampaignId, Invitation, InvitationId, PersonId, UserId};
use serde::Serialize;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::people::Email;
use trustloop_domain::raters::{ChangedBy, NominationState, RaterChange};

/// A peer or other nominated for a leader by `by` (the leader, or an admin on their behalf).
#[derive(Debug, Clone)]
pub struct NewNomination {
    /// The campaign.
    pub campaign_id: CampaignId,
    /// The leader to be rated.
    pub leader_id: PersonId,
    /// The rater's relationship to the leader (peer or other).
    pub group: RaterGroup,
    /// The rater's name.
    pub rater_name: String,
    /// The rater's email; linked to the person with that email when they are in the directory.
    pub rater_email: Email,
    /// The account that nominates.
    pub by: UserId,
}

/// A user's decision on a rater already listed: approving a nomination, or taking a rater off.
#[derive(Debug, Clone, Copy)]
pub struct RaterDecision {
    /// The rater (their invitation).
    pub invitation: InvitationId,
    /// The account that decides.
    pub by: UserId,
    /// Whether the approver confirmed that a rater outside the people directory should rate.
    pub outside_confirmed: bool,
}

/// A nominated rater (a peer or other) and where their nomination stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Nomination {
    /// The invitation it becomes once approved.
    pub id: InvitationId,
    /// The campaign.
    pub campaign_id: CampaignId,
    /// The campaign's name.
    pub campaign_name: String,
    /// The leader to be rated.
    pub leader_id: PersonId,
    /// The leader's name.
    pub leader_name: String,
    /// The rater's relationship to the leader.
    pub group: RaterGroup,
    /// The rater's name.
    pub rater_name: String,
    /// The rater's email.
    pub rater_email: String,
    /// Whether the rater's email is not in the people directory.
    pub outside_directory: bool,
    /// Awaiting approval or approved.
    pub state: NominationState,
    /// Who nominated them (`None` when nominated before nominations were recorded).
    pub nominated_by: Option<UserId>,
    /// That account's name.
    pub nominator_name: Option<String>,
    /// Who approved them.
    pub approved_by: Option<UserId>,
}

/// One change to a leader's rater list in a campaign, as the leader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RaterListChange {
    /// When, in Unix seconds.
    pub at: i64,
    /// What happened.
    pub change: RaterChange,
    /// The rater's group (none for the list locking).
    pub group: Option<RaterGroup>,
    /// The rater's name ("" for the list locking).
    pub rater_name: String,
    /// The rater's email ("" for the list locking).
    pub rater_email: String,
    /// Who did it, as the leader is told.
    pub changed_by: ChangedBy,
}

/// Who will be shown the survey links being issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkHolder {
    /// An admin, who reads them on a page or in a CSV: the links of raters they nominated or
    /// approved are withheld from them, for someone else to send.
    Admin(UserId),
    /// No person: the program answers through them itself (the demo's generated answers,
    /// benchmarks).
    Program,
}

/// Links just issued to a [`LinkHolder`].
#[derive(Debug, Clone, Default)]
pub struct IssuedLinks {
    /// Each invitation with its new link token (shown once: only its hash is kept).
    pub links: Vec<(Invitation, String)>,
    /// How many invitations needing a link were left without one because the holder chose
    /// their raters: another admin must issue those.
    pub withheld: u32,
}
