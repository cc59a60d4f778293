//! The demo organisation's team pulse: a year of weekly rounds for its seven teams, run by the
//! real scheduler with the day advanced week by week, with one reorganisation on the timeline
//! (Platform and Mobile, with a dip in Mobile that recovers), one team whose trust falls and
//! recovers (Customer Success), and a real fall in Platform's latest round, so that Maya Okafor,
//! the demo leader, finds an alert on her page. This week's round is open for the demo member.
//! Membership stays the same all year, so every round with enough answers is shown.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use time::{Date, Duration};
use trustloop_domain::instrument::Instrument;
use trustloop_domain::pulse::{Cadence, EventKind, Schedule};
use trustloop_domain::rating::{Rating, SurveyAnswers};
use trustloop_storage::{DynStore, NewPulseEvent, NewPulseSeries};

/// Weeks of closed rounds before this week's.
const WEEKS: i64 = 52;

/// The week the reorganisation happened (between rounds 20 and 21).
const REORGANISATION_WEEK: i64 = 20;

/// A team's usual trust level on 0–100 in `week`.
fn level(team: &str, week: i64) -> f64 {
    let base = match team {
        "Platform" => 78.0,
        "Mobile" => 72.0,
        "Customer Success" => 74.0,
        "Sales" => 66.0,
        "Finance" => 70.0,
        "People" => 80.0,
        _ => 69.0,
    };
    match team {
        // Falls sharply after week 30 and recovers by week 42.
        "Customer Success" if (30..36).contains(&week) => base - 28.0,
        "Customer Success" if (36..42).contains(&week) => base - 28.0 + 4.5 * (week - 35) as f64,
        // A dip after the reorganisation, held within three weeks.
        "Mobile" if (REORGANISATION_WEEK + 1..REORGANISATION_WEEK + 4).contains(&week) => {
            base - 7.0
        }
        // The latest round falls: the alert on the demo leader's page.
        "Platform" if week == WEEKS - 1 => base - 26.0,
        _ => base,
    }
}

/// One member's answers around `level`: each statement on the 1–5 scale, with noise.
fn answers(rng: &mut StdRng, pulse: &Instrument, level: f64) -> SurveyAnswers {
    let ratings = pulse
        .items
        .iter()
        .map(|item| {
            let noise: f64 = (0..3).map(|_| rng.random_range(-0.6..0.6)).sum();
            let point = (1.0 + level / 25.0 + noise).round().clamp(1.0, 5.0) as u8;
            (item.code.clone(), Rating::Score(point))
        })
        .collect();
    SurveyAnswers {
        ratings,
        comments: BTreeMap::new(),
    }
}

/// Seeds the pulse for the demo teams, ending `today` with this week's round open.
pub async fn seed(store: &DynStore, teams: &[&str], today: Date) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(2027);
    let pulse = Instrument::pulse_current();
    let known = store.pulse_teams().await?;
    let id_of = |name: &str| {
        known
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.id)
            .ok_or_else(|| anyhow::anyhow!("demo team {name} is missing"))
    };
    let ids = teams
        .iter()
        .map(|t| id_of(t))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let names: BTreeMap<_, _> = teams.iter().map(|t| (id_of(t).ok(), *t)).collect();
    let start = today - Duration::weeks(WEEKS);
    store
        .create_pulse_series(&NewPulseSeries {
            name: "Weekly team pulse".into(),
            teams: ids,
            schedule: Schedule {
                start,
                cadence: Cadence::Weekly,
                window_days: 3,
            },
            k: 5,
            alert_points: trustloop_domain::pulse::trend::DEFAULT_ALERT_POINTS,
            members_see_results: true,
            created_by: "admin@demo.trustloop.test".into(),
            created_on: start,
        })
        .await?;
    store
        .add_pulse_event(&NewPulseEvent {
            kind: EventKind::Reorganisation,
            on: start + Duration::weeks(REORGANISATION_WEEK) + Duration::days(4),
            note: "Platform and Mobile merged their release trains under one roadmap.".into(),
            teams: vec![id_of("Platform")?, id_of("Mobile")?],
            created_by: "admin@demo.trustloop.test".into(),
            created_on: start + Duration::weeks(REORGANISATION_WEEK),
        })
        .await?;
    for week in 0..=WEEKS {
        let day = start + Duration::weeks(week);
        let done = store
            .advance_pulses(day, &trustloop_app::tokens::new_link)
            .await?;
        if week == WEEKS {
            // This week's round stays open for the demo member to answer.
            break;
        }
        let mut given = Vec::new();
        for link in done.opened.iter().flat_map(|o| &o.links) {
            if !rng.random_bool(0.9) {
                continue;
            }
            let team = names.get(&Some(link.team)).copied().unwrap_or_default();
            let invitation = store
                .pulse_invitation_by_token(&trustloop_app::tokens::hash_token(&link.token))
                .await?
                .ok_or_else(|| anyhow::anyhow!("a demo pulse link was not stored"))?;
            given.push((invitation.id, answers(&mut rng, &pulse, level(team, week))));
        }
        store.load_pulse_answers(&given, day).await?;
    }
    Ok(())
}
