//! The demo organisation: about 60 people in eight teams with a reporting line, eight leaders, a
//! closed 360 campaign with generated answers (so every report page has data), an open one,
//! lessons in progress (some read, some checks passed, a reflection of the demo leader's, so
//! the learner's page and the admin's view of learning by team have data), a plan and a ledger
//! (`demo/ledger.rs`), a year of weekly team pulses (`demo_pulse.rs`), a year of feedback
//! with open requests (`demo/feedback.rs`), and repairs of trust after a breach
//! (`demo/repair.rs`).
//! Everything is generated from a fixed seed, so every demo looks the same.

mod feedback;
mod ledger;
mod outcomes;
// Breach repair.
mod repair;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::instrument::{Instrument, Measures};
use trustloop_domain::learning::{Lesson, Library, PASS_MARK};
use trustloop_domain::model::{Element, RaterGroup};
use trustloop_domain::people::{Email, PeopleFile, PersonRow};
use trustloop_domain::privacy::PrivacyRules;
use trustloop_domain::rating::{Rating, SurveyAnswers};
use trustloop_storage::{
    CampaignId, CheckAttempt, DynStore, LessonVersion, LinkHolder, NewCampaign, NewNomination,
    NewUser, PeopleQuery, PersonId, RaterDecision, Role, UserId,
};

/// A demo sign-in.
pub struct DemoAccount {
    /// What it shows of the product: admin, leader, manager (a leader whose reports' rater
    /// nominations await their approval) or member.
    pub shown_as: &'static str,
    /// Its role: admin, leader or member.
    pub role: &'static str,
    /// The sign-in email.
    pub email: &'static str,
    /// The password (demo only: the demo listens on this computer alone).
    pub password: &'static str,
}

/// The demo sign-ins printed at start-up.
pub const ACCOUNTS: [DemoAccount; 4] = [
    DemoAccount {
        shown_as: "admin",
        role: "admin",
        email: "admin@demo.trustloop.test",
        password: "demo-admin-2026",
    },
    DemoAccount {
        shown_as: "leader",
        role: "leader",
        email: "maya.okafor@demo.trustloop.test",
        password: "demo-leader-2026",
    },
    DemoAccount {
        shown_as: "manager",
        role: "leader",
        email: "elena.rossi@demo.trustloop.test",
        password: "demo-manager-2026",
    },
    DemoAccount {
        shown_as: "member",
        role: "member",
        email: "tomas.varga@demo.trustloop.test",
        password: "demo-member-2026",
    },
];

const DOMAIN: &str = "demo.trustloop.test";

/// The demo leader's email (the "leader" sign-in).
const MAYA_EMAIL: &str = "maya.okafor@demo.trustloop.test";

/// The teams, their leader's name and function.
const TEAMS: [(&str, &str, &str); 7] = [
    ("Platform", "Maya Okafor", "Engineering"),
    ("Mobile", "Jonas Lindqvist", "Engineering"),
    ("Customer Success", "Priya Raman", "Customer"),
    ("Sales", "Diego Alvarez", "Sales"),
    ("Finance", "Hannah Becker", "Operations"),
    ("People", "Kwame Mensah", "Operations"),
    ("Design", "Sofia Marino", "Product"),
];

const FIRST: [&str; 26] = [
    "Tomas", "Aiko", "Liam", "Zara", "Noah", "Elif", "Mateo", "Ines", "Oskar", "Leila", "Ravi",
    "Chloe", "Yusuf", "Greta", "Arjun", "Maren", "Kofi", "Lucia", "Emil", "Nadia", "Felix",
    "Amara", "Hugo", "Sana", "Jakob", "Mira",
];
const LAST: [&str; 20] = [
    "Varga", "Tanaka", "Murphy", "Haddad", "Kowalski", "Demir", "Silva", "Costa", "Berg", "Nasser",
    "Iyer", "Dubois", "Aydin", "Holm", "Mehta", "Lund", "Owusu", "Romero", "Novak", "Sato",
];
const LOCATIONS: [&str; 3] = ["London", "Lisbon", "Toronto"];

const COMMENTS: [(&str, [&str; 6]); 3] = [
    (
        "continue",
        [
            "Keep holding the weekly one-to-ones; they are the best part of my week.",
            "Carry on explaining the why behind decisions, it helps a lot.",
            "Keep being open about mistakes, it makes it safe for the rest of us.",
            "Continue protecting the team from last-minute changes.",
            "Keep asking for our input before plans are fixed.",
            "Keep following up on what was agreed in retros.",
        ],
    ),
    (
        "start",
        [
            "Share decisions earlier, before they reach us through the grapevine.",
            "Give feedback closer to the moment rather than saving it for reviews.",
            "Say no to some requests so the team can finish what it started.",
            "Check in with the quieter people in meetings.",
            "Write down commitments made in meetings and revisit them.",
            "Explain how priorities are traded off between teams.",
        ],
    ),
    (
        "stop",
        [
            "Stop changing priorities mid-sprint without explaining why.",
            "Stop answering for the team in cross-team meetings.",
            "Stop promising dates to customers before checking with us.",
            "Stop cancelling one-to-ones when things get busy.",
            "Stop debating in chat what would take five minutes to talk through.",
            "Stop taking on every escalation personally.",
        ],
    ),
];

fn email_of(name: &str) -> Email {
    let local = name.to_lowercase().replace(' ', ".");
    Email::parse(&format!("{local}@{DOMAIN}")).expect("demo emails are valid")
}

/// The demo organisation as a people file: a chief executive, seven team leaders and their teams.
pub fn organisation(rng: &mut StdRng) -> PeopleFile {
    let mut rows = Vec::new();
    let mut line = 1;
    let mut push =
        |name: String, manager: Option<Email>, team: &str, function: &str, location: &str| {
            line += 1;
            rows.push(PersonRow {
                line,
                email: email_of(&name),
                name,
                manager_email: manager,
                team: Some(team.to_string()),
                attributes: vec![
                    ("function".into(), function.into()),
                    ("location".into(), location.into()),
                ],
            });
        };
    let ceo = "Elena Rossi".to_string();
    push(ceo.clone(), None, "Leadership", "Leadership", "London");
    let mut used = std::collections::HashSet::new();
    for (i, (team, leader, function)) in TEAMS.iter().enumerate() {
        let location = LOCATIONS[i % LOCATIONS.len()];
        push(
            leader.to_string(),
            Some(email_of(&ceo)),
            team,
            function,
            location,
        );
        let size = if i < 3 { 8 } else { 7 };
        let mut added = 0;
        // Tomas Varga is the demo member and works in Maya Okafor's team.
        if i == 0 {
            used.insert("Tomas Varga".to_string());
            push(
                "Tomas Varga".into(),
                Some(email_of(leader)),
                team,
                function,
                location,
            );
            added += 1;
        }
        while added < size {
            let name = format!(
                "{} {}",
                FIRST[rng.random_range(0..FIRST.len())],
                LAST[rng.random_range(0..LAST.len())]
            );
            if !used.insert(name.clone()) {
                continue;
            }
            let location = if rng.random_bool(0.8) {
                location
            } else {
                LOCATIONS[rng.random_range(0..3)]
            };
            push(name, Some(email_of(leader)), team, function, location);
            added += 1;
        }
    }
    PeopleFile {
        rows,
        attribute_names: vec!["function".into(), "location".into()],
    }
}

/// A leader's true standing on each element (on the 1–5 scale), from which answers are drawn.
fn leader_profile(rng: &mut StdRng) -> BTreeMap<Element, f64> {
    Element::ALL
        .into_iter()
        .map(|e| (e, rng.random_range(3.1..4.3)))
        .collect()
}

/// One rater's answers: the leader's standing plus the rater's leniency plus item noise; self
/// ratings run a little high, as they do in real 360s.
fn answers(
    rng: &mut StdRng,
    instrument: &Instrument,
    profile: &BTreeMap<Element, f64>,
    group: RaterGroup,
) -> SurveyAnswers {
    let leniency: f64 = rng.random_range(-0.5..0.5)
        + if group == RaterGroup::SelfRating {
            0.4
        } else {
            0.0
        };
    let mut ratings = BTreeMap::new();
    for item in &instrument.items {
        let level = match item.measures {
            Measures::Element(e) => profile[&e],
            Measures::Overall => profile.values().sum::<f64>() / 3.0,
        };
        let rating = if rng.random_bool(0.04) {
            Rating::CantSay
        } else {
            let noisy = level + leniency + rng.random_range(-0.9..0.9);
            Rating::Score(noisy.round().clamp(1.0, 5.0) as u8)
        };
        ratings.insert(item.code.clone(), rating);
    }
    let mut comments = BTreeMap::new();
    if group != RaterGroup::SelfRating {
        for (code, pool) in COMMENTS {
            if rng.random_bool(0.55) {
                comments.insert(
                    code.to_string(),
                    pool[rng.random_range(0..pool.len())].to_string(),
                );
            }
        }
    }
    SurveyAnswers { ratings, comments }
}

/// What seeding produced.
pub struct Seeded {
    /// A survey link of the open campaign that a demo user can try, when seeding ran now.
    pub sample_link: Option<String>,
    /// A confirmation link of one of the demo leader's commitments, when seeding ran now.
    pub confirmation_link: Option<String>,
}

/// Loads the demo organisation into an empty database; does nothing when people already exist.
pub async fn seed_if_empty(store: &DynStore, base_url: &str) -> anyhow::Result<Seeded> {
    let (_, existing) = store
        .people(&PeopleQuery {
            limit: 0,
            ..PeopleQuery::default()
        })
        .await?;
    if existing > 0 {
        return Ok(Seeded {
            sample_link: None,
            confirmation_link: None,
        });
    }
    let mut rng = StdRng::seed_from_u64(2026);
    let file = organisation(&mut rng);
    store.import_people(&file, &|_| {}).await?;
    let instrument = Instrument::current();
    let today = time::OffsetDateTime::now_utc().date();

    let mut users = Vec::new();
    for account in &ACCOUNTS {
        let email = Email::parse(account.email).expect("demo emails are valid");
        let person = store.person_by_email(&email).await?;
        let user = store
            .create_user(&NewUser {
                display_name: person
                    .as_ref()
                    .map_or("Demo admin".into(), |p| p.name.clone()),
                email,
                role: Role::from_slug(account.role).expect("demo roles are valid"),
                person_id: person.map(|p| p.id),
                password_hash: Some(
                    trustloop_app::accounts::hash_password(account.password.into()).await?,
                ),
            })
            .await?;
        users.push((account.shown_as, user));
    }
    let user = |shown_as: &str| {
        users
            .iter()
            .find(|(s, _)| *s == shown_as)
            .map(|(_, user)| *user)
            .ok_or_else(|| anyhow::anyhow!("no demo {shown_as} account"))
    };
    let choosers = Choosers {
        admin: user("admin")?,
        maya: user("leader")?,
        elena: user("manager")?,
    };

    let ceo = person_id(store, "Elena Rossi").await?;
    let mut leaders = vec![ceo];
    for (_, name, _) in TEAMS {
        leaders.push(person_id(store, name).await?);
    }

    // The closed campaign: all eight leaders, answered and closed, so reports have data.
    let closed = store
        .create_campaign(&NewCampaign {
            name: "Spring trust 360".into(),
            instrument_version: instrument.version,
            deadline: today,
            rules: PrivacyRules::default(),
            created_on: today,
        })
        .await?;
    add_leaders_with_peers(store, &choosers, closed, &leaders).await?;
    store
        .set_campaign_status(closed, CampaignStatus::Open)
        .await?;
    let profiles: BTreeMap<PersonId, BTreeMap<Element, f64>> = leaders
        .iter()
        .map(|l| (*l, leader_profile(&mut rng)))
        .collect();
    for invitation in store.invitations(closed, None).await? {
        // Most people answer; a few never do.
        if invitation.group != RaterGroup::SelfRating && rng.random_bool(0.12) {
            continue;
        }
        let a = answers(
            &mut rng,
            &instrument,
            &profiles[&invitation.leader_id],
            invitation.group,
        );
        store.submit_response(invitation.id, &a, today).await?;
    }
    store
        .set_campaign_status(closed, CampaignStatus::Closed)
        .await?;
    let confirmation = ledger::seed(store, &mut rng, closed, &leaders, today).await?;
    // Its own random numbers, so that the rest of the demo draws what it drew before.
    outcomes::seed(store, &mut StdRng::seed_from_u64(2027), closed, today).await?;

    // The open campaign: three leaders, links issued, a few answers in.
    let open = store
        .create_campaign(&NewCampaign {
            name: "Autumn trust 360".into(),
            instrument_version: instrument.version,
            deadline: today + time::Duration::days(21),
            rules: PrivacyRules::default(),
            created_on: today,
        })
        .await?;
    add_leaders_with_peers(store, &choosers, open, &leaders[1..4]).await?;
    store
        .set_campaign_status(open, CampaignStatus::Open)
        .await?;
    let issued = store
        .issue_links(
            open,
            false,
            LinkHolder::Program,
            &trustloop_app::tokens::new_link,
        )
        .await?;
    let mut sample_link = None;
    for (invitation, token) in issued.links {
        if invitation.group == RaterGroup::SelfRating {
            continue;
        }
        if rng.random_bool(0.4) {
            let a = answers(
                &mut rng,
                &instrument,
                &profiles[&invitation.leader_id],
                invitation.group,
            );
            store.submit_response(invitation.id, &a, today).await?;
        } else if sample_link.is_none()
            && invitation.group == RaterGroup::DirectReport
            && invitation.leader_id == leaders[1]
        {
            // The printed sample link is always for Maya Okafor, the demo leader.
            sample_link = Some(format!("{base_url}/s/{token}"));
        }
    }
    seed_learning(store, &file, &mut rng).await?;
    let teams: Vec<&str> = TEAMS.iter().map(|(team, _, _)| *team).collect();
    crate::demo_pulse::seed(store, &teams, today).await?;
    let tomas = person_id(store, "Tomas Varga").await?;
    feedback::seed(store, &leaders, tomas, today).await?;
    // Breach repair: Maya's repair under way and one just recorded.
    repair::seed(store, &mut rng, leaders[1], today).await?;
    Ok(Seeded {
        sample_link,
        confirmation_link: confirmation.map(|token| format!("{base_url}/confirm/{token}")),
    })
}

/// Lessons in progress: Maya Okafor (the demo leader) has read the first two lessons, passed the
/// first check, failed the second once and written a reflection; six people in each of three
/// teams have opened lessons, some read and some checks passed.
async fn seed_learning(
    store: &DynStore,
    file: &PeopleFile,
    rng: &mut StdRng,
) -> anyhow::Result<()> {
    let library = Library::built_in();
    let lessons = library.lessons();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let version = |lesson: &Lesson| LessonVersion {
        lesson: lesson.id.clone(),
        version: lesson.version,
    };
    let maya = person_id(store, "Maya Okafor").await?;
    for (n, lesson) in lessons.iter().take(2).enumerate() {
        store
            .record_lesson_read(maya, &version(lesson), now - 86_400 * 3)
            .await?;
        let score = if n == 0 { 100 } else { 60 };
        store
            .record_check_attempt(
                maya,
                &version(lesson),
                CheckAttempt {
                    at: now - 86_400 * 2,
                    score,
                    passed: score >= PASS_MARK,
                },
            )
            .await?;
    }
    if let Some(lesson) = lessons.first()
        && let Some(prompt) = lesson.reflections.first()
    {
        store
            .save_reflection(
                maya,
                &lesson.id,
                &prompt.id,
                "My first manager: she told us early when plans changed, and she always came back on what she said she would.",
                now - 86_400 * 2,
            )
            .await?;
    }
    if let Some(lesson) = library.for_element(Element::Consistency) {
        store
            .record_lesson_opened(maya, &version(lesson), now - 86_400)
            .await?;
    }
    // Six people in each of three teams: enough for those teams to show in the admin's view of
    // learning (k = 5), few enough writes to keep the demo quick to seed.
    for (team, _, _) in &TEAMS[..3] {
        let members = file
            .rows
            .iter()
            .filter(|r| r.team.as_deref() == Some(*team) && r.email.as_str() != MAYA_EMAIL)
            .take(6);
        for row in members {
            let person = person_id(store, &row.name).await?;
            let started = rng.random_range(1..=3);
            for lesson in &lessons[..started] {
                let at = now - 86_400 * rng.random_range(1..30);
                if !rng.random_bool(0.75) {
                    store
                        .record_lesson_opened(person, &version(lesson), at)
                        .await?;
                    continue;
                }
                store
                    .record_lesson_read(person, &version(lesson), at)
                    .await?;
                if rng.random_bool(0.6) {
                    let score = [40, 60, 80, 100][rng.random_range(0..4)];
                    let attempt = CheckAttempt {
                        at,
                        score,
                        passed: score >= PASS_MARK,
                    };
                    store
                        .record_check_attempt(person, &version(lesson), attempt)
                        .await?;
                }
            }
        }
    }
    Ok(())
}

async fn person_id(store: &DynStore, name: &str) -> anyhow::Result<PersonId> {
    Ok(store
        .person_by_email(&email_of(name))
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo person {name} is missing"))?
        .id)
}

/// The demo accounts that choose raters: the admin, Maya Okafor (a leader) and Elena Rossi (the
/// chief executive, every team leader's manager).
struct Choosers {
    admin: UserId,
    maya: UserId,
    elena: UserId,
}

/// Nominates a rater for `leader` as `by`, and approves them as `approver` (who confirms a
/// rater from outside the directory), as the rules ask: nobody approves their own nomination.
async fn nominate_and_approve(
    store: &DynStore,
    campaign: CampaignId,
    leader: PersonId,
    rater: (RaterGroup, String, Email),
    by: UserId,
    approver: UserId,
) -> anyhow::Result<()> {
    let (group, rater_name, rater_email) = rater;
    let nominated = store
        .nominate(&NewNomination {
            campaign_id: campaign,
            leader_id: leader,
            group,
            rater_name,
            rater_email,
            by,
        })
        .await?;
    store
        .approve_rater(&RaterDecision {
            invitation: nominated.id,
            by: approver,
            outside_confirmed: true,
        })
        .await?;
    Ok(())
}

/// Adds each leader (which invites self, manager and direct reports) and three peers among the
/// other leaders, nominated by the leader when they have an account (Maya) or by the admin on
/// their behalf, and approved by their manager, Elena Rossi; Elena herself nominates three
/// outside "others", which the admin approves.
async fn add_leaders_with_peers(
    store: &DynStore,
    choosers: &Choosers,
    campaign: CampaignId,
    leaders: &[PersonId],
) -> anyhow::Result<()> {
    let heads: Vec<PersonId> = {
        let mut v = Vec::new();
        for (_, name, _) in TEAMS {
            v.push(person_id(store, name).await?);
        }
        v
    };
    let maya = person_id(store, "Maya Okafor").await?;
    for (i, leader) in leaders.iter().enumerate() {
        store.add_leader(campaign, *leader).await?;
        let person = store.person(*leader).await?;
        if person.manager_id.is_none() {
            for (name, org) in [
                ("Ruth Adeyemi", "board"),
                ("Marco Conti", "board"),
                ("Lena Fischer", "partner"),
            ] {
                let email = Email::parse(&format!(
                    "{}@{org}.example.org",
                    name.to_lowercase().replace(' ', ".")
                ))
                .expect("valid");
                let rater = (RaterGroup::Other, name.to_string(), email);
                nominate_and_approve(
                    store,
                    campaign,
                    *leader,
                    rater,
                    choosers.elena,
                    choosers.admin,
                )
                .await?;
            }
            continue;
        }
        let nominator = if *leader == maya {
            choosers.maya
        } else {
            choosers.admin
        };
        for offset in 1..=4 {
            let peer = heads[(i + offset) % heads.len()];
            if peer == *leader {
                continue;
            }
            let p = store.person(peer).await?;
            let email = Email::parse(&p.email).expect("stored emails are valid");
            let rater = (RaterGroup::Peer, p.name, email);
            nominate_and_approve(store, campaign, *leader, rater, nominator, choosers.elena)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_organisation_has_sixty_people_eight_leaders_and_one_root() {
        let file = organisation(&mut StdRng::seed_from_u64(2026));
        assert_eq!(file.rows.len(), 60);
        let roots = file
            .rows
            .iter()
            .filter(|r| r.manager_email.is_none())
            .count();
        assert_eq!(roots, 1);
        let managers: std::collections::HashSet<_> = file
            .rows
            .iter()
            .filter_map(|r| r.manager_email.clone())
            .collect();
        assert_eq!(managers.len(), 8);
        for account in &ACCOUNTS[1..] {
            assert!(
                file.rows.iter().any(|r| r.email.as_str() == account.email),
                "{}",
                account.email
            );
        }
    }
}
