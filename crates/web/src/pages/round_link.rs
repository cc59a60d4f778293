//! Answering a round of a pulse by its single-use link, or signed in on one's own page: the
//! same four pages for the team pulse (`/p/{token}`, `/me/pulse/{id}`) and the recovery pulse
//! after a breach (`/recovery/{token}`, `/me/recovery/{id}`). Each kind of link says how it is
//! found, when it cannot be answered, and how its form is shown and taken ([`RoundLink`]).

use super::survey::message_page as message;
use crate::auth::{FormPost, SignedIn, hash_token};
use crate::error::{AppError, AppResult};
use crate::extract::Id;
use crate::layout::Chrome;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::future::Future;
use trustloop_app::pulse::Answered;
use trustloop_app::today;
use trustloop_domain::rating::FieldError;
use trustloop_storage::PersonId;

/// What a link's pages say when it cannot be answered.
pub(super) struct LinkWords {
    /// An unknown token.
    pub not_found: &'static str,
    /// A link used before.
    pub answered: &'static str,
    /// After "This round took answers until …": what comes next.
    pub next_round: &'static str,
}

/// A person's link to one round of a pulse.
pub(super) trait RoundLink: Sized + Send + Sync + 'static {
    /// The address of a link by its token, without the token (`/p`).
    const BY_TOKEN: &'static str;
    /// The address of the signed-in person's own link, without its id (`/me/pulse`).
    const OWN: &'static str;
    /// What a link that is not found is called.
    const NAME: &'static str;
    /// What the pages say when it cannot be answered.
    const WORDS: LinkWords;

    /// The link's id.
    fn id(&self) -> i64;
    /// Whether it was answered.
    fn answered(&self) -> bool;
    /// Whether its round is open.
    fn round_open(&self) -> bool;
    /// The round's last day.
    fn closes(&self) -> time::Date;
    /// The link whose token hashes to `hash`.
    fn by_hash(
        state: &AppState,
        hash: String,
    ) -> impl Future<Output = AppResult<Option<Self>>> + Send;
    /// `person`'s links to open rounds.
    fn open_for(
        state: &AppState,
        person: PersonId,
    ) -> impl Future<Output = AppResult<Vec<Self>>> + Send;
    /// The form posting to `action`, with what was `sent` and the `problems` found in it.
    fn page(
        &self,
        chrome: Chrome,
        action: String,
        sent: &[(String, String)],
        problems: &[FieldError],
    ) -> AppResult<Response>;
    /// Checks and stores a form.
    fn submit(
        &self,
        state: &AppState,
        fields: &[(String, String)],
    ) -> impl Future<Output = trustloop_app::Result<Answered>> + Send;
    /// What the respondent is told once their answer is stored.
    fn thanks(&self) -> &'static str;
}

/// The page for a link that cannot be answered now (unknown, used, closed), if so.
fn unavailable<L: RoundLink>(link: Option<&L>, chrome: Chrome) -> Option<Response> {
    let words = L::WORDS;
    match link {
        None => Some(message(
            StatusCode::NOT_FOUND,
            chrome,
            "Link not found",
            words.not_found,
        )),
        Some(l) if l.answered() => Some(message(
            StatusCode::CONFLICT,
            chrome,
            "Already answered",
            words.answered,
        )),
        Some(l) if !l.round_open() || today() > l.closes() => Some(message(
            StatusCode::CONFLICT,
            chrome,
            "This round has closed",
            &format!(
                "This round took answers until {}. {}",
                l.closes(),
                words.next_round
            ),
        )),
        Some(_) => None,
    }
}

/// Stores a form for `link`, or shows it again with what is wrong.
async fn take<L: RoundLink>(
    link: &L,
    state: &AppState,
    chrome: Chrome,
    action: String,
    fields: &[(String, String)],
) -> AppResult<Response> {
    match link.submit(state, fields).await {
        Ok(Answered::Stored) => Ok(message(StatusCode::OK, chrome, "Thank you", link.thanks())),
        Ok(Answered::Invalid(problems)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            link.page(chrome, action, fields, &problems)?,
        )
            .into_response()),
        Err(trustloop_app::Error::Conflict(reason)) => {
            Ok(message(StatusCode::CONFLICT, chrome, "Not stored", &reason))
        }
        Err(e) => Err(e.into()),
    }
}

/// The link a token opens, if it is one.
async fn by_token<L: RoundLink>(state: &AppState, token: &str) -> AppResult<Option<L>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    L::by_hash(state, hash_token(token)).await
}

/// The signed-in person's own link `id` to an open round; anyone else's is "not found".
async fn own_link<L: RoundLink>(state: &AppState, signed_in: &SignedIn, id: i64) -> AppResult<L> {
    let me = signed_in
        .user
        .person_id
        .ok_or(AppError::NotFound(L::NAME))?;
    L::open_for(state, me)
        .await?
        .into_iter()
        .find(|l| l.id() == id)
        .ok_or(AppError::NotFound(L::NAME))
}

/// The form of the link a token opens.
#[tracing::instrument(skip_all)]
pub(super) async fn open_link<L: RoundLink>(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let link = by_token::<L>(&state, &token).await?;
    if let Some(page) = unavailable::<L>(link.as_ref(), Chrome::default()) {
        return Ok(page);
    }
    let link = link.ok_or(AppError::NotFound(L::NAME))?;
    link.page(
        Chrome::default(),
        format!("{}/{token}", L::BY_TOKEN),
        &[],
        &[],
    )
}

/// A form sent to the link a token opens.
#[tracing::instrument(skip_all)]
pub(super) async fn answer_link<L: RoundLink>(
    State(state): State<AppState>,
    Path(token): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let link = by_token::<L>(&state, &token).await?;
    if let Some(page) = unavailable::<L>(link.as_ref(), Chrome::default()) {
        return Ok(page);
    }
    let link = link.ok_or(AppError::NotFound(L::NAME))?;
    let action = format!("{}/{token}", L::BY_TOKEN);
    take(&link, &state, Chrome::default(), action, &fields).await
}

/// The form of the signed-in person's own link.
#[tracing::instrument(skip_all)]
pub(super) async fn own_form<L: RoundLink>(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Id(id): Id,
) -> AppResult<Response> {
    let link = own_link::<L>(&state, &signed_in, id).await?;
    if let Some(page) = unavailable::<L>(Some(&link), signed_in.chrome()) {
        return Ok(page);
    }
    link.page(signed_in.chrome(), format!("{}/{id}", L::OWN), &[], &[])
}

/// A form sent to the signed-in person's own link.
#[tracing::instrument(skip_all)]
pub(super) async fn own_answer<L: RoundLink>(
    State(state): State<AppState>,
    Id(id): Id,
    post: FormPost,
) -> AppResult<Response> {
    let link = own_link::<L>(&state, &post.signed_in, id).await?;
    if let Some(page) = unavailable::<L>(Some(&link), post.signed_in.chrome()) {
        return Ok(page);
    }
    let action = format!("{}/{id}", L::OWN);
    take(&link, &state, post.signed_in.chrome(), action, &post.fields).await
}
