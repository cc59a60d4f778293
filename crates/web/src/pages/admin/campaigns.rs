//! Campaigns: the list and a new one, a campaign's page (its leaders, their raters and the
//! nominations awaiting approval), adding leaders, opening and closing it. Nominating and
//! deciding on raters is `rater_lists.rs`; survey links are `links.rs`.

use crate::access::{Access, RouteSpec};
use crate::auth::{FormPost, SignedIn};
use crate::error::AppResult;
use crate::extract::{Id, QueryPairs};
use crate::forms::{FormError, field};
use crate::layout::Chrome;
use crate::pages::raters::{NOMINATED_CHOICES, NominationRow, RaterForm, refusal};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;
use trustloop_app::campaign_guide::{self, CampaignFacts, Step};
use trustloop_app::campaign_leaders;
use trustloop_app::campaigns::{self, CampaignDraft, CampaignText};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::privacy::PrivacyRules;
use trustloop_domain::text::natural_order;
use trustloop_storage::{Campaign, CampaignId, Invitation, InvitationId, PeopleQuery, Person};

pub(super) fn routes() -> Vec<RouteSpec> {
    let admin = |path| RouteSpec::new(path, Access::Admin);
    vec![
        admin("/admin/campaigns")
            .get(campaigns)
            .post(create_campaign),
        admin("/admin/campaigns/{id}").get(campaign),
        admin("/admin/campaigns/{id}/leaders").post(add_leader),
        admin("/admin/campaigns/{id}/open").post(open),
    ]
}

/// A new campaign's form as typed, kept to show it again beside its error.
pub struct CampaignForm {
    name: String,
    deadline: String,
    min_rater_group: String,
    min_comments: String,
    min_team: String,
    min_segment: String,
    /// The leaders to add at once (optional): emails or full names.
    leaders: String,
    error: FormError,
}

impl CampaignForm {
    /// A blank form: the default deadline three weeks from today, and the default rules.
    fn blank() -> CampaignForm {
        let rules = PrivacyRules::default();
        CampaignForm {
            name: String::new(),
            deadline: (trustloop_app::today() + time::Duration::days(21)).to_string(),
            min_rater_group: rules.min_rater_group.to_string(),
            min_comments: rules.min_comments.to_string(),
            min_team: rules.min_team.to_string(),
            min_segment: rules.min_segment.to_string(),
            leaders: String::new(),
            error: FormError::none(),
        }
    }

    /// The form as posted.
    fn posted(fields: &[(String, String)]) -> CampaignForm {
        let typed = |name| field(fields, name).to_string();
        CampaignForm {
            name: typed("name"),
            deadline: typed("deadline"),
            min_rater_group: typed("min_rater_group"),
            min_comments: typed("min_comments"),
            min_team: typed("min_team"),
            min_segment: typed("min_segment"),
            leaders: typed("leaders"),
            error: FormError::none(),
        }
    }

    /// The campaign as typed, for the use case to check.
    fn text(&self) -> CampaignText<'_> {
        CampaignText {
            name: &self.name,
            deadline: &self.deadline,
            min_rater_group: &self.min_rater_group,
            min_team: &self.min_team,
            min_segment: &self.min_segment,
            min_comments: &self.min_comments,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/campaigns.html")]
struct CampaignsPage {
    chrome: Chrome,
    campaigns: Vec<Campaign>,
    form: CampaignForm,
}

async fn campaigns(State(state): State<AppState>, signed_in: SignedIn) -> AppResult<CampaignsPage> {
    signed_in.require_admin()?;
    Ok(CampaignsPage {
        chrome: signed_in.chrome(),
        campaigns: state.app.store.campaigns().await?,
        form: CampaignForm::blank(),
    })
}

#[tracing::instrument(skip_all)]
async fn create_campaign(
    State(state): State<AppState>,
    FormPost {
        signed_in,
        fields,
        actor,
    }: FormPost,
) -> AppResult<Response> {
    signed_in.require_admin()?;
    let mut form = CampaignForm::posted(&fields);
    let checked = match CampaignDraft::parse_fields(&form.text()) {
        Err(refusal) => Err(FormError::from(refusal)),
        Ok(draft) if form.leaders.is_empty() => Ok((draft, Vec::new())),
        // The leaders are checked before the campaign is made: all of it, or nothing.
        Ok(draft) => match campaign_leaders::resolve(&state.app, &form.leaders, &[]).await {
            Ok(leaders) => Ok((draft, leaders)),
            Err(error) => Err(FormError::at("leaders", refusal(error)?)),
        },
    };
    match checked {
        Ok((draft, leaders)) => {
            let id = campaigns::create(&state.app, draft).await?;
            campaign_leaders::add_resolved(&state.app, &actor, id, &leaders).await?;
            Ok(Redirect::to(&format!("/admin/campaigns/{id}")).into_response())
        }
        Err(error) => {
            form.error = error;
            let page = CampaignsPage {
                chrome: signed_in.chrome(),
                campaigns: state.app.store.campaigns().await?,
                form,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// One leader on the campaign page.
pub struct LeaderRow {
    leader: Person,
    groups: Vec<(&'static str, u32, u32)>,
    /// Everyone invited to rate them.
    invitations: Vec<Invitation>,
    /// Their peers and others, awaiting approval or approved, with what this admin may do.
    nominated: Vec<NominationRow>,
    /// How many of those await approval.
    awaiting: usize,
    /// Why taking this leader off was refused, shown beside them.
    removal_error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/campaign.html")]
struct CampaignPage {
    chrome: Chrome,
    campaign: Campaign,
    leaders: Vec<LeaderRow>,
    without_link: usize,
    /// Invitations without a link whose rater this admin nominated or approved.
    chosen_by_me: usize,
    editable: bool,
    /// Whether raters can be nominated, approved or removed (the campaign is a draft).
    can_nominate: bool,
    /// Why the campaign could not open, shown at the top.
    open_error: Option<String>,
    /// The nomination form, with what was typed when it was refused.
    form: RaterForm,
    /// The email typed in the add-leader form when it was refused, and why.
    leader_email: String,
    leader_error: FormError,
    /// The name-and-deadline form, with what was typed when it was refused.
    edit: EditForm,
    /// Whether the campaign closed by mistake may still be reopened.
    may_reopen: bool,
    /// The steps of running the campaign, what is done and what is next.
    steps: Vec<Step>,
    /// The text searched for among people, and who was found (not yet leaders).
    find: String,
    found: Vec<Person>,
    choices: [(&'static str, &'static str); 2],
}

/// What the admin last tried on the campaign page that was refused, shown beside its form.
pub(super) enum Refused {
    /// Opening or closing the campaign, or issuing its links.
    Opening(String),
    /// Adding a leader: the email typed and why it was refused.
    Leader(String, String),
    /// A nomination on a leader's behalf.
    Nomination(RaterForm),
    /// A decision on a nominated rater (their invitation id).
    Decision(i64, String),
    /// The name and deadline typed, refused.
    Edit(EditForm),
    /// Taking a leader off (their person id).
    Removal(i64, String),
    /// Not refused: people searched for by part of their name, to add as leaders.
    Search(String),
}

/// The campaign's name and deadline as typed in its edit form.
pub struct EditForm {
    /// The name.
    pub name: String,
    /// The deadline, `YYYY-MM-DD`.
    pub deadline: String,
    /// What is wrong, beside its field.
    pub error: FormError,
}

/// The state of every form on the campaign page, from what was refused (if anything), and the
/// status the page is answered with.
struct PageForms {
    status: StatusCode,
    open_error: Option<String>,
    rater: RaterForm,
    decision: Option<(i64, String)>,
    leader_email: String,
    leader_error: FormError,
    edit: EditForm,
    removal: Option<(i64, String)>,
    find: String,
}

impl PageForms {
    fn of(refused: Option<Refused>, campaign: &Campaign) -> PageForms {
        let mut forms = PageForms {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            open_error: None,
            rater: RaterForm::blank(),
            decision: None,
            leader_email: String::new(),
            leader_error: FormError::none(),
            edit: EditForm {
                name: campaign.name.clone(),
                deadline: campaign.deadline.to_string(),
                error: FormError::none(),
            },
            removal: None,
            find: String::new(),
        };
        match refused {
            None => forms.status = StatusCode::OK,
            Some(Refused::Opening(message)) => {
                forms.status = StatusCode::CONFLICT;
                forms.open_error = Some(message);
            }
            Some(Refused::Leader(email, message)) => {
                forms.leader_email = email;
                forms.leader_error = FormError::at("leaders", message);
            }
            Some(Refused::Nomination(form)) => forms.rater = form,
            Some(Refused::Decision(rater, message)) => forms.decision = Some((rater, message)),
            Some(Refused::Edit(edit)) => forms.edit = edit,
            Some(Refused::Removal(leader, message)) => {
                forms.status = StatusCode::CONFLICT;
                forms.removal = Some((leader, message));
            }
            Some(Refused::Search(find)) => {
                forms.status = StatusCode::OK;
                forms.find = find;
            }
        }
        forms
    }
}

/// The campaign page of campaign `id` as `signed_in` sees it, with `refused` shown beside the
/// form it came from (and the status that goes with it).
pub(super) async fn campaign_page(
    state: &AppState,
    signed_in: &SignedIn,
    id: CampaignId,
    refused: Option<Refused>,
) -> AppResult<Response> {
    let store = &state.app.store;
    let me = signed_in.user.id;
    let campaign = store.campaign(id).await?;
    let leaders = store.campaign_leaders(campaign.id).await?;
    let progress = store.progress(campaign.id).await?;
    let invitations = store.invitations(campaign.id, None).await?;
    let nominations = store.nominations(campaign.id, None).await?;
    let without_link: Vec<InvitationId> = invitations
        .iter()
        .filter(|i| !i.has_link)
        .map(|i| i.id)
        .collect();
    let chosen_by_me = nominations
        .iter()
        .filter(|n| without_link.contains(&n.id))
        .filter(|n| n.nominated_by == Some(me) || n.approved_by == Some(me))
        .count();
    let forms = PageForms::of(refused, &campaign);
    let failed = forms.decision.clone();
    let mut by_leader: BTreeMap<_, Vec<Invitation>> = BTreeMap::new();
    for i in invitations {
        by_leader.entry(i.leader_id).or_default().push(i);
    }
    let mut rows: Vec<LeaderRow> = leaders
        .into_iter()
        .map(|leader| {
            let nominated: Vec<NominationRow> = nominations
                .iter()
                .filter(|n| n.leader_id == leader.id)
                .map(|n| NominationRow::of(n, me, failed.as_ref()))
                .collect();
            LeaderRow {
                groups: RaterGroup::ALL
                    .into_iter()
                    .filter_map(|g| {
                        progress
                            .iter()
                            .find(|p| p.leader_id == leader.id && p.group == g)
                            .map(|p| (g.label(), p.invited, p.completed))
                    })
                    .collect(),
                removal_error: forms
                    .removal
                    .as_ref()
                    .filter(|(id, _)| *id == leader.id.0)
                    .map(|(_, message)| message.clone()),
                invitations: by_leader.remove(&leader.id).unwrap_or_default(),
                awaiting: nominated.iter().filter(|n| n.awaiting).count(),
                nominated,
                leader,
            }
        })
        .collect();
    rows.sort_by(|a, b| natural_order(&a.leader.name, &b.leader.name));
    let may_reopen = trustloop_app::campaign_edits::may_reopen(&state.app, &campaign).await?;
    let facts = CampaignFacts {
        status: Some(campaign.status),
        leaders: rows.len(),
        invited: progress.iter().map(|p| p.invited).sum(),
        answered: progress.iter().map(|p| p.completed).sum(),
        awaiting: rows.iter().map(|r| r.awaiting).sum(),
        without_link: without_link.len(),
        deadline_passed: campaign.deadline < trustloop_app::today(),
    };
    let found = found_people(state, &forms.find, &rows).await?;
    let page = CampaignPage {
        chrome: signed_in.chrome(),
        editable: campaign.status != CampaignStatus::Closed,
        can_nominate: campaign.status == CampaignStatus::Draft,
        may_reopen,
        campaign,
        leaders: rows,
        without_link: without_link.len(),
        chosen_by_me,
        open_error: forms.open_error,
        form: forms.rater,
        leader_email: forms.leader_email,
        leader_error: forms.leader_error,
        edit: forms.edit,
        steps: campaign_guide::steps(&facts),
        find: forms.find,
        found,
        choices: NOMINATED_CHOICES,
    };
    Ok((forms.status, page).into_response())
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn campaign(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Id(id): Id,
    query: QueryPairs,
) -> AppResult<Response> {
    signed_in.require_admin()?;
    let find = query.get("find").unwrap_or_default().trim().to_string();
    let refused = (!find.is_empty()).then_some(Refused::Search(find));
    campaign_page(&state, &signed_in, CampaignId(id), refused).await
}

/// The people whose name or email contains `find` who are not leaders yet (at most 10), by
/// name; none when nothing was searched for.
async fn found_people(
    state: &AppState,
    find: &str,
    leaders: &[LeaderRow],
) -> AppResult<Vec<Person>> {
    if find.is_empty() {
        return Ok(Vec::new());
    }
    let (mut people, _) = state
        .app
        .store
        .people(&PeopleQuery {
            search: Some(find.to_string()),
            offset: 0,
            limit: 10 + leaders.len() as u64,
        })
        .await?;
    people.retain(|p| !leaders.iter().any(|l| l.leader.id == p.id));
    people.sort_by(|a, b| natural_order(&a.name, &b.name));
    people.truncate(10);
    Ok(people)
}

/// Back to the campaign page, at `anchor` (`#…`) when given.
pub(super) fn back_to(id: CampaignId, anchor: &str) -> Redirect {
    Redirect::to(&format!("/admin/campaigns/{id}{anchor}"))
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn add_leader(
    State(state): State<AppState>,
    Id(id): Id,
    post: FormPost,
) -> AppResult<Response> {
    post.signed_in.require_admin()?;
    let id = CampaignId(id);
    // The list form sends `leaders`; a single email (a search result's button) `email`.
    let typed = match field(&post.fields, "leaders") {
        "" => field(&post.fields, "email"),
        list => list,
    };
    match campaign_leaders::add_leaders(&state.app, &post.actor, id, typed).await {
        Ok(_) => Ok(back_to(id, "#leaders").into_response()),
        Err(error) => {
            let refused = Refused::Leader(typed.to_string(), refusal(error)?);
            campaign_page(&state, &post.signed_in, id, Some(refused)).await
        }
    }
}

/// Opens the campaign, which is refused while nominations await approval (the page says for
/// which leaders). "Open and create the survey links" posts to the links instead, which open
/// it first.
#[tracing::instrument(skip_all, fields(campaign = id))]
async fn open(State(state): State<AppState>, Id(id): Id, post: FormPost) -> AppResult<Response> {
    post.signed_in.require_admin()?;
    let id = CampaignId(id);
    let opened = campaigns::open(&state.app, &post.actor, id).await;
    after_status_change(&state, &post, id, opened).await
}

/// After opening, closing or reopening campaign `id`: back to its page, or its page again with
/// the refusal at the top.
pub(super) async fn after_status_change(
    state: &AppState,
    post: &FormPost,
    id: CampaignId,
    changed: trustloop_app::Result<()>,
) -> AppResult<Response> {
    if let Err(error) = changed {
        let refused = Refused::Opening(refusal(error)?);
        return campaign_page(state, &post.signed_in, id, Some(refused)).await;
    }
    Ok(back_to(id, "").into_response())
}
