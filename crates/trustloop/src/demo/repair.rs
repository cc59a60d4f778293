//! The demo's repairs of trust: Maya Okafor broke a promise to her Platform team two months
//! ago and has walked every step since, with a commitment as amends and a recovery pulse whose
//! three rounds were answered (trust low before the amends, rising at two weeks, mostly back at
//! six); and a second breach, a missed hand-over, recorded today with nothing done yet. Made as
//! if over the last two months: the store takes the day of each change from its caller, and the
//! scheduler's passes are run on those days.

use rand::Rng;
use rand::rngs::StdRng;
use std::collections::BTreeMap;
use time::{Date, Duration};
use trustloop_domain::instrument::Instrument;
use trustloop_domain::ledger::Change;
use trustloop_domain::model::Element;
use trustloop_domain::rating::{Rating, SurveyAnswers};
use trustloop_domain::repair::recovery::asked;
use trustloop_domain::repair::{BreachKind, Step, StepDone};
use trustloop_storage::{
    CommitmentChange, DynStore, NewBreach, NewCommitment, PersonId, RecipientChoice, RecordStep,
    RecoveryChoice, RepairId,
};

fn day(today: Date, n: i64) -> Date {
    today + Duration::days(n)
}

/// What Maya said or did at each step, and how many days ago.
const STEPS: [(Step, i64, &str); 4] = [
    (
        Step::Acknowledge,
        -57,
        "Told the team at Monday's stand-up that I had promised them the week after the release off and then asked them to work it.",
    ),
    (
        Step::Apologise,
        -56,
        "Apologised to the team, without excuses: it was my promise, I broke it, and it cost people time with their families.",
    ),
    (
        Step::TakeResponsibility,
        -55,
        "From now on I only promise time off once it is cleared with the release plan, and I write every promise in the team's log.",
    ),
    (
        Step::MakeAmends,
        -50,
        "Gave the week back in full, planned with the team, and committed to it in my ledger.",
    ),
];

/// Answers about `element` around `mean` (1–5), spread by a point either way.
fn answers(rng: &mut StdRng, element: Element, mean: u8) -> SurveyAnswers {
    let instrument = asked(&Instrument::recovery_current(), element);
    let ratings = instrument
        .items
        .iter()
        .map(|i| {
            let point = (i16::from(mean) + rng.random_range(-1..=1)).clamp(1, 5);
            (i.code.clone(), Rating::Score(point as u8))
        })
        .collect();
    SurveyAnswers {
        ratings,
        comments: BTreeMap::new(),
    }
}

/// A pass of the recovery scheduler on `on`; everyone asked in the round it opened, but one,
/// answers around `mean` on the day given.
async fn pass_and_answer(
    store: &DynStore,
    rng: &mut StdRng,
    repair: RepairId,
    on: Date,
    answer: Option<(u8, Date)>,
) -> anyhow::Result<()> {
    let pass = store
        .advance_recovery(on, &trustloop_app::tokens::new_link)
        .await?;
    let Some((mean, answered_on)) = answer else {
        return Ok(());
    };
    for (_, _, links) in pass.opened.iter().filter(|(r, _, _)| *r == repair) {
        for link in links.iter().skip(1) {
            store
                .submit_recovery_answer(
                    link.invitation,
                    &answers(rng, Element::Consistency, mean),
                    answered_on,
                )
                .await?;
        }
    }
    Ok(())
}

/// Seeds Maya's two repairs; `maya` is the demo leader. Returns the repair under way.
pub async fn seed(
    store: &DynStore,
    rng: &mut StdRng,
    maya: PersonId,
    today: Date,
) -> anyhow::Result<RepairId> {
    let platform = store
        .teams_of_leader(maya)
        .await?
        .into_iter()
        .find(|t| t.name == "Platform")
        .ok_or_else(|| anyhow::anyhow!("Maya leads Platform"))?;
    let under_way = store
        .record_breach(&NewBreach {
            leader_id: maya,
            what: "I promised the team the week after the spring release off, then asked everyone to work it to fix a customer's outage.".into(),
            happened: day(today, -60),
            kind: BreachKind::Integrity,
            element: Element::Consistency,
            people: Vec::new(),
            teams: vec![platform.id],
            recorded_by: "maya.okafor@demo.trustloop.test".into(),
            by_admin: false,
            today: day(today, -58),
        })
        .await?;
    store
        .choose_recovery(
            under_way,
            maya,
            RecoveryChoice::Run { named_ok: true },
            trustloop_app::repair::team_k(),
            day(today, -56),
        )
        .await?;
    // The "before" round opens the day the pulse starts; trust is low.
    pass_and_answer(
        store,
        rng,
        under_way,
        day(today, -56),
        Some((2, day(today, -55))),
    )
    .await?;
    for (step, on, note) in STEPS {
        store
            .record_step(&RecordStep {
                repair: under_way,
                leader_id: maya,
                done: StepDone {
                    step,
                    on: day(today, on),
                    note: note.into(),
                },
                today: day(today, on),
            })
            .await?;
    }
    let affected = store.repair(under_way).await?.affected;
    let amends = store
        .make_commitment(&NewCommitment {
            leader_id: maya,
            what: "Give the Platform team the lost week back, on dates they choose".into(),
            to: RecipientChoice::People(affected.iter().take(3).map(|(p, _)| *p).collect()),
            due: day(today, -30),
            action_id: None,
            today: day(today, -50),
            min_team: trustloop_app::ledger::team_k(),
        })
        .await?;
    store
        .change_commitment(&CommitmentChange {
            leader_id: maya,
            commitment: amends.id,
            change: Change::Kept {
                on: day(today, -32),
            },
            today: day(today, -32),
        })
        .await?;
    store.add_amends(under_way, maya, amends.id).await?;
    // Two and six weeks after the amends (day -50): days -36 and -8; today closes the last.
    pass_and_answer(
        store,
        rng,
        under_way,
        day(today, -36),
        Some((3, day(today, -35))),
    )
    .await?;
    pass_and_answer(
        store,
        rng,
        under_way,
        day(today, -8),
        Some((4, day(today, -7))),
    )
    .await?;
    pass_and_answer(store, rng, under_way, today, None).await?;

    let people: Vec<PersonId> = store
        .people_near(maya)
        .await?
        .into_iter()
        .map(|(p, _)| p)
        .take(2)
        .collect();
    store
        .record_breach(&NewBreach {
            leader_id: maya,
            what: "I forgot to hand the on-call rota over before my leave, and two people were paged at night without warning.".into(),
            happened: day(today, -2),
            kind: BreachKind::Competence,
            element: Element::Judgement,
            people,
            teams: Vec::new(),
            recorded_by: "maya.okafor@demo.trustloop.test".into(),
            by_admin: false,
            today,
        })
        .await?;
    Ok(under_way)
}
