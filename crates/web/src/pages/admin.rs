//! The admin's pages: the organisation, imports and campaigns.

use super::Chrome;
use super::leader::{link_to_person, parse_rater};
use crate::AppState;
use crate::access::{Access, RouteSpec};
use crate::audit::{self, ClientAddress};
use crate::auth::{SignedIn, hash_token, now, random_token};
use crate::error::{AppError, AppResult};
use crate::forms::{field, id_field};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use trustloop_domain::campaign::{CampaignName, CampaignStatus, parse_deadline};
use trustloop_domain::instrument::Instrument;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::people::{Email, parse_people_csv};
use trustloop_domain::privacy::PrivacyRules;
use trustloop_storage::{
    Campaign, CampaignId, ImportJob, ImportStatus, Invitation, NewCampaign, PeopleQuery, Person,
};

pub(super) fn routes() -> Vec<RouteSpec> {
    let admin = |path| RouteSpec::new(path, Access::Admin);
    vec![
        admin("/admin").get(dashboard),
        admin("/admin/people").get(people),
        admin("/admin/people/import")
            .get(import_form)
            .post(upload_people)
            .body_limit(crate::MAX_UPLOAD_BYTES),
        admin("/admin/imports/{id}").get(import_status),
        admin("/admin/campaigns")
            .get(campaigns)
            .post(create_campaign),
        admin("/admin/campaigns/{id}").get(campaign),
        admin("/admin/campaigns/{id}/leaders").post(add_leader),
        admin("/admin/campaigns/{id}/raters").post(add_rater),
        admin("/admin/campaigns/{id}/open").post(open_campaign),
        admin("/admin/campaigns/{id}/close").post(close_campaign),
        admin("/admin/campaigns/{id}/links").post(issue_links),
        admin("/admin/campaigns/{id}/quality").get(quality),
        admin("/admin/campaigns/{id}/teams").get(team_heatmap),
        admin("/admin/audit").get(audit_log),
    ]
}

/// The page size of the people list.
const PEOPLE_PAGE: u64 = 50;

#[derive(Template, WebTemplate)]
#[template(path = "admin/dashboard.html")]
struct Dashboard {
    chrome: Chrome,
    people: u64,
    campaigns: Vec<Campaign>,
}

async fn dashboard(State(state): State<AppState>, signed_in: SignedIn) -> AppResult<Dashboard> {
    signed_in.require_admin()?;
    let (_, people) = state
        .store
        .people(&PeopleQuery {
            limit: 0,
            ..PeopleQuery::default()
        })
        .await?;
    Ok(Dashboard {
        chrome: Chrome::for_user(&signed_in),
        people,
        campaigns: state.store.campaigns().await?,
    })
}

#[derive(Deserialize)]
struct PeopleParams {
    q: Option<String>,
    page: Option<u64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/people.html")]
struct PeoplePage {
    chrome: Chrome,
    people: Vec<Person>,
    total: u64,
    q: String,
    page: u64,
    pages: u64,
}

async fn people(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(params): Query<PeopleParams>,
) -> AppResult<PeoplePage> {
    signed_in.require_admin()?;
    let q = params.q.unwrap_or_default().trim().to_string();
    let page = params.page.unwrap_or(1).max(1);
    let (people, total) = state
        .store
        .people(&PeopleQuery {
            search: (!q.is_empty()).then(|| q.clone()),
            offset: (page - 1) * PEOPLE_PAGE,
            limit: PEOPLE_PAGE,
        })
        .await?;
    Ok(PeoplePage {
        chrome: Chrome::for_user(&signed_in),
        people,
        total,
        q,
        page,
        pages: total.div_ceil(PEOPLE_PAGE).max(1),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/import.html")]
struct ImportForm {
    chrome: Chrome,
    error: Option<String>,
}

async fn import_form(signed_in: SignedIn) -> AppResult<ImportForm> {
    signed_in.require_admin()?;
    Ok(ImportForm {
        chrome: Chrome::for_user(&signed_in),
        error: None,
    })
}

async fn upload_people(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    mut multipart: Multipart,
) -> AppResult<Response> {
    signed_in.require_admin()?;
    let mut fields = Vec::new();
    let mut file: Option<Vec<u8>> = None;
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("The upload could not be read: {e}")))?
    {
        let name = part.name().unwrap_or_default().to_string();
        let bytes = part
            .bytes()
            .await
            .map_err(|e| AppError::BadRequest(format!("The upload could not be read: {e}")))?;
        if name == "file" {
            file = Some(bytes.to_vec());
        } else {
            fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    signed_in.check_csrf(&fields)?;
    let Some(file) = file.filter(|f| !f.is_empty()) else {
        return Ok((
            StatusCode::BAD_REQUEST,
            ImportForm {
                chrome: Chrome::for_user(&signed_in),
                error: Some("Choose a CSV file to import.".into()),
            },
        )
            .into_response());
    };
    let id = state.store.create_import_job(now()).await?;
    audit::record(
        &state,
        &signed_in.user.email,
        "people_import_started",
        &format!("import {id}"),
        &address,
        &format!("{} bytes", file.len()),
    )
    .await?;
    let store = state.store.clone();
    tokio::spawn(async move { run_import(store, id, file).await });
    Ok(Redirect::to(&format!("/admin/imports/{id}")).into_response())
}

/// Runs an uploaded import in the background, recording progress in the database so that any
/// server can show it: first the rows checked, then the rows saved.
async fn run_import(store: trustloop_storage::DynStore, id: i64, file: Vec<u8>) {
    let total_rows = bytecount_lines(&file);
    let (progress, mut watched) = tokio::sync::watch::channel(("Checking the file…", 0u64));
    let reporter = {
        let store = store.clone();
        tokio::spawn(async move {
            // Writes the latest progress at most about five times a second until the work ends.
            while watched.changed().await.is_ok() {
                let (message, processed) = *watched.borrow_and_update();
                let job = ImportJob {
                    id,
                    status: ImportStatus::Running,
                    total_rows,
                    processed,
                    message: message.into(),
                    problems: Vec::new(),
                };
                if let Err(e) = store.update_import_job(&job).await {
                    tracing::warn!(error = %e, job = id, "import progress not recorded");
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        })
    };
    let outcome = import_file(&store, id, file, progress).await;
    let _ = reporter.await;
    let mut job = ImportJob {
        id,
        status: ImportStatus::Failed,
        total_rows,
        processed: 0,
        message: String::new(),
        problems: Vec::new(),
    };
    match outcome {
        Ok(Ok((rows, summary))) => {
            job.status = ImportStatus::Done;
            job.total_rows = rows;
            job.processed = rows;
            job.message = format!(
                "Imported {rows} people: {} added, {} updated, {} new teams.",
                summary.added, summary.updated, summary.teams_created
            );
        }
        Ok(Err((message, problems))) => {
            job.message = message;
            job.problems = problems;
        }
        Err(e) => {
            tracing::error!(error = ?e, job = id, "import failed");
            job.message =
                "The import failed on our side; nothing was imported. Please try again.".into();
        }
    }
    if let Err(e) = store.update_import_job(&job).await {
        tracing::error!(error = %e, job = id, "import result not recorded");
    }
}

/// The outcome of an import the user can act on: rows imported and what changed, or why the
/// file was refused and its problems.
type ImportOutcome = Result<(u64, trustloop_storage::ImportSummary), (String, Vec<String>)>;

async fn import_file(
    store: &trustloop_storage::DynStore,
    job_id: i64,
    file: Vec<u8>,
    progress: tokio::sync::watch::Sender<(&'static str, u64)>,
) -> Result<ImportOutcome, trustloop_storage::StoreError> {
    let known = store.known_emails().await?;
    let checking = progress.clone();
    let parsed = tokio::task::spawn_blocking(move || {
        parse_people_csv(
            file.as_slice(),
            |e: &Email| known.contains(e),
            |n| {
                checking.send_replace(("Checking rows…", n as u64));
            },
        )
    })
    .await
    .map_err(|e| trustloop_storage::StoreError::Corrupt(e.to_string()))?;
    let people = match parsed {
        Ok(people) => people,
        Err(refused) => {
            return Ok(Err((
                format!(
                    "The file has {} problem(s); nothing was imported.",
                    refused.total
                ),
                refused.problems.iter().map(ToString::to_string).collect(),
            )));
        }
    };
    // On SQLite the import's transaction keeps other writers waiting, progress records included:
    // say "Saving" before it starts, so the page does not sit on the last checked row.
    progress.send_replace(("Saving…", 0));
    store
        .update_import_job(&ImportJob {
            id: job_id,
            status: ImportStatus::Running,
            total_rows: people.rows.len() as u64,
            processed: 0,
            message: "Saving…".into(),
            problems: Vec::new(),
        })
        .await?;
    let saving = move |n: usize| {
        progress.send_replace(("Saving…", n as u64));
    };
    match store.import_people(&people, &saving).await {
        Ok(summary) => Ok(Ok((people.rows.len() as u64, summary))),
        Err(trustloop_storage::StoreError::Conflict(message)) => Ok(Err((message, Vec::new()))),
        Err(e) => Err(e),
    }
}

fn bytecount_lines(file: &[u8]) -> u64 {
    file.iter()
        .filter(|b| **b == b'\n')
        .count()
        .saturating_sub(1) as u64
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/import_status.html")]
struct ImportStatusPage {
    chrome: Chrome,
    job: ImportJob,
    running: bool,
    failed: bool,
}

async fn import_status(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> AppResult<ImportStatusPage> {
    signed_in.require_admin()?;
    let job = state.store.import_job(id).await?;
    Ok(ImportStatusPage {
        chrome: Chrome::for_user(&signed_in),
        running: job.status == ImportStatus::Running,
        failed: job.status == ImportStatus::Failed,
        job,
    })
}

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
    let default_deadline = super::survey::today() + time::Duration::days(21);
    Ok(CampaignsPage {
        chrome: Chrome::for_user(&signed_in),
        campaigns: state.store.campaigns().await?,
        error: None,
        name: String::new(),
        deadline: default_deadline.to_string(),
        rules: PrivacyRules::default(),
    })
}

fn parse_threshold(fields: &[(String, String)], name: &str, default: u32) -> Result<u32, String> {
    match field(fields, name) {
        "" => Ok(default),
        text => text
            .parse()
            .map_err(|_| format!("{text:?} is not a whole number.")),
    }
}

async fn create_campaign(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    signed_in.require_admin()?;
    signed_in.check_csrf(&fields)?;
    let defaults = PrivacyRules::default();
    let parsed = (|| {
        let name = CampaignName::parse(field(&fields, "name"))?;
        let deadline = parse_deadline(field(&fields, "deadline"), super::survey::today())?;
        let rules = PrivacyRules::new(
            parse_threshold(&fields, "min_rater_group", defaults.min_rater_group)?,
            parse_threshold(&fields, "min_team", defaults.min_team)?,
            parse_threshold(&fields, "min_segment", defaults.min_segment)?,
            parse_threshold(&fields, "min_comments", defaults.min_comments)?,
        )
        .map_err(|e| e.to_string())?;
        Ok::<_, String>((name, deadline, rules))
    })();
    match parsed {
        Ok((name, deadline, rules)) => {
            let id = state
                .store
                .create_campaign(&NewCampaign {
                    name: name.as_str().to_string(),
                    instrument_version: Instrument::current().version,
                    deadline,
                    rules,
                    created_on: super::survey::today(),
                })
                .await?;
            Ok(Redirect::to(&format!("/admin/campaigns/{id}")).into_response())
        }
        Err(error) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            CampaignsPage {
                chrome: Chrome::for_user(&signed_in),
                campaigns: state.store.campaigns().await?,
                error: Some(error),
                name: field(&fields, "name").to_string(),
                deadline: field(&fields, "deadline").to_string(),
                rules: defaults,
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

async fn campaign(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> AppResult<CampaignPage> {
    signed_in.require_admin()?;
    let campaign = state.store.campaign(CampaignId(id)).await?;
    let leaders = state.store.campaign_leaders(campaign.id).await?;
    let progress = state.store.progress(campaign.id).await?;
    let invitations = state.store.invitations(campaign.id, None).await?;
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
        chrome: Chrome::for_user(&signed_in),
        editable: campaign.status != CampaignStatus::Closed,
        campaign,
        leaders: rows,
        groups: [
            RaterGroup::Manager,
            RaterGroup::Peer,
            RaterGroup::DirectReport,
            RaterGroup::Other,
        ]
        .into_iter()
        .map(|g| (g.slug(), g.label()))
        .collect(),
        without_link,
    })
}

fn back_to(id: i64) -> Redirect {
    Redirect::to(&format!("/admin/campaigns/{id}"))
}

async fn add_leader(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Redirect> {
    signed_in.require_admin()?;
    signed_in.check_csrf(&fields)?;
    let email = Email::parse(field(&fields, "email"))
        .map_err(|e| AppError::BadRequest(format!("Enter the leader's email: {e}.")))?;
    let person = state.store.person_by_email(&email).await?.ok_or_else(|| {
        AppError::BadRequest(format!(
            "Nobody with the email {email} is in the organisation. Import them first."
        ))
    })?;
    state.store.add_leader(CampaignId(id), person.id).await?;
    Ok(back_to(id))
}

async fn add_rater(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Redirect> {
    signed_in.require_admin()?;
    signed_in.check_csrf(&fields)?;
    let leader = trustloop_storage::PersonId(id_field(&fields, "leader_id", "leader")?);
    let invitation = parse_rater(
        &fields,
        CampaignId(id),
        leader,
        &[
            RaterGroup::Manager,
            RaterGroup::Peer,
            RaterGroup::DirectReport,
            RaterGroup::Other,
        ],
    )?;
    let invitation = link_to_person(&state, invitation).await?;
    state.store.add_invitation(&invitation).await?;
    Ok(back_to(id))
}

/// Moves a campaign to `status` and records it in the audit log.
async fn change_status(
    state: &AppState,
    address: &ClientAddress,
    signed_in: &SignedIn,
    id: i64,
    status: CampaignStatus,
) -> AppResult<Redirect> {
    state
        .store
        .set_campaign_status(CampaignId(id), status)
        .await?;
    let action = format!(
        "campaign_{}",
        if status == CampaignStatus::Open {
            "opened"
        } else {
            "closed"
        }
    );
    audit::record(
        state,
        &signed_in.user.email,
        &action,
        &format!("campaign {id}"),
        address,
        "",
    )
    .await?;
    Ok(back_to(id))
}

async fn open_campaign(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Redirect> {
    signed_in.require_admin()?;
    signed_in.check_csrf(&fields)?;
    let campaign = state.store.campaign(CampaignId(id)).await?;
    if campaign.deadline < super::survey::today() {
        return Err(AppError::Conflict(format!(
            "The deadline {} has passed; a campaign cannot open after its deadline.",
            campaign.deadline
        )));
    }
    change_status(&state, &address, &signed_in, id, CampaignStatus::Open).await
}

async fn close_campaign(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Redirect> {
    signed_in.require_admin()?;
    signed_in.check_csrf(&fields)?;
    change_status(&state, &address, &signed_in, id, CampaignStatus::Closed).await
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

async fn issue_links(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    signed_in.require_admin()?;
    signed_in.check_csrf(&fields)?;
    let campaign = state.store.campaign(CampaignId(id)).await?;
    if campaign.status == CampaignStatus::Closed {
        return Err(AppError::Conflict(
            "The campaign is closed; no links are needed.".into(),
        ));
    }
    let reissue = field(&fields, "reissue") == "yes";
    let issued = state
        .store
        .issue_links(campaign.id, reissue, &|| {
            let token = random_token();
            let hash = hash_token(&token);
            (token, hash)
        })
        .await?;
    audit::record(
        &state,
        &signed_in.user.email,
        "links_issued",
        &format!("campaign {id}"),
        &address,
        &format!(
            "{} link(s){}",
            issued.len(),
            if reissue {
                ", replacing unanswered ones"
            } else {
                ""
            }
        ),
    )
    .await?;
    let leaders = state.store.campaign_leaders(campaign.id).await?;
    let leader_name = |id| {
        leaders
            .iter()
            .find(|l| l.id == id)
            .map_or(String::new(), |l| l.name.clone())
    };
    let links: Vec<LinkRow> = issued
        .into_iter()
        .map(|(invitation, token)| LinkRow {
            leader: leader_name(invitation.leader_id),
            rater_name: invitation.rater_name,
            rater_email: invitation.rater_email,
            group: invitation.group.label(),
            url: format!("{}/s/{token}", state.base_url),
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
            chrome: Chrome::for_user(&signed_in),
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

#[derive(Deserialize)]
struct AuditParams {
    before: Option<i64>,
}

/// One audit event as shown.
pub struct AuditRow {
    id: i64,
    at: String,
    actor: String,
    action: String,
    target: String,
    address: String,
    detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    chrome: Chrome,
    events: Vec<AuditRow>,
    older: Option<i64>,
}

/// The page size of the audit log.
const AUDIT_PAGE: u32 = 100;

async fn audit_log(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(params): Query<AuditParams>,
) -> AppResult<AuditPage> {
    signed_in.require_admin()?;
    let events = state.store.audit_events(AUDIT_PAGE, params.before).await?;
    let older = (events.len() == AUDIT_PAGE as usize)
        .then(|| events.last().map(|(id, _)| *id))
        .flatten();
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    Ok(AuditPage {
        chrome: Chrome::for_user(&signed_in),
        events: events
            .into_iter()
            .map(|(id, e)| AuditRow {
                id,
                at: time::OffsetDateTime::from_unix_timestamp(e.at)
                    .ok()
                    .and_then(|t| t.format(format).ok())
                    .unwrap_or_default(),
                actor: e.actor,
                action: e.action.replace('_', " "),
                target: e.target,
                address: e.address,
                detail: e.detail,
            })
            .collect(),
        older,
    })
}

/// A figure formatted to two decimals, or a dash.
fn two(value: Option<f64>) -> String {
    value.map_or("–".into(), |v| format!("{v:.2}"))
}

/// One element's consistency, formatted.
pub struct ElementRow {
    label: &'static str,
    n: usize,
    alpha: String,
    omega: String,
    items: Vec<(String, String)>,
    icc1: String,
    icc2: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/quality.html")]
struct QualityPage {
    chrome: Chrome,
    campaign: Campaign,
    quality: Option<(usize, usize)>,
    elements: Vec<ElementRow>,
    groups: Vec<(&'static str, usize, String, String)>,
    trust_icc: (String, String),
}

async fn quality(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> AppResult<QualityPage> {
    signed_in.require_admin()?;
    let campaign = state.store.campaign(CampaignId(id)).await?;
    if campaign.status != CampaignStatus::Closed {
        return Err(AppError::Conflict(
            "Measurement quality is computed once the campaign has closed.".into(),
        ));
    }
    let instrument = state.instrument(campaign.instrument_version).await?;
    let all = state.store.campaign_responses(campaign.id).await?;
    let assessed = trustloop_domain::quality::assess(&instrument, &all);
    let icc_of = |q: &trustloop_domain::quality::InstrumentQuality, element| {
        let icc = q
            .icc
            .iter()
            .find(|m| m.element == element)
            .and_then(|m| m.icc.as_ref());
        (two(icc.map(|i| i.icc1)), two(icc.and_then(|i| i.icc2)))
    };
    let (elements, groups, trust_icc) = match &assessed {
        Some(q) => (
            q.elements
                .iter()
                .map(|e| {
                    let (icc1, icc2) = icc_of(q, Some(e.element));
                    ElementRow {
                        label: e.element.label(),
                        n: e.complete_respondents,
                        alpha: two(e.alpha),
                        omega: two(e.omega),
                        items: e
                            .item_total
                            .iter()
                            .map(|(code, r)| {
                                let text = instrument
                                    .item(code)
                                    .map_or(code.clone(), |i| i.others_text.clone());
                                (text, two(*r))
                            })
                            .collect(),
                        icc1,
                        icc2,
                    }
                })
                .collect(),
            q.groups
                .iter()
                .map(|g| (g.group.label(), g.leaders, two(g.rwg_j), two(g.awg_j)))
                .collect(),
            icc_of(q, None),
        ),
        None => (Vec::new(), Vec::new(), ("–".into(), "–".into())),
    };
    Ok(QualityPage {
        chrome: Chrome::for_user(&signed_in),
        campaign,
        quality: assessed.as_ref().map(|q| (q.leaders, q.responses)),
        elements,
        groups,
        trust_icc,
    })
}

/// One heatmap row, formatted.
pub struct HeatRow {
    team: String,
    respondents: String,
    cells: Vec<(String, String)>,
    note: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/teams.html")]
struct TeamsPage {
    chrome: Chrome,
    campaign: Campaign,
    rows: Vec<HeatRow>,
    total: Option<HeatRow>,
    k: u32,
}

/// The heatmap of a closed campaign under its privacy rules, as the domain decided.
pub async fn campaign_heatmap(
    state: &AppState,
    campaign: &Campaign,
) -> AppResult<trustloop_domain::analytics::Heatmap<String>> {
    if campaign.status != CampaignStatus::Closed {
        return Err(AppError::Conflict(
            "Team results are shown once the campaign has closed, so that nobody can watch them change as answers arrive.".into(),
        ));
    }
    let totals: BTreeMap<String, trustloop_domain::analytics::TeamTotals> = state
        .store
        .team_totals(campaign.id)
        .await?
        .into_iter()
        .collect();
    Ok(trustloop_domain::analytics::heatmap(
        campaign.rules.min_team,
        &totals,
    ))
}

pub(super) fn heat_cell(mean: Option<f64>) -> (String, String) {
    match mean {
        // Five bands for the colour, so the table reads at a glance; the number is always shown.
        Some(m) => (
            format!("{m:.0}"),
            format!("heat{}", ((m / 20.0).floor() as i64).clamp(0, 4)),
        ),
        None => ("–".into(), "heat-none".into()),
    }
}

async fn team_heatmap(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> AppResult<TeamsPage> {
    signed_in.require_admin()?;
    let campaign = state.store.campaign(CampaignId(id)).await?;
    let map = campaign_heatmap(&state, &campaign).await?;
    audit::record(
        &state,
        &signed_in.user.email,
        "team_results_viewed",
        &format!("campaign {id}"),
        &address,
        "",
    )
    .await?;
    let rows = map
        .rows
        .iter()
        .map(|r| HeatRow {
            team: r.team.clone(),
            respondents: r.respondents.map_or("–".into(), |n| n.to_string()),
            cells: r.means.iter().map(|m| heat_cell(*m)).collect(),
            note: match r.hidden {
                Some(trustloop_domain::privacy::disclosure::Suppression::TooFew) => {
                    "too few answers to show"
                }
                Some(trustloop_domain::privacy::disclosure::Suppression::Complementary) => {
                    "hidden so that a smaller team cannot be worked out from the total"
                }
                None => "",
            },
        })
        .collect();
    let total = map.total.as_ref().map(|t| HeatRow {
        team: "Whole organisation".into(),
        respondents: t.respondents.map_or("–".into(), |n| n.to_string()),
        cells: t.means.iter().map(|m| heat_cell(*m)).collect(),
        note: "",
    });
    Ok(TeamsPage {
        chrome: Chrome::for_user(&signed_in),
        k: campaign.rules.min_team,
        campaign,
        rows,
        total,
    })
}
