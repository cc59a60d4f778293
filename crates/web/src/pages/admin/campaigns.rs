//! Campaigns: the list and a new one, a campaign's leaders and raters, opening and closing it,
//! and issuing its survey links.

use crate::access::{Access, RouteSpec};
use crate::auth::{FormPost, SignedIn};
use crate::error::{AppError, AppResult};
use crate::forms::{field, id_field};
use crate::layout::Chrome;
use crate::pages::leader::rater_from;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;
use trustloop_app::campaigns::{self, CampaignDraft, CampaignText};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::privacy::PrivacyRules;
use trustloop_storage::{Campaign, CampaignId, Invitation, Person, PersonId};

pub(super) fn routes() -> Vec<RouteSpec> {
    let admin = |path| RouteSpec::new(path, Access::Admin);
    vec![
        admin("/admin/campaigns")
            .get(campaigns)
            .post(create_campaign),
        admin("/admin/campaigns/{id}").get(campaign),
        admin("/admin/campaigns/{id}/leaders").post(add_leader),
        admin("/admin/campaigns/{id}/raters").post(add_rater),
        admin("/admin/campaigns/{id}/open").post(change_status::<true>),
        admin("/admin/campaigns/{id}/close").post(change_status::<false>),
        admin("/admin/campaigns/{id}/links").post(issue_links),
    ]
}

/// The groups an admin can invite raters in (the leader's self-assessment comes with them).
const INVITED_GROUPS: [RaterGroup; 4] = [
    RaterGroup::Manager,
    RaterGroup::Peer,
    RaterGroup::DirectReport,
    RaterGroup::Other,
];

#[derive(Template, WebTemplate)]
#[template(path = "admin/campaigns.html")]
struct CampaignsPage {
    chrome: Chrome,
    campaigns: Vec<Campaign>,
    error: Option<String>,
    name: String,
    deadline: String,
    rules: PrivacyRules,
}

async fn campaigns(State(state): State<AppState>, signed_in: SignedIn) -> AppResult<CampaignsPage> {
    signed_in.require_admin()?;
    let default_deadline = trustloop_app::today() + time::Duration::days(21);
    Ok(CampaignsPage {
        chrome: signed_in.chrome(),
        campaigns: state.app.store.campaigns().await?,
        error: None,
        name: String::new(),
        deadline: default_deadline.to_string(),
        rules: PrivacyRules::default(),
    })
}

#[tracing::instrument(skip_all)]
async fn create_campaign(
    State(state): State<AppState>,
    FormPost {
        signed_in, fields, ..
    }: FormPost,
) -> AppResult<Response> {
    signed_in.require_admin()?;
    let typed = CampaignText {
        name: field(&fields, "name"),
        deadline: field(&fields, "deadline"),
        min_rater_group: field(&fields, "min_rater_group"),
        min_team: field(&fields, "min_team"),
        min_segment: field(&fields, "min_segment"),
        min_comments: field(&fields, "min_comments"),
    };
    match CampaignDraft::parse(&typed) {
        Ok(draft) => {
            let id = campaigns::create(&state.app, draft).await?;
            Ok(Redirect::to(&format!("/admin/campaigns/{id}")).into_response())
        }
        Err(error) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            CampaignsPage {
                chrome: signed_in.chrome(),
                campaigns: state.app.store.campaigns().await?,
                error: Some(error),
                name: typed.name.to_string(),
                deadline: typed.deadline.to_string(),
                rules: PrivacyRules::default(),
            },
        )
            .into_response()),
    }
}

/// One leader on the campaign page.
pub struct LeaderRow {
    leader: Person,
    groups: Vec<(&'static str, u32, u32)>,
    invitations: Vec<Invitation>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/campaign.html")]
struct CampaignPage {
    chrome: Chrome,
    campaign: Campaign,
    leaders: Vec<LeaderRow>,
    groups: Vec<(&'static str, &'static str)>,
    without_link: usize,
    editable: bool,
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn campaign(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> AppResult<CampaignPage> {
    signed_in.require_admin()?;
    let store = &state.app.store;
    let campaign = store.campaign(CampaignId(id)).await?;
    let leaders = store.campaign_leaders(campaign.id).await?;
    let progress = store.progress(campaign.id).await?;
    let invitations = store.invitations(campaign.id, None).await?;
    let without_link = invitations.iter().filter(|i| !i.has_link).count();
    let mut by_leader: BTreeMap<_, Vec<Invitation>> = BTreeMap::new();
    for i in invitations {
        by_leader.entry(i.leader_id).or_default().push(i);
    }
    let rows = leaders
        .into_iter()
        .map(|leader| LeaderRow {
            groups: RaterGroup::ALL
                .into_iter()
                .filter_map(|g| {
                    progress
                        .iter()
                        .find(|p| p.leader_id == leader.id && p.group == g)
                        .map(|p| (g.label(), p.invited, p.completed))
                })
                .collect(),
            invitations: by_leader.remove(&leader.id).unwrap_or_default(),
            leader,
        })
        .collect();
    Ok(CampaignPage {
        chrome: signed_in.chrome(),
        editable: campaign.status != CampaignStatus::Closed,
        campaign,
        leaders: rows,
        groups: INVITED_GROUPS
            .into_iter()
            .map(|g| (g.slug(), g.label()))
            .collect(),
        without_link,
    })
}

fn back_to(id: i64) -> Redirect {
    Redirect::to(&format!("/admin/campaigns/{id}"))
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn add_leader(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    post: FormPost,
) -> AppResult<Redirect> {
    post.signed_in.require_admin()?;
    campaigns::add_leader(&state.app, CampaignId(id), field(&post.fields, "email")).await?;
    Ok(back_to(id))
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn add_rater(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    FormPost {
        signed_in, fields, ..
    }: FormPost,
) -> AppResult<Redirect> {
    signed_in.require_admin()?;
    let leader = id_field(&fields, "leader_id")
        .map(PersonId)
        .ok_or_else(|| AppError::BadRequest("Choose a leader.".into()))?;
    let invitation = rater_from(&fields, CampaignId(id), leader, &INVITED_GROUPS)?;
    campaigns::add_rater(&state.app, invitation).await?;
    Ok(back_to(id))
}

/// Opens the campaign (`OPEN`) or closes it.
#[tracing::instrument(skip_all, fields(campaign = id, open = OPEN))]
async fn change_status<const OPEN: bool>(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    post: FormPost,
) -> AppResult<Redirect> {
    post.signed_in.require_admin()?;
    if OPEN {
        campaigns::open(&state.app, &post.actor, CampaignId(id)).await?;
    } else {
        campaigns::close(&state.app, &post.actor, CampaignId(id)).await?;
    }
    Ok(back_to(id))
}

/// One issued link.
pub struct LinkRow {
    leader: String,
    rater_name: String,
    rater_email: String,
    group: &'static str,
    url: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/links.html")]
struct LinksPage {
    chrome: Chrome,
    campaign: Campaign,
    links: Vec<LinkRow>,
}

/// Makes a CSV cell safe to open in a spreadsheet: quotes as needed and defuses formulas.
pub fn csv_cell(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn issue_links(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    post: FormPost,
) -> AppResult<Response> {
    let FormPost {
        signed_in,
        actor,
        fields,
    } = post;
    signed_in.require_admin()?;
    let reissue = field(&fields, "reissue") == "yes";
    let (campaign, issued) =
        campaigns::issue_links(&state.app, &actor, CampaignId(id), reissue, &state.base_url)
            .await?;
    let links: Vec<LinkRow> = issued
        .into_iter()
        .map(|link| LinkRow {
            leader: link.leader,
            rater_name: link.rater_name,
            rater_email: link.rater_email,
            group: link.group.label(),
            url: link.url,
        })
        .collect();
    if field(&fields, "format") == "csv" {
        let mut body = String::from("leader,rater_name,rater_email,group,link\n");
        for l in &links {
            body.push_str(&format!(
                "{},{},{},{},{}\n",
                csv_cell(&l.leader),
                csv_cell(&l.rater_name),
                csv_cell(&l.rater_email),
                csv_cell(l.group),
                csv_cell(&l.url)
            ));
        }
        let filename = format!("attachment; filename=\"campaign-{id}-links.csv\"");
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, filename),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            body,
        )
            .into_response());
    }
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        LinksPage {
            chrome: signed_in.chrome(),
            campaign,
            links,
        },
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1+2"), "'-1+2");
    }
}
