-- One disclosure history per campaign, organisation-wide: every population of a campaign's
-- answers shown to anyone (every admin, every page, the API), so that each new figure is checked
-- against all of them, not only against what the same admin saw. A population is the canonical
-- JSON of the domain's SeenPopulation (who, by attribute values and team, and which measures);
-- `kind` says what showed it (a heatmap team row, the heatmap total, a segment view). Never the
-- answers it selected; the day only.
--
-- No unique index on (campaign_id, population): a population can be longer than PostgreSQL can
-- index (a heatmap total names every team), and the store adds a population only after reading
-- the campaign's history in a transaction that excludes every other writer of that history.
CREATE TABLE disclosures (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    population  TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('team', 'total', 'segment')),
    respondents INTEGER NOT NULL,
    first_seen  TEXT NOT NULL
);
-- The heatmap asks which kinds a campaign's history holds before anything else.
CREATE INDEX disclosures_by_kind ON disclosures(campaign_id, kind, first_seen);

-- The digest of the last team heatmap whose populations were all recorded while no segment view
-- was in the history: a later view that would show the same needs neither the history nor a
-- write, and one that would show something else (the product's rules changed) records it.
CREATE TABLE disclosed_heatmaps (
    campaign_id INTEGER PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    digest      TEXT NOT NULL
);

-- Each admin's segment views become the campaign's: each population once, on the first day any
-- admin saw it. Filter sets kept bare (before measures were recorded) stand for all four
-- measures, written as the domain writes them so that they meet their twins.
INSERT INTO disclosures (campaign_id, population, kind, respondents, first_seen)
SELECT campaign_id, population, 'segment', MAX(respondents), MIN(seen_on)
FROM (
    SELECT campaign_id, respondents, seen_on, id,
           CASE WHEN filters LIKE '{"filters":{%' THEN filters
                ELSE '{"filters":' || filters || ',"measures":[true,true,true,true]}' END AS population
    FROM segment_views
) AS seen
GROUP BY campaign_id, population
ORDER BY MIN(seen_on), MIN(id);

DROP TABLE segment_views;
