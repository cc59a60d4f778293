-- Feedback (situation, behaviour, impact, suggestion) between people, named or anonymous, and
-- requests for it.

-- A request for feedback on something (a meeting, a decision, a period), to people or a team.
CREATE TABLE feedback_requests (
    id       INTEGER PRIMARY KEY,
    asker_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    about    TEXT NOT NULL,
    team_id  INTEGER REFERENCES teams(id) ON DELETE SET NULL,
    asked_on TEXT NOT NULL
);
CREATE INDEX feedback_requests_by_asker ON feedback_requests(asker_id);

-- Who was asked (a team's members when it was asked, the asker left out).
CREATE TABLE feedback_request_people (
    request_id INTEGER NOT NULL REFERENCES feedback_requests(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (request_id, person_id)
);
CREATE INDEX feedback_request_people_by_person ON feedback_request_people(person_id);

-- Requests an asked person answered or set aside, as a keyed hash of (request, person): an
-- anonymous answer leaves no flag beside the person's name. Ordered by the hash, not arrival.
CREATE TABLE feedback_request_marks (
    mark BLOB PRIMARY KEY
) WITHOUT ROWID;

-- Delivered feedback under random ids (the table's order is theirs, never arrival). A named
-- item names its sender and is dated by the day; an anonymous one has no sender, no request,
-- and only the Mondays of the weeks its batch was written from and delivered in, shared by
-- every item of the batch (which was written in random order).
CREATE TABLE feedback_items (
    id           INTEGER PRIMARY KEY,
    receiver_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    sender_id    INTEGER REFERENCES people(id) ON DELETE CASCADE,
    request_id   INTEGER REFERENCES feedback_requests(id) ON DELETE SET NULL,
    batch        TEXT,
    element      TEXT NOT NULL CHECK (element IN ('relationships', 'judgement', 'consistency')),
    situation    TEXT NOT NULL,
    behaviour    TEXT NOT NULL,
    impact       TEXT NOT NULL,
    suggestion   TEXT,
    written_on   TEXT NOT NULL,
    delivered_on TEXT NOT NULL,
    helpful      INTEGER CHECK (helpful IN (0, 1)),
    reply        TEXT,
    replied_on   TEXT,
    CONSTRAINT feedback_items_named_or_batched CHECK ((sender_id IS NULL) = (batch IS NOT NULL))
);
CREATE INDEX feedback_items_by_receiver ON feedback_items(receiver_id, delivered_on);
CREATE INDEX feedback_items_by_sender ON feedback_items(sender_id);

-- Anonymous items waiting, sealed, until k wait for their receiver; random ids, no date.
CREATE TABLE feedback_pending (
    id          TEXT PRIMARY KEY,
    receiver_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    sealed      BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX feedback_pending_by_receiver ON feedback_pending(receiver_id);

-- One waiting anonymous item per sender and receiver: a keyed hash of the pair, removed when
-- the batch is delivered, so that every batch comes from k different senders.
CREATE TABLE feedback_waiting_marks (
    mark        BLOB PRIMARY KEY,
    receiver_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX feedback_waiting_marks_by_receiver ON feedback_waiting_marks(receiver_id);

-- Give forms already sent (a keyed hash of the form's one-time token): a second press of
-- "send" stores nothing more.
CREATE TABLE feedback_sent_forms (
    mark BLOB PRIMARY KEY
) WITHOUT ROWID;
