//! The team trust pulse ([`PulseStore`]): series, the scheduler's passes with an injected day,
//! single-use links, answers sealed until their team has k, events and decided figures.

use crate::helpers::*;
use std::collections::BTreeMap;
use time::Duration;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::pulse::{
    Cadence, EventKind, PulseMeasure, RoundScores, RoundSums, Schedule, Shown, change_between,
};
use trustloop_domain::rating::{Rating, SurveyAnswers};
use trustloop_domain::report::ChangeRow;
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

/// One respondent's scores.
type Respondent = BTreeMap<PulseMeasure, f64>;

/// `a` and `b` agree to rounding in the last digits.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

/// Asserts that two rounds' scores (from running sums and from the answers) are the same numbers
/// and words, to rounding in the last digits.
fn assert_same_scores(sums: &RoundScores, answers: &RoundScores, what: &str) {
    let pair = |x: Option<(f64, f64)>, y: Option<(f64, f64)>| match (x, y) {
        (Some(x), Some(y)) => close(x.0, y.0) && close(x.1, y.1),
        (x, y) => x.is_none() && y.is_none(),
    };
    assert_eq!(
        (sums.invited, sums.answered),
        (answers.invited, answers.answered),
        "{what}"
    );
    assert_eq!(
        sums.scores.keys().collect::<Vec<_>>(),
        answers.scores.keys().collect::<Vec<_>>(),
        "{what}"
    );
    for (measure, x) in &sums.scores {
        let y = &answers.scores[measure];
        assert_eq!(
            (x.n, x.reliability, x.more_raters_for_solid),
            (y.n, y.reliability, y.more_raters_for_solid),
            "{what} {measure:?}"
        );
        assert!(close(x.mean, y.mean), "{what} {measure:?}: {x:?} {y:?}");
        assert_eq!(x.sd.is_some(), y.sd.is_some(), "{what} {measure:?}");
        assert!(
            x.sd.zip(y.sd).is_none_or(|(s, t)| close(s, t)),
            "{what} {measure:?}: {x:?} {y:?}"
        );
        assert!(pair(x.ci95, y.ci95), "{what} {measure:?}: {x:?} {y:?}");
        assert!(pair(x.interval, y.interval), "{what} {measure:?}");
    }
}

/// Asserts that the changes between two rounds, from running sums and from the answers, are
/// the same tests.
fn assert_same_changes(sums: &[(PulseMeasure, ChangeRow)], answers: &[(PulseMeasure, ChangeRow)]) {
    assert_eq!(sums.len(), answers.len());
    for ((m, x), (n, y)) in sums.iter().zip(answers) {
        assert_eq!(m, n);
        assert!(close(x.test.difference, y.test.difference), "{m:?}");
        assert!(close(x.test.ci.0, y.test.ci.0) && close(x.test.ci.1, y.test.ci.1));
        assert!(close(x.test.p_value, y.test.p_value), "{m:?}");
        assert_eq!(x.is_real(), y.is_real(), "{m:?}");
        assert!(
            x.detectable
                .zip(y.detectable)
                .is_none_or(|(s, t)| close(s, t))
                && x.detectable.is_some() == y.detectable.is_some()
        );
    }
}

pub(crate) async fn running_sums_of_team_rounds_give_the_scores_of_the_released_answers(
    store: DynStore,
) {
    let day0 = today();
    let mut random = Random(0x9015_e5d5);
    // Five teams under Dana of 3 to 12 members each.
    let mut rows = vec![dana()];
    for t in 0..5 {
        let leader = format!("lead{t}@example.org");
        let name = format!("Team {t}");
        rows.push(row(
            &format!("Lead {t}"),
            &leader,
            Some("dana@example.org"),
            Some(&name),
        ));
        for m in 0..3 + random.next(10) {
            rows.push(row(
                &format!("Member {t}-{m}"),
                &format!("m{t}-{m}@example.org"),
                Some(&leader),
                Some(&name),
            ));
        }
    }
    import(&store, rows).await.expect("imported");
    let teams: Vec<TeamId> = store
        .pulse_teams()
        .await
        .expect("teams")
        .into_iter()
        .filter(|t| t.name.starts_with("Team "))
        .map(|t| t.id)
        .collect();
    let series = weekly_series(&store, day0, teams.clone()).await;
    let pulse = Instrument::pulse_current();
    for week in 0..3 {
        let day = day0 + Duration::weeks(week);
        let opened = store.advance_pulses(day, &token).await.expect("pass");
        let mut bulk = Vec::new();
        for link in &opened.opened[0].links {
            if random.next(5) == 0 {
                continue;
            }
            let id = store
                .pulse_invitation_by_token(&format!("hash-{}", link.token))
                .await
                .expect("read")
                .expect("link")
                .id;
            let given = SurveyAnswers {
                ratings: random.ratings(&pulse),
                comments: BTreeMap::new(),
            };
            // Some answers one by one, the others loaded together.
            if random.next(2) == 0 {
                store
                    .submit_pulse_answer(id, &given, day)
                    .await
                    .expect("stored");
            } else {
                bulk.push((id, given));
            }
        }
        store.load_pulse_answers(&bulk, day).await.expect("loaded");
    }
    store
        .advance_pulses(day0 + Duration::weeks(3), &token)
        .await
        .expect("the last round closes");

    let kept = store
        .pulse_team_rounds(series, None, 0)
        .await
        .expect("sums");
    let asked = store
        .pulse_round_teams(series, None, 0)
        .await
        .expect("asked");
    assert_eq!(kept.len(), asked.len(), "a row per team and round asked");
    let mut by_answers: BTreeMap<(u32, TeamId), Vec<BTreeMap<PulseMeasure, f64>>> = BTreeMap::new();
    for answer in store.pulse_answers(series, None, 0).await.expect("answers") {
        by_answers
            .entry((answer.index, answer.team))
            .or_default()
            .push(answer.scores);
    }
    let mut released_somewhere = false;
    let mut scores = BTreeMap::new();
    for (row, asked) in kept.iter().zip(&asked) {
        assert_eq!((row.index, row.team), (asked.index, asked.team));
        assert_eq!(row.invited as usize, asked.members.len());
        assert_eq!(row.answered, asked.answered);
        let answers = by_answers
            .get(&(row.index, row.team))
            .cloned()
            .unwrap_or_default();
        released_somewhere |= !answers.is_empty();
        let from_sums = RoundScores::from_sums(row.invited, &row.sums);
        let from_answers = RoundScores::from_respondents(row.invited, &answers);
        assert_same_scores(&from_sums, &from_answers, &format!("{row:?}"));
        scores.insert((row.index, row.team), (from_sums, from_answers));
    }
    assert!(released_somewhere, "the data set releases answers");
    // A trend's change from round to round, as the team pages compare them.
    for team in &teams {
        for index in 0..2 {
            if let (Some(before), Some(after)) =
                (scores.get(&(index, *team)), scores.get(&(index + 1, *team)))
            {
                assert_same_changes(
                    &change_between(&before.0, &after.0),
                    &change_between(&before.1, &after.1),
                );
            }
        }
    }
    // The roll-up of every team, round by round: the sums added up against every answer.
    let mut rolled: BTreeMap<u32, (u32, RoundSums, Vec<Respondent>)> = BTreeMap::new();
    for row in &kept {
        let entry = rolled.entry(row.index).or_default();
        entry.0 += row.invited;
        entry.1.merge(&row.sums);
        entry.2.extend(
            by_answers
                .get(&(row.index, row.team))
                .cloned()
                .unwrap_or_default(),
        );
    }
    let rounds: Vec<(RoundScores, RoundScores)> = rolled
        .values()
        .map(|(invited, sums, answers)| {
            let pair = (
                RoundScores::from_sums(*invited, sums),
                RoundScores::from_respondents(*invited, answers),
            );
            assert_same_scores(&pair.0, &pair.1, "the roll-up");
            pair
        })
        .collect();
    assert_same_changes(
        &change_between(&rounds[1].0, &rounds[2].0),
        &change_between(&rounds[1].1, &rounds[2].1),
    );
    // A trend reads one team's rows from a round on (round 3 opened by the last pass).
    let one = store
        .pulse_team_rounds(series, Some(&[teams[0]]), 1)
        .await
        .expect("one team");
    assert_eq!(
        one.iter().map(|r| (r.index, r.team)).collect::<Vec<_>>(),
        vec![(1, teams[0]), (2, teams[0]), (3, teams[0])]
    );
    assert_eq!((one[2].answered, one[2].sums), (0, RoundSums::default()));
}
