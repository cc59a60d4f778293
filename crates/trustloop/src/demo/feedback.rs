//! The demo's feedback: a year of named and anonymous feedback to each leader from the people
//! around them (the store takes each item's day from its caller), most of it marked helpful or
//! not and some of it answered; Maya Okafor (the demo leader) has requests open, one asked of
//! her by Elena Rossi and one she asked of her team, which Tomas Varga (the demo member) has
//! not answered yet. Generated from its own seed, so the rest of the demo stays as it was.

use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use time::{Date, Duration};
use trustloop_domain::feedback::FeedbackText;
use trustloop_domain::model::Element;
use trustloop_storage::{
    AskChoice, DynStore, FeedbackSent, NewFeedback, NewFeedbackRequest, PersonId,
};

/// Situation, behaviour, impact and suggestion, by element (our own words).
const STORIES: [(Element, [&str; 4]); 6] = [
    (
        Element::Relationships,
        [
            "In our one-to-one after the launch slipped",
            "you asked how I was before asking about the plan",
            "I told you the real reason I was behind, and we fixed it the same week",
            "",
        ],
    ),
    (
        Element::Relationships,
        [
            "In Thursday's team meeting, when Sam and Lea disagreed",
            "you let each of them finish and then summarised both views",
            "the argument cooled down and we chose within ten minutes",
            "Doing the same in the cross-team review would help there too",
        ],
    ),
    (
        Element::Judgement,
        [
            "When we chose the new vendor",
            "you showed us the numbers behind the choice and the option you turned down",
            "I could explain the decision to my customers with confidence",
            "",
        ],
    ),
    (
        Element::Judgement,
        [
            "In the pricing decision last month",
            "you decided before hearing from support",
            "we learned about the change from customers and had no answers ready",
            "Asking support for ten minutes of input before deciding would have covered it",
        ],
    ),
    (
        Element::Consistency,
        [
            "After the retrospective in March",
            "you sent the list of actions the same afternoon and checked them two weeks later",
            "the actions were actually done this time",
            "",
        ],
    ),
    (
        Element::Consistency,
        [
            "About the hiring plan you said we would see by Friday",
            "it arrived the following Wednesday without a word about the delay",
            "I had to tell two candidates I did not know when we would decide",
            "A short note when a date moves would be enough",
        ],
    ),
];

const REPLIES: [&str; 3] = [
    "Thank you for telling me; I will keep doing it.",
    "Fair point. I have asked support to join the next pricing review.",
    "Sorry about that. I will send a note when a date moves.",
];

fn new(
    sender: PersonId,
    receiver: PersonId,
    story: &(Element, [&str; 4]),
    anonymous: bool,
    on: Date,
) -> anyhow::Result<NewFeedback> {
    let [situation, behaviour, impact, suggestion] = story.1;
    let text = FeedbackText::parse(situation, behaviour, impact, suggestion)
        .map_err(|p| anyhow::anyhow!("demo feedback is valid: {p:?}"))?;
    Ok(NewFeedback {
        sender,
        receiver,
        request: None,
        element: story.0,
        text,
        anonymous,
        form_token: trustloop_app::tokens::random_token(),
        today: on,
        k: trustloop_app::feedback::k(),
    })
}

/// Seeds the feedback of `leaders` (Elena Rossi first, Maya Okafor second) up to `today`.
pub async fn seed(
    store: &DynStore,
    leaders: &[PersonId],
    tomas: PersonId,
    today: Date,
) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(2027);
    let k = trustloop_app::feedback::k() as usize;
    for (n, leader) in leaders.iter().enumerate() {
        let near: Vec<PersonId> = store
            .people_near(*leader)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| *id != tomas)
            .collect();
        if near.is_empty() {
            continue;
        }
        // Named feedback over the year: more for Maya, the demo leader.
        let named = if n == 1 { 14 } else { 4 + n % 3 };
        for i in 0..named {
            let on = today - Duration::days(rng.random_range(3..360));
            let sender = *near.choose(&mut rng).unwrap_or(&near[0]);
            let story = &STORIES[(i + n) % STORIES.len()];
            let sent = store
                .send_feedback(&new(sender, *leader, story, false, on)?)
                .await?;
            if let FeedbackSent::Delivered(id) = sent {
                if rng.random_bool(0.75) {
                    store
                        .mark_feedback(*leader, id, rng.random_bool(0.7))
                        .await?;
                }
                if i % 4 == 0 {
                    let reply = REPLIES[i % REPLIES.len()];
                    store
                        .reply_to_feedback(*leader, id, reply, on + Duration::days(2))
                        .await?;
                }
            }
        }
        // Anonymous batches from k different people: two for Maya, one for leaders with k
        // people around them.
        let batches = if n == 1 { 2 } else { 1 };
        if near.len() < k {
            continue;
        }
        for batch in 0..batches {
            let mut senders = near.clone();
            senders.shuffle(&mut rng);
            let start = today - Duration::days(300 - 150 * batch as i64);
            for (i, sender) in senders.iter().take(k).enumerate() {
                let on = start + Duration::days(5 * i as i64);
                let story = &STORIES[(i + batch) % STORIES.len()];
                store
                    .send_feedback(&new(*sender, *leader, story, true, on)?)
                    .await?;
            }
        }
        for item in store.feedback_received(*leader).await? {
            if item.is_anonymous() && item.helpful.is_none() && rng.random_bool(0.6) {
                store
                    .mark_feedback(*leader, item.id, rng.random_bool(0.6))
                    .await?;
            }
        }
    }
    let (elena, maya) = (leaders[0], leaders[1]);
    // Tomas gave Maya named feedback, which she found helpful and answered.
    let sent = store
        .send_feedback(&new(
            tomas,
            maya,
            &STORIES[4],
            false,
            today - Duration::days(20),
        )?)
        .await?;
    if let FeedbackSent::Delivered(id) = sent {
        store.mark_feedback(maya, id, true).await?;
        store
            .reply_to_feedback(maya, id, REPLIES[0], today - Duration::days(18))
            .await?;
    }
    // Open requests: Elena asks Maya; Maya asks her team (Tomas has not answered).
    store
        .ask_for_feedback(&NewFeedbackRequest {
            asker: elena,
            about: "How I announced the reorganisation".into(),
            to: AskChoice::People(vec![maya]),
            today: today - Duration::days(6),
        })
        .await?;
    let platform = store
        .teams_of_leader(maya)
        .await?
        .into_iter()
        .find(|t| t.name == "Platform")
        .ok_or_else(|| anyhow::anyhow!("Maya leads Platform"))?;
    store
        .ask_for_feedback(&NewFeedbackRequest {
            asker: maya,
            about: "How I ran the quarterly planning".into(),
            to: AskChoice::Team(platform.id),
            today: today - Duration::days(3),
        })
        .await?;
    Ok(())
}
