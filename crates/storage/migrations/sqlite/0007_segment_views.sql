-- What each admin has been shown of a campaign's segment views, so that a new view that differs
-- from one they already saw by fewer than k respondents can be refused. Filter sets are kept as
-- canonical JSON (such as {"location":["Lisbon"]}), never the answers they selected: overlaps
-- are recomputed by applying both filter sets to the answers. The day only.
CREATE TABLE segment_views (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    filters     TEXT NOT NULL,
    respondents INTEGER NOT NULL,
    seen_on     TEXT NOT NULL,
    UNIQUE (campaign_id, user_id, filters)
);
