//! The survey a rater opens from their link, and the same form for a leader's self-assessment.

use crate::access::{Access, RouteSpec};
use crate::auth::hash_token;
use crate::error::{AppError, AppResult};
use crate::extract::Fields;
use crate::layout::Chrome;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use trustloop_app::today;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::model::{Element, RaterGroup};
use trustloop_domain::privacy::PrivacyRules;
use trustloop_domain::rating::{self, CANT_SAY_VALUE, CheckedForm, FieldError, SurveyAnswers};
use trustloop_storage::{IntakeOutcome, Refusal, StoreError, SurveyInvitation};

pub(super) fn routes() -> Vec<RouteSpec> {
    vec![
        RouteSpec::new("/s/{token}", Access::Rater)
            .get(open_survey)
            .post(submit_survey),
        RouteSpec::new("/thanks", Access::Public).get(thanks),
        RouteSpec::new("/privacy", Access::Public).get(privacy),
    ]
}

/// One rated statement on the form.
pub struct SurveyItem {
    code: String,
    field: String,
    text: String,
    selected: String,
    error: Option<String>,
}

/// A group of statements (one element, or overall trust).
pub struct SurveySection {
    title: &'static str,
    items: Vec<SurveyItem>,
}

/// One open question on the form.
pub struct SurveyQuestion {
    code: String,
    field: String,
    prompt: String,
    value: String,
    error: Option<String>,
}

/// The survey form.
#[derive(Template, WebTemplate)]
#[template(path = "survey.html")]
pub struct SurveyPage {
    chrome: Chrome,
    action: String,
    leader_name: String,
    is_self: bool,
    group_label: &'static str,
    identified: bool,
    campaign_name: String,
    deadline: String,
    rules: PrivacyRules,
    sections: Vec<SurveySection>,
    points: Vec<(u8, String)>,
    cant_say_label: String,
    cant_say_value: &'static str,
    questions: Vec<SurveyQuestion>,
    errors: Vec<(String, String)>,
    max_comment: usize,
}

/// A page with a title and a message, for the states a link can be in.
#[derive(Template, WebTemplate)]
#[template(path = "message.html")]
pub struct MessagePage {
    /// The header.
    pub chrome: Chrome,
    /// The title.
    pub title: String,
    /// The message.
    pub message: String,
}

/// Builds the survey form, filled with what was sent and the problems found, if any.
pub fn survey_page(
    chrome: Chrome,
    action: String,
    invitation: &SurveyInvitation,
    instrument: &Instrument,
    sent: &[(String, String)],
    problems: &[FieldError],
) -> SurveyPage {
    let is_self = invitation.group == RaterGroup::SelfRating;
    let value_of = |name: &str| crate::forms::field(sent, name).to_string();
    let error_of = |code: &str| {
        problems
            .iter()
            .find(|p| p.code == code)
            .map(|p| p.message.clone())
    };
    let make_item = |item: &trustloop_domain::instrument::Item| SurveyItem {
        code: item.code.clone(),
        field: rating::item_field(&item.code),
        text: if is_self {
            item.self_text.clone()
        } else {
            item.others_text.clone()
        },
        selected: value_of(&rating::item_field(&item.code)),
        error: error_of(&item.code),
    };
    let mut sections: Vec<SurveySection> = Element::ALL
        .into_iter()
        .map(|e| SurveySection {
            title: e.label(),
            items: instrument.items_for(e).map(make_item).collect(),
        })
        .collect();
    sections.push(SurveySection {
        title: "Overall",
        items: instrument.overall_items().map(make_item).collect(),
    });
    let questions = instrument
        .open_questions
        .iter()
        .map(|q| SurveyQuestion {
            code: q.code.clone(),
            field: rating::comment_field(&q.code),
            prompt: if is_self {
                q.prompt.replace("this person", "you")
            } else {
                q.prompt.clone()
            },
            value: value_of(&rating::comment_field(&q.code)),
            error: error_of(&q.code),
        })
        .collect();
    // Each summary line names its question, so that a list of links read aloud makes sense.
    let errors = problems
        .iter()
        .map(|p| match instrument.item(&p.code) {
            Some(item) => {
                let text = if is_self {
                    &item.self_text
                } else {
                    &item.others_text
                };
                (
                    format!("q-{}", p.code),
                    format!("\u{201c}{text}\u{201d}: {}", p.message),
                )
            }
            None => {
                let prompt = instrument
                    .open_questions
                    .iter()
                    .find(|q| q.code == p.code)
                    .map_or(String::new(), |q| q.prompt.clone());
                (format!("c-{}", p.code), format!("{prompt} {}", p.message))
            }
        })
        .collect();
    SurveyPage {
        chrome,
        action,
        leader_name: invitation.leader_name.clone(),
        is_self,
        group_label: invitation.group.one_member(),
        identified: invitation.group.is_identified(),
        campaign_name: invitation.campaign.name.clone(),
        deadline: invitation.campaign.deadline.to_string(),
        rules: invitation.campaign.rules,
        sections,
        points: scale_points(instrument),
        cant_say_label: instrument.scale.cant_say.clone(),
        cant_say_value: CANT_SAY_VALUE,
        questions,
        errors,
        max_comment: rating::MAX_COMMENT_CHARS,
    }
}

/// The points of an instrument's scale with their labels, as a form lists them.
pub(super) fn scale_points(instrument: &Instrument) -> Vec<(u8, String)> {
    instrument
        .scale
        .points()
        .map(|(p, l)| (p, l.to_string()))
        .collect()
}

fn message(status: StatusCode, title: &str, message: &str) -> Response {
    message_page(status, Chrome::default(), title, message)
}

/// A page with a title and a message under `chrome`, answered with `status`.
pub(super) fn message_page(
    status: StatusCode,
    chrome: Chrome,
    title: &str,
    text: &str,
) -> Response {
    (
        status,
        MessagePage {
            chrome,
            title: title.into(),
            message: text.into(),
        },
    )
        .into_response()
}

/// Why an invitation cannot be answered now, as a page; `None` when it can.
pub fn unavailable(invitation: &SurveyInvitation) -> Option<Response> {
    invitation.refusal(today()).map(refusal_page)
}

/// The page that says why an answer to a link was not taken.
fn refusal_page(refusal: Refusal) -> Response {
    match refusal {
        Refusal::UnknownLink => invalid_link(),
        Refusal::AlreadyAnswered => message(
            StatusCode::GONE,
            "Already answered",
            "This survey has already been answered, so it cannot be answered again. Thank you for taking part.",
        ),
        Refusal::CampaignNotOpen(CampaignStatus::Draft) => message(
            StatusCode::CONFLICT,
            "Not open yet",
            "This survey has not opened yet. Please use the link again once it opens.",
        ),
        Refusal::CampaignNotOpen(_) => message(
            StatusCode::GONE,
            "This survey has closed",
            "The survey has closed and no longer accepts answers.",
        ),
        Refusal::PastDeadline => message(
            StatusCode::GONE,
            "The deadline has passed",
            "The deadline for this survey has passed and it no longer accepts answers.",
        ),
    }
}

fn invalid_link() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "This link does not work",
        "This survey link is not valid. It may have been mistyped, or replaced by a newer link. Please check the message you received, or ask whoever sent it for a new link.",
    )
}

/// Whether `token` looks like a link's token (64 hexadecimal digits).
fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn invitation_for(state: &AppState, token: &str) -> AppResult<Option<SurveyInvitation>> {
    if !well_formed(token) {
        return Ok(None);
    }
    Ok(state
        .app
        .store
        .invitation_by_token(&hash_token(token))
        .await?)
}

async fn open_survey(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let Some(invitation) = invitation_for(&state, &token).await? else {
        return Ok(invalid_link());
    };
    // Whether a link has been used is shown to nobody, not even to whoever holds it: a used
    // link opens the same survey as an unused one (see `submit_survey`).
    let campaign = &invitation.campaign;
    if let Some(refusal) = Refusal::of(false, campaign.status, campaign.deadline, today()) {
        return Ok(refusal_page(refusal));
    }
    let instrument = state
        .app
        .instrument(invitation.campaign.instrument_version)
        .await?;
    Ok(survey_page(
        Chrome::default(),
        format!("/s/{token}"),
        &invitation,
        &instrument,
        &[],
        &[],
    )
    .into_response())
}

/// Validates and stores a submitted survey; the answer page on success, the form with its
/// problems otherwise.
pub async fn accept_answers(
    state: &AppState,
    chrome: Chrome,
    action: String,
    invitation: &SurveyInvitation,
    fields: &[(String, String)],
    done: &str,
) -> AppResult<Response> {
    if let Some(page) = unavailable(invitation) {
        return Ok(page);
    }
    let instrument = state
        .app
        .instrument(invitation.campaign.instrument_version)
        .await?;
    let answers = match SurveyAnswers::parse(&instrument, fields) {
        Ok(a) => a,
        Err(problems) => {
            let page = survey_page(chrome, action, invitation, &instrument, fields, &problems);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    match state
        .app
        .store
        .submit_response(invitation.id, &answers, today())
        .await
    {
        Ok(()) => Ok(Redirect::to(done).into_response()),
        Err(StoreError::Conflict(_)) => {
            // Answered or closed between showing the form and submitting it.
            Ok(message(
                StatusCode::GONE,
                "Already answered",
                "This survey has already been answered or has closed, so these answers were not stored.",
            ))
        }
        Err(e) => Err(AppError::from(e)),
    }
}

async fn submit_survey(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Fields(fields): Fields,
) -> AppResult<Response> {
    if !well_formed(&token) {
        return Ok(invalid_link());
    }
    // Checked here, on the request's task, against every instrument version the store knows;
    // the intake finds the link's invitation together with the other answers arriving at the
    // same time and says what became of the form, with what its page needs.
    let instruments = state.app.store.known_instruments();
    let form = CheckedForm::check(instruments.iter().map(AsRef::as_ref), &fields);
    let outcome = state
        .app
        .store
        .submit_form(&hash_token(&token), form, today())
        .await?;
    Ok(match outcome {
        // A second answer to a used link is not stored, and its sender is thanked as the
        // first was: the page must not tell whoever holds a link whether it was used.
        IntakeOutcome::Stored | IntakeOutcome::Refused(Refusal::AlreadyAnswered) => {
            Redirect::to("/thanks").into_response()
        }
        IntakeOutcome::Refused(refusal) => refusal_page(refusal),
        IntakeOutcome::Invalid {
            invitation,
            instrument,
            errors,
        } => {
            let page = survey_page(
                Chrome::default(),
                format!("/s/{token}"),
                &invitation,
                &instrument,
                &fields,
                &errors,
            );
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
    })
}

async fn thanks() -> MessagePage {
    MessagePage {
        chrome: Chrome::default(),
        title: "Thank you".into(),
        message: "Thank you for taking part. Your answers are combined with other people's and never shown on their own. Each link counts once: if it had been used before, the answers sent first are the ones kept. You can close this page.".into(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    chrome: Chrome,
}

async fn privacy() -> PrivacyPage {
    PrivacyPage {
        chrome: Chrome::default(),
    }
}
