-- Each response's four scores (Trust Index, relationships, judgement, consistency on 0–100),
-- written with the response, so that campaign-wide figures (reliability, percentiles) read one
-- short row per response instead of every rating. Responses stored before this migration get
-- theirs computed the first time they are needed.
CREATE TABLE response_scores (
    response_id TEXT PRIMARY KEY REFERENCES responses(id) ON DELETE CASCADE,
    campaign_id INTEGER NOT NULL,
    leader_id   INTEGER NOT NULL,
    rater_group TEXT NOT NULL,
    m0 REAL,
    m1 REAL,
    m2 REAL,
    m3 REAL
) WITHOUT ROWID;
CREATE INDEX response_scores_campaign ON response_scores(campaign_id);

-- A closed campaign's context (reliability of one rater, norms), computed once: a closed
-- campaign's answers never change.
CREATE TABLE campaign_contexts (
    campaign_id INTEGER PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    context     TEXT NOT NULL
);
