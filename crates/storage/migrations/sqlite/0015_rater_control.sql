-- Who is in a rater group is controlled (docs/security.md, "Rater lists"): self, manager and
-- direct reports come from the reporting lines; peers and others are nominated by the leader
-- or an admin and invited only once the leader's manager or an admin (not the nominator)
-- approves them; every change to a leader's rater list is kept for the leader to see.
--
-- Every invitation made before this migration was nominated before the rule existed: it counts
-- as approved, with no nominator or approver recorded (so no admin is kept from its link), and
-- it is outside the directory when no person was linked to it.
ALTER TABLE invitations ADD COLUMN state TEXT NOT NULL DEFAULT 'approved'
    CHECK (state IN ('nominated', 'approved'));
ALTER TABLE invitations ADD COLUMN nominated_by INTEGER REFERENCES users(id);
ALTER TABLE invitations ADD COLUMN approved_by INTEGER REFERENCES users(id);
ALTER TABLE invitations ADD COLUMN outside_directory INTEGER NOT NULL DEFAULT 0;
UPDATE invitations SET outside_directory = 1 WHERE person_id IS NULL;

-- Nominations waiting for approval, counted when a campaign opens and listed for managers:
-- few rows at any time, so a partial index.
CREATE INDEX invitations_awaiting ON invitations(campaign_id, leader_id) WHERE state = 'nominated';

-- Every change to a leader's rater list in a campaign, oldest first: what happened to which
-- rater, when, and who did it as the leader is told (reporting_lines, leader, manager, admin),
-- with the account that did it when there was one. Nothing here refers to an answer.
CREATE TABLE rater_list_changes (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    leader_id   INTEGER NOT NULL REFERENCES people(id),
    at          INTEGER NOT NULL,
    change      TEXT NOT NULL CHECK (change IN ('from_reporting_lines', 'nominated', 'approved',
                    'refused', 'removed', 'locked', 'listed_before_recording')),
    rater_group TEXT,
    rater_name  TEXT NOT NULL DEFAULT '',
    rater_email TEXT NOT NULL DEFAULT '',
    changed_by  TEXT NOT NULL CHECK (changed_by IN ('reporting_lines', 'leader', 'manager',
                    'admin', 'unrecorded')),
    user_id     INTEGER REFERENCES users(id)
);
CREATE INDEX rater_list_changes_leader ON rater_list_changes(campaign_id, leader_id, id);

-- The raters already listed, so that a leader's change list starts with everyone on it.
INSERT INTO rater_list_changes (campaign_id, leader_id, at, change, rater_group, rater_name,
                                rater_email, changed_by)
SELECT campaign_id, leader_id, CAST(strftime('%s', 'now') AS INTEGER), 'listed_before_recording', rater_group, rater_name,
       rater_email, 'unrecorded'
FROM invitations ORDER BY id;
