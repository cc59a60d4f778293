//! Feedback: giving it (named or anonymous, with the judgement warning before sending), asking
//! for it, what a person received (items, counts by element over time, the share found
//! helpful), marking and replying, and the counts admins see. The rules are
//! `trustloop_domain::feedback`; the store keeps anonymous items sealed until k wait.

use crate::{Actor, App, Error, Result};
use trustloop_domain::feedback::{
    self, AnonymousRule, FeedbackText, Judgement, PartProblem, Period, PeriodCount, Received,
    TeamCount,
};
use trustloop_domain::model::Element;
use trustloop_domain::privacy::PrivacyRules;
use trustloop_storage::{
    AskChoice, FeedbackItem, FeedbackItemId, FeedbackRequestId, FeedbackSent, NewFeedback,
    NewFeedbackRequest, PersonId, StoreError, TeamId,
};

/// The privacy minimum for anonymous feedback and admins' counts: the organisation's team
/// minimum.
pub fn k() -> u32 {
    PrivacyRules::default().min_team
}

/// The rule anonymous feedback is delivered by.
pub fn anonymous_rule() -> AnonymousRule {
    AnonymousRule { k: k() }
}

/// Feedback as the give form sends it.
#[derive(Debug, Clone, Default)]
pub struct GiveText<'a> {
    /// Who it is for (a person id), if chosen.
    pub to: Option<i64>,
    /// The request it answers, if any.
    pub request: Option<i64>,
    /// The element's slug.
    pub element: &'a str,
    /// When and where.
    pub situation: &'a str,
    /// What they did.
    pub behaviour: &'a str,
    /// What it changed.
    pub impact: &'a str,
    /// What could help (optional).
    pub suggestion: &'a str,
    /// Whether to send it anonymously.
    pub anonymous: bool,
    /// The form's one-time token.
    pub form_token: &'a str,
    /// Whether the sender saw the judgement warning and chose to send anyway.
    pub send_anyway: bool,
}

/// What became of a give form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GiveOutcome {
    /// Sent (or already sent by the same form).
    Sent(FeedbackSent),
    /// Parts to fix; nothing was sent.
    Problems(Vec<PartProblem>),
    /// The words read as a judgement; nothing was sent until the sender sends anyway.
    Warned(Vec<Judgement>),
}

/// Checks and sends feedback from `sender`. A refusal says what to fix.
#[tracing::instrument(skip_all, fields(sender = %sender))]
pub async fn give(app: &App, sender: PersonId, text: &GiveText<'_>) -> Result<GiveOutcome> {
    let receiver = text
        .to
        .map(PersonId)
        .ok_or_else(|| Error::Invalid("Choose who the feedback is for.".into()))?;
    let element = Element::from_slug(text.element).ok_or_else(|| {
        Error::Invalid(
            "Choose the element it concerns: relationships, judgement or consistency.".into(),
        )
    })?;
    if text.form_token.trim().is_empty() {
        return Err(Error::Invalid(
            "The form is incomplete: open the give feedback page again.".into(),
        ));
    }
    let words =
        match FeedbackText::parse(text.situation, text.behaviour, text.impact, text.suggestion) {
            Ok(words) => words,
            Err(problems) => return Ok(GiveOutcome::Problems(problems)),
        };
    let judgements = feedback::judgements(&words);
    if !judgements.is_empty() && !text.send_anyway {
        return Ok(GiveOutcome::Warned(judgements));
    }
    let sent = app
        .store
        .send_feedback(&NewFeedback {
            sender,
            receiver,
            request: text.request.map(FeedbackRequestId),
            element,
            text: words,
            anonymous: text.anonymous,
            form_token: text.form_token.into(),
            today: crate::today(),
            k: k(),
        })
        .await
        .map_err(|e| match e {
            StoreError::NotFound("person") => Error::Invalid(
                "Choose the person from the list: nobody with that id works here.".into(),
            ),
            StoreError::NotFound("request") => Error::Invalid(
                "That request was not made to you: give the feedback without it.".into(),
            ),
            other => other.into(),
        })?;
    Ok(GiveOutcome::Sent(sent))
}

/// The word naming a sending outcome in the address of the page shown next.
pub fn sent_slug(sent: FeedbackSent) -> &'static str {
    match sent {
        FeedbackSent::Delivered(_) => "delivered",
        FeedbackSent::Waiting => "waiting",
        FeedbackSent::BatchDelivered => "batch",
        FeedbackSent::AlreadySent => "again",
    }
}

/// What the sender is told after sending, from [`sent_slug`]'s word.
pub fn sent_message(slug: &str) -> Option<String> {
    Some(match slug {
        "delivered" => "Your feedback was delivered.".into(),
        "waiting" => format!(
            "Your anonymous feedback is waiting, sealed. It is delivered once at least {} people have sent this person anonymous feedback.",
            k()
        ),
        "batch" => "Your anonymous feedback was delivered together with other people's.".into(),
        "again" => "This feedback was already sent; it was not sent twice.".into(),
        _ => return None,
    })
}

/// What a person received, with the counts over time.
#[derive(Debug, Clone)]
pub struct ReceivedFeedback {
    /// The items, newest first.
    pub items: Vec<FeedbackItem>,
    /// Counts by element and period, oldest first.
    pub periods: Vec<PeriodCount>,
    /// The period counted by.
    pub period: Period,
    /// Items marked helpful or not, and helpful, in all.
    pub rated: u32,
    /// Items marked helpful, in all.
    pub helpful: u32,
}

impl ReceivedFeedback {
    /// The share of rated items found helpful, in percent.
    pub fn helpful_share(&self) -> Option<u32> {
        feedback::helpful_share(self.rated, self.helpful)
    }
}

/// What `person` received, counted by `period`.
pub async fn received(app: &App, person: PersonId, period: Period) -> Result<ReceivedFeedback> {
    let items = app.store.feedback_received(person).await?;
    let counted: Vec<Received> = items
        .iter()
        .map(|i| Received {
            delivered: i.delivered_on,
            element: i.element,
            helpful: i.helpful,
        })
        .collect();
    let periods = feedback::counts_over_time(&counted, period);
    Ok(ReceivedFeedback {
        rated: periods.iter().map(|p| p.rated).sum(),
        helpful: periods.iter().map(|p| p.helpful).sum(),
        items,
        periods,
        period,
    })
}

/// Reads a period as a URL gives it (quarter when absent or unknown).
pub fn parse_period(text: Option<&str>) -> Period {
    match text {
        Some("month") => Period::Month,
        _ => Period::Quarter,
    }
}

/// Marks one of `person`'s items helpful (`"yes"`) or not (`"no"`).
pub async fn mark(app: &App, person: PersonId, item: FeedbackItemId, answer: &str) -> Result<()> {
    let helpful = match answer {
        "yes" => true,
        "no" => false,
        _ => return Err(Error::Invalid("Say whether it helped: yes or no.".into())),
    };
    Ok(app.store.mark_feedback(person, item, helpful).await?)
}

/// Replies to one of `person`'s named items.
pub async fn reply(app: &App, person: PersonId, item: FeedbackItemId, text: &str) -> Result<()> {
    let text = feedback::parse_reply(text).map_err(Error::Invalid)?;
    Ok(app
        .store
        .reply_to_feedback(person, item, &text, crate::today())
        .await?)
}

/// A request for feedback as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct AskText<'a> {
    /// What it is about.
    pub about: &'a str,
    /// The people asked, by id (when no team is chosen).
    pub people: Vec<i64>,
    /// The team asked, by id.
    pub team: Option<i64>,
}

/// Asks people or a team for feedback; a refusal says what to fix.
#[tracing::instrument(skip_all, fields(asker = %asker))]
pub async fn ask(app: &App, asker: PersonId, text: &AskText<'_>) -> Result<FeedbackRequestId> {
    let about = feedback::parse_about(text.about).map_err(Error::Invalid)?;
    let to = match text.team {
        Some(team) => AskChoice::Team(TeamId(team)),
        None => AskChoice::People(text.people.iter().copied().map(PersonId).collect()),
    };
    app.store
        .ask_for_feedback(&NewFeedbackRequest {
            asker,
            about,
            to,
            today: crate::today(),
        })
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => {
                Error::Invalid("Choose the people or the team from the lists.".into())
            }
            other => other.into(),
        })
}

/// One team's row of the admins' counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRow {
    /// The team's name.
    pub team: String,
    /// Items its members received.
    pub items: TeamCount,
    /// Of those, marked helpful.
    pub helpful: TeamCount,
    /// Of those, marked at all.
    pub rated: TeamCount,
}

/// What admins see: each team's counts, "fewer than k" where they rest on fewer than k senders.
/// Each look is audited, naming `via` (the page or the API).
pub async fn team_counts(app: &App, actor: &Actor, via: &str) -> Result<Vec<TeamRow>> {
    app.audit(actor, "feedback_counts_viewed", "teams", via)
        .await?;
    let k = k();
    Ok(app
        .store
        .feedback_counts_by_team()
        .await?
        .into_iter()
        .map(|c| {
            let senders = feedback::fewest_senders(c.named_senders, c.anonymous_batches, k);
            TeamRow {
                items: TeamCount::of(c.items, senders, k),
                helpful: TeamCount::of(c.helpful, senders, k),
                rated: TeamCount::of(c.rated, senders, k),
                team: c.team,
            }
        })
        .collect())
}
