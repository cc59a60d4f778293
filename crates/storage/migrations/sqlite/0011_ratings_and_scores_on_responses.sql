-- A response's ratings and four scores move onto its own row: storing an answer wrote one row
-- in `responses`, one in `response_scores` and one per rating in `response_ratings`, three
-- B-trees ordered by random ids, and every reader wanted them by response anyway.
-- `ratings` is `code=value,…` (item codes are lower-case letters and `_`; 0 is "can't
-- say"); m0 is the Trust Index, m1–m3 relationships, judgement and consistency, on 0–100.
-- `scored` is 0 for responses stored before scores were kept: theirs are computed the first
-- time they are needed.
ALTER TABLE responses ADD COLUMN scored INTEGER NOT NULL DEFAULT 0;
ALTER TABLE responses ADD COLUMN m0 REAL;
ALTER TABLE responses ADD COLUMN m1 REAL;
ALTER TABLE responses ADD COLUMN m2 REAL;
ALTER TABLE responses ADD COLUMN m3 REAL;
ALTER TABLE responses ADD COLUMN ratings TEXT NOT NULL DEFAULT '';
UPDATE responses SET ratings = COALESCE(
    (SELECT group_concat(item_code || '=' || value, ',') FROM response_ratings
     WHERE response_id = responses.id), '');
UPDATE responses SET scored = 1, m0 = s.m0, m1 = s.m1, m2 = s.m2, m3 = s.m3
FROM response_scores s WHERE s.response_id = responses.id;
DROP TABLE response_scores;
DROP TABLE response_ratings;
