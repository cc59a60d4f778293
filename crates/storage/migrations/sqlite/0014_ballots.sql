-- Nothing written with an answer says who gave it.
--
-- Until now the transaction that stored an answer also marked its invitation finished, so a
-- reader of the database could see which invitation changed together with which waiting answer
-- (on PostgreSQL, both rows carried the same transaction id). Now an answer is stored with a
-- *ballot mark* instead: a keyed hash of its invitation's id under a key derived from the seal
-- key (kept outside the database). The mark refuses a second answer to the same invitation;
-- without the key, nobody can tell which invitation a mark belongs to. The server, holding the
-- key, counts answers per rater group from the marks and knows who answered when it must.
-- Marks are ordered by their own value, never by arrival.
CREATE TABLE used_ballots (
    mark        BLOB PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    leader_id   INTEGER NOT NULL,
    rater_group TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX used_ballots_cell ON used_ballots(campaign_id, leader_id, rater_group);

-- `invitations.completed` is retired: the server turns the flags of answers stored before this
-- version into marks when it first starts (that needs the seal key) and clears them; it stays,
-- always 0, until a later version drops it.

-- Waiting answers get random ids and a table ordered by them, so neither an id nor the place of
-- a row follows arrival.
CREATE TABLE pending_answers_random (
    id          TEXT PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    leader_id   INTEGER NOT NULL,
    rater_group TEXT NOT NULL,
    sealed      BLOB NOT NULL
) WITHOUT ROWID;
INSERT INTO pending_answers_random (id, campaign_id, leader_id, rater_group, sealed)
    SELECT lower(hex(randomblob(16))), campaign_id, leader_id, rater_group, sealed FROM pending_answers;
DROP TABLE pending_answers;
ALTER TABLE pending_answers_random RENAME TO pending_answers;
CREATE INDEX pending_answers_cell ON pending_answers(campaign_id, leader_id, rater_group);

-- Comments are shown pooled, never by rater group: those of everyone but the leader are kept
-- under one label ('other'), so that the manager's comment, which managers are told is pooled,
-- is not stored as the manager's.
UPDATE response_comments SET rater_group = 'other' WHERE rater_group <> 'self';
