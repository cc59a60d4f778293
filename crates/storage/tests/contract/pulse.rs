//! The team trust pulse ([`PulseStore`]): series, the scheduler's passes with an injected day,
//! single-use links, answers sealed until their team has k, events and decided figures.

use crate::helpers::*;
use std::collections::BTreeMap;
use time::Duration;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::pulse::{Cadence, EventKind, PulseMeasure, Schedule, Shown};
use trustloop_domain::rating::{Rating, SurveyAnswers};
use trustloop_storage::*;

/// A fresh (token, hash) pair, as the web layer mints them.
fn token() -> (String, String) {
    let token = uuid::Uuid::new_v4().simple().to_string();
    (token.clone(), format!("hash-{token}"))
}

/// Two teams under Dana: Blue (Bea and six members) and Green (Gil and three members).
pub(crate) async fn pulse_org(store: &DynStore) -> (TeamId, TeamId) {
    let mut rows = vec![
        dana(),
        row(
            "Bea Blue",
            "bea@example.org",
            Some("dana@example.org"),
            Some("Blue"),
        ),
        row(
            "Gil Green",
            "gil@example.org",
            Some("dana@example.org"),
            Some("Green"),
        ),
    ];
    for i in 0..6 {
        rows.push(row(
            &format!("Blue {i}"),
            &format!("blue{i}@example.org"),
            Some("bea@example.org"),
            Some("Blue"),
        ));
    }
    for i in 0..3 {
        rows.push(row(
            &format!("Green {i}"),
            &format!("green{i}@example.org"),
            Some("gil@example.org"),
            Some("Green"),
        ));
    }
    import(store, rows).await.expect("imported");
    let teams = store.pulse_teams().await.expect("teams");
    let find = |name: &str| teams.iter().find(|t| t.name == name).expect("team").clone();
    let (blue, green) = (find("Blue"), find("Green"));
    assert_eq!(blue.members, 6, "everyone but the leader answers");
    assert_eq!(blue.leader_name.as_deref(), Some("Bea Blue"));
    assert_eq!(green.members, 3);
    (blue.id, green.id)
}

/// A weekly series with a three-day window from `start`, over `teams`, k = 5.
async fn weekly_series(store: &DynStore, start: time::Date, teams: Vec<TeamId>) -> PulseSeriesId {
    let schedule = Schedule::new(start, Cadence::Weekly, 3, start).expect("valid schedule");
    store
        .create_pulse_series(&NewPulseSeries {
            name: "Weekly pulse".into(),
            teams,
            schedule,
            k: 5,
            alert_points: 5.0,
            members_see_results: true,
            created_by: "admin@example.org".into(),
            created_on: start,
        })
        .await
        .expect("series created")
}

/// `teams` by id.
fn sorted(mut teams: Vec<TeamId>) -> Vec<TeamId> {
    teams.sort();
    teams
}

/// Answers to the pulse with every item rated `score`.
fn answers(score: u8) -> SurveyAnswers {
    SurveyAnswers {
        ratings: Instrument::pulse_current()
            .items
            .iter()
            .map(|i| (i.code.clone(), Rating::Score(score)))
            .collect(),
        comments: BTreeMap::new(),
    }
}

pub(crate) async fn the_scheduler_opens_each_round_once_records_missed_ones_and_catches_up(
    store: DynStore,
) {
    let day0 = today();
    let (blue, green) = pulse_org(&store).await;
    let series = weekly_series(&store, day0, vec![blue, green]).await;
    let stored = store.pulse_series(series).await.expect("series");
    assert_eq!(stored.teams, sorted(vec![blue, green]), "teams by id");
    assert_eq!(
        stored.instrument_version,
        Instrument::pulse_current().version
    );

    let nothing_yet = store
        .advance_pulses(day0 - Duration::days(1), &token)
        .await
        .expect("pass");
    assert!(nothing_yet.opened.is_empty());

    let first = store.advance_pulses(day0, &token).await.expect("pass");
    assert_eq!(first.opened.len(), 1);
    assert_eq!(first.opened[0].index, 0);
    assert_eq!(
        first.opened[0].links.len(),
        9,
        "one link per member, leaders excluded"
    );
    let again = store
        .advance_pulses(day0 + Duration::days(1), &token)
        .await
        .expect("pass");
    assert_eq!(
        again,
        PulseAdvance::default(),
        "a round is never opened twice"
    );

    // Down from day 1 to day 22: round 0 closes, round 1 (day 7) and 2 (day 14) were missed,
    // round 3 (days 21-23) is running.
    let back = store
        .advance_pulses(day0 + Duration::days(22), &token)
        .await
        .expect("pass");
    assert_eq!(back.closed, vec![(series, 0)]);
    assert_eq!(back.missed, vec![(series, 1), (series, 2)]);
    assert_eq!(
        back.opened.iter().map(|o| o.index).collect::<Vec<_>>(),
        vec![3]
    );
    let behind = store
        .advance_pulses(day0 + Duration::days(2), &token)
        .await
        .expect("pass");
    assert_eq!(
        behind.clock_behind,
        vec![series],
        "a clock that jumped back opens nothing"
    );
    let statuses: Vec<(u32, RoundStatus)> = store
        .pulse_rounds(series)
        .await
        .expect("rounds")
        .iter()
        .map(|r| (r.dates.index, r.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (0, RoundStatus::Closed),
            (1, RoundStatus::Missed),
            (2, RoundStatus::Missed),
            (3, RoundStatus::Open)
        ]
    );
}

pub(crate) async fn two_servers_racing_to_open_a_round_open_it_once(store: DynStore) {
    let day0 = today();
    let (blue, green) = pulse_org(&store).await;
    let series = weekly_series(&store, day0, vec![blue, green]).await;
    let (a, b, c) = tokio::join!(
        store.advance_pulses(day0, &token),
        store.advance_pulses(day0, &token),
        store.advance_pulses(day0, &token),
    );
    let opened: usize = [a, b, c]
        .into_iter()
        .map(|pass| pass.expect("each pass succeeds").opened.len())
        .sum();
    assert_eq!(opened, 1, "exactly one server opened the round");
    assert_eq!(store.pulse_rounds(series).await.expect("rounds").len(), 1);
    let teams = store
        .pulse_round_teams(series, None, 0)
        .await
        .expect("round teams");
    let links: usize = teams.iter().map(|t| t.members.len()).sum();
    assert_eq!(links, 9, "one set of links");
}

pub(crate) async fn answers_wait_sealed_until_the_team_has_k_and_a_link_answers_once(
    store: DynStore,
) {
    let day0 = today();
    let (blue, green) = pulse_org(&store).await;
    let series = weekly_series(&store, day0, vec![blue, green]).await;
    let opened = store.advance_pulses(day0, &token).await.expect("pass");
    let links = &opened.opened[0].links;
    let invitation = |link: &PulseLink| {
        let store = store.clone();
        let hash = format!("hash-{}", link.token);
        async move {
            store
                .pulse_invitation_by_token(&hash)
                .await
                .expect("read")
                .expect("the link opens its round")
        }
    };
    let blue_links: Vec<&PulseLink> = links.iter().filter(|l| l.team == blue).collect();
    let green_links: Vec<&PulseLink> = links.iter().filter(|l| l.team == green).collect();
    for link in &blue_links[..4] {
        let found = invitation(link).await;
        assert!(!found.answered);
        store
            .submit_pulse_answer(found.id, &answers(4), day0)
            .await
            .expect("stored");
    }
    assert!(
        store
            .pulse_answers(series, None, 0)
            .await
            .expect("answers")
            .is_empty(),
        "four answers wait sealed"
    );
    let fifth = invitation(blue_links[4]).await;
    store
        .submit_pulse_answer(fifth.id, &answers(5), day0)
        .await
        .expect("stored");
    let released = store
        .pulse_answers(series, Some(&[blue]), 0)
        .await
        .expect("answers");
    assert_eq!(released.len(), 5, "the fifth releases the five");
    assert_eq!(
        released
            .iter()
            .filter(|a| a.scores[&PulseMeasure::TrustIndex] == 100.0)
            .count(),
        1
    );
    assert!(invitation(blue_links[4]).await.answered);
    assert!(matches!(
        store.submit_pulse_answer(fifth.id, &answers(1), day0).await,
        Err(StoreError::Conflict(_))
    ));
    let mine = store
        .open_pulse_invitations(blue_links[5].person)
        .await
        .expect("open links");
    assert_eq!(mine.len(), 1);
    assert!(!mine[0].answered);
    assert!(
        matches!(
            store
                .submit_pulse_answer(mine[0].id, &answers(3), day0 + Duration::days(3))
                .await,
            Err(StoreError::Conflict(_))
        ),
        "after the window nothing is stored"
    );
    for link in &green_links {
        let found = invitation(link).await;
        store
            .submit_pulse_answer(found.id, &answers(2), day0)
            .await
            .expect("stored");
    }
    store
        .advance_pulses(day0 + Duration::days(7), &token)
        .await
        .expect("pass");
    assert!(
        store
            .pulse_answers(series, Some(&[green]), 0)
            .await
            .expect("answers")
            .is_empty(),
        "three answers of a team stay sealed after the round closes"
    );
    let teams = store
        .pulse_round_teams(series, None, 0)
        .await
        .expect("round teams");
    let answered: Vec<(u32, TeamId, usize, u32)> = teams
        .iter()
        .map(|t| (t.index, t.team, t.members.len(), t.answered))
        .collect();
    assert!(answered.contains(&(0, blue, 6, 5)));
    assert!(answered.contains(&(0, green, 3, 3)));
    assert!(
        store
            .open_pulse_invitations(blue_links[5].person)
            .await
            .expect("open")
            .len()
            == 1
    );
}

pub(crate) async fn events_are_kept_per_team_and_figures_are_decided_once(store: DynStore) {
    let day0 = today();
    let (blue, green) = pulse_org(&store).await;
    let series = weekly_series(&store, day0, vec![blue, green]).await;
    store
        .add_pulse_event(&NewPulseEvent {
            kind: EventKind::Reorganisation,
            on: day0,
            note: "Blue and Green merge their on-call".into(),
            teams: vec![blue, green],
            created_by: "admin@example.org".into(),
            created_on: day0,
        })
        .await
        .expect("event");
    store
        .add_pulse_event(&NewPulseEvent {
            kind: EventKind::NewLeader,
            on: day0 - Duration::days(30),
            note: String::new(),
            teams: vec![green],
            created_by: "gil@example.org".into(),
            created_on: day0,
        })
        .await
        .expect("event");
    assert!(matches!(
        store
            .add_pulse_event(&NewPulseEvent {
                kind: EventKind::Other,
                on: day0,
                note: String::new(),
                teams: vec![TeamId(999_999)],
                created_by: "admin@example.org".into(),
                created_on: day0,
            })
            .await,
        Err(StoreError::NotFound(_))
    ));
    let blue_events = store.pulse_events(Some(&[blue])).await.expect("events");
    assert_eq!(blue_events.len(), 1);
    assert_eq!(blue_events[0].teams, sorted(vec![blue, green]));
    let all = store.pulse_events(None).await.expect("events");
    assert_eq!(all[0].kind, EventKind::NewLeader, "oldest first");

    let figure = PulseFigure {
        figure: "team:1:0".into(),
        shown: Shown::Yes,
        people: vec![PersonId(1), PersonId(2)],
    };
    let first = store
        .decide_pulse_figures(series, &|before| {
            assert!(before.is_empty());
            vec![figure.clone()]
        })
        .await
        .expect("decided");
    assert_eq!(first, vec![figure.clone()]);
    let second = store
        .decide_pulse_figures(series, &|before| {
            assert_eq!(before, std::slice::from_ref(&figure));
            vec![PulseFigure {
                shown: Shown::WouldSingleOut { smallest: 1 },
                ..figure.clone()
            }]
        })
        .await
        .expect("decided");
    assert_eq!(second, vec![figure], "a decision never changes");
}

pub(crate) async fn bulk_loaded_pulse_answers_follow_the_same_rule_and_reads_filter_by_team_and_round(
    store: DynStore,
) {
    let day0 = today();
    let (blue, green) = pulse_org(&store).await;
    let series = weekly_series(&store, day0, vec![blue, green]).await;
    assert_eq!(
        store.pulse_team(blue).await.expect("one team"),
        store
            .pulse_teams()
            .await
            .expect("teams")
            .into_iter()
            .find(|t| t.id == blue)
            .expect("listed")
    );
    let invitations = |links: Vec<PulseLink>| {
        let store = store.clone();
        async move {
            let mut found = Vec::new();
            for link in links {
                let hash = format!("hash-{}", link.token);
                let i = store
                    .pulse_invitation_by_token(&hash)
                    .await
                    .expect("read")
                    .expect("link");
                found.push((link.team, i.id));
            }
            found
        }
    };
    let opened = store.advance_pulses(day0, &token).await.expect("pass");
    let links = invitations(opened.opened[0].links.clone()).await;
    let of = |team: TeamId| -> Vec<PulseInvitationId> {
        links
            .iter()
            .filter(|(t, _)| *t == team)
            .map(|(_, i)| *i)
            .collect()
    };
    let (blues, greens) = (of(blue), of(green));
    let load = |ids: &[PulseInvitationId], score: u8| -> Vec<(PulseInvitationId, SurveyAnswers)> {
        ids.iter().map(|i| (*i, answers(score))).collect()
    };
    store
        .load_pulse_answers(&load(&blues[..4], 4), day0)
        .await
        .expect("loaded");
    assert!(
        store
            .pulse_answers(series, None, 0)
            .await
            .expect("read")
            .is_empty(),
        "four wait sealed"
    );
    let mut both = load(&blues[4..], 5);
    both.extend(load(&greens, 2));
    store.load_pulse_answers(&both, day0).await.expect("loaded");
    assert_eq!(
        store
            .pulse_answers(series, Some(&[blue]), 0)
            .await
            .expect("read")
            .len(),
        6
    );
    assert!(
        store
            .pulse_answers(series, Some(&[green]), 0)
            .await
            .expect("read")
            .is_empty()
    );
    assert!(
        matches!(
            store.load_pulse_answers(&load(&blues[..1], 1), day0).await,
            Err(StoreError::Conflict(_))
        ),
        "a link loaded twice refuses the whole load"
    );
    assert_eq!(
        store
            .pulse_answers(series, None, 0)
            .await
            .expect("read")
            .len(),
        6
    );

    let second = store
        .advance_pulses(day0 + Duration::days(7), &token)
        .await
        .expect("pass");
    let links = invitations(second.opened[0].links.clone()).await;
    let blues: Vec<(PulseInvitationId, SurveyAnswers)> = links
        .iter()
        .filter(|(t, _)| *t == blue)
        .map(|(_, i)| (*i, answers(3)))
        .collect();
    store
        .load_pulse_answers(&blues, day0 + Duration::days(7))
        .await
        .expect("loaded");
    let recent = store
        .pulse_answers(series, Some(&[blue]), 1)
        .await
        .expect("read");
    assert_eq!(recent.len(), 6);
    assert!(recent.iter().all(|a| a.index == 1 && a.team == blue));
    let asked = store
        .pulse_round_teams(series, Some(&[blue]), 1)
        .await
        .expect("read");
    assert_eq!(asked.len(), 1);
    assert_eq!(
        (asked[0].index, asked[0].team, asked[0].answered),
        (1, blue, 6)
    );

    let named = |name: &str| PulseFigure {
        figure: name.into(),
        shown: Shown::Yes,
        people: vec![PersonId(1)],
    };
    store
        .decide_pulse_figures(series, &|_| vec![named("team:a:0"), named("team:b:0")])
        .await
        .expect("decided");
    let read = store
        .pulse_figures(series, &["team:b:0".to_string(), "team:c:0".to_string()])
        .await
        .expect("read");
    assert_eq!(
        read,
        vec![named("team:b:0")],
        "only the named figures that were decided"
    );
}
