-- Answers wait here, sealed with a key kept outside the database, until their rater group (one
-- leader, one group, one campaign) has at least k of them waiting, or the campaign closes; then
-- they are opened and written to the readable tables in random order in one transaction, so
-- that watching the tables change cannot link an answer to the invitation that just finished.
-- Leader and group are visible here, as they are in `invitations`; the answer is not.
-- Rows are appended in arrival order, which reveals nothing: what they hold is sealed, and when
-- they are released the answers are written in random order under new random ids.
CREATE TABLE pending_answers (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    leader_id   INTEGER NOT NULL,
    rater_group TEXT NOT NULL,
    sealed      BLOB NOT NULL
);
CREATE INDEX pending_answers_cell ON pending_answers(campaign_id, leader_id, rater_group);

-- A direct report's attributes when they answered (location, function…), sealed with the same
-- key: segment views group by them through the privacy engine, a reader of the database cannot.
ALTER TABLE responses ADD COLUMN rater_attributes BLOB;
