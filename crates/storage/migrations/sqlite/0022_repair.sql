-- Repairing trust after a breach: the breach, the people it affected, the steps taken, the
-- commitments made as amends, and the recovery pulse (its rounds, single-use links, answers
-- sealed until k when anonymous, or kept with the respondent's name when named).
-- Numbered 0022: 0021 belongs to another capability; the migrator applies every file not yet
-- applied whatever its number.

-- A breach as the leader (or an admin for them) recorded it, and its recovery pulse's setting:
-- not started, skipped, or running anonymous or named from a day with a k and an instrument.
CREATE TABLE repairs (
    id                 INTEGER PRIMARY KEY,
    leader_id          INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    what               TEXT NOT NULL,
    happened           TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('competence', 'integrity')),
    element            TEXT NOT NULL CHECK (element IN ('relationships', 'judgement', 'consistency')),
    recorded_by        TEXT NOT NULL,
    by_admin           INTEGER NOT NULL CHECK (by_admin IN (0, 1)),
    created_on         TEXT NOT NULL,
    closed_on          TEXT,
    recovery           TEXT NOT NULL DEFAULT 'not_started'
                       CHECK (recovery IN ('not_started', 'skipped', 'anonymous', 'named')),
    recovery_started   TEXT,
    recovery_k         INTEGER,
    instrument_version INTEGER
);
CREATE INDEX repairs_by_leader ON repairs(leader_id);

-- The people a breach affected (teams resolved to their members when it was recorded).
CREATE TABLE repair_people (
    repair_id INTEGER NOT NULL REFERENCES repairs(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (repair_id, person_id)
);
CREATE INDEX repair_people_by_person ON repair_people(person_id);

-- The teams named when it was recorded (their members are in repair_people).
CREATE TABLE repair_teams (
    repair_id INTEGER NOT NULL REFERENCES repairs(id) ON DELETE CASCADE,
    team_id   INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    PRIMARY KEY (repair_id, team_id)
);

-- Each step done, once, with its day and note.
CREATE TABLE repair_steps (
    repair_id INTEGER NOT NULL REFERENCES repairs(id) ON DELETE CASCADE,
    step      TEXT NOT NULL CHECK (step IN ('acknowledge', 'apologise', 'take_responsibility', 'make_amends')),
    done_on   TEXT NOT NULL,
    note      TEXT NOT NULL,
    PRIMARY KEY (repair_id, step)
);

-- The say-do ledger's commitments made as amends.
CREATE TABLE repair_amends (
    repair_id     INTEGER NOT NULL REFERENCES repairs(id) ON DELETE CASCADE,
    commitment_id INTEGER NOT NULL REFERENCES commitments(id) ON DELETE CASCADE,
    PRIMARY KEY (repair_id, commitment_id)
);

-- A recovery round handled by the scheduler (0 before the amends, 1 and 2 two and six weeks
-- after). The unique key makes exactly one server open a round.
CREATE TABLE recovery_rounds (
    id          INTEGER PRIMARY KEY,
    repair_id   INTEGER NOT NULL REFERENCES repairs(id) ON DELETE CASCADE,
    round_index INTEGER NOT NULL CHECK (round_index BETWEEN 0 AND 2),
    opens_on    TEXT NOT NULL,
    closes_on   TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'missed', 'closed')),
    CONSTRAINT recovery_rounds_once UNIQUE (repair_id, round_index)
);

-- One single-use link per affected person per round (the hash of its token only).
CREATE TABLE recovery_invitations (
    id         INTEGER PRIMARY KEY,
    round_id   INTEGER NOT NULL REFERENCES recovery_rounds(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    CONSTRAINT recovery_invitations_once UNIQUE (round_id, person_id)
);
CREATE INDEX recovery_invitations_by_person ON recovery_invitations(person_id);

-- Ballot marks of answered links (a keyed hash of the invitation, as for the pulse): nothing
-- written with an anonymous answer names who gave it.
CREATE TABLE recovery_used_ballots (
    mark     BLOB PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES recovery_rounds(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX recovery_used_ballots_by_round ON recovery_used_ballots(round_id);

-- Anonymous answers waiting sealed until the round has k waiting (or closes with k in all),
-- under random ids.
CREATE TABLE recovery_pending (
    id       TEXT PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES recovery_rounds(id) ON DELETE CASCADE,
    sealed   BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX recovery_pending_by_round ON recovery_pending(round_id);

-- Released anonymous answers as scores on 0-100 (NULL: "can't say"), under random ids and
-- written in random order.
CREATE TABLE recovery_answers (
    id       TEXT PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES recovery_rounds(id) ON DELETE CASCADE,
    overall  REAL,
    element  REAL
) WITHOUT ROWID;
CREATE INDEX recovery_answers_by_round ON recovery_answers(round_id);

-- Answers to a named recovery pulse (fewer than k affected): each respondent was told before
-- answering that the leader sees their name beside it.
CREATE TABLE recovery_named_answers (
    round_id  INTEGER NOT NULL REFERENCES recovery_rounds(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    overall   REAL,
    element   REAL,
    PRIMARY KEY (round_id, person_id)
);
