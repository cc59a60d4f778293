-- A leader's own campaigns are looked up on every report request; without this, each lookup
-- read every leader of every campaign (100,000 rows for ten campaigns of 10,000 leaders).
CREATE INDEX campaign_leaders_by_leader ON campaign_leaders(leader_id, campaign_id);
