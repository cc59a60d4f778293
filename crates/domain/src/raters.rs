//! Who is in a leader's rater groups, and who may change that: the rules that keep anyone from
//! filling a group with raters they control and subtracting their own answers from it.
//!
//! - Self, manager and direct reports come only from the reporting lines (the people file);
//!   nobody adds or moves a rater into those groups by hand.
//! - Peers and others are *nominated*, by the leader or by an admin on the leader's behalf,
//!   while the campaign is a draft. A nomination awaits approval by the leader's manager or an
//!   admin, never by the person who nominated it nor by the leader. A rater who is not in the
//!   people directory needs the approver to confirm that this outside person should rate.
//! - The list locks when the campaign opens, which is refused while any nomination awaits.
//! - Nobody both chooses raters and holds their links: a link is never shown to the user who
//!   nominated or approved its rater.
//!
//! Every change is recorded as a [`RaterChange`] that the leader sees, with who made it as the
//! leader knows them ([`ChangedBy`]). The functions here decide; the store calls them inside the
//! transaction that makes the change, on the facts it reads there. User ids are generic (`U`)
//! so that this crate knows nothing of how accounts are stored.

use crate::campaign::CampaignStatus;
use crate::model::RaterGroup;
use serde::Serialize;
use std::fmt;

/// Whether a group is filled from the reporting lines (self, manager, direct reports) rather
/// than by nomination.
pub fn from_reporting_lines(group: RaterGroup) -> bool {
    matches!(
        group,
        RaterGroup::SelfRating | RaterGroup::Manager | RaterGroup::DirectReport
    )
}

/// The groups raters are nominated into.
pub const NOMINATED_GROUPS: [RaterGroup; 2] = [RaterGroup::Peer, RaterGroup::Other];

/// Where a rater stands on a leader's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NominationState {
    /// Nominated, waiting for the leader's manager or an admin: not invited, no link.
    AwaitingApproval,
    /// Invited: from the reporting lines, or nominated and approved.
    Approved,
}

impl NominationState {
    /// The stable identifier stored in the database.
    pub fn slug(self) -> &'static str {
        match self {
            NominationState::AwaitingApproval => "nominated",
            NominationState::Approved => "approved",
        }
    }

    /// Parses the stable identifier.
    pub fn from_slug(slug: &str) -> Option<NominationState> {
        [NominationState::AwaitingApproval, NominationState::Approved]
            .into_iter()
            .find(|s| s.slug() == slug)
    }

    /// The words shown to users.
    pub fn label(self) -> &'static str {
        match self {
            NominationState::AwaitingApproval => "awaiting approval",
            NominationState::Approved => "approved",
        }
    }
}

/// Who made a change to a leader's rater list, as the leader is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangedBy {
    /// Nobody by hand: the reporting lines (adding the leader to a campaign, or opening it).
    ReportingLines,
    /// The leader themselves.
    Leader,
    /// The leader's manager.
    Manager,
    /// An admin.
    Admin,
    /// Not recorded: the rater was on the list before changes were recorded.
    Unrecorded,
}

impl ChangedBy {
    /// Every value, for parsing.
    const ALL: [ChangedBy; 5] = [
        ChangedBy::ReportingLines,
        ChangedBy::Leader,
        ChangedBy::Manager,
        ChangedBy::Admin,
        ChangedBy::Unrecorded,
    ];

    /// The stable identifier stored in the database.
    pub fn slug(self) -> &'static str {
        match self {
            ChangedBy::ReportingLines => "reporting_lines",
            ChangedBy::Leader => "leader",
            ChangedBy::Manager => "manager",
            ChangedBy::Admin => "admin",
            ChangedBy::Unrecorded => "unrecorded",
        }
    }

    /// Parses the stable identifier.
    pub fn from_slug(slug: &str) -> Option<ChangedBy> {
        ChangedBy::ALL.into_iter().find(|c| c.slug() == slug)
    }

    /// Who it was, as the leader reads it on their own page.
    pub fn to_leader(self) -> &'static str {
        match self {
            ChangedBy::ReportingLines => "the reporting lines",
            ChangedBy::Leader => "you",
            ChangedBy::Manager => "your manager",
            ChangedBy::Admin => "an admin",
            ChangedBy::Unrecorded => "not recorded",
        }
    }

    /// Who it was, as anyone else reads it.
    pub fn label(self) -> &'static str {
        match self {
            ChangedBy::ReportingLines => "the reporting lines",
            ChangedBy::Leader => "the leader",
            ChangedBy::Manager => "the leader's manager",
            ChangedBy::Admin => "an admin",
            ChangedBy::Unrecorded => "not recorded",
        }
    }
}

/// One kind of change to a leader's rater list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RaterChange {
    /// Added from the reporting lines when the leader joined the campaign.
    FromReportingLines,
    /// Nominated; awaits approval.
    Nominated,
    /// A nomination approved: the rater is invited.
    Approved,
    /// A nomination refused by the leader's manager or an admin.
    Refused,
    /// A nominated rater taken off the list before the campaign opened.
    Removed,
    /// The list locked when the campaign opened.
    Locked,
    /// On the list before changes to rater lists were recorded.
    Listed,
}

impl RaterChange {
    /// Every value, for parsing.
    const ALL: [RaterChange; 7] = [
        RaterChange::FromReportingLines,
        RaterChange::Nominated,
        RaterChange::Approved,
        RaterChange::Refused,
        RaterChange::Removed,
        RaterChange::Locked,
        RaterChange::Listed,
    ];

    /// The stable identifier stored in the database and written in the audit log.
    pub fn slug(self) -> &'static str {
        match self {
            RaterChange::FromReportingLines => "from_reporting_lines",
            RaterChange::Nominated => "nominated",
            RaterChange::Approved => "approved",
            RaterChange::Refused => "refused",
            RaterChange::Removed => "removed",
            RaterChange::Locked => "locked",
            RaterChange::Listed => "listed_before_recording",
        }
    }

    /// Parses the stable identifier.
    pub fn from_slug(slug: &str) -> Option<RaterChange> {
        RaterChange::ALL.into_iter().find(|c| c.slug() == slug)
    }

    /// What happened, in words.
    pub fn label(self) -> &'static str {
        match self {
            RaterChange::FromReportingLines => "added from the reporting lines",
            RaterChange::Nominated => "nominated",
            RaterChange::Approved => "approved",
            RaterChange::Refused => "refused",
            RaterChange::Removed => "removed",
            RaterChange::Locked => "list locked: the campaign opened",
            RaterChange::Listed => "on the list before changes were recorded",
        }
    }

    /// The action written in the audit log.
    pub fn audit_action(self) -> &'static str {
        match self {
            RaterChange::FromReportingLines => "raters_from_reporting_lines",
            RaterChange::Nominated => "rater_nominated",
            RaterChange::Approved => "rater_approved",
            RaterChange::Refused => "rater_refused",
            RaterChange::Removed => "rater_removed",
            RaterChange::Locked => "rater_lists_locked",
            RaterChange::Listed => "rater_listed",
        }
    }
}

/// A user about to change one leader's rater list, as the rules see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Editor<U> {
    /// Their account.
    pub user: U,
    /// Whether their person is the leader.
    pub is_leader: bool,
    /// Whether their person is the leader's manager in the reporting lines.
    pub is_manager: bool,
    /// Whether they are an admin.
    pub is_admin: bool,
}

impl<U> Editor<U> {
    /// How the leader is told who they are: the leader themselves first, then the leader's
    /// manager, then an admin; `None` for anyone else.
    pub fn standing(&self) -> Option<ChangedBy> {
        if self.is_leader {
            Some(ChangedBy::Leader)
        } else if self.is_manager {
            Some(ChangedBy::Manager)
        } else if self.is_admin {
            Some(ChangedBy::Admin)
        } else {
            None
        }
    }
}

/// What the rules need to know about a rater already on a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedRater<U> {
    /// Their group.
    pub group: RaterGroup,
    /// Awaiting approval or approved.
    pub state: NominationState,
    /// Who nominated them (`None` for the reporting lines, or before nominations were recorded).
    pub nominated_by: Option<U>,
    /// Who approved them.
    pub approved_by: Option<U>,
    /// Whether their email is not in the people directory.
    pub outside_directory: bool,
}

/// Why a change to a rater list was refused: what the user is told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Self, manager and direct reports come only from the reporting lines.
    #[error(
        "The self-assessment, the manager and direct reports come only from the reporting lines (the people file): nobody adds, moves or removes a rater in those groups by hand. Nominate a peer or someone else who works with the leader instead."
    )]
    ReportingLinesOnly(RaterGroup),
    /// The campaign is no longer a draft.
    #[error(
        "The rater list is locked: the campaign is {}, and no rater can be added, approved or removed once a campaign has opened.",
        .0.slug()
    )]
    Locked(CampaignStatus),
    /// Only the leader or an admin nominates.
    #[error("Only the leader, or an admin on the leader's behalf, can nominate raters.")]
    NotNominator,
    /// The leader nominated as their own rater.
    #[error("A leader's own answers come from the self-assessment; nominate someone else.")]
    LeaderAsRater,
    /// The nomination is not waiting for approval.
    #[error("This rater is already approved.")]
    NotAwaiting,
    /// The leader cannot approve their own raters.
    #[error("A leader cannot approve or refuse their own raters: their manager or an admin does.")]
    LeaderApproving,
    /// The approver nominated this rater.
    #[error(
        "You nominated this rater, so someone else must approve it: the leader's manager or another admin."
    )]
    OwnNomination,
    /// Only the leader's manager or an admin approves.
    #[error("Only the leader's manager or an admin can approve or refuse a nomination.")]
    NotApprover,
    /// An outside rater was approved without saying so.
    #[error(
        "This rater's email is not in the people directory: tick the box to confirm that this person from outside the organisation should rate the leader."
    )]
    OutsideNotConfirmed,
    /// Only the nominator, the approver, the leader's manager or an admin removes a rater.
    #[error(
        "Only whoever nominated or approved this rater, the leader's manager or an admin can remove it."
    )]
    NotRemover,
    /// Opening while nominations await approval.
    #[error("{}", awaiting_words(.0))]
    AwaitingApproval(Vec<(String, u32)>),
}

fn awaiting_words(leaders: &[(String, u32)]) -> String {
    let total: u32 = leaders.iter().map(|(_, n)| n).sum();
    let (noun, verb) = if total == 1 {
        ("nomination", "awaits")
    } else {
        ("nominations", "await")
    };
    let each = leaders
        .iter()
        .map(|(leader, n)| format!("{leader}: {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{total} {noun} still {verb} approval ({each}). The leader's manager or an admin approves or refuses each before the campaign can open: rater lists lock when it opens."
    )
}

fn require_draft(status: CampaignStatus) -> Result<(), Refusal> {
    match status {
        CampaignStatus::Draft => Ok(()),
        other => Err(Refusal::Locked(other)),
    }
}

/// Whether `nominator` may nominate a rater in `group` for the leader of a campaign in
/// `status`; `in_reporting_lines` is the group the reporting lines already put the rater in
/// for this leader, if any (the leader themselves, their manager, a direct report): such a
/// rater is not moved into another group by hand. Returns how the leader is told who
/// nominated.
pub fn check_nomination<U>(
    group: RaterGroup,
    status: CampaignStatus,
    nominator: &Editor<U>,
    in_reporting_lines: Option<RaterGroup>,
) -> Result<ChangedBy, Refusal> {
    if from_reporting_lines(group) {
        return Err(Refusal::ReportingLinesOnly(group));
    }
    require_draft(status)?;
    let standing = match nominator.standing() {
        Some(ChangedBy::Leader) => ChangedBy::Leader,
        _ if nominator.is_admin => ChangedBy::Admin,
        _ => return Err(Refusal::NotNominator),
    };
    match in_reporting_lines {
        None => Ok(standing),
        Some(RaterGroup::SelfRating) => Err(Refusal::LeaderAsRater),
        Some(group) => Err(Refusal::ReportingLinesOnly(group)),
    }
}

/// Whether `approver` may approve `rater` in a campaign in `status`; `outside_confirmed` when
/// they ticked that an outside rater should rate. Returns how the leader is told who approved.
pub fn check_approval<U: PartialEq>(
    rater: &ListedRater<U>,
    status: CampaignStatus,
    approver: &Editor<U>,
    outside_confirmed: bool,
) -> Result<ChangedBy, Refusal> {
    let standing = may_decide(rater, status, approver)?;
    if rater.state != NominationState::AwaitingApproval {
        return Err(Refusal::NotAwaiting);
    }
    if rater.outside_directory && !outside_confirmed {
        return Err(Refusal::OutsideNotConfirmed);
    }
    Ok(standing)
}

/// Whether `approver` may decide on a nomination at all: the leader's manager or an admin,
/// neither the leader nor whoever nominated it, before the list locks.
fn may_decide<U: PartialEq>(
    rater: &ListedRater<U>,
    status: CampaignStatus,
    approver: &Editor<U>,
) -> Result<ChangedBy, Refusal> {
    if from_reporting_lines(rater.group) {
        return Err(Refusal::ReportingLinesOnly(rater.group));
    }
    require_draft(status)?;
    if approver.is_leader {
        return Err(Refusal::LeaderApproving);
    }
    if rater.nominated_by.as_ref() == Some(&approver.user) {
        return Err(Refusal::OwnNomination);
    }
    approver.standing().ok_or(Refusal::NotApprover)
}

/// Whether `remover` may take `rater` off the list of a campaign in `status`: the nominator,
/// the approver, the leader's manager or an admin, before the list locks. A nomination that
/// still awaits approval is *refused* when someone other than its nominator takes it off,
/// otherwise *removed*. Returns how the leader is told who did it, and which change it was.
pub fn check_removal<U: PartialEq>(
    rater: &ListedRater<U>,
    status: CampaignStatus,
    remover: &Editor<U>,
) -> Result<(ChangedBy, RaterChange), Refusal> {
    if from_reporting_lines(rater.group) {
        return Err(Refusal::ReportingLinesOnly(rater.group));
    }
    require_draft(status)?;
    let nominator = rater.nominated_by.as_ref() == Some(&remover.user);
    let approver = rater.approved_by.as_ref() == Some(&remover.user);
    let standing = remover.standing().ok_or(Refusal::NotRemover)?;
    if !(nominator || approver || remover.is_manager || remover.is_admin) {
        return Err(Refusal::NotRemover);
    }
    let change = if rater.state == NominationState::AwaitingApproval && !nominator {
        if remover.is_leader {
            // A leader takes off only what they nominated; refusing is for someone else.
            return Err(Refusal::LeaderApproving);
        }
        RaterChange::Refused
    } else {
        RaterChange::Removed
    };
    Ok((standing, change))
}

/// Whether `holder` may be shown the link of a rater `nominated_by` and `approved_by` these
/// accounts: never when they nominated or approved them, so that nobody both chooses raters
/// and holds their links.
pub fn may_hold_link<U: PartialEq>(
    holder: &U,
    nominated_by: Option<&U>,
    approved_by: Option<&U>,
) -> bool {
    nominated_by != Some(holder) && approved_by != Some(holder)
}

/// Whether a campaign may open with `awaiting` nominations per leader (leader's name, how
/// many): only when none awaits.
pub fn check_opening(awaiting: &[(String, u32)]) -> Result<(), Refusal> {
    let waiting: Vec<(String, u32)> = awaiting.iter().filter(|(_, n)| *n > 0).cloned().collect();
    if waiting.is_empty() {
        Ok(())
    } else {
        Err(Refusal::AwaitingApproval(waiting))
    }
}

impl fmt::Display for NominationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEADER: u32 = 1;
    const MANAGER: u32 = 2;
    const ADMIN: u32 = 3;
    const OTHER_ADMIN: u32 = 4;
    const STRANGER: u32 = 5;

    fn editor(user: u32) -> Editor<u32> {
        Editor {
            user,
            is_leader: user == LEADER,
            is_manager: user == MANAGER,
            is_admin: user == ADMIN || user == OTHER_ADMIN,
        }
    }

    fn nominated_by(user: u32) -> ListedRater<u32> {
        ListedRater {
            group: RaterGroup::Peer,
            state: NominationState::AwaitingApproval,
            nominated_by: Some(user),
            approved_by: None,
            outside_directory: false,
        }
    }

    const DRAFT: CampaignStatus = CampaignStatus::Draft;

    #[test]
    fn slugs_round_trip() {
        for s in [NominationState::AwaitingApproval, NominationState::Approved] {
            assert_eq!(NominationState::from_slug(s.slug()), Some(s));
        }
        for c in ChangedBy::ALL {
            assert_eq!(ChangedBy::from_slug(c.slug()), Some(c));
        }
        for c in RaterChange::ALL {
            assert_eq!(RaterChange::from_slug(c.slug()), Some(c));
        }
        assert_eq!(RaterChange::from_slug("added"), None);
    }

    #[test]
    fn self_manager_and_direct_reports_come_only_from_the_reporting_lines() {
        for group in RaterGroup::ALL {
            let nominated = check_nomination(group, DRAFT, &editor(ADMIN), None);
            if NOMINATED_GROUPS.contains(&group) {
                assert_eq!(nominated, Ok(ChangedBy::Admin), "{group:?}");
            } else {
                assert_eq!(nominated, Err(Refusal::ReportingLinesOnly(group)));
                let message = nominated.expect_err("refused").to_string();
                assert!(message.contains("reporting lines"), "{message}");
            }
        }
        let org_chart = ListedRater {
            group: RaterGroup::DirectReport,
            state: NominationState::Approved,
            nominated_by: None,
            approved_by: None,
            outside_directory: false,
        };
        assert_eq!(
            check_removal(&org_chart, DRAFT, &editor(ADMIN)),
            Err(Refusal::ReportingLinesOnly(RaterGroup::DirectReport))
        );
    }

    #[test]
    fn the_leader_or_an_admin_nominates_while_the_campaign_is_a_draft() {
        assert_eq!(
            check_nomination(RaterGroup::Other, DRAFT, &editor(LEADER), None),
            Ok(ChangedBy::Leader)
        );
        for user in [MANAGER, STRANGER] {
            assert_eq!(
                check_nomination(RaterGroup::Peer, DRAFT, &editor(user), None),
                Err(Refusal::NotNominator)
            );
        }
        for status in [CampaignStatus::Open, CampaignStatus::Closed] {
            assert_eq!(
                check_nomination(RaterGroup::Peer, status, &editor(LEADER), None),
                Err(Refusal::Locked(status))
            );
        }
        assert_eq!(
            check_nomination(
                RaterGroup::Peer,
                DRAFT,
                &editor(LEADER),
                Some(RaterGroup::SelfRating)
            ),
            Err(Refusal::LeaderAsRater)
        );
        // Nor is the leader's manager or a direct report moved into another group by hand.
        for group in [RaterGroup::Manager, RaterGroup::DirectReport] {
            assert_eq!(
                check_nomination(RaterGroup::Other, DRAFT, &editor(ADMIN), Some(group)),
                Err(Refusal::ReportingLinesOnly(group))
            );
        }
    }

    #[test]
    fn an_admin_who_leads_nominates_as_the_leader() {
        let both = Editor {
            is_admin: true,
            ..editor(LEADER)
        };
        assert_eq!(
            check_nomination(RaterGroup::Peer, DRAFT, &both, None),
            Ok(ChangedBy::Leader)
        );
        assert_eq!(
            check_approval(&nominated_by(ADMIN), DRAFT, &both, false),
            Err(Refusal::LeaderApproving),
            "being an admin does not let a leader approve their own raters"
        );
    }

    #[test]
    fn a_nomination_is_approved_by_the_manager_or_an_admin_never_by_its_nominator() {
        let by_leader = nominated_by(LEADER);
        assert_eq!(
            check_approval(&by_leader, DRAFT, &editor(MANAGER), false),
            Ok(ChangedBy::Manager)
        );
        assert_eq!(
            check_approval(&by_leader, DRAFT, &editor(ADMIN), false),
            Ok(ChangedBy::Admin)
        );
        assert_eq!(
            check_approval(&by_leader, DRAFT, &editor(LEADER), false),
            Err(Refusal::LeaderApproving)
        );
        assert_eq!(
            check_approval(&by_leader, DRAFT, &editor(STRANGER), false),
            Err(Refusal::NotApprover)
        );
        let by_admin = nominated_by(ADMIN);
        assert_eq!(
            check_approval(&by_admin, DRAFT, &editor(ADMIN), false),
            Err(Refusal::OwnNomination)
        );
        assert_eq!(
            check_approval(&by_admin, DRAFT, &editor(OTHER_ADMIN), false),
            Ok(ChangedBy::Admin)
        );
        let approved = ListedRater {
            state: NominationState::Approved,
            approved_by: Some(MANAGER),
            ..by_leader.clone()
        };
        assert_eq!(
            check_approval(&approved, DRAFT, &editor(ADMIN), false),
            Err(Refusal::NotAwaiting)
        );
        assert_eq!(
            check_approval(&by_leader, CampaignStatus::Open, &editor(MANAGER), false),
            Err(Refusal::Locked(CampaignStatus::Open))
        );
    }

    #[test]
    fn an_outside_rater_needs_the_approver_to_confirm_them() {
        let outside = ListedRater {
            outside_directory: true,
            ..nominated_by(LEADER)
        };
        let refused = check_approval(&outside, DRAFT, &editor(MANAGER), false);
        assert_eq!(refused, Err(Refusal::OutsideNotConfirmed));
        assert!(
            refused
                .expect_err("refused")
                .to_string()
                .contains("not in the people directory")
        );
        assert_eq!(
            check_approval(&outside, DRAFT, &editor(MANAGER), true),
            Ok(ChangedBy::Manager)
        );
    }

    #[test]
    fn a_rater_is_removed_by_the_nominator_the_approver_the_manager_or_an_admin() {
        let waiting = nominated_by(LEADER);
        assert_eq!(
            check_removal(&waiting, DRAFT, &editor(LEADER)),
            Ok((ChangedBy::Leader, RaterChange::Removed))
        );
        assert_eq!(
            check_removal(&waiting, DRAFT, &editor(MANAGER)),
            Ok((ChangedBy::Manager, RaterChange::Refused))
        );
        assert_eq!(
            check_removal(&waiting, DRAFT, &editor(ADMIN)),
            Ok((ChangedBy::Admin, RaterChange::Refused))
        );
        assert_eq!(
            check_removal(&waiting, DRAFT, &editor(STRANGER)),
            Err(Refusal::NotRemover)
        );
        // The leader cannot refuse what an admin nominated for them, even as an admin.
        assert_eq!(
            check_removal(&nominated_by(ADMIN), DRAFT, &editor(LEADER)),
            Err(Refusal::NotRemover)
        );
        let leading_admin = Editor {
            is_admin: true,
            ..editor(LEADER)
        };
        assert_eq!(
            check_removal(&nominated_by(ADMIN), DRAFT, &leading_admin),
            Err(Refusal::LeaderApproving)
        );
        let approved = ListedRater {
            state: NominationState::Approved,
            approved_by: Some(MANAGER),
            ..waiting
        };
        assert_eq!(
            check_removal(&approved, DRAFT, &editor(MANAGER)),
            Ok((ChangedBy::Manager, RaterChange::Removed))
        );
        assert_eq!(
            check_removal(&approved, CampaignStatus::Open, &editor(ADMIN)),
            Err(Refusal::Locked(CampaignStatus::Open))
        );
    }

    #[test]
    fn nobody_holds_the_links_of_raters_they_chose() {
        let (nominator, approver) = (Some(&ADMIN), Some(&OTHER_ADMIN));
        assert!(!may_hold_link(&ADMIN, nominator, approver));
        assert!(!may_hold_link(&OTHER_ADMIN, nominator, approver));
        assert!(may_hold_link(&STRANGER, nominator, approver));
        // From the reporting lines: chosen by nobody.
        assert!(may_hold_link(&ADMIN, None, None));
    }

    #[test]
    fn opening_waits_for_every_nomination_and_says_for_which_leaders() {
        assert_eq!(check_opening(&[]), Ok(()));
        assert_eq!(check_opening(&[("Lee".into(), 0)]), Ok(()));
        let refused = check_opening(&[("Lee Leader".into(), 2), ("Pat Peer".into(), 1)])
            .expect_err("refused")
            .to_string();
        assert!(
            refused.starts_with("3 nominations still await approval (Lee Leader: 2, Pat Peer: 1)"),
            "{refused}"
        );
        let one = check_opening(&[("Lee Leader".into(), 1)])
            .expect_err("refused")
            .to_string();
        assert!(
            one.starts_with("1 nomination still awaits approval"),
            "{one}"
        );
    }
}
