-- Each response's four scores (Trust Index, relationships, judgement, consistency on 0–100),
-- written with the response, so that campaign-wide figures (reliability, percentiles) read one
-- short row per response instead of every rating. Responses stored before this migration get
-- theirs computed the first time they are needed.
CREATE TABLE response_scores (
    response_id TEXT COLLATE "C" PRIMARY KEY REFERENCES responses(id) ON DELETE CASCADE,
    campaign_id BIGINT NOT NULL,
    leader_id   BIGINT NOT NULL,
    rater_group TEXT NOT NULL,
    m0 DOUBLE PRECISION,
    m1 DOUBLE PRECISION,
    m2 DOUBLE PRECISION,
    m3 DOUBLE PRECISION
);
CREATE INDEX response_scores_campaign ON response_scores(campaign_id);

-- A closed campaign's context (reliability of one rater, norms), computed once: a closed
-- campaign's answers never change.
CREATE TABLE campaign_contexts (
    campaign_id BIGINT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    context     TEXT NOT NULL
);
