-- A person's attributes (location, function…) move into one JSON object on their own row: an
-- import of 100,000 people wrote 300,000 attribute rows, each with its own index entry and its
-- own foreign-key check, and every reader wanted them by person anyway.
ALTER TABLE people ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';
UPDATE people p SET attributes = a.object
FROM (SELECT person_id, json_object_agg(name, value ORDER BY name)::text AS object
      FROM person_attributes GROUP BY person_id) a
WHERE a.person_id = p.id;
DROP TABLE person_attributes;
