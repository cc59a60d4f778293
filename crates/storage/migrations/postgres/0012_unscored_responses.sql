-- Responses stored before scores were kept (`scored = 0`) are looked for each time a campaign's
-- scores are read; only those few are in this index, so the look-up does not walk the whole
-- campaign and new answers (stored scored) never write to it.
CREATE INDEX responses_unscored ON responses(campaign_id) WHERE scored = 0;
