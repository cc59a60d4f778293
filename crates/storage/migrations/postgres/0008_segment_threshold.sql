-- Segment views (raters chosen by attributes) get their own minimum, set per campaign like the
-- others; campaigns made before used the team minimum, which defaults to the same 5.
ALTER TABLE campaigns ADD COLUMN min_segment BIGINT NOT NULL DEFAULT 5;
UPDATE campaigns SET min_segment = min_team;
