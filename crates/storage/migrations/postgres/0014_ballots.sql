-- Nothing written with an answer says who gave it.
--
-- Until now the transaction that stored an answer also marked its invitation finished, so both
-- rows carried the same transaction id (`xmin`) and a reader of the database linked each waiting
-- answer to its invitation. Now an answer is stored with a *ballot mark* instead: a keyed hash of
-- its invitation's id under a key derived from the seal key (kept outside the database). The mark
-- refuses a second answer to the same invitation; without the key, nobody can tell which
-- invitation a mark belongs to. The intake no longer locks invitation rows either (a row lock
-- writes the locking transaction's id into the row): it locks the campaign's row.
CREATE TABLE used_ballots (
    mark        BYTEA PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    leader_id   BIGINT NOT NULL,
    rater_group TEXT NOT NULL
);
CREATE INDEX used_ballots_cell ON used_ballots(campaign_id, leader_id, rater_group);

-- `invitations.completed` is retired: the server turns the flags of answers stored before this
-- version into marks when it first starts (that needs the seal key) and clears them; it stays,
-- always 0, until a later version drops it.

-- Waiting answers get random ids instead of a sequence, so that no id follows arrival (rows
-- still sit in the table's pages in the order they were written: see docs/privacy.md).
CREATE TABLE pending_answers_random (
    id          TEXT COLLATE "C" PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    leader_id   BIGINT NOT NULL,
    rater_group TEXT NOT NULL,
    sealed      BYTEA NOT NULL
);
INSERT INTO pending_answers_random (id, campaign_id, leader_id, rater_group, sealed)
    SELECT replace(gen_random_uuid()::text, '-', ''), campaign_id, leader_id, rater_group, sealed
    FROM pending_answers;
DROP TABLE pending_answers;
ALTER TABLE pending_answers_random RENAME TO pending_answers;
ALTER INDEX pending_answers_random_pkey RENAME TO pending_answers_pkey;
CREATE INDEX pending_answers_cell ON pending_answers(campaign_id, leader_id, rater_group);

-- Comments are shown pooled, never by rater group: those of everyone but the leader are kept
-- under one label ('other'), so that the manager's comment, which managers are told is pooled,
-- is not stored as the manager's.
UPDATE response_comments SET rater_group = 'other' WHERE rater_group <> 'self';
