//! A team's pulse over time, the alerts on a real fall, and the organisation's roll-ups up the
//! reporting lines: every figure decided by the series' people ledger
//! ([`PeopleLedger`]), whose decisions are kept so that they never change.
//!
//! Figures are decided in one order for a series: closed rounds oldest first, within a round
//! every team (by id) before the roll-ups (by manager). A page asking for a team's trend decides
//! every team's figures of the series, not only its own, so that the order does not depend on
//! which page was opened first.

use super::{Standing, own_team, standing, teams_by_id};
use crate::{App, Error, Result};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use trustloop_domain::pulse::{
    Alert, PeopleLedger, PulseMeasure, RoundDates, RoundScores, RoundSums, Shown, alert,
    alert_among, change_between, rounds_around,
};
use trustloop_domain::report::ChangeRow;
use trustloop_storage::{
    PersonId, PulseEvent, PulseFigure, PulseRound, PulseSeries, PulseSeriesId, PulseTeam,
    RoundStatus, RoundTeam, TeamId, TeamRound, User,
};

/// One round of a team or a roll-up.
#[derive(Debug, Clone, Serialize)]
pub struct RoundFigure {
    /// The round's days.
    pub dates: RoundDates,
    /// Open, missed or closed.
    pub status: RoundStatus,
    /// Members asked.
    pub invited: u32,
    /// Members who answered.
    pub answered: u32,
    /// Whether the figure may be shown; `None` until the round closes.
    pub shown: Option<Shown>,
    /// The scores, only when shown.
    pub scores: Option<RoundScores>,
}

/// Two shown rounds compared with the 360's test.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The earlier round.
    pub before: u32,
    /// The later round.
    pub after: u32,
    /// Each measure's change.
    pub rows: Vec<(PulseMeasure, ChangeRow)>,
}

/// A change event with the rounds just before and after it compared.
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    /// The event.
    pub event: PulseEvent,
    /// "Did trust hold through the change?", when both rounds are shown.
    pub around: Option<Comparison>,
}

/// A team's pulse over time.
#[derive(Debug, Clone, Serialize)]
pub struct TeamTrend {
    /// The series.
    pub series: PulseSeries,
    /// The team.
    pub team: PulseTeam,
    /// Every round handled, oldest first.
    pub rounds: Vec<RoundFigure>,
    /// The last shown round against the one shown before it.
    pub since_previous: Option<Comparison>,
    /// The last shown round against the chosen baseline.
    pub since_baseline: Option<Comparison>,
    /// A real fall in the latest closed round.
    pub alert: Option<Alert>,
    /// The team's change events.
    pub events: Vec<EventView>,
}

/// A real fall for a leader's or admin's page.
#[derive(Debug, Clone, Serialize)]
pub struct TeamAlert {
    /// The series.
    pub series: PulseSeriesId,
    /// Its name.
    pub series_name: String,
    /// The team.
    pub team: PulseTeam,
    /// The round that fell.
    pub round: u32,
    /// What fell.
    pub alert: Alert,
}

/// A manager's whole organisation in a series, round by round.
#[derive(Debug, Clone, Serialize)]
pub struct RollUp {
    /// The manager.
    pub manager: PersonId,
    /// Their name.
    pub manager_name: String,
    /// The series' teams under them.
    pub teams: Vec<TeamId>,
    /// Every closed round.
    pub rounds: Vec<RoundFigure>,
    /// The last shown round against the one shown before it.
    pub since_previous: Option<Comparison>,
}

/// Each team of a series over its latest closed round and the one before it, as the
/// organisation's view shows them, with their running sums for the roll-ups: made of closed
/// rounds and decided figures only, so it never changes once worked out.
pub struct ClosedTeams {
    /// Each team's rounds, the change between them and the alert.
    pub lines: HashMap<TeamId, ClosedLine>,
    /// Each team's running sums in those rounds.
    pub sums: Arc<HashMap<(u32, TeamId), TeamRound>>,
}

/// A team's closed rounds in the organisation's view: its latest closed round and the one
/// before it, the change between them and the alert (a team's own page has the rest of its
/// trend).
#[derive(Debug, Clone, Serialize)]
pub struct ClosedLine {
    /// The rounds, oldest first.
    pub rounds: Vec<RoundFigure>,
    /// The last shown round against the one shown before it.
    pub since_previous: Option<Comparison>,
    /// A real fall in the latest closed round.
    pub alert: Option<Alert>,
}

/// One team in the organisation's view.
#[derive(Debug, Clone, Serialize)]
pub struct OrgTeam {
    /// The team.
    pub team: PulseTeam,
    /// Its closed rounds.
    pub line: ClosedLine,
}

/// The organisation over time: each team's latest round and change, and the roll-ups.
#[derive(Debug, Clone, Serialize)]
pub struct OrgPulse {
    /// The series.
    pub series: PulseSeries,
    /// Each team of the series with its rounds.
    pub teams: Vec<OrgTeam>,
    /// Each manager above two or more of the series' teams.
    pub roll_ups: Vec<RollUp>,
}

/// A figure's name in its series.
fn team_figure(team: TeamId, index: u32) -> String {
    format!("team:{team}:{index}")
}

/// A roll-up's name in its series.
fn org_figure(manager: PersonId, index: u32) -> String {
    format!("org:{manager}:{index}")
}

/// A figure waiting for its decision.
struct Candidate {
    figure: String,
    people: Vec<PersonId>,
    answered: u32,
}

/// What a series' pages read once: its rounds, each team's rounds as running sums and the
/// ledger's decisions, for the teams and rounds a page shows.
struct SeriesData {
    series: PulseSeries,
    rounds: Vec<PulseRound>,
    sums: Arc<HashMap<(u32, TeamId), TeamRound>>,
    shown: HashMap<String, Shown>,
}

impl SeriesData {
    /// Reads a series' rounds from `from_round` on, for `teams` (all, when `None`), with the
    /// decisions on their figures and on the roll-ups of `managers` (each with the teams under
    /// them). Figures not decided yet are decided first, for the whole series in its order:
    /// once, after which pages only read the decisions.
    async fn load(
        app: &App,
        id: PulseSeriesId,
        teams: Option<&[TeamId]>,
        from_round: u32,
        managers: &[(PersonId, Vec<TeamId>)],
    ) -> Result<SeriesData> {
        // Three independent reads, each on its own connection.
        let (series, all_rounds, kept) = tokio::try_join!(
            async { Ok::<_, Error>(app.store.pulse_series(id).await?) },
            async { Ok::<_, Error>(app.store.pulse_rounds(id).await?) },
            async { Ok::<_, Error>(app.store.pulse_team_rounds(id, teams, from_round).await?) },
        )?;
        let closed_ever: HashSet<u32> = all_rounds
            .iter()
            .filter(|r| r.status == RoundStatus::Closed)
            .map(|r| r.dates.index)
            .collect();
        let rounds: Vec<PulseRound> = all_rounds
            .into_iter()
            .filter(|r| r.dates.index >= from_round)
            .collect();
        let sums: Arc<HashMap<(u32, TeamId), TeamRound>> =
            Arc::new(kept.into_iter().map(|t| ((t.index, t.team), t)).collect());
        let closed: Vec<u32> = rounds
            .iter()
            .filter(|r| r.status == RoundStatus::Closed)
            .map(|r| r.dates.index)
            .collect();
        let wanted_teams = teams.unwrap_or(&series.teams);
        // A team asked nobody in a round (no member then): it has no figure to decide.
        let names: Vec<String> = closed
            .iter()
            .flat_map(|i| {
                wanted_teams
                    .iter()
                    .filter(|t| sums.contains_key(&(*i, **t)))
                    .map(move |t| team_figure(*t, *i))
                    .chain(managers.iter().map(move |(m, _)| org_figure(*m, *i)))
            })
            .collect();
        let mut found = app.store.pulse_figures(id, &names).await?;
        if found.len() < names.len() {
            // Only closed rounds are decided: an open round's answers are still arriving.
            let everyone: Vec<RoundTeam> = app
                .store
                .pulse_round_teams(id, None, 0)
                .await?
                .into_iter()
                .filter(|t| closed_ever.contains(&t.index))
                .collect();
            let candidates = candidates(&series, &everyone, managers, from_round);
            let k = series.k;
            let wanted: HashSet<&str> = names.iter().map(String::as_str).collect();
            found = app
                .store
                .decide_pulse_figures(id, &|before| decide(k, before, &candidates))
                .await?
                .into_iter()
                .filter(|f| wanted.contains(f.figure.as_str()))
                .collect();
        }
        let shown = found.into_iter().map(|f| (f.figure, f.shown)).collect();
        Ok(SeriesData {
            series,
            rounds,
            sums,
            shown,
        })
    }

    /// The rounds of the teams `teams` taken together, decided as `figure` names them: their
    /// running sums added up.
    fn figures(&self, teams: &[TeamId], figure: impl Fn(u32) -> String) -> Vec<RoundFigure> {
        self.rounds
            .iter()
            .map(|round| {
                let index = round.dates.index;
                let parts: Vec<&TeamRound> = teams
                    .iter()
                    .filter_map(|t| self.sums.get(&(index, *t)))
                    .collect();
                let invited: u32 = parts.iter().map(|t| t.invited).sum();
                let shown = (round.status == RoundStatus::Closed)
                    .then(|| self.shown.get(&figure(index)).copied())
                    .flatten();
                let scores = (shown == Some(Shown::Yes)).then(|| {
                    let mut sums = RoundSums::default();
                    parts.iter().for_each(|t| sums.merge(&t.sums));
                    RoundScores::from_sums(invited, &sums)
                });
                RoundFigure {
                    dates: round.dates,
                    status: round.status,
                    invited,
                    answered: parts.iter().map(|t| t.answered).sum(),
                    shown,
                    scores,
                }
            })
            .collect()
    }
}

/// Every figure of a series in the order it is decided: closed rounds oldest first (`asked`
/// holds who was asked in every round handled), within a round each team by id, then the
/// roll-ups of `managers` in rounds from `roll_ups_from` on.
fn candidates(
    series: &PulseSeries,
    asked: &[RoundTeam],
    managers: &[(PersonId, Vec<TeamId>)],
    roll_ups_from: u32,
) -> Vec<Candidate> {
    let by_key: HashMap<(u32, TeamId), &RoundTeam> =
        asked.iter().map(|t| ((t.index, t.team), t)).collect();
    let mut rounds: Vec<u32> = asked.iter().map(|t| t.index).collect();
    rounds.dedup();
    let mut candidates = Vec::new();
    for index in rounds {
        for team in &series.teams {
            if let Some(t) = by_key.get(&(index, *team)) {
                candidates.push(Candidate {
                    figure: team_figure(*team, index),
                    people: t.members.clone(),
                    answered: t.answered,
                });
            }
        }
        if index < roll_ups_from {
            continue;
        }
        for (manager, under) in managers {
            let parts: Vec<&&RoundTeam> = under
                .iter()
                .filter_map(|t| by_key.get(&(index, *t)))
                .collect();
            candidates.push(Candidate {
                figure: org_figure(*manager, index),
                people: parts
                    .iter()
                    .flat_map(|t| t.members.iter().copied())
                    .collect(),
                answered: parts.iter().map(|t| t.answered).sum(),
            });
        }
    }
    candidates
}

/// The new figures among `candidates`, decided in order against those decided `before`.
fn decide(k: u32, before: &[PulseFigure], candidates: &[Candidate]) -> Vec<PulseFigure> {
    let known: HashSet<&str> = before.iter().map(|f| f.figure.as_str()).collect();
    let fresh: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| !known.contains(c.figure.as_str()))
        .collect();
    if fresh.is_empty() {
        return Vec::new();
    }
    let mut numbers: HashMap<PersonId, usize> = HashMap::new();
    let mut number = |people: &[PersonId]| -> Vec<usize> {
        people
            .iter()
            .map(|p| {
                let next = numbers.len();
                *numbers.entry(*p).or_insert(next)
            })
            .collect()
    };
    let mut ledger = PeopleLedger::new(k, 0);
    for shown in before.iter().filter(|f| f.shown == Shown::Yes) {
        // Shown before, in this order: shown again.
        let _replayed = ledger.try_show_people(&number(&shown.people), u32::MAX);
    }
    fresh
        .into_iter()
        .map(|c| PulseFigure {
            figure: c.figure.clone(),
            shown: ledger.try_show_people(&number(&c.people), c.answered),
            people: c.people.clone(),
        })
        .collect()
}

/// The shown rounds of `figures` with their scores, oldest first.
fn shown_scores(figures: &[RoundFigure]) -> Vec<(RoundDates, &RoundScores)> {
    figures
        .iter()
        .filter_map(|f| Some((f.dates, f.scores.as_ref()?)))
        .collect()
}

/// `after` against `before`, when both are shown.
fn compare(figures: &[RoundFigure], before: u32, after: u32) -> Option<Comparison> {
    let shown = shown_scores(figures);
    let find = |i: u32| shown.iter().find(|(d, _)| d.index == i).map(|(_, s)| *s);
    Some(Comparison {
        before,
        after,
        rows: change_between(find(before)?, find(after)?),
    })
}

/// The last shown round against the one shown before it.
fn since_previous(figures: &[RoundFigure]) -> Option<Comparison> {
    let shown = shown_scores(figures);
    let [.., (a, _), (b, _)] = shown.as_slice() else {
        return None;
    };
    compare(figures, a.index, b.index)
}

/// The alert of the latest closed round against the closed round before it, when both are
/// shown.
fn latest_alert(figures: &[RoundFigure], points: f64) -> Option<(u32, Alert)> {
    let mut closed = figures
        .iter()
        .rev()
        .filter(|f| f.status == RoundStatus::Closed);
    let latest = closed.next()?;
    let before = closed.next()?;
    Some((
        latest.dates.index,
        alert(before.scores.as_ref()?, latest.scores.as_ref()?, points)?,
    ))
}

/// [`latest_alert`] when `since_previous` already compares the latest closed round with the
/// closed round before it (the test is not made twice).
fn latest_alert_after(
    figures: &[RoundFigure],
    since_previous: Option<&Comparison>,
    points: f64,
) -> Option<Alert> {
    let mut closed = figures
        .iter()
        .rev()
        .filter(|f| f.status == RoundStatus::Closed);
    let (latest, before) = (closed.next()?, closed.next()?);
    match since_previous {
        Some(c) if (c.before, c.after) == (before.dates.index, latest.dates.index) => {
            alert_among(c.rows.clone(), points)
        }
        _ => latest_alert(figures, points).map(|(_, a)| a),
    }
}

/// A team's trend, for its leader, an admin, or (when the series says so) its members.
/// `baseline` is the round the latest is compared with besides the previous one.
pub async fn team_trend(
    app: &App,
    user: &User,
    series: PulseSeriesId,
    team: TeamId,
    baseline: Option<u32>,
) -> Result<TeamTrend> {
    let found = match app.store.pulse_team(team).await {
        Err(trustloop_storage::StoreError::NotFound(_)) => {
            return Err(Error::NotFound("team pulse"));
        }
        other => other?,
    };
    let found = &found;
    let own = own_team(app, user).await?;
    let data = SeriesData::load(app, series, Some(&[team]), 0, &[]).await?;
    let allowed = match standing(user, found, own.as_deref()) {
        Standing::Admin | Standing::Leader => true,
        Standing::Member => data.series.members_see_results,
        Standing::Outsider => false,
    };
    if !allowed || !data.series.teams.contains(&team) {
        return Err(Error::NotFound("team pulse"));
    }
    let rounds = data.figures(&[team], |i| team_figure(team, i));
    let last_shown = shown_scores(&rounds).last().map(|(d, _)| d.index);
    let since_baseline = match (baseline, last_shown) {
        (Some(b), Some(last)) if b < last => compare(&rounds, b, last),
        _ => None,
    };
    let shown_dates: Vec<RoundDates> = shown_scores(&rounds).iter().map(|(d, _)| *d).collect();
    let events = app
        .store
        .pulse_events(Some(&[team]))
        .await?
        .into_iter()
        .map(|event| EventView {
            around: rounds_around(&shown_dates, event.on)
                .and_then(|(before, after)| compare(&rounds, before, after)),
            event,
        })
        .collect();
    Ok(TeamTrend {
        since_previous: since_previous(&rounds),
        since_baseline,
        alert: latest_alert(&rounds, data.series.alert_points).map(|(_, a)| a),
        series: data.series,
        team: found.clone(),
        rounds,
        events,
    })
}

/// The alerts for `user`'s page: the teams they lead, or every team for an admin.
pub async fn alerts_for(app: &App, user: &User) -> Result<Vec<TeamAlert>> {
    let teams = teams_by_id(app).await?;
    let admin = user.role == trustloop_storage::Role::Admin;
    let mut alerts = Vec::new();
    for series in app.store.pulse_series_list().await? {
        let mine: Vec<TeamId> = series
            .teams
            .iter()
            .copied()
            .filter(|t| {
                admin
                    || teams
                        .get(t)
                        .is_some_and(|t| t.leader.is_some() && t.leader == user.person_id)
            })
            .collect();
        if mine.is_empty() {
            continue;
        }
        // The latest closed round and the one before it are all an alert needs.
        let latest = app
            .store
            .pulse_rounds(series.id)
            .await?
            .iter()
            .rev()
            .find(|r| r.status == RoundStatus::Closed)
            .map_or(0, |r| r.dates.index);
        let data =
            SeriesData::load(app, series.id, Some(&mine), latest.saturating_sub(1), &[]).await?;
        for team in mine {
            let rounds = data.figures(&[team], |i| team_figure(team, i));
            if let (Some((round, alert)), Some(found)) =
                (latest_alert(&rounds, series.alert_points), teams.get(&team))
            {
                alerts.push(TeamAlert {
                    series: series.id,
                    series_name: series.name.clone(),
                    team: found.clone(),
                    round,
                    alert,
                });
            }
        }
    }
    Ok(alerts)
}

/// The organisation over time for an admin: each team's rounds and the roll-up of every
/// manager above two or more of the series' teams.
pub async fn org_pulse(app: &App, series: PulseSeriesId) -> Result<OrgPulse> {
    // Four independent reads, each on its own connection.
    let (teams, stored, lines, rounds) = tokio::try_join!(
        teams_by_id(app),
        async { Ok::<_, Error>(app.store.pulse_series(series).await?) },
        async { Ok::<_, Error>(app.store.line_managers().await?) },
        async { Ok::<_, Error>(app.store.pulse_rounds(series).await?) },
    )?;
    let managers: HashMap<PersonId, Option<PersonId>> = lines.into_iter().collect();
    // Each team under its leader and every manager above them, found by walking up once per
    // team. Only someone above another team's leader has two teams or more.
    let mut under: BTreeMap<PersonId, Vec<TeamId>> = BTreeMap::new();
    for team in &stored.teams {
        let mut at = teams.get(team).and_then(|t| t.leader);
        let mut seen = HashSet::new();
        // A loop in the lines is refused at import; `seen` only guards against a corrupt one.
        while let Some(m) = at.filter(|m| seen.insert(*m)) {
            under.entry(m).or_default().push(*team);
            at = managers.get(&m).copied().flatten();
        }
    }
    let roll_ups: Vec<(PersonId, Vec<TeamId>)> = under
        .into_iter()
        .filter(|(_, under)| under.len() >= 2)
        .collect();
    // The latest closed round and the one before it: the change since the last round. Only
    // closed rounds are shown, and what they show never changes: each team's lines are worked
    // out once per latest closed round and kept.
    let latest = rounds
        .iter()
        .rev()
        .find(|r| r.status == RoundStatus::Closed)
        .map(|r| r.dates.index);
    let from = latest.map_or(0, |l| l.saturating_sub(1));
    let closed_rounds: Vec<PulseRound> = rounds
        .into_iter()
        .filter(|r| r.status == RoundStatus::Closed && r.dates.index >= from)
        .collect();
    let closed = app
        .cache
        .closed_pulse_teams((series, latest), || async {
            let mut data = SeriesData::load(app, series, None, from, &roll_ups).await?;
            data.rounds.retain(|r| r.status == RoundStatus::Closed);
            let lines = data
                .series
                .teams
                .iter()
                .map(|t| {
                    let rounds = data.figures(&[*t], |i| team_figure(*t, i));
                    let since_previous = since_previous(&rounds);
                    let alert =
                        latest_alert_after(&rounds, since_previous.as_ref(), stored.alert_points);
                    let line = ClosedLine {
                        rounds,
                        since_previous,
                        alert,
                    };
                    (*t, line)
                })
                .collect();
            Ok(ClosedTeams {
                lines,
                sums: data.sums,
            })
        })
        .await?;
    // The roll-ups follow today's reporting lines: their decisions are read (and made, for a
    // manager new to the lines) on each view.
    let names: Vec<String> = closed_rounds
        .iter()
        .flat_map(|r| roll_ups.iter().map(|(m, _)| org_figure(*m, r.dates.index)))
        .collect();
    let mut decided = app.store.pulse_figures(series, &names).await?;
    if decided.len() < names.len() {
        SeriesData::load(app, series, None, from, &roll_ups).await?;
        decided = app.store.pulse_figures(series, &names).await?;
    }
    let data = SeriesData {
        series: stored.clone(),
        rounds: closed_rounds,
        sums: closed.sums.clone(),
        shown: decided.into_iter().map(|f| (f.figure, f.shown)).collect(),
    };
    let team_lines = stored
        .teams
        .iter()
        .filter_map(|t| {
            Some(OrgTeam {
                team: teams.get(t)?.clone(),
                line: closed.lines.get(t)?.clone(),
            })
        })
        .collect();
    // Most managers lead a team themselves: their names are read with the teams.
    let leader_names: HashMap<PersonId, &String> = teams
        .values()
        .filter_map(|t| Some((t.leader?, t.leader_name.as_ref()?)))
        .collect();
    let mut rolled = Vec::new();
    for (manager, under) in roll_ups {
        let rounds = data.figures(&under, |i| org_figure(manager, i));
        let manager_name = match leader_names.get(&manager) {
            Some(name) => (*name).clone(),
            None => app.store.person(manager).await?.name,
        };
        rolled.push(RollUp {
            manager_name,
            manager,
            teams: under,
            since_previous: since_previous(&rounds),
            rounds,
        });
    }
    Ok(OrgPulse {
        series: stored,
        teams: team_lines,
        roll_ups: rolled,
    })
}
