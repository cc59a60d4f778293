//! `trustloop-bench generate`: a large, realistic organisation with answers, for trying
//! Trustloop at scale and for the benchmark.
//!
//! The hierarchy is a chief executive, about √leaders directors (each heading one function), the
//! given number of team leaders split among the directors, and everyone else as members of
//! the leaders' teams, whose sizes vary (log-normally) around the average. Everyone has a
//! location, a function and a tenure band. Trust varies by team (each leader has their own
//! standing on each element and a trend across quarters) and by segment (function, location
//! and tenure shift how people rate), plus each rater's leniency and item noise.
//!
//! Answers go into closed campaigns, one per quarter, each with every person who leads someone
//! (the chief, the directors and the team leaders), which invites each leader's self-assessment,
//! their manager and their direct reports. Campaigns are added until the number of answers
//! asked for is reached; about nine in ten invitations of a campaign are answered.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::instrument::{Instrument, Measures};
use trustloop_domain::model::{Element, RaterGroup};
use trustloop_domain::people::{Email, PeopleFile, PersonRow};
use trustloop_domain::privacy::PrivacyRules;
use trustloop_domain::rating::{Rating, SurveyAnswers};
use trustloop_storage::{CampaignId, DynStore, NewCampaign, PeopleQuery, PersonId};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct GenerateOptions {
    /// People in the organisation, everyone included.
    pub people: usize,
    /// Team leaders (besides the chief executive and the directors).
    pub leaders: usize,
    /// Survey answers to store in total, across campaigns.
    pub responses: usize,
    /// Seed of the random generator: the same seed makes the same organisation and answers.
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct Generated {
    /// People imported.
    pub people: usize,
    /// Everyone who leads someone and is rated in each campaign.
    pub campaign_leaders: usize,
    /// The closed campaigns, oldest first.
    pub campaigns: Vec<CampaignId>,
    /// Answers stored in each campaign, in the same order.
    pub answers_per_campaign: Vec<usize>,
}

/// Answers stored per transaction.
const BATCH: usize = 2000;
/// Leaders added at the same time (each is one transaction).
/// In a debug build each add takes several times longer, and even two of them queued behind
/// SQLite's one writer outwaited its busy timeout on a busy machine: one at a time there. In a
/// release build sixteen at once did too (100,000 people, the test suite running beside it):
/// four.
const CONCURRENT_ADDS: usize = if cfg!(debug_assertions) { 1 } else { 4 };

const FUNCTIONS: [(&str, f64); 8] = [
    ("Engineering", 0.05),
    ("Sales", -0.15),
    ("Customer Success", 0.0),
    ("Operations", -0.05),
    ("Product", 0.1),
    ("Finance", -0.1),
    ("People", 0.15),
    ("Marketing", 0.0),
];
const LOCATIONS: [(&str, f64); 6] = [
    ("London", 0.0),
    ("Lisbon", 0.1),
    ("Toronto", 0.05),
    ("Berlin", -0.05),
    ("Singapore", -0.1),
    ("Austin", 0.0),
];
/// Tenure bands, how common each is, and how they shift ratings (newcomers rate higher).
const TENURES: [(&str, f64, f64); 4] = [
    ("under 1 year", 0.2, 0.2),
    ("1-3 years", 0.35, 0.0),
    ("3-5 years", 0.25, -0.1),
    ("over 5 years", 0.2, -0.2),
];
const FIRST: [&str; 30] = [
    "Tomas", "Aiko", "Liam", "Zara", "Noah", "Elif", "Mateo", "Ines", "Oskar", "Leila", "Ravi",
    "Chloe", "Yusuf", "Greta", "Arjun", "Maren", "Kofi", "Lucia", "Emil", "Nadia", "Felix",
    "Amara", "Hugo", "Sana", "Jakob", "Mira", "Elena", "Priya", "Diego", "Hannah",
];
const LAST: [&str; 24] = [
    "Varga", "Tanaka", "Murphy", "Haddad", "Kowalski", "Demir", "Silva", "Costa", "Berg", "Nasser",
    "Iyer", "Dubois", "Aydin", "Holm", "Mehta", "Lund", "Owusu", "Romero", "Novak", "Sato",
    "Okafor", "Rossi", "Becker", "Mensah",
];
const COMMENTS: [&str; 9] = [
    "Keep holding the weekly one-to-ones.",
    "Keep explaining the why behind decisions.",
    "Share decisions earlier, before they reach us through the grapevine.",
    "Give feedback closer to the moment.",
    "Check in with the quieter people in meetings.",
    "Stop changing priorities without explaining why.",
    "Stop cancelling one-to-ones when things get busy.",
    "Follow up on what was agreed in retros.",
    "Say no to some requests so the team can finish what it started.",
];

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u: f64 = rng.random_range(f64::EPSILON..1.0);
    let v: f64 = rng.random_range(0.0..1.0);
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// The generated organisation: the people file and what answers are drawn from.
pub struct Organisation {
    /// The people, ready to import (or to write as CSV).
    pub file: PeopleFile,
    /// How each person's segment (function, location, tenure) shifts their ratings, by email.
    pub segment_shift: HashMap<String, f64>,
    /// Each leader's standing on each element and trend per quarter, by email.
    pub standing: HashMap<String, ([f64; 3], f64)>,
    /// Everyone who leads someone, by email.
    pub leaders: Vec<Email>,
}

impl GenerateOptions {
    /// Directors between the chief and the team leaders: about the square root of the leaders.
    pub fn directors(&self) -> usize {
        ((self.leaders as f64).sqrt().round() as usize).max(1)
    }

    /// Checks that the sizes make an organisation.
    pub fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.leaders >= 1, "--leaders must be at least 1");
        let needed = 1 + self.directors() + 2 * self.leaders;
        anyhow::ensure!(
            self.people >= needed,
            "--people must be at least {needed} for {} leaders: the chief, {} directors, the \
             leaders and at least one member per team",
            self.leaders,
            self.directors()
        );
        anyhow::ensure!(
            self.people <= trustloop_domain::people::MAX_IMPORT_ROWS,
            "--people can be at most {}",
            trustloop_domain::people::MAX_IMPORT_ROWS
        );
        Ok(())
    }
}

/// Builds the organisation described by `options` (see the module documentation).
pub fn organisation(options: &GenerateOptions, rng: &mut StdRng) -> Organisation {
    let directors = options.directors();
    let members = options.people - 1 - directors - options.leaders;
    let mut org = Organisation {
        file: PeopleFile {
            rows: Vec::with_capacity(options.people),
            attribute_names: vec!["function".into(), "location".into(), "tenure".into()],
        },
        segment_shift: HashMap::with_capacity(options.people),
        standing: HashMap::new(),
        leaders: Vec::new(),
    };
    let tenure = |rng: &mut StdRng| {
        let mut draw: f64 = rng.random_range(0.0..1.0);
        for (name, share, shift) in TENURES {
            if draw < share {
                return (name, shift);
            }
            draw -= share;
        }
        (TENURES[3].0, TENURES[3].2)
    };
    let push = |org: &mut Organisation,
                rng: &mut StdRng,
                manager: Option<&Email>,
                team: &str,
                function: usize,
                location: usize|
     -> Email {
        let n = org.file.rows.len();
        let first = FIRST[rng.random_range(0..FIRST.len())];
        let last = LAST[rng.random_range(0..LAST.len())];
        let email = Email::parse(&format!(
            "{}.{}.{n}@org.example",
            first.to_lowercase(),
            last.to_lowercase()
        ))
        .expect("generated emails are valid");
        let (tenure, tenure_shift) = tenure(rng);
        org.segment_shift.insert(
            email.to_string(),
            FUNCTIONS[function].1 + LOCATIONS[location].1 + tenure_shift,
        );
        org.file.rows.push(PersonRow {
            line: n as u64 + 2,
            name: format!("{first} {last}"),
            email: email.clone(),
            manager_email: manager.cloned(),
            team: Some(team.to_string()),
            attributes: vec![
                ("function".into(), FUNCTIONS[function].0.into()),
                ("location".into(), LOCATIONS[location].0.into()),
                ("tenure".into(), tenure.into()),
            ],
        });
        email
    };
    let lead = |org: &mut Organisation, rng: &mut StdRng, email: &Email| {
        let base = 3.7 + 0.35 * normal(rng);
        let standing = [
            base + 0.2 * normal(rng),
            base + 0.2 * normal(rng),
            base + 0.2 * normal(rng),
        ];
        let trend = 0.03 + 0.05 * normal(rng);
        org.standing.insert(email.to_string(), (standing, trend));
        org.leaders.push(email.clone());
    };

    let chief = push(&mut org, rng, None, "Executive", 6, 0);
    lead(&mut org, rng, &chief);
    let mut director_emails = Vec::with_capacity(directors);
    for d in 0..directors {
        let function = d % FUNCTIONS.len();
        let location = rng.random_range(0..LOCATIONS.len());
        let team = format!("{} leadership {}", FUNCTIONS[function].0, d + 1);
        let email = push(&mut org, rng, Some(&chief), &team, function, location);
        lead(&mut org, rng, &email);
        director_emails.push((email, function));
    }
    // Team sizes: one member each, the rest shared in proportion to log-normal weights.
    let weights: Vec<f64> = (0..options.leaders)
        .map(|_| (0.6 * normal(rng)).exp())
        .collect();
    let total: f64 = weights.iter().sum();
    let mut cumulative = Vec::with_capacity(weights.len());
    let mut running = 0.0;
    for w in &weights {
        running += w / total;
        cumulative.push(running);
    }
    let mut sizes = vec![1usize; options.leaders];
    for _ in options.leaders..members {
        let draw: f64 = rng.random_range(0.0..1.0);
        let i = cumulative
            .partition_point(|c| *c < draw)
            .min(options.leaders - 1);
        sizes[i] += 1;
    }
    for (l, size) in sizes.into_iter().enumerate() {
        let (director, function) = &director_emails[l % directors];
        let function = *function;
        let location = rng.random_range(0..LOCATIONS.len());
        let team = format!("{} team {}", FUNCTIONS[function].0, l + 1);
        let leader = push(&mut org, rng, Some(director), &team, function, location);
        lead(&mut org, rng, &leader);
        for _ in 0..size {
            let here = if rng.random_bool(0.8) {
                location
            } else {
                rng.random_range(0..LOCATIONS.len())
            };
            push(&mut org, rng, Some(&leader), &team, function, here);
        }
    }
    org
}

/// One rater's answers to a leader with `standing` in quarter `quarter`.
fn answers(
    rng: &mut StdRng,
    instrument: &Instrument,
    (standing, trend): &([f64; 3], f64),
    quarter: usize,
    shift: f64,
    group: RaterGroup,
) -> SurveyAnswers {
    let leniency = 0.4 * normal(rng)
        + shift
        + if group == RaterGroup::SelfRating {
            0.4
        } else {
            0.0
        };
    let drift = trend * quarter as f64;
    let mut ratings = BTreeMap::new();
    for item in &instrument.items {
        let level = match item.measures {
            Measures::Element(e) => {
                standing[Element::ALL
                    .iter()
                    .position(|x| *x == e)
                    .expect("every element is in ALL")]
            }
            Measures::Overall => standing.iter().sum::<f64>() / 3.0,
        };
        let rating = if rng.random_bool(0.04) {
            Rating::CantSay
        } else {
            let noisy = level + drift + leniency + 0.6 * normal(rng);
            Rating::Score(noisy.round().clamp(
                f64::from(instrument.scale.min),
                f64::from(instrument.scale.max),
            ) as u8)
        };
        ratings.insert(item.code.clone(), rating);
    }
    let mut comments = BTreeMap::new();
    if group != RaterGroup::SelfRating {
        for question in &instrument.open_questions {
            if rng.random_bool(0.3) {
                comments.insert(
                    question.code.clone(),
                    COMMENTS[rng.random_range(0..COMMENTS.len())].to_string(),
                );
            }
        }
    }
    SurveyAnswers { ratings, comments }
}

/// The first day of the quarter `back` quarters before the current one.
fn quarter_start(today: time::Date, back: usize) -> time::Date {
    let index = today.year() * 4 + (today.month() as i32 - 1) / 3 - back as i32;
    let month = time::Month::try_from((index.rem_euclid(4) * 3 + 1) as u8)
        .expect("quarters start in a valid month");
    time::Date::from_calendar_date(index.div_euclid(4), month, 1)
        .expect("the first of a month is a date")
}

fn bar(len: u64, message: &str, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>22} [{bar:40}] {pos}/{len} ({per_sec}, {elapsed}, eta {eta})",
        )
        .expect("the template is valid")
        .progress_chars("=> "),
    );
    bar.set_message(message.to_string());
    bar
}

/// Adds `leaders` to `campaign`, several at once (each is one transaction), and opens it.
pub(crate) async fn open_with_leaders(
    store: &DynStore,
    campaign: CampaignId,
    leaders: impl IntoIterator<Item = PersonId>,
) -> anyhow::Result<()> {
    let mut adding = tokio::task::JoinSet::new();
    for leader in leaders {
        if adding.len() >= CONCURRENT_ADDS {
            adding.join_next().await.context("a task is running")???;
        }
        let store = store.clone();
        adding.spawn(async move { store.add_leader(campaign, leader).await });
    }
    while let Some(done) = adding.join_next().await {
        done??;
    }
    store
        .set_campaign_status(campaign, CampaignStatus::Open)
        .await?;
    Ok(())
}

/// Generates the organisation and its answers into `store` (which should hold no people yet),
/// with progress bars on standard error when `progress` is set.
pub async fn generate(
    store: &DynStore,
    options: &GenerateOptions,
    progress: bool,
) -> anyhow::Result<Generated> {
    options.check()?;
    let mut rng = StdRng::seed_from_u64(options.seed);
    let org = organisation(options, &mut rng);

    let importing = bar(org.file.rows.len() as u64, "importing people", progress);
    let import_bar = importing.clone();
    store
        .import_people(&org.file, &move |n| import_bar.set_position(n as u64))
        .await
        .context("importing the people")?;
    importing.finish();

    let mut ids: HashMap<String, PersonId> = HashMap::with_capacity(org.file.rows.len());
    let mut offset = 0;
    loop {
        let (page, _) = store
            .people(&PeopleQuery {
                search: None,
                offset,
                limit: 20_000,
            })
            .await?;
        if page.is_empty() {
            break;
        }
        offset += page.len() as u64;
        ids.extend(page.into_iter().map(|p| (p.email, p.id)));
    }
    let leader_ids: Vec<PersonId> = org
        .leaders
        .iter()
        .map(|e| {
            ids.get(e.as_str())
                .copied()
                .with_context(|| format!("{e} was not imported"))
        })
        .collect::<anyhow::Result<_>>()?;
    let by_id: HashMap<PersonId, &str> = ids.iter().map(|(e, id)| (*id, e.as_str())).collect();

    // Each leader invites themselves, their manager (all but the chief) and their reports.
    let per_campaign = 2 * leader_ids.len() - 1 + (org.file.rows.len() - 1);
    let campaigns = options.responses.div_ceil((per_campaign * 9 / 10).max(1));
    let instrument = Instrument::current();
    let today = time::OffsetDateTime::now_utc().date();
    let mut generated = Generated {
        people: org.file.rows.len(),
        campaign_leaders: leader_ids.len(),
        ..Generated::default()
    };
    let answering = bar(options.responses as u64, "answers", progress);
    let mut remaining = options.responses;
    for c in 0..campaigns {
        let back = campaigns - c;
        let start = quarter_start(today, back);
        let deadline = quarter_start(today, back - 1) - time::Duration::days(1);
        let name = format!(
            "Q{} {} trust 360",
            (start.month() as u8 - 1) / 3 + 1,
            start.year()
        );
        let campaign = store
            .create_campaign(&NewCampaign {
                name: name.clone(),
                instrument_version: instrument.version,
                deadline,
                rules: PrivacyRules::default(),
                created_on: start,
            })
            .await?;
        answering.set_message(format!("{name}: leaders"));
        open_with_leaders(store, campaign, leader_ids.iter().copied()).await?;
        answering.set_message(format!("{name}: answers"));
        let mut invitations = store.invitations(campaign, None).await?;
        invitations.shuffle(&mut rng);
        let quota = (remaining / (campaigns - c)).min(invitations.len());
        let mut batch = Vec::with_capacity(BATCH);
        for invitation in invitations.iter().take(quota) {
            let leader = by_id
                .get(&invitation.leader_id)
                .context("every leader is known")?;
            let a = answers(
                &mut rng,
                &instrument,
                &org.standing[*leader],
                c,
                org.segment_shift
                    .get(invitation.rater_email.as_str())
                    .copied()
                    .unwrap_or_default(),
                invitation.group,
            );
            batch.push((invitation.id, a));
            if batch.len() == BATCH {
                store.load_responses(&batch, deadline).await?;
                answering.inc(batch.len() as u64);
                batch.clear();
            }
        }
        if !batch.is_empty() {
            store.load_responses(&batch, deadline).await?;
            answering.inc(batch.len() as u64);
        }
        store
            .set_campaign_status(campaign, CampaignStatus::Closed)
            .await?;
        remaining -= quota;
        generated.campaigns.push(campaign);
        generated.answers_per_campaign.push(quota);
    }
    answering.finish();
    Ok(generated)
}

/// Writes a people file as CSV in the import format (name, email, manager_email, team, then
/// its attributes).
pub fn people_csv(file: &PeopleFile) -> String {
    fn field(text: &str) -> String {
        if text.contains([',', '"', '\n']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    }
    let mut out = String::from("name,email,manager_email,team");
    for a in &file.attribute_names {
        out.push(',');
        out.push_str(&field(a));
    }
    out.push('\n');
    for row in &file.rows {
        out.push_str(&field(&row.name));
        out.push(',');
        out.push_str(row.email.as_str());
        out.push(',');
        out.push_str(row.manager_email.as_ref().map_or("", Email::as_str));
        out.push(',');
        out.push_str(&field(row.team.as_deref().unwrap_or_default()));
        for a in &file.attribute_names {
            out.push(',');
            let value = row
                .attributes
                .iter()
                .find(|(n, _)| n == a)
                .map_or("", |(_, v)| v.as_str());
            out.push_str(&field(value));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_organisation_has_the_sizes_asked_for_and_one_root() {
        let options = GenerateOptions {
            people: 2000,
            leaders: 200,
            responses: 0,
            seed: 1,
        };
        let org = organisation(&options, &mut StdRng::seed_from_u64(1));
        assert_eq!(org.file.rows.len(), 2000);
        assert_eq!(org.leaders.len(), 1 + options.directors() + 200);
        let roots = org
            .file
            .rows
            .iter()
            .filter(|r| r.manager_email.is_none())
            .count();
        assert_eq!(roots, 1);
        let parsed = trustloop_domain::people::parse_people_csv(
            people_csv(&org.file).as_bytes(),
            |_: &Email| false,
            |_| {},
        );
        assert_eq!(parsed.map(|p| p.rows.len()).ok(), Some(2000));
    }

    #[test]
    fn quarters_count_back_across_years() {
        let day = time::macros::date!(2026 - 02 - 10);
        assert_eq!(quarter_start(day, 0), time::macros::date!(2026 - 01 - 01));
        assert_eq!(quarter_start(day, 1), time::macros::date!(2025 - 10 - 01));
        assert_eq!(quarter_start(day, 5), time::macros::date!(2024 - 10 - 01));
    }
}
