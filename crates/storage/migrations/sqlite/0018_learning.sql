-- The learning module: each person's progress per lesson version (opened, read), their
-- knowledge-check attempts, and their reflections. Lessons themselves are files, not rows: a
-- lesson is named by its id and version.
-- (Numbered 0018: 0017 belongs to another change; migrations are applied by version, so the
-- two may arrive in either order.)
CREATE TABLE lesson_progress (
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    lesson_id TEXT NOT NULL,
    version   INTEGER NOT NULL,
    opened_at INTEGER NOT NULL,
    read_at   INTEGER,
    PRIMARY KEY (person_id, lesson_id, version)
);

CREATE TABLE check_attempts (
    id        INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    lesson_id TEXT NOT NULL,
    version   INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    score     INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    passed    INTEGER NOT NULL CHECK (passed IN (0, 1))
);
CREATE INDEX check_attempts_by_person ON check_attempts(person_id, lesson_id, version);

-- A reflection is private to its learner: its text is sealed with the server's seal key (kept
-- outside the database), bound to the person, lesson and prompt it belongs to, so neither a
-- copy of the database nor anyone with SQL access reads it, and it cannot be moved to another
-- person.
CREATE TABLE reflections (
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    lesson_id  TEXT NOT NULL,
    prompt_id  TEXT NOT NULL,
    sealed     BLOB NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (person_id, lesson_id, prompt_id)
);
