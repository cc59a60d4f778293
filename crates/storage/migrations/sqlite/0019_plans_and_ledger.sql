-- Development plans and the say-do ledger (PRODUCT.md, capability 3; docs/security.md, "Plans
-- and the ledger"). Numbered 0019: 0017 and 0018 belong to work not merged yet, and the
-- migrator applies every file it has not applied, in name order, whatever the gaps.

-- The day a person left the organisation: a commitment is no longer made to them, and what
-- they were sent to confirm is no longer accepted from them.
ALTER TABLE people ADD COLUMN left_on TEXT;

-- The day a campaign closed, when its reports became readable: a leader's next report lists
-- the plan actions done since the previous one closed. Campaigns closed before this migration
-- are taken to have closed on their deadline, the best day known.
ALTER TABLE campaigns ADD COLUMN closed_on TEXT;
UPDATE campaigns SET closed_on = deadline WHERE status = 'closed';

-- One plan per leader per closed report; `focus` is one or two element slugs joined by ','.
CREATE TABLE plans (
    id                  INTEGER PRIMARY KEY,
    leader_id           INTEGER NOT NULL REFERENCES people(id),
    campaign_id         INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    focus               TEXT NOT NULL,
    library_version     INTEGER NOT NULL,
    shared_with_manager INTEGER NOT NULL DEFAULT 0,
    created_on          TEXT NOT NULL,
    UNIQUE (campaign_id, leader_id)
);
CREATE INDEX plans_leader ON plans(leader_id);

-- An action from the library (its id and version kept) or the leader's own (both NULL).
CREATE TABLE plan_actions (
    id              INTEGER PRIMARY KEY,
    plan_id         INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    library_id      TEXT,
    library_version INTEGER,
    title           TEXT NOT NULL,
    element         TEXT NOT NULL CHECK (element IN ('relationships', 'judgement', 'consistency')),
    target          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('planned', 'doing', 'done', 'dropped')),
    since           TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX plan_actions_plan ON plan_actions(plan_id, id);

-- A commitment with its history (the domain's changes as JSON, oldest first) and what the
-- history implies, kept beside it so that the organisation's ratios are counted in one query:
-- the date it is held to, the latest date agreed, how it was settled and when, and the counts
-- of its recipients' confirmations of the current revision. The counts are all that is kept of
-- what recipients said: who answered is in `commitment_recipients`, never what.
CREATE TABLE commitments (
    id          INTEGER PRIMARY KEY,
    leader_id   INTEGER NOT NULL REFERENCES people(id),
    what        TEXT NOT NULL,
    recipients  TEXT NOT NULL CHECK (recipients IN ('people', 'team')),
    team_id     INTEGER REFERENCES teams(id),
    action_id   INTEGER REFERENCES plan_actions(id) ON DELETE SET NULL,
    made_on     TEXT NOT NULL,
    due         TEXT NOT NULL,
    history     TEXT NOT NULL DEFAULT '[]',
    revision    INTEGER NOT NULL DEFAULT 0,
    counted_due TEXT NOT NULL,
    working_due TEXT NOT NULL,
    settled     TEXT NOT NULL DEFAULT 'open' CHECK (settled IN ('open', 'kept', 'broken', 'dropped')),
    settled_on  TEXT,
    kept_n      INTEGER NOT NULL DEFAULT 0,
    not_kept_n  INTEGER NOT NULL DEFAULT 0,
    cant_say_n  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX commitments_leader ON commitments(leader_id, counted_due);

-- Who a commitment was made to (a team's members when it was made), whether they answered the
-- current revision, and their single-use confirmation link (only its hash), bound to the
-- revision it was made for.
CREATE TABLE commitment_recipients (
    commitment_id     INTEGER NOT NULL REFERENCES commitments(id) ON DELETE CASCADE,
    person_id         INTEGER NOT NULL REFERENCES people(id),
    answered_revision INTEGER,
    link_hash         TEXT UNIQUE,
    link_revision     INTEGER,
    PRIMARY KEY (commitment_id, person_id)
) WITHOUT ROWID;
CREATE INDEX commitment_recipients_person ON commitment_recipients(person_id);

-- Whether a leader shows their say-do ratio to their team (their direct reports).
CREATE TABLE ledger_settings (
    leader_id INTEGER PRIMARY KEY REFERENCES people(id),
    show_team INTEGER NOT NULL DEFAULT 0
);
