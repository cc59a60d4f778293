-- A person's attributes (location, function…) move into one JSON object on their own row: an
-- import of 100,000 people wrote 300,000 attribute rows, each with its own index entry and (on
-- PostgreSQL) its own foreign-key check, and every reader wanted them by person anyway.
ALTER TABLE people ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';
UPDATE people SET attributes = (
    SELECT json_group_object(name, value) FROM (
        SELECT name, value FROM person_attributes a WHERE a.person_id = people.id ORDER BY name))
WHERE id IN (SELECT person_id FROM person_attributes);
DROP TABLE person_attributes;
