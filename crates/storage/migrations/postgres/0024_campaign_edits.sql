-- Safe closing: when a campaign closed (to the second, for the window in which a campaign
-- closed by mistake may be reopened) and when any of its results was first read (after which
-- it never reopens). Both are empty for campaigns closed before this version: they stay closed.
ALTER TABLE campaigns ADD COLUMN closed_at BIGINT;
ALTER TABLE campaigns ADD COLUMN first_result_read_at BIGINT;
