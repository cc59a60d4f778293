-- Trustloop foundation schema (SQLite). An applied migration never changes: add a new file.

CREATE TABLE teams (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE people (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL UNIQUE,
    manager_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
    team_id    INTEGER REFERENCES teams(id) ON DELETE SET NULL
);
CREATE INDEX people_manager ON people(manager_id);
CREATE INDEX people_team ON people(team_id);

CREATE TABLE person_attributes (
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (person_id, name)
) WITHOUT ROWID;

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'leader', 'member')),
    person_id     INTEGER REFERENCES people(id) ON DELETE SET NULL,
    password_hash TEXT
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);

-- Instrument versions are data; a campaign refers to the version it opened with.
CREATE TABLE instruments (
    version    INTEGER PRIMARY KEY,
    definition TEXT NOT NULL
);

CREATE TABLE campaigns (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    instrument_version INTEGER NOT NULL REFERENCES instruments(version),
    deadline           TEXT NOT NULL,
    min_rater_group    INTEGER NOT NULL,
    min_team           INTEGER NOT NULL,
    min_comments       INTEGER NOT NULL,
    created_on         TEXT NOT NULL
);

CREATE TABLE campaign_leaders (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    leader_id   INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (campaign_id, leader_id)
) WITHOUT ROWID;

-- Who was invited and whether they finished. Nothing here refers to an answer.
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    leader_id   INTEGER NOT NULL REFERENCES people(id),
    rater_group TEXT NOT NULL,
    person_id   INTEGER REFERENCES people(id),
    rater_name  TEXT NOT NULL,
    rater_email TEXT NOT NULL,
    token_hash  TEXT UNIQUE,
    completed   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (campaign_id, leader_id, rater_email)
);
CREATE INDEX invitations_campaign ON invitations(campaign_id, leader_id);

-- What was answered. Random ids and a table ordered by them (WITHOUT ROWID), the day only:
-- nothing links a response to an invitation.
CREATE TABLE responses (
    id           TEXT PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    leader_id    INTEGER NOT NULL,
    rater_group  TEXT NOT NULL,
    submitted_on TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX responses_leader ON responses(campaign_id, leader_id);

CREATE TABLE response_ratings (
    response_id TEXT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    item_code   TEXT NOT NULL,
    value       INTEGER NOT NULL,
    PRIMARY KEY (response_id, item_code)
) WITHOUT ROWID;

-- Comments are kept apart from ratings, each with its own random id.
CREATE TABLE response_comments (
    id            TEXT PRIMARY KEY,
    campaign_id   INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    leader_id     INTEGER NOT NULL,
    rater_group   TEXT NOT NULL,
    question_code TEXT NOT NULL,
    body          TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX response_comments_leader ON response_comments(campaign_id, leader_id);

CREATE TABLE import_jobs (
    id          INTEGER PRIMARY KEY,
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    total_rows  INTEGER NOT NULL DEFAULT 0,
    processed   INTEGER NOT NULL DEFAULT 0,
    message     TEXT NOT NULL DEFAULT '',
    problems    TEXT NOT NULL DEFAULT '[]',
    created_at  INTEGER NOT NULL
);
