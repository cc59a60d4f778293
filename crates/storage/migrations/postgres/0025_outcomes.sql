-- Team-level outcome figures an admin imports (PRODUCT.md, capability 7: trust and outcomes).
-- One figure per team, metric and period; importing the same again replaces it. `period` is
-- written as the domain writes it ("2026", "2026-Q3", "2026-09"), `metric` as the file wrote
-- it, and `metric_key` is its lower case, which identifies it.
CREATE TABLE outcomes (
    team_id     BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    metric_key  TEXT NOT NULL,
    metric      TEXT NOT NULL,
    period      TEXT NOT NULL,
    value       DOUBLE PRECISION NOT NULL,
    imported_on TEXT NOT NULL,
    PRIMARY KEY (metric_key, period, team_id)
);
