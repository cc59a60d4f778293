-- A response's ratings and four scores move onto its own row: storing an answer wrote one row
-- in `responses`, one in `response_scores` and one per rating in `response_ratings`, three
-- B-trees ordered by random ids, and every reader wanted them by response anyway.
-- `ratings` is `code=value,…` (item codes are lower-case letters and `_`; 0 is "can't
-- say"); m0 is the Trust Index, m1–m3 relationships, judgement and consistency, on 0–100.
-- `scored` is 0 for responses stored before scores were kept: theirs are computed the first
-- time they are needed.
ALTER TABLE responses
    ADD COLUMN scored BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN m0 DOUBLE PRECISION,
    ADD COLUMN m1 DOUBLE PRECISION,
    ADD COLUMN m2 DOUBLE PRECISION,
    ADD COLUMN m3 DOUBLE PRECISION,
    ADD COLUMN ratings TEXT NOT NULL DEFAULT '';
UPDATE responses r SET ratings = a.ratings
FROM (SELECT response_id, string_agg(item_code || '=' || value, ',' ORDER BY item_code) AS ratings
      FROM response_ratings GROUP BY response_id) a
WHERE a.response_id = r.id;
UPDATE responses r SET scored = 1, m0 = s.m0, m1 = s.m1, m2 = s.m2, m3 = s.m3
FROM response_scores s WHERE s.response_id = r.id;
DROP TABLE response_scores;
DROP TABLE response_ratings;
