-- The database records which seal key it belongs to: the fingerprint of the key (a hash derived
-- from it, which names the key without revealing it). A server whose key has another
-- fingerprint, or that has no key at all, refuses to start: until now a missing key file was
-- replaced by a new key, new answers were sealed under it, and answers sealed under both keys
-- then sat side by side, so that neither key opened them all.
--
-- A database made before this migration records the fingerprint of the first key it is opened
-- with, once that key is seen to open the values sealed in it. `checked_at` is written at every
-- start: the write that tells a read-only database or a full disk before the first request.
CREATE TABLE seal_key (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL CHECK (length(fingerprint) = 64),
    recorded_at INTEGER NOT NULL,
    checked_at  INTEGER NOT NULL
);
