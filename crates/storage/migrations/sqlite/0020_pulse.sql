-- The team trust pulse: series of short rounds answered by a team's members about their leader.
-- Numbered 0020 with gaps below it on purpose: other capabilities take 0017-0019, and the
-- migrator applies every file not yet applied whatever its number.

-- A series: its teams, schedule, instrument version, privacy minimum and what members see.
CREATE TABLE pulse_series (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL,
    cadence             TEXT NOT NULL CHECK (cadence IN ('weekly', 'fortnightly', 'monthly', 'quarterly')),
    window_days         INTEGER NOT NULL CHECK (window_days BETWEEN 1 AND 89),
    start_on            TEXT NOT NULL,
    instrument_version  INTEGER NOT NULL,
    min_team            INTEGER NOT NULL CHECK (min_team >= 2),
    alert_points        REAL NOT NULL CHECK (alert_points >= 0),
    members_see_results INTEGER NOT NULL CHECK (members_see_results IN (0, 1)),
    created_by          TEXT NOT NULL,
    created_on          TEXT NOT NULL
);

CREATE TABLE pulse_series_teams (
    series_id INTEGER NOT NULL REFERENCES pulse_series(id) ON DELETE CASCADE,
    team_id   INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    PRIMARY KEY (series_id, team_id)
);
CREATE INDEX pulse_series_teams_by_team ON pulse_series_teams(team_id);

-- A round handled by the scheduler: opened, recorded as missed, or closed. The unique key is
-- what makes exactly one server open a round: a second opener's insert fails and its
-- transaction, links and all, is rolled back.
CREATE TABLE pulse_rounds (
    id          INTEGER PRIMARY KEY,
    series_id   INTEGER NOT NULL REFERENCES pulse_series(id) ON DELETE CASCADE,
    round_index INTEGER NOT NULL,
    opens_on    TEXT NOT NULL,
    closes_on   TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'missed', 'closed')),
    CONSTRAINT pulse_rounds_once UNIQUE (series_id, round_index)
);

-- One single-use link per member per round (the hash of its token only), with the team the
-- member was in when the round opened: the people a round's figure covers.
CREATE TABLE pulse_invitations (
    id         INTEGER PRIMARY KEY,
    round_id   INTEGER NOT NULL REFERENCES pulse_rounds(id) ON DELETE CASCADE,
    team_id    INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    CONSTRAINT pulse_invitations_once UNIQUE (round_id, person_id)
);
CREATE INDEX pulse_invitations_by_person ON pulse_invitations(person_id);
CREATE INDEX pulse_invitations_by_team ON pulse_invitations(team_id, round_id);

-- Ballot marks of answered pulse links (a keyed hash of the invitation, as for the 360): nothing
-- written with an answer names who gave it. The answer tables are ordered by their key (WITHOUT
-- ROWID), never by arrival.
CREATE TABLE pulse_used_ballots (
    mark     BLOB PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES pulse_rounds(id) ON DELETE CASCADE,
    team_id  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX pulse_used_ballots_by_round ON pulse_used_ballots(round_id, team_id);

-- Answers waiting sealed until their team has k waiting in the round (or the round closes with
-- enough released), under random ids.
CREATE TABLE pulse_pending (
    id       TEXT PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES pulse_rounds(id) ON DELETE CASCADE,
    team_id  INTEGER NOT NULL,
    sealed   BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX pulse_pending_by_team ON pulse_pending(round_id, team_id);

-- Released answers as each respondent's scores on 0-100 (NULL: "can't say"), under random ids
-- and written in random order.
CREATE TABLE pulse_answers (
    id            TEXT PRIMARY KEY,
    round_id      INTEGER NOT NULL REFERENCES pulse_rounds(id) ON DELETE CASCADE,
    team_id       INTEGER NOT NULL,
    trust_index   REAL,
    relationships REAL,
    judgement     REAL,
    consistency   REAL,
    overall       REAL
) WITHOUT ROWID;
CREATE INDEX pulse_answers_by_team ON pulse_answers(team_id, round_id);

-- Change events on teams' timelines.
CREATE TABLE pulse_events (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('reorganisation', 'new_leader', 'layoffs', 'new_strategy', 'office_move', 'other')),
    happened   TEXT NOT NULL,
    note       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_on TEXT NOT NULL
);
CREATE TABLE pulse_event_teams (
    event_id INTEGER NOT NULL REFERENCES pulse_events(id) ON DELETE CASCADE,
    team_id  INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    PRIMARY KEY (event_id, team_id)
);
CREATE INDEX pulse_event_teams_by_team ON pulse_event_teams(team_id);

-- Each figure of a series decided by the people ledger (a team's round, a roll-up's round), in
-- the order decided, with its decision and the people it covers (JSON array of person ids), so
-- that a decision never changes and later figures are checked against everything shown.
CREATE TABLE pulse_figures (
    id        INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL REFERENCES pulse_series(id) ON DELETE CASCADE,
    figure    TEXT NOT NULL,
    shown     TEXT NOT NULL CHECK (shown IN ('yes', 'not_enough_answers', 'would_single_out')),
    smallest  INTEGER NOT NULL,
    people    TEXT NOT NULL,
    CONSTRAINT pulse_figures_once UNIQUE (series_id, figure)
);
