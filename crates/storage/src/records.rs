//! The records the store reads and writes.

use serde::{Deserialize, Serialize};
use std::sync::Arc;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::people::Email;
use trustloop_domain::privacy::PrivacyRules;
use trustloop_domain::rating::FieldError;

mod learning;
mod ledger;
mod outcomes;
mod plans;
mod rater_lists;
pub use learning::*;
pub use ledger::*;
pub use outcomes::*;
pub use plans::*;
pub use rater_lists::*;

/// Declares a record id: a transparent `i64` with `Display`.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies a person in the organisation.
    PersonId
);
id_type!(
    /// Identifies a sign-in account.
    UserId
);
id_type!(
    /// Identifies a 360 campaign.
    CampaignId
);
id_type!(
    /// Identifies an invitation to rate one leader.
    InvitationId
);
id_type!(
    /// Identifies a development plan.
    PlanId
);
id_type!(
    /// Identifies an action of a development plan.
    ActionId
);
id_type!(
    /// Identifies a commitment in a leader's say-do ledger.
    CommitmentId
);
id_type!(
    /// Identifies a team.
    TeamId
);

// After `id_type!`, which it uses.
mod pulse;
pub use pulse::*;
mod feedback;
pub use feedback::*;
mod repair;
pub use repair::*;

/// A person in the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// Their id.
    pub id: PersonId,
    /// Their name.
    pub name: String,
    /// Their email.
    pub email: String,
    /// Their manager, if any.
    pub manager_id: Option<PersonId>,
    /// Their team's name, if any.
    pub team: Option<String>,
    /// Extra attributes (name, value), by name.
    pub attributes: Vec<(String, String)>,
}

/// Which people to list.
#[derive(Debug, Clone, Default)]
pub struct PeopleQuery {
    /// Only people whose name or email contains this text (case-insensitive).
    pub search: Option<String>,
    /// How many to skip.
    pub offset: u64,
    /// How many at most.
    pub limit: u64,
}

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// People added.
    pub added: u64,
    /// People already known and updated.
    pub updated: u64,
    /// Teams created.
    pub teams_created: u64,
}

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Loads the organisation, runs campaigns, sees organisation-wide results.
    Admin,
    /// Reads their own reports and nominates raters.
    Leader,
    /// A team member with an account.
    Member,
}

impl Role {
    /// The stable identifier stored in the database.
    pub fn slug(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Leader => "leader",
            Role::Member => "member",
        }
    }

    /// Parses the stable identifier.
    pub fn from_slug(s: &str) -> Option<Role> {
        [Role::Admin, Role::Leader, Role::Member]
            .into_iter()
            .find(|r| r.slug() == s)
    }
}

/// A sign-in account to create.
#[derive(Clone)]
pub struct NewUser {
    /// The sign-in email.
    pub email: Email,
    /// The name shown in the page header.
    pub display_name: String,
    /// What they may do.
    pub role: Role,
    /// The person they are in the organisation, if any.
    pub person_id: Option<PersonId>,
    /// The argon2id PHC string, if a password is set.
    pub password_hash: Option<String>,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("email", &self.email)
            .field("role", &self.role)
            .field("person_id", &self.person_id)
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// A sign-in account.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// The sign-in email.
    pub email: String,
    /// The name shown in the page header.
    pub display_name: String,
    /// What they may do.
    pub role: Role,
    /// The person they are, if any.
    pub person_id: Option<PersonId>,
    /// The argon2id PHC string, if a password is set.
    pub password_hash: Option<String>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("role", &self.role)
            .field("person_id", &self.person_id)
            .finish_non_exhaustive()
    }
}

/// A session to store; only the hash of the cookie's token is kept.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// SHA-256 of the cookie token, hex.
    pub token_hash: String,
    /// Whose session it is.
    pub user_id: UserId,
    /// The token forms must carry.
    pub csrf_token: String,
    /// Unix seconds after which the session is void.
    pub expires_at: i64,
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    /// Whose session it is.
    pub user_id: UserId,
    /// The token forms must carry.
    pub csrf_token: String,
    /// Unix seconds after which the session is void.
    pub expires_at: i64,
}

/// A campaign to create.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    /// Its name.
    pub name: String,
    /// The instrument version it uses.
    pub instrument_version: u32,
    /// The last day answers are accepted.
    pub deadline: time::Date,
    /// The privacy rules, locked when it opens.
    pub rules: PrivacyRules,
    /// The day it was created.
    pub created_on: time::Date,
}

/// A 360 campaign.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Campaign {
    /// Its id.
    pub id: CampaignId,
    /// Its name.
    pub name: String,
    /// Where it is in its life.
    pub status: CampaignStatus,
    /// The instrument version it uses.
    pub instrument_version: u32,
    /// The last day answers are accepted.
    pub deadline: time::Date,
    /// The day it closed (its reports became readable), once closed.
    pub closed_on: Option<time::Date>,
    /// The privacy rules.
    pub rules: PrivacyRules,
}

/// An invitation as the admin and the leader see it: who, for whom, in which group — never
/// whether they answered. Only invited raters are invitations: a nomination awaiting approval
/// is a [`Nomination`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invitation {
    /// Its id.
    pub id: InvitationId,
    /// The leader to be rated.
    pub leader_id: PersonId,
    /// The rater's relationship to the leader.
    pub group: RaterGroup,
    /// The rater's name.
    pub rater_name: String,
    /// The rater's email.
    pub rater_email: String,
    /// Whether a link has been issued.
    pub has_link: bool,
}

/// What the survey page needs to know about the invitation a link opened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyInvitation {
    /// The invitation.
    pub id: InvitationId,
    /// The campaign.
    pub campaign: Campaign,
    /// The leader being rated.
    pub leader_id: PersonId,
    /// The leader's name.
    pub leader_name: String,
    /// The rater's relationship to the leader.
    pub group: RaterGroup,
    /// Whether it was already answered.
    pub completed: bool,
}

impl SurveyInvitation {
    /// Why it cannot be answered on `today`, if it cannot ([`Refusal::of`]).
    pub fn refusal(&self, today: time::Date) -> Option<Refusal> {
        Refusal::of(
            self.completed,
            self.campaign.status,
            self.campaign.deadline,
            today,
        )
    }
}

/// Why an answer sent to a link was not stored: what the respondent is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No invitation has this link (mistyped, or replaced by a newer link).
    UnknownLink,
    /// The invitation has been answered already.
    AlreadyAnswered,
    /// The campaign is not open: still a draft, or closed.
    CampaignNotOpen(CampaignStatus),
    /// The campaign's last day has passed.
    PastDeadline,
}

impl Refusal {
    /// Why an invitation (answered already or not, in a campaign with this status and
    /// deadline) cannot be answered on `today`, in the order a respondent is told: answered,
    /// then the campaign's status, then its deadline (the last day still counts). `None` when
    /// it can be answered.
    pub fn of(
        completed: bool,
        status: CampaignStatus,
        deadline: time::Date,
        today: time::Date,
    ) -> Option<Refusal> {
        if completed {
            Some(Refusal::AlreadyAnswered)
        } else if status != CampaignStatus::Open {
            Some(Refusal::CampaignNotOpen(status))
        } else if deadline < today {
            Some(Refusal::PastDeadline)
        } else {
            None
        }
    }
}

/// What became of a survey form sent to a link ([`crate::AnswerStore::submit_form`]): everything
/// the page shown next needs, found in the same transaction as the answer.
#[derive(Debug, Clone, PartialEq)]
pub enum IntakeOutcome {
    /// The answers are stored (committed durably).
    Stored,
    /// Nothing was stored, for this reason.
    Refused(Refusal),
    /// Nothing was stored: the answers do not fit the survey of the link's invitation. With
    /// what showing the form again, the problems next to their fields, needs.
    Invalid {
        /// The invitation the link opens.
        invitation: Box<SurveyInvitation>,
        /// The instrument version its campaign uses.
        instrument: Arc<Instrument>,
        /// What is wrong, one entry per item or question.
        errors: Vec<FieldError>,
    },
}

/// Response counts for one leader and rater group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupProgress {
    /// The leader.
    pub leader_id: PersonId,
    /// The rater group.
    pub group: RaterGroup,
    /// How many were invited.
    pub invited: u32,
    /// How many finished.
    pub completed: u32,
}

/// Where a background import stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ImportStatus {
    /// Still working.
    Running,
    /// Finished and committed.
    Done,
    /// Refused or failed; nothing was imported.
    Failed,
}

impl ImportStatus {
    /// The stable identifier stored in the database.
    pub fn slug(&self) -> &'static str {
        match self {
            ImportStatus::Running => "running",
            ImportStatus::Done => "done",
            ImportStatus::Failed => "failed",
        }
    }

    /// Parses the stable identifier.
    pub fn from_slug(s: &str) -> Option<ImportStatus> {
        [
            ImportStatus::Running,
            ImportStatus::Done,
            ImportStatus::Failed,
        ]
        .into_iter()
        .find(|status| status.slug() == s)
    }
}

/// A background import of a people file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportJob {
    /// Its id.
    pub id: i64,
    /// Where it stands.
    pub status: ImportStatus,
    /// Rows in the file, once known.
    pub total_rows: u64,
    /// Rows processed so far.
    pub processed: u64,
    /// A summary for the admin.
    pub message: String,
    /// Problems found, one line each.
    pub problems: Vec<String>,
}

/// Something security-relevant that happened: a sign-in, a failure, an export, a role change,
/// an admin looking at individual data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// Unix seconds.
    pub at: i64,
    /// Who did it (an account email, "rater", "system" or "anonymous").
    pub actor: String,
    /// What happened, as a stable word such as `sign_in` or `links_issued`.
    pub action: String,
    /// What it concerned (a campaign, an account), if anything.
    pub target: String,
    /// The network address it came from, if known.
    pub address: String,
    /// Anything else worth knowing.
    pub detail: String,
}

/// An API token to store.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    /// Whose token it is; it acts with their rights, narrowed to its scopes.
    pub user_id: UserId,
    /// The name its owner gave it.
    pub name: String,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// What it may be used for, such as `reports:read`.
    pub scopes: Vec<String>,
    /// Unix seconds.
    pub created_at: i64,
}

/// An API token as its owner sees it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    /// Its id.
    pub id: i64,
    /// Whose token it is.
    pub user_id: UserId,
    /// The name its owner gave it.
    pub name: String,
    /// What it may be used for.
    pub scopes: Vec<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// When it was last used, in Unix seconds.
    pub last_used_at: Option<i64>,
    /// Whether it was revoked.
    pub revoked: bool,
}

/// A direct report's answer for segment views: the team it counts for on the heatmap, the
/// rater's attributes when they answered (such as location or function) and the answer's four
/// scores (Trust Index, relationships, judgement, consistency; `None` where the rater could not
/// say).
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentAnswer {
    /// The leader's team when the answer was released (the team whose heatmap row it counts
    /// in), if the leader had one.
    pub team: Option<String>,
    /// Attribute name to value.
    pub attributes: std::collections::BTreeMap<String, String>,
    /// The four scores.
    pub scores: [Option<f64>; 4],
}

/// Which kind of figure showed a population of a campaign's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DisclosureKind {
    /// A team's row of the heatmap.
    Team,
    /// The heatmap's organisation total.
    Total,
    /// A segment view's total or one of its rows (or its hidden rows together).
    Segment,
}

impl DisclosureKind {
    /// Every kind.
    pub const ALL: [DisclosureKind; 3] = [
        DisclosureKind::Team,
        DisclosureKind::Total,
        DisclosureKind::Segment,
    ];

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DisclosureKind::Team => "team",
            DisclosureKind::Total => "total",
            DisclosureKind::Segment => "segment",
        }
    }

    /// The kind of a stored name.
    pub fn from_slug(text: &str) -> Option<DisclosureKind> {
        DisclosureKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A population of a campaign's answers that was shown (to any admin, on any page or through
/// the API), as the campaign's disclosure history keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disclosure {
    /// The population and the measures shown of it, as canonical JSON (see
    /// `trustloop_domain::segments::SeenPopulation`).
    pub population: String,
    /// What showed it.
    pub kind: DisclosureKind,
    /// Respondents in it when it was shown.
    pub respondents: u32,
    /// The day it was first shown.
    pub first_seen: time::Date,
}

/// A population to add to a campaign's disclosure history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDisclosure {
    /// The population, as canonical JSON.
    pub population: String,
    /// What shows it.
    pub kind: DisclosureKind,
    /// Respondents in it.
    pub respondents: u32,
}

/// What a figure decided inside the recording transaction adds to a campaign's history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Disclosed {
    /// The populations it shows (those already in the history are kept as they were).
    pub populations: Vec<NewDisclosure>,
    /// For the team heatmap decided with no segment view in the history, the digest of what it
    /// shows, kept so that a later view showing the same can skip the history.
    pub heatmap_digest: Option<String>,
}

/// What a campaign's disclosure history holds, in brief: what the team heatmap reads first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisclosureSummary {
    /// The kinds of figure shown, each with the day the first of them was shown, in the order
    /// of [`DisclosureKind::ALL`]; kinds never shown are absent.
    pub kinds: Vec<(DisclosureKind, time::Date)>,
    /// The digest of the last heatmap recorded with no segment view in the history.
    pub heatmap_digest: Option<String>,
}

impl DisclosureSummary {
    /// Whether figures of `kind` were shown.
    pub fn shown(&self, kind: DisclosureKind) -> bool {
        self.kinds.iter().any(|(k, _)| *k == kind)
    }

    /// The day the first figure of `kind` was shown.
    pub fn first_seen(&self, kind: DisclosureKind) -> Option<time::Date> {
        self.kinds
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, day)| *day)
    }
}

/// What decides, inside the recording transaction, what to add to a campaign's disclosure
/// history: given the whole history, what the new figure shows.
pub type DecideDisclosures<'a> = dyn Fn(&[Disclosure]) -> Disclosed + Send + Sync + 'a;

mod campaign_edits;
pub use campaign_edits::*;
