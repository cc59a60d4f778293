//! The recovery pulse for the people a breach affected: answering a round by its single-use
//! link or on one's own page, and one's own answers to named pulses. A named pulse (fewer
//! than k affected) says so before the questions, and stores nothing unless the respondent
//! ticks that they read it.

use super::super::pulse::{PulseItem, form_items};
use super::super::round_link::{
    LinkWords, RoundLink, answer_link, open_link, own_answer, own_form,
};
use super::super::survey::scale_points;
use crate::access::{Access, RouteSpec};
use crate::auth::SignedIn;
use crate::error::AppResult;
use crate::layout::Chrome;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use trustloop_app::pulse::Answered;
use trustloop_app::repair::{self as uses, NAMED_CONSENT};
use trustloop_app::today;
use trustloop_domain::pulse::PulseMeasure;
use trustloop_domain::rating::{CANT_SAY_VALUE, FieldError};
use trustloop_domain::repair::recovery::RecoveryMode;
use trustloop_storage::{PersonId, RecoveryInvitation, RoundStatus};

pub(super) fn routes() -> Vec<RouteSpec> {
    vec![
        RouteSpec::new("/me/recovery", Access::SignedIn).get(mine),
        RouteSpec::new("/me/recovery/{id}", Access::SignedIn)
            .get(own_form::<RecoveryInvitation>)
            .post(own_answer::<RecoveryInvitation>),
        RouteSpec::new("/recovery/{token}", Access::Rater)
            .get(open_link::<RecoveryInvitation>)
            .post(answer_link::<RecoveryInvitation>),
    ]
}

/// The recovery pulse's form.
#[derive(Template, WebTemplate)]
#[template(path = "recovery_answer.html")]
struct AnswerPage {
    chrome: Chrome,
    action: String,
    leader_name: String,
    closes: String,
    named: bool,
    consent_field: &'static str,
    consent_error: Option<String>,
    k: u32,
    items: Vec<PulseItem>,
    points: Vec<(u8, String)>,
    cant_say_label: String,
    cant_say_value: &'static str,
    errors: Vec<(String, String)>,
}

fn answer_page(
    chrome: Chrome,
    action: String,
    invitation: &RecoveryInvitation,
    sent: &[(String, String)],
    problems: &[FieldError],
) -> AppResult<AnswerPage> {
    let instrument = uses::instrument_for(invitation)?;
    let (items, mut errors) = form_items(&instrument, sent, problems);
    let consent_error = problems
        .iter()
        .find(|p| p.code == NAMED_CONSENT)
        .map(|p| p.message.clone());
    errors.retain(|(target, _)| target != &format!("q-{NAMED_CONSENT}"));
    if let Some(m) = &consent_error {
        errors.push(("consent".into(), format!("Your name is shown: {m}")));
    }
    Ok(AnswerPage {
        chrome,
        action,
        leader_name: invitation.leader_name.clone(),
        closes: invitation.dates.closes.to_string(),
        named: invitation.mode == RecoveryMode::Named,
        consent_field: NAMED_CONSENT,
        consent_error,
        k: invitation.k,
        items,
        points: scale_points(&instrument),
        cant_say_label: instrument.scale.cant_say.clone(),
        cant_say_value: CANT_SAY_VALUE,
        errors,
    })
}

impl RoundLink for RecoveryInvitation {
    const BY_TOKEN: &'static str = "/recovery";
    const OWN: &'static str = "/me/recovery";
    const NAME: &'static str = "recovery round";
    const WORDS: LinkWords = LinkWords {
        not_found: "This recovery pulse link is not valid. Check that you copied all of it.",
        answered: "This link has been used: your earlier answer is kept, and each round takes one answer per link. Nothing was changed. Thank you.",
        next_round: "If there is a next round, it comes with a new link.",
    };

    fn id(&self) -> i64 {
        self.id.0
    }

    fn answered(&self) -> bool {
        self.answered
    }

    fn round_open(&self) -> bool {
        self.status == RoundStatus::Open
    }

    fn closes(&self) -> time::Date {
        self.dates.closes
    }

    async fn by_hash(state: &AppState, hash: String) -> AppResult<Option<Self>> {
        Ok(state.app.store.recovery_invitation_by_token(&hash).await?)
    }

    async fn open_for(state: &AppState, person: PersonId) -> AppResult<Vec<Self>> {
        Ok(state.app.store.open_recovery_invitations(person).await?)
    }

    fn page(
        &self,
        chrome: Chrome,
        action: String,
        sent: &[(String, String)],
        problems: &[FieldError],
    ) -> AppResult<Response> {
        Ok(answer_page(chrome, action, self, sent, problems)?.into_response())
    }

    async fn submit(
        &self,
        state: &AppState,
        fields: &[(String, String)],
    ) -> trustloop_app::Result<Answered> {
        uses::answer(&state.app, self, fields, today()).await
    }

    fn thanks(&self) -> &'static str {
        if self.mode == RecoveryMode::Named {
            "Your answer is in. As you were told, your leader sees it with your name; you can read it again on your own page."
        } else {
            "Your answer is in. It is kept sealed until enough of the people asked have answered, and only totals are ever shown; nothing links it to you, so it cannot be shown back to you either."
        }
    }
}

/// An open round on the person's page.
pub struct AskedLine {
    id: i64,
    leader_name: String,
    closes: String,
    answered: bool,
    named: bool,
}

/// The person's recovery pulses: rounds to answer and their own named answers.
#[derive(Template, WebTemplate)]
#[template(path = "recovery_mine.html")]
struct MinePage {
    chrome: Chrome,
    asked: Vec<AskedLine>,
    /// (leader, round, opened, overall, element score).
    own: Vec<(String, &'static str, String, String, String)>,
}

#[tracing::instrument(skip_all)]
async fn mine(State(state): State<AppState>, signed_in: SignedIn) -> AppResult<MinePage> {
    let Some(me) = signed_in.user.person_id else {
        return Ok(MinePage {
            chrome: signed_in.chrome(),
            asked: Vec::new(),
            own: Vec::new(),
        });
    };
    let asked = open_rounds(&state, me).await?;
    let words = |v: Option<&f64>| v.map_or("can't say".into(), |v| format!("{v:.0}"));
    let own = state
        .app
        .store
        .own_recovery_answers(me)
        .await?
        .into_iter()
        .map(|a| {
            let element = a
                .scores
                .iter()
                .find(|(m, _)| m.element().is_some())
                .map(|(_, v)| *v);
            (
                a.leader_name,
                a.round.label(),
                a.opens.to_string(),
                words(a.scores.get(&PulseMeasure::Overall)),
                words(element.as_ref()),
            )
        })
        .collect();
    Ok(MinePage {
        chrome: signed_in.chrome(),
        asked,
        own,
    })
}

/// A person's open recovery rounds.
async fn open_rounds(state: &AppState, me: PersonId) -> AppResult<Vec<AskedLine>> {
    Ok(state
        .app
        .store
        .open_recovery_invitations(me)
        .await?
        .into_iter()
        .map(|i| AskedLine {
            id: i.id.0,
            leader_name: i.leader_name,
            closes: i.dates.closes.to_string(),
            answered: i.answered,
            named: i.mode == RecoveryMode::Named,
        })
        .collect())
}
