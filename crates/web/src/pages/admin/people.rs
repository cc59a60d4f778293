//! The organisation's people: the list, and importing them from a file.

use crate::access::{Access, RouteSpec};
use crate::auth::SignedIn;
use crate::client::ClientAddress;
use crate::error::{AppError, AppResult};
use crate::extract::{Id, QueryPairs};
use crate::forms::UploadProblem;
use crate::layout::Chrome;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tracing::Instrument;
use trustloop_app::imports;
use trustloop_storage::{ImportJob, ImportStatus, PeopleQuery, Person};

pub(super) fn routes() -> Vec<RouteSpec> {
    let admin = |path| RouteSpec::new(path, Access::Admin);
    vec![
        admin("/admin/people").get(people),
        admin("/admin/people/import")
            .get(import_form)
            .post(upload_people)
            .body_limit(crate::forms::MAX_UPLOAD_BYTES),
        admin("/admin/imports/{id}").get(import_status),
        admin("/admin/people/template.csv").get(template_csv),
    ]
}

/// The page size of the people list.
const PEOPLE_PAGE: u64 = 50;

#[derive(Template, WebTemplate)]
#[template(path = "admin/people.html")]
pub(super) struct PeoplePage {
    chrome: Chrome,
    /// Why an invitation to sign in was refused.
    error: Option<String>,
    people: Vec<Person>,
    total: u64,
    q: String,
    page: u64,
    pages: u64,
}

async fn people(
    State(state): State<AppState>,
    signed_in: SignedIn,
    query: QueryPairs,
) -> AppResult<PeoplePage> {
    signed_in.require_admin()?;
    let q = query.get("q").unwrap_or_default().trim().to_string();
    let page = query.page("page")?;
    people_page(&state, &signed_in, q, page, None).await
}

/// Page `page` of the people whose name or email contains `q`, with `error` (a refused
/// invitation) above the list.
pub(super) async fn people_page(
    state: &AppState,
    signed_in: &SignedIn,
    q: String,
    page: u64,
    error: Option<String>,
) -> AppResult<PeoplePage> {
    let offset = (page - 1)
        .checked_mul(PEOPLE_PAGE)
        .ok_or_else(|| no_page(page))?;
    let (people, total) = state
        .app
        .store
        .people(&PeopleQuery {
            search: (!q.is_empty()).then(|| q.clone()),
            offset,
            limit: PEOPLE_PAGE,
        })
        .await?;
    if page > 1 && offset >= total {
        return Err(no_page(page));
    }
    Ok(PeoplePage {
        chrome: signed_in.chrome(),
        people,
        total,
        q,
        page,
        pages: total.div_ceil(PEOPLE_PAGE).max(1),
        error,
    })
}

/// A page of the list past its end.
fn no_page(page: u64) -> AppError {
    AppError::BadRequest(format!(
        "The list has no page {page}: go back to the first page."
    ))
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
        chrome: signed_in.chrome(),
        error: None,
    })
}

#[tracing::instrument(skip_all)]
async fn upload_people(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    mut multipart: Multipart,
) -> AppResult<Response> {
    signed_in.require_admin()?;
    let refused = |status: StatusCode, message: String| {
        (
            status,
            ImportForm {
                chrome: signed_in.chrome(),
                error: Some(message),
            },
        )
            .into_response()
    };
    let (fields, file) = match crate::forms::read_upload(&mut multipart).await {
        Ok(upload) => (upload.fields, upload.file),
        Err(UploadProblem::TooLarge) => {
            return Ok(refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "The file is larger than the {} an upload may be. Split it into smaller files, or import it on the server with `trustloop import people FILE`.",
                    crate::forms::size(crate::forms::MAX_UPLOAD_BYTES)
                ),
            ));
        }
        Err(UploadProblem::Unreadable) => {
            return Ok(refused(
                StatusCode::BAD_REQUEST,
                "The upload could not be read; choose the file and send it again.".into(),
            ));
        }
        Err(UploadProblem::NotUtf8) => {
            return Err(AppError::BadRequest(
                "The form holds text that is not UTF-8.".into(),
            ));
        }
    };
    signed_in.check_csrf(&fields)?;
    let file = match file {
        Some((name, bytes)) if bytes.is_empty() && !name.is_empty() => {
            return Ok(refused(
                StatusCode::BAD_REQUEST,
                format!(
                    "The file {name} is empty: export the people list again, with its header line (name,email,manager_email,team) and a line per person."
                ),
            ));
        }
        Some((_, bytes)) if !bytes.is_empty() => bytes,
        _ => {
            return Ok(refused(
                StatusCode::BAD_REQUEST,
                "Choose a CSV file to import.".into(),
            ));
        }
    };
    let id = imports::start(&state.app).await?;
    state
        .app
        .audit(
            &address.actor(&signed_in.user.email),
            "people_import_started",
            &format!("import {id}"),
            &format!("{} bytes", file.len()),
        )
        .await?;
    // The job records its own progress and outcome, which the status page shows; it keeps the
    // span of the request that started it, so its log lines name that request.
    let job = imports::run(state.app.clone(), id, file, |_| {});
    tokio::spawn(job.in_current_span());
    Ok(Redirect::to(&format!("/admin/imports/{id}")).into_response())
}

/// A people file to fill in: the header the import reads and two example lines (a manager and
/// someone reporting to her), which import as they are.
pub const PEOPLE_TEMPLATE: &str = "name,email,manager_email,team,location,function\n\
Dana Director,dana@example.org,,Leadership,London,Management\n\
Lee Leader,lee@example.org,dana@example.org,Platform,London,Engineering\n";

/// The people file template, as a download.
async fn template_csv(signed_in: SignedIn) -> AppResult<Response> {
    signed_in.require_admin()?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"people-template.csv\"",
            ),
        ],
        PEOPLE_TEMPLATE,
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/import_status.html")]
struct ImportStatusPage {
    chrome: Chrome,
    job: ImportJob,
    running: bool,
    failed: bool,
}

#[tracing::instrument(skip_all, fields(job = id))]
async fn import_status(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Id(id): Id,
) -> AppResult<ImportStatusPage> {
    signed_in.require_admin()?;
    let job = state.app.store.import_job(id).await?;
    Ok(ImportStatusPage {
        chrome: signed_in.chrome(),
        running: job.status == ImportStatus::Running,
        failed: job.status == ImportStatus::Failed,
        job,
    })
}
