-- Running sums per team and campaign, kept up to date as answers are stored, so that the
-- organisation heatmap reads a handful of rows instead of every answer. A team's row sums its
-- members' (the leader's direct reports') scores of their leader: m0 is the Trust Index, m1–m3
-- relationships, judgement and consistency, each on 0–100.
ALTER TABLE responses ADD COLUMN team TEXT;

CREATE TABLE team_aggregates (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    team        TEXT NOT NULL,
    respondents INTEGER NOT NULL DEFAULT 0,
    m0_n       INTEGER NOT NULL DEFAULT 0,
    m0_sum     REAL NOT NULL DEFAULT 0,
    m0_sum_sq  REAL NOT NULL DEFAULT 0,
    m1_n       INTEGER NOT NULL DEFAULT 0,
    m1_sum     REAL NOT NULL DEFAULT 0,
    m1_sum_sq  REAL NOT NULL DEFAULT 0,
    m2_n       INTEGER NOT NULL DEFAULT 0,
    m2_sum     REAL NOT NULL DEFAULT 0,
    m2_sum_sq  REAL NOT NULL DEFAULT 0,
    m3_n       INTEGER NOT NULL DEFAULT 0,
    m3_sum     REAL NOT NULL DEFAULT 0,
    m3_sum_sq  REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, team)
);
