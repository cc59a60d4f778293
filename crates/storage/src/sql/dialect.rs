//! What each SQL database does its own way: [`Backend`], implemented for SQLite and
//! PostgreSQL. Everything else of the SQL store is written once for both.

use sqlx::Database;

/// What one SQL database does its own way. Implemented for SQLite and PostgreSQL.
pub trait Backend: Database {
    /// Rows a statement changed.
    fn rows_affected(result: &Self::QueryResult) -> u64;

    /// Starts a transaction that writes. Every transaction in this store writes.
    const BEGIN_WRITE: &'static str;

    /// Appends the placeholder of the `n`th value (from 1) of a statement with many values.
    fn push_placeholder(sql: &mut String, n: usize);

    /// Run first in an import's transaction to keep other writers of `people` out until it
    /// commits, so that two imports at once cannot together close a reporting loop that
    /// neither sees alone. `None` where a write transaction already excludes other writers.
    const IMPORT_LOCK: Option<&'static str>;

    /// How an import orders the people it writes (`ORDER BY …` or nothing).
    const IMPORT_ORDER: &'static str;

    /// Run once an import's staging tables are filled, where the planner needs their statistics.
    const ANALYZE_STAGING: &'static [&'static str];

    /// Run before the people of a first import (into an empty `people`) are written, and then
    /// after, where checking each row's foreign keys and keeping indexes that only serve reads
    /// cost more than dropping them and checking or building them once at the end (PostgreSQL
    /// checks foreign keys row by row: a third of an import of 100,000 people). Dropping locks
    /// the table against readers until the import commits, which only costs nothing while it
    /// holds nobody; so never on a later import. What is restored must be exactly what the
    /// migrations made.
    const FIRST_IMPORT_DEFERRED: (&'static [&'static str], &'static [&'static str]);

    /// Ends a SELECT whose rows the transaction goes on to change, so that another
    /// transaction doing the same waits and then sees the change instead of overwriting it.
    /// Empty where a write transaction already excludes other writers.
    const LOCK_SELECTED: &'static str;

    /// Run now and then on another connection while answers arrive, so that copying the log
    /// back into the database does not hold up a commit. `None` where the server does it.
    const BACKGROUND_CHECKPOINT: Option<&'static str>;

    /// Copies the write-ahead log back into the database and empties it, so that the pages of
    /// answers that waited sealed (in the order they arrived) and of rows since deleted are no
    /// longer in the log file: run after answers are released and when a campaign closes.
    /// `None` where the server owns its log.
    const TRUNCATE_LOG: Option<&'static str>;

    /// Run on the intake's own connection where the intake flushes the database's write-ahead
    /// log itself after each commit, outside the write lock, and answers only then (the
    /// durability of a commit that flushes, without holding up the next writer). `None` where
    /// the server flushes its log at commit.
    const COMMIT_WITHOUT_FLUSH: Option<&'static str>;

    /// Whether the driver reads rows cheaply enough to read team sums one row per team (as
    /// numbers) rather than joined into one text per column.
    const ROWS_ARE_CHEAP: bool;

    /// The aggregate that joins text values with a separator (its second argument).
    const STRING_AGG: &'static str;

    /// The function that makes a one-character string from a character code.
    const CHR: &'static str;

    /// A FROM item with one row per element of the JSON array bound to `$1`, in a column
    /// `value` that `value ->> n` reads the `n`th item of as text.
    const JSON_ARRAY_ELEMENTS: &'static str;

    /// A FROM item `a` with one row per attribute of the person `p`, in columns `key` and
    /// `value` (text), from the JSON object in `p.attributes`.
    const ATTRIBUTE_ENTRIES: &'static str;
}

impl Backend for sqlx::Sqlite {
    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }

    // Plain `?`: binding a numbered placeholder looks its name up in a list as long as the
    // statement's placeholders, which made an import of 100,000 people seven times slower.
    fn push_placeholder(sql: &mut String, _n: usize) {
        sql.push('?');
    }

    // Takes the write lock at once, waiting for it as long as the busy timeout allows. A
    // transaction that read first and then wants to write cannot wait (that could deadlock):
    // SQLite refuses it with "database is locked" whenever another writer is busy.
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";

    // SQLite allows one writer at a time.
    const IMPORT_LOCK: Option<&'static str> = None;
    // Sorting first made an import of 100,000 people slower (1.8-2.8 s against 1.4-1.9).
    const IMPORT_ORDER: &'static str = "";
    // SQLite plans the staging joins well without statistics.
    const ANALYZE_STAGING: &'static [&'static str] = &[];
    // SQLite checks a foreign key as it writes the row, with no per-row query to save.
    const FIRST_IMPORT_DEFERRED: (&'static [&'static str], &'static [&'static str]) = (&[], &[]);
    const LOCK_SELECTED: &'static str = "";

    // Passive: copies what it can without waiting for readers or blocking the writer.
    const BACKGROUND_CHECKPOINT: Option<&'static str> = Some("PRAGMA wal_checkpoint(PASSIVE)");
    const TRUNCATE_LOG: Option<&'static str> = Some("PRAGMA wal_checkpoint(TRUNCATE)");
    // In WAL mode, FULL is NORMAL plus a flush of the log at every commit.
    const COMMIT_WITHOUT_FLUSH: Option<&'static str> = Some("PRAGMA synchronous = NORMAL");
    // Its driver hands each row between threads (about 4 µs a row).
    const ROWS_ARE_CHEAP: bool = false;
    const STRING_AGG: &'static str = "group_concat";
    const CHR: &'static str = "char";
    const JSON_ARRAY_ELEMENTS: &'static str = "json_each($1)";
    const ATTRIBUTE_ENTRIES: &'static str = "json_each(p.attributes) AS a";
}

impl Backend for sqlx::Postgres {
    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }

    fn push_placeholder(sql: &mut String, n: usize) {
        sql.push('$');
        sql.push_str(&n.to_string());
    }

    const BEGIN_WRITE: &'static str = "BEGIN";

    // Conflicts with itself and with every write to `people`, not with reads.
    const IMPORT_LOCK: Option<&'static str> = Some("LOCK TABLE people IN SHARE ROW EXCLUSIVE MODE");
    // The unique index of emails is then written in order, at its end on a first import.
    const IMPORT_ORDER: &'static str = "ORDER BY s.email";
    // Temporary tables are never analysed automatically: without statistics the planner takes
    // 100,000 staged rows for a handful and joins them row by row. Row counts and rough
    // distinct counts are all the staging joins need: a sample of 3,000 rows instead of the
    // default 30,000 (100,000 people: 163 -> ~20 ms).
    const ANALYZE_STAGING: &'static [&'static str] = &[
        "SET LOCAL default_statistics_target = 10",
        "ANALYZE import_staging",
    ];
    // 100,000 people into a copy of `people` in `psql`: 1,678 ms with the foreign keys, 736
    // without; the two indexes of reads built at the end instead of kept row by row, with the
    // rows in order of email (the unique index then grows at its end): 602 + 62 + 63 ms
    // against 990-1,200.
    const FIRST_IMPORT_DEFERRED: (&'static [&'static str], &'static [&'static str]) = (
        &[
            "ALTER TABLE people DROP CONSTRAINT people_team_id_fkey,
                 DROP CONSTRAINT people_manager_id_fkey",
            "DROP INDEX people_manager, people_team",
        ],
        &[
            "CREATE INDEX people_manager ON people(manager_id)",
            "CREATE INDEX people_team ON people(team_id)",
            "ALTER TABLE people
                 ADD CONSTRAINT people_team_id_fkey FOREIGN KEY (team_id)
                     REFERENCES teams(id) ON DELETE SET NULL,
                 ADD CONSTRAINT people_manager_id_fkey FOREIGN KEY (manager_id)
                     REFERENCES people(id) ON DELETE SET NULL",
        ],
    );
    const LOCK_SELECTED: &'static str = "FOR UPDATE";
    const BACKGROUND_CHECKPOINT: Option<&'static str> = None;
    const TRUNCATE_LOG: Option<&'static str> = None;
    const COMMIT_WITHOUT_FLUSH: Option<&'static str> = None;
    // Rows come in binary and are decoded where they are read: 9,085 teams' sums in 9-10 ms
    // against ~16 ms as text per column (numbers turned into text and back) and ~12 ms as one
    // array per column (`array_agg` is slower than sending the rows).
    const ROWS_ARE_CHEAP: bool = true;
    const STRING_AGG: &'static str = "string_agg";
    const CHR: &'static str = "chr";
    const JSON_ARRAY_ELEMENTS: &'static str = "jsonb_array_elements($1::jsonb) AS elements(value)";
    const ATTRIBUTE_ENTRIES: &'static str = "jsonb_each_text(p.attributes::jsonb) AS a";
}
