//! The demo's plans and say-do ledgers: Maya Okafor's plan from the closed campaign (shared
//! with Elena Rossi) and a ledger with history in every state, and a few commitments for the
//! other leaders so that the organisation's association shows. Made as if over the last two
//! months: the store takes the day of each change from its caller.

use rand::Rng;
use rand::rngs::StdRng;
use time::{Date, Duration};
use trustloop_domain::ledger::{Change, Confirmation};
use trustloop_domain::model::Element;
use trustloop_domain::plan::ActionStatus;
use trustloop_storage::{
    ActionSource, CampaignId, CommitmentChange, CommitmentId, DynStore, NewAction, NewCommitment,
    NewPlan, PersonId, RecipientChoice, SignedInConfirmation,
};

/// A commitment of the demo: made `made` days ago, due `due` days from today (negative: in
/// the past), then `changes` (each dated) and the recipients' answers on `answer_on` (days
/// from today).
struct Story {
    what: &'static str,
    made: i64,
    due: i64,
    changes: Vec<Change>,
    answers: Vec<Confirmation>,
    answer_on: i64,
}

fn day(today: Date, n: i64) -> Date {
    today + Duration::days(n)
}

async fn tell(
    store: &DynStore,
    leader: PersonId,
    to: RecipientChoice,
    story: Story,
    today: Date,
) -> anyhow::Result<CommitmentId> {
    let made = store
        .make_commitment(&NewCommitment {
            leader_id: leader,
            what: story.what.into(),
            to,
            due: day(today, story.due),
            action_id: None,
            today: day(today, -story.made),
            min_team: trustloop_app::ledger::team_k(),
        })
        .await?;
    for change in story.changes {
        let on = change.on();
        store
            .change_commitment(&CommitmentChange {
                leader_id: leader,
                commitment: made.id,
                change,
                today: on,
            })
            .await?;
    }
    let recipients = store.recipients_of(made.id).await?;
    for (person, answer) in recipients.iter().zip(story.answers) {
        store
            .confirm_signed_in(&SignedInConfirmation {
                person_id: *person,
                commitment: made.id,
                answer,
                today: day(today, story.answer_on),
            })
            .await?;
    }
    Ok(made.id)
}

/// Seeds plans and ledgers; `leaders[1]` is Maya Okafor, the demo leader. Returns the token of
/// a confirmation link of one of Maya's overdue commitments, for the demo to print.
pub async fn seed(
    store: &DynStore,
    rng: &mut StdRng,
    closed: CampaignId,
    leaders: &[PersonId],
    today: Date,
) -> anyhow::Result<Option<String>> {
    use Confirmation::{CantSay, Kept, NotKept};
    let maya = leaders[1];
    let library = trustloop_app::plans::latest_library()?;
    let plan = store
        .create_plan(&NewPlan {
            leader_id: maya,
            campaign_id: closed,
            focus: vec![Element::Consistency],
            library_version: library.version,
            today: day(today, -60),
        })
        .await?;
    for (id, target, status) in [
        ("con-renegotiate-early", 20, Some(ActionStatus::Done)),
        ("rel-one-to-ones", 40, Some(ActionStatus::Doing)),
    ] {
        let action = library.action(id)?;
        let added = store
            .add_action(
                maya,
                plan.id,
                &NewAction {
                    source: ActionSource::Library {
                        id: action.id.clone(),
                        version: library.version,
                    },
                    title: action.title.clone(),
                    element: action.element,
                    target: day(today, target),
                    note: String::new(),
                },
                day(today, -60),
            )
            .await?;
        if let Some(status) = status {
            store
                .set_action_status(maya, added.id, status, "", day(today, -30))
                .await?;
        }
    }
    store
        .add_action(
            maya,
            plan.id,
            &NewAction {
                source: ActionSource::Own,
                title: "Write down every promise I make in meetings".into(),
                element: Element::Consistency,
                target: day(today, 30),
                note: "A notebook, read back on Fridays".into(),
            },
            day(today, -60),
        )
        .await?;
    store.share_plan(maya, plan.id, true).await?;

    let team = store
        .teams_of_leader(maya)
        .await?
        .into_iter()
        .max_by_key(|t| t.members)
        .ok_or_else(|| anyhow::anyhow!("Maya Okafor has no team"))?;
    let people = store.people_near(maya).await?;
    let one = |n: usize| RecipientChoice::People(vec![people[n % people.len()].0]);
    // Tomas Varga, the demo member, is asked to confirm the one marked kept three days ago.
    let tomas = people
        .iter()
        .find(|(_, name)| name == "Tomas Varga")
        .map(|(id, _)| RecipientChoice::People(vec![*id]))
        .ok_or_else(|| anyhow::anyhow!("Tomas Varga is not near Maya Okafor"))?;
    let stories = vec![
        (
            RecipientChoice::Team(team.id),
            Story {
                what: "Publish the team's priorities for the quarter",
                made: 50,
                due: -30,
                changes: vec![Change::Kept {
                    on: day(today, -31),
                }],
                answers: vec![Kept, Kept, Kept, Kept, NotKept, CantSay],
                answer_on: -29,
            },
        ),
        (
            one(0),
            Story {
                what: "Review the proposal for the new build pipeline",
                made: 40,
                due: -20,
                changes: vec![Change::Kept {
                    on: day(today, -18),
                }],
                answers: vec![Kept],
                answer_on: -17,
            },
        ),
        (
            one(1),
            Story {
                what: "Agree the on-call rota",
                made: 40,
                due: -15,
                changes: vec![
                    Change::Renegotiated {
                        on: day(today, -16),
                        due: day(today, -10),
                    },
                    Change::Kept {
                        on: day(today, -10),
                    },
                ],
                answers: vec![Kept],
                answer_on: -9,
            },
        ),
        (
            one(2),
            Story {
                what: "Send feedback on the design review",
                made: 30,
                due: -12,
                changes: vec![Change::Broken {
                    on: day(today, -11),
                }],
                answers: vec![],
                answer_on: 0,
            },
        ),
        (
            one(3),
            Story {
                what: "Set up the training budget",
                made: 30,
                due: -8,
                changes: vec![Change::Dropped {
                    on: day(today, -9),
                    reason: "The budget moved to HR".into(),
                }],
                answers: vec![],
                answer_on: 0,
            },
        ),
        (
            tomas,
            Story {
                what: "Share the hiring plan",
                made: 20,
                due: -2,
                changes: vec![Change::Kept { on: day(today, -3) }],
                answers: vec![],
                answer_on: 0,
            },
        ),
        (
            one(5),
            Story {
                what: "Book the team offsite",
                made: 20,
                due: -1,
                changes: vec![],
                answers: vec![],
                answer_on: 0,
            },
        ),
        (
            one(7),
            Story {
                what: "Write up the incident review",
                made: 10,
                due: 1,
                changes: vec![Change::Renegotiated {
                    on: day(today, -2),
                    due: day(today, 10),
                }],
                answers: vec![],
                answer_on: 0,
            },
        ),
        (
            one(6),
            Story {
                what: "Answer the question about remote days",
                made: 5,
                due: 2,
                changes: vec![],
                answers: vec![],
                answer_on: 0,
            },
        ),
        (
            RecipientChoice::Team(team.id),
            Story {
                what: "Explain the reorganisation in a team meeting",
                made: 5,
                due: 20,
                changes: vec![],
                answers: vec![],
                answer_on: 0,
            },
        ),
    ];
    let mut overdue = None;
    for (to, story) in stories {
        let is_overdue = story.due == -1;
        let id = tell(store, maya, to, story, today).await?;
        if is_overdue {
            overdue = Some(id);
        }
    }
    let mut link = None;
    if let Some(id) = overdue {
        let issued = store
            .issue_confirmation_links(id, today, &|| {
                let token = trustloop_app::tokens::random_token();
                let hash = trustloop_app::tokens::hash_token(&token);
                (token, hash)
            })
            .await?;
        link = issued.into_iter().next().map(|l| l.token);
    }
    store.set_show_ratio_to_team(maya, true).await?;

    // The other leaders: a few commitments each, kept or not, confirmed by one person.
    for leader in leaders.iter().filter(|l| **l != maya) {
        let near = store.people_near(*leader).await?;
        if near.is_empty() {
            continue;
        }
        for n in 0..6 {
            let to = RecipientChoice::People(vec![near[n % near.len()].0]);
            let due = -5 - 10 * n as i64;
            let kept = rng.random_bool(0.7);
            let on = day(today, due - 1);
            let change = if kept {
                Change::Kept { on }
            } else {
                Change::Broken { on }
            };
            let answer = if rng.random_bool(0.85) { Kept } else { NotKept };
            tell(
                store,
                *leader,
                to,
                Story {
                    what: "Follow up on the team's request",
                    made: 70,
                    due,
                    changes: vec![change],
                    answers: if kept { vec![answer] } else { vec![] },
                    answer_on: due,
                },
                today,
            )
            .await?;
        }
    }
    Ok(link)
}
