//! The records of feedback: items (named, or anonymous and delivered in batches), requests,
//! and the counts admins see.

use super::{PersonId, TeamId};
use serde::{Deserialize, Serialize};
use time::Date;
use trustloop_domain::feedback::FeedbackText;
use trustloop_domain::model::Element;

id_type!(
    /// Identifies a delivered feedback item (a random number, never in the order of sending).
    FeedbackItemId
);
id_type!(
    /// Identifies a request for feedback.
    FeedbackRequestId
);

/// Feedback to send.
#[derive(Debug, Clone)]
pub struct NewFeedback {
    /// Who sends it.
    pub sender: PersonId,
    /// Who it is for.
    pub receiver: PersonId,
    /// The request it answers, if any (one the sender was asked).
    pub request: Option<FeedbackRequestId>,
    /// The element it concerns.
    pub element: Element,
    /// Its words, checked.
    pub text: FeedbackText,
    /// Whether it is sent anonymously.
    pub anonymous: bool,
    /// The give form's one-time token: a form sent twice stores one item.
    pub form_token: String,
    /// The day it is sent.
    pub today: Date,
    /// The privacy minimum: anonymous items wait until this many wait for the receiver.
    pub k: u32,
}

/// What became of feedback sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackSent {
    /// A named item, delivered.
    Delivered(FeedbackItemId),
    /// An anonymous item, waiting sealed for others.
    Waiting,
    /// An anonymous item that completed a batch: delivered with the others.
    BatchDelivered,
    /// The same form was sent before; nothing more was stored.
    AlreadySent,
}

/// A delivered feedback item, as its receiver (or, when named, its sender) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedbackItem {
    /// Its id.
    pub id: FeedbackItemId,
    /// Who it is for.
    pub receiver_id: PersonId,
    /// Their name.
    pub receiver_name: String,
    /// Who sent it, by id and name; `None` for anonymous items.
    pub sender: Option<(PersonId, String)>,
    /// What the request it answers was about (named items only).
    pub request_about: Option<String>,
    /// The element it concerns.
    pub element: Element,
    /// When and where.
    pub situation: String,
    /// What the receiver did.
    pub behaviour: String,
    /// What it changed.
    pub impact: String,
    /// What could help next time.
    pub suggestion: Option<String>,
    /// The day it was written (anonymous: the Monday of the batch's first week).
    pub written_on: Date,
    /// The day it was delivered (anonymous: the Monday of the week the batch was delivered).
    pub delivered_on: Date,
    /// How many items were delivered together with it (anonymous), itself included.
    pub batch_size: u32,
    /// Whether the receiver found it helpful, once they said.
    pub helpful: Option<bool>,
    /// The receiver's reply (named items only), with its day.
    pub reply: Option<(String, Date)>,
}

impl FeedbackItem {
    /// Whether it was sent anonymously.
    pub fn is_anonymous(&self) -> bool {
        self.sender.is_none()
    }
}

/// Who a request for feedback asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AskChoice {
    /// These people.
    People(Vec<PersonId>),
    /// A team's members (the asker left out) who have not left.
    Team(TeamId),
}

/// A request for feedback to make.
#[derive(Debug, Clone)]
pub struct NewFeedbackRequest {
    /// Who asks.
    pub asker: PersonId,
    /// What it is about, checked.
    pub about: String,
    /// Who is asked.
    pub to: AskChoice,
    /// The day it is made.
    pub today: Date,
}

/// A request for feedback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedbackRequest {
    /// Its id.
    pub id: FeedbackRequestId,
    /// Who asked.
    pub asker_id: PersonId,
    /// Their name.
    pub asker_name: String,
    /// What it is about.
    pub about: String,
    /// The team asked, by name, if a team was.
    pub team: Option<String>,
    /// How many people were asked.
    pub asked: u32,
    /// How many named items answer it.
    pub named_answers: u32,
    /// The day it was made.
    pub asked_on: Date,
}

/// What one team's members received, as admins see it: counts only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamFeedbackCount {
    /// The team's name.
    pub team: String,
    /// Items delivered to its members.
    pub items: u32,
    /// Of those, marked helpful.
    pub helpful: u32,
    /// Of those, marked helpful or not.
    pub rated: u32,
    /// Distinct senders of its named items.
    pub named_senders: u32,
    /// Anonymous batches delivered to its members.
    pub anonymous_batches: u32,
}
