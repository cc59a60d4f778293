-- The same table as migrations/sqlite/0023_pulse_team_rounds.sql.
-- Each team's round of a pulse series kept as running sums, as `team_aggregates` keeps the 360's
-- teams: how many members were asked (written when the round opens), how many answered (with
-- each ballot mark), and the count, sum and sum of squares of each measure over the answers
-- released (in the transaction that releases them: sealed answers are never in the sums). A
-- team's trend reads its rounds' rows and a roll-up two rounds' rows, never the answers.
-- Ordered by round then team: a roll-up reads whole rounds; a trend finds a team's rows by the
-- second index.
CREATE TABLE pulse_team_rounds (
    round_id          BIGINT NOT NULL REFERENCES pulse_rounds(id) ON DELETE CASCADE,
    team_id           BIGINT NOT NULL,
    invited           BIGINT NOT NULL,
    answered          BIGINT NOT NULL,
    released          BIGINT NOT NULL,
    trust_index_n     BIGINT NOT NULL,
    trust_index_sum   DOUBLE PRECISION NOT NULL,
    trust_index_sq    DOUBLE PRECISION NOT NULL,
    relationships_n   BIGINT NOT NULL,
    relationships_sum DOUBLE PRECISION NOT NULL,
    relationships_sq  DOUBLE PRECISION NOT NULL,
    judgement_n       BIGINT NOT NULL,
    judgement_sum     DOUBLE PRECISION NOT NULL,
    judgement_sq      DOUBLE PRECISION NOT NULL,
    consistency_n     BIGINT NOT NULL,
    consistency_sum   DOUBLE PRECISION NOT NULL,
    consistency_sq    DOUBLE PRECISION NOT NULL,
    overall_n         BIGINT NOT NULL,
    overall_sum       DOUBLE PRECISION NOT NULL,
    overall_sq        DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (round_id, team_id)
);
CREATE INDEX pulse_team_rounds_by_team ON pulse_team_rounds(team_id, round_id);

-- The rounds opened before this table: from their links, ballot marks and released answers.
INSERT INTO pulse_team_rounds
SELECT i.round_id, i.team_id, i.invited, COALESCE(b.answered, 0), COALESCE(a.released, 0),
       COALESCE(a.trust_index_n, 0), COALESCE(a.trust_index_sum, 0), COALESCE(a.trust_index_sq, 0),
       COALESCE(a.relationships_n, 0), COALESCE(a.relationships_sum, 0), COALESCE(a.relationships_sq, 0),
       COALESCE(a.judgement_n, 0), COALESCE(a.judgement_sum, 0), COALESCE(a.judgement_sq, 0),
       COALESCE(a.consistency_n, 0), COALESCE(a.consistency_sum, 0), COALESCE(a.consistency_sq, 0),
       COALESCE(a.overall_n, 0), COALESCE(a.overall_sum, 0), COALESCE(a.overall_sq, 0)
FROM (SELECT round_id, team_id, COUNT(*) AS invited FROM pulse_invitations
      GROUP BY round_id, team_id) i
LEFT JOIN (SELECT round_id, team_id, COUNT(*) AS answered FROM pulse_used_ballots
           GROUP BY round_id, team_id) b ON b.round_id = i.round_id AND b.team_id = i.team_id
LEFT JOIN (SELECT round_id, team_id, COUNT(*) AS released,
                  COUNT(trust_index) AS trust_index_n, SUM(trust_index) AS trust_index_sum,
                  SUM(trust_index * trust_index) AS trust_index_sq,
                  COUNT(relationships) AS relationships_n, SUM(relationships) AS relationships_sum,
                  SUM(relationships * relationships) AS relationships_sq,
                  COUNT(judgement) AS judgement_n, SUM(judgement) AS judgement_sum,
                  SUM(judgement * judgement) AS judgement_sq,
                  COUNT(consistency) AS consistency_n, SUM(consistency) AS consistency_sum,
                  SUM(consistency * consistency) AS consistency_sq,
                  COUNT(overall) AS overall_n, SUM(overall) AS overall_sum,
                  SUM(overall * overall) AS overall_sq
           FROM pulse_answers GROUP BY round_id, team_id) a
       ON a.round_id = i.round_id AND a.team_id = i.team_id;
