//! The say-do ledger: making and changing commitments, the recipients' confirmations (by link
//! or signed in), the leader's ratio and reminders, what their team may see, and the
//! organisation's association between say-do ratio and consistency. The rules are
//! `trustloop_domain::ledger`; the store checks them in the transaction of each change.

use crate::plans::{as_sentence, parse_day};
use crate::tokens::{hash_token, link_hash, random_token};
use crate::{App, Error, Result};
use std::collections::HashMap;
use time::Date;
use trustloop_domain::ledger::{
    self, Association, Change, Confirmation, Reminder, SayDo, Status, Tally, Verdict,
};
use trustloop_domain::privacy::PrivacyRules;
use trustloop_storage::{
    ActionId, CommitmentChange, CommitmentId, CommitmentRecord, ConfirmOutcome, ConfirmationAsk,
    IssuedLink, NewCommitment, PersonId, RecipientChoice, SayDoCount, SignedInConfirmation, TeamId,
};

/// The privacy minimum for a team's confirmations: the organisation's team minimum.
pub fn team_k() -> u32 {
    PrivacyRules::default().min_team
}

/// A commitment as the leader's ledger shows it on a day.
#[derive(Debug, Clone)]
pub struct LedgerRow {
    /// The stored commitment.
    pub record: CommitmentRecord,
    /// Where it stands.
    pub status: Status,
    /// The date it is held to.
    pub counted_due: Date,
    /// The latest date agreed.
    pub working_due: Date,
    /// What the recipients' answers say (a team's only from k).
    pub verdict: Verdict,
    /// The counts the leader may see (a team's only from k).
    pub tally: Option<Tally>,
    /// What to remind the leader of.
    pub reminder: Option<Reminder>,
}

/// A leader's ledger on a day: the commitments, the reminders and the ratio.
#[derive(Debug, Clone)]
pub struct Ledger {
    /// Newest first.
    pub rows: Vec<LedgerRow>,
    /// The say-do ratio over 90 days, with what is behind it.
    pub say_do: SayDo,
    /// Whether the leader shows the ratio to their team.
    pub shown_to_team: bool,
}

impl Ledger {
    /// The rows with a reminder of `kind`.
    pub fn reminded(&self, kind: Reminder) -> impl Iterator<Item = &LedgerRow> {
        self.rows.iter().filter(move |r| r.reminder == Some(kind))
    }
}

/// Builds a ledger row.
pub fn row(record: CommitmentRecord, today: Date, k: u32) -> LedgerRow {
    let c = &record.commitment;
    LedgerRow {
        status: c.status(today),
        counted_due: c.counted_due(),
        working_due: c.working_due(),
        verdict: c.verdict(k),
        tally: c.to.shown_tally(c.tally, k),
        reminder: c.reminder(today, k),
        record,
    }
}

/// `leader`'s ledger today.
#[tracing::instrument(skip_all, fields(leader = %leader))]
pub async fn ledger(app: &App, leader: PersonId) -> Result<Ledger> {
    let (today, k) = (crate::today(), team_k());
    let (records, shown_to_team) = tokio::try_join!(
        async { Ok::<_, Error>(app.store.commitments_of(leader).await?) },
        async { Ok(app.store.shows_ratio_to_team(leader).await?) },
    )?;
    let commitments: Vec<_> = records.iter().map(|r| r.commitment.clone()).collect();
    Ok(Ledger {
        say_do: ledger::say_do(&commitments, today, k),
        rows: records.into_iter().map(|r| row(r, today, k)).collect(),
        shown_to_team,
    })
}

/// A commitment as typed: what, to whom (people by id, or a team by id), by when, and the plan
/// action it serves.
#[derive(Debug, Clone, Default)]
pub struct CommitmentText<'a> {
    /// What.
    pub what: &'a str,
    /// The people, by id (when no team is chosen).
    pub people: Vec<i64>,
    /// The team, by id.
    pub team: Option<i64>,
    /// The date, `YYYY-MM-DD`.
    pub due: &'a str,
    /// The plan action, by id.
    pub action: Option<i64>,
}

/// Makes a commitment for `leader`; the message of a refusal says what to fix.
#[tracing::instrument(skip_all, fields(leader = %leader))]
pub async fn make(
    app: &App,
    leader: PersonId,
    text: &CommitmentText<'_>,
) -> Result<CommitmentRecord> {
    let due = parse_day("date", text.due)?;
    let to = match text.team {
        Some(team) => RecipientChoice::Team(TeamId(team)),
        None => RecipientChoice::People(text.people.iter().copied().map(PersonId).collect()),
    };
    app.store
        .make_commitment(&NewCommitment {
            leader_id: leader,
            what: text.what.into(),
            to,
            due,
            action_id: text.action.map(ActionId),
            today: crate::today(),
            min_team: team_k(),
        })
        .await
        .map_err(|e| match Error::from(e) {
            Error::NotFound("person") => Error::Invalid("Choose the people from the list.".into()),
            other => as_sentence(other),
        })
}

/// Reads a change as a form sends it: `renegotiate` (with a new date), `kept`, `broken` or
/// `dropped` (with a reason), dated today.
pub fn parse_change(kind: &str, due: &str, reason: &str, today: Date) -> Result<Change> {
    Ok(match kind {
        "renegotiate" => Change::Renegotiated {
            on: today,
            due: parse_day("new date", due)?,
        },
        "kept" => Change::Kept { on: today },
        "broken" => Change::Broken { on: today },
        "dropped" => Change::Dropped {
            on: today,
            reason: reason.trim().into(),
        },
        _ => {
            return Err(Error::Invalid(
                "Choose what happened: a new date, kept, not kept or dropped.".into(),
            ));
        }
    })
}

/// Changes one of `leader`'s commitments.
#[tracing::instrument(skip_all, fields(leader = %leader, commitment = %id))]
pub async fn change(
    app: &App,
    leader: PersonId,
    id: CommitmentId,
    change: Change,
) -> Result<CommitmentRecord> {
    app.store
        .change_commitment(&CommitmentChange {
            leader_id: leader,
            commitment: id,
            today: change.on(),
            change,
        })
        .await
        .map_err(|e| as_sentence(e.into()))
}

/// One of `leader`'s commitments; any other is "not found".
pub async fn own(app: &App, leader: PersonId, id: CommitmentId) -> Result<CommitmentRecord> {
    let record = app.store.commitment(id).await?;
    if record.leader_id != leader {
        return Err(Error::NotFound("commitment"));
    }
    Ok(record)
}

/// Issues the single-use links of a commitment's recipients who are asked to confirm it and
/// have not: what is sent to them (by email, once email exists; the demo prints them). The
/// leader is never given them.
pub async fn confirmation_links(app: &App, id: CommitmentId) -> Result<Vec<IssuedLink>> {
    Ok(app
        .store
        .issue_confirmation_links(id, crate::today(), &|| {
            let token = random_token();
            let hash = hash_token(&token);
            (token, hash)
        })
        .await?)
}

/// What a confirmation link asks, if it is live; anything else is answered with the same
/// neutral page.
pub async fn link_ask(app: &App, token: &str) -> Result<Option<ConfirmationAsk>> {
    let Some(hash) = link_hash(token) else {
        return Ok(None);
    };
    Ok(app.store.confirmation_link(&hash, crate::today()).await?)
}

/// Records the answer sent by a confirmation link.
pub async fn confirm_by_link(app: &App, token: &str, answer: &str) -> Result<ConfirmOutcome> {
    let answer = parse_answer(answer)?;
    let Some(hash) = link_hash(token) else {
        return Ok(ConfirmOutcome::Used);
    };
    Ok(app
        .store
        .confirm_by_link(&hash, answer, crate::today())
        .await?)
}

/// Reads an answer as a form sends it.
pub fn parse_answer(answer: &str) -> Result<Confirmation> {
    Confirmation::from_slug(answer)
        .ok_or_else(|| Error::Invalid("Choose kept, not kept or can't say.".into()))
}

/// Records a signed-in recipient's answer.
pub async fn confirm_signed_in(
    app: &App,
    person: PersonId,
    id: CommitmentId,
    answer: &str,
) -> Result<ConfirmOutcome> {
    let answer = parse_answer(answer)?;
    app.store
        .confirm_signed_in(&SignedInConfirmation {
            person_id: person,
            commitment: id,
            answer,
            today: crate::today(),
        })
        .await
        .map_err(|e| as_sentence(e.into()))
}

/// What a confirmation outcome tells the person who answered.
pub fn outcome_message(outcome: ConfirmOutcome) -> &'static str {
    match outcome {
        ConfirmOutcome::Recorded => "Thank you: your answer is counted.",
        ConfirmOutcome::Used => "This link cannot be used. It may have been used already.",
        ConfirmOutcome::Changed => {
            "This commitment changed after the link was made, so the link no longer counts. You will be asked again about the commitment as it stands."
        }
        ConfirmOutcome::NotAsked => "This commitment is not waiting for confirmation.",
        ConfirmOutcome::Left => "This link cannot be used.",
    }
}

/// The say-do ratio of `member`'s manager, when that manager shows it to their team.
pub async fn managers_ratio(app: &App, member: PersonId) -> Result<Option<(String, SayDo)>> {
    let person = app.store.person(member).await?;
    let Some(manager) = person.manager_id else {
        return Ok(None);
    };
    if !app.store.shows_ratio_to_team(manager).await? {
        return Ok(None);
    }
    let name = app.store.person(manager).await?.name;
    let commitments: Vec<_> = app
        .store
        .commitments_of(manager)
        .await?
        .into_iter()
        .map(|r| r.commitment)
        .collect();
    Ok(Some((
        name,
        ledger::say_do(&commitments, crate::today(), team_k()),
    )))
}

/// The association across leaders between say-do ratio and consistency score today. The
/// scores come from memory once read, until another campaign closes.
#[tracing::instrument(skip_all)]
pub async fn association(app: &App) -> Result<Association> {
    let closed = app.store.closed_campaigns().await?;
    let (scores, counts) = tokio::try_join!(
        app.cache.consistency_scores(closed, || async {
            Ok(app.store.consistency_scores().await?.into_iter().collect())
        }),
        async { Ok(app.store.say_do_counts(crate::today(), team_k()).await?) },
    )?;
    Ok(association_of(&counts, &scores))
}

/// The association over leaders who have both figures: each one's ratio against their
/// consistency score.
pub fn association_of(counts: &[SayDoCount], scores: &HashMap<PersonId, f64>) -> Association {
    let pairs: Vec<(f64, f64)> = counts
        .iter()
        .filter(|c| c.due > 0)
        .filter_map(|c| {
            scores
                .get(&c.leader_id)
                .map(|score| (c.kept_confirmed as f64 / c.due as f64, *score))
        })
        .collect();
    ledger::association(&pairs)
}
