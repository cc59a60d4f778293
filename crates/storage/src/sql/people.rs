//! The organisation's people ([`PeopleStore`]): the import of a people file, with its staging
//! table and the checks for reporting loops, and the reads of people.

use super::*;
use crate::PeopleStore;
use std::collections::HashSet;
use trustloop_domain::people::{Email, PeopleFile};

/// People per statement while an import fills its staging table (each chunk is one JSON text;
/// several chunks so that the progress bar moves).
const IMPORT_CHUNK: usize = 5_000;

/// Each row's distance from the top of the file's reporting lines: 0 for someone whose manager
/// is not in the file (or who has none), their manager's plus one otherwise; or `Err` with a row
/// whose reporting line inside the file comes back to itself.
fn manager_depths(file: &PeopleFile) -> Result<Vec<usize>, usize> {
    let index: foldhash::HashMap<&str, usize> = file
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.email.as_str(), i))
        .collect();
    let manager = |i: usize| {
        file.rows[i]
            .manager_email
            .as_ref()
            .and_then(|m| index.get(m.as_str()).copied())
    };
    const UNKNOWN: usize = usize::MAX;
    const ON_THE_WAY: usize = usize::MAX - 1;
    let mut depths = vec![UNKNOWN; file.rows.len()];
    let mut chain = Vec::new();
    for start in 0..file.rows.len() {
        // Walk up to a row whose depth is known (or the top), then fill the chain downwards.
        let mut current = Some(start);
        let mut base = 0;
        while let Some(i) = current {
            match depths[i] {
                UNKNOWN => {}
                ON_THE_WAY => return Err(i),
                known => {
                    base = known + 1;
                    break;
                }
            }
            depths[i] = ON_THE_WAY;
            chain.push(i);
            current = manager(i);
        }
        for (offset, i) in chain.drain(..).rev().enumerate() {
            depths[i] = base + offset;
        }
    }
    Ok(depths)
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// The people matching `clause` (with `$1` bound to `bind`), by name.
    pub(crate) async fn people_where(&self, clause: &str, bind: i64) -> StoreResult<Vec<Person>> {
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM people p LEFT JOIN teams t ON t.id = p.team_id WHERE {clause} ORDER BY p.name, p.id"
        );
        let rows = sqlx::query(&sql).bind(bind).fetch_all(&self.pool).await?;
        Self::people_from_rows(rows)
    }
}

#[sql_impl]
#[async_trait]
impl<DB> PeopleStore for SqlStore<DB> {
    #[tracing::instrument(skip_all, fields(rows = file.rows.len()))]
    async fn import_people(
        &self,
        file: &PeopleFile,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> StoreResult<ImportSummary> {
        let started = std::time::Instant::now();
        // A loop inside the file is refused before anything is written; one through people
        // already stored is looked for once the file is in.
        let depths = manager_depths(file).map_err(|row| {
            StoreError::Conflict(format!(
                "{} would be in a reporting loop within the file; nothing was imported",
                file.rows[row].email
            ))
        })?;
        let step = |name: &str| {
            tracing::debug!(
                step = name,
                ms = started.elapsed().as_millis() as u64,
                "import"
            )
        };
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        if let Some(lock) = DB::IMPORT_LOCK {
            sqlx::query(lock).execute(&mut *tx).await?;
        }
        // The staging table lives in the connection's own temporary space and is dropped before
        // the commit (or with the rollback).
        sqlx::query("CREATE TEMP TABLE IF NOT EXISTS import_staging (email TEXT PRIMARY KEY, name TEXT NOT NULL, team TEXT, manager_email TEXT, depth BIGINT NOT NULL, attributes TEXT NOT NULL)")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM import_staging")
            .execute(&mut *tx)
            .await?;
        let levels = depths.iter().max().map_or(0, |d| d + 1);
        // Each chunk goes in as one JSON array bound to one parameter and unpacked by the
        // database: binding the values one by one cost more than the rest of the import.
        let mut written = 0;
        for (n, chunk) in file.rows.chunks(IMPORT_CHUNK).enumerate() {
            let people: Vec<_> = chunk
                .iter()
                .zip(&depths[n * IMPORT_CHUNK..])
                .map(|(row, depth)| {
                    Ok((
                        row.email.as_str(),
                        row.name.as_str(),
                        row.team.as_deref(),
                        row.manager_email.as_ref().map(Email::as_str),
                        *depth,
                        attributes_text(&row.attributes)?,
                    ))
                })
                .collect::<StoreResult<_>>()?;
            sqlx::query(&format!(
                "INSERT INTO import_staging (email, name, team, manager_email, depth, attributes)
                 SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, CAST(value ->> 4 AS BIGINT),
                        value ->> 5
                 FROM {}",
                DB::JSON_ARRAY_ELEMENTS
            ))
            .bind(json_text(&people)?)
            .execute(&mut *tx)
            .await?;
            written += chunk.len();
            progress(written / 2);
        }
        step("staged");
        for statement in DB::ANALYZE_STAGING {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        step("analysed");
        let teams_created = DB::rows_affected(
            &sqlx::query(
                "INSERT INTO teams (name) SELECT DISTINCT team FROM import_staging WHERE team IS NOT NULL
                 ON CONFLICT DO NOTHING",
            )
            .execute(&mut *tx)
            .await?,
        );
        step("teams");
        let updated: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM import_staging s JOIN people p ON p.email = s.email",
        )
        .fetch_one(&mut *tx)
        .await?;
        // People already stored who are not in the file: a loop the file closes goes through
        // one of them.
        let others = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM people")
            .fetch_one(&mut *tx)
            .await?
            - updated;
        step("counted");
        let first_import = updated + others == 0;
        let (deferred, restored, stored) = if first_import {
            // Nobody stored and no email twice in a file: nothing to update (the check of a
            // possible conflict before each row was a tenth of PostgreSQL's time).
            let (deferred, restored) = DB::FIRST_IMPORT_DEFERRED;
            (deferred, restored, "")
        } else {
            (
                &[][..],
                &[][..],
                "ON CONFLICT (email) DO UPDATE SET name = excluded.name, team_id = excluded.team_id,
                     manager_id = excluded.manager_id, attributes = excluded.attributes
                 WHERE people.name <> excluded.name OR people.team_id IS DISTINCT FROM excluded.team_id
                     OR people.manager_id IS DISTINCT FROM excluded.manager_id
                     OR people.attributes <> excluded.attributes",
            )
        };
        for statement in deferred {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        // Managers first, level by level, so that each person is written once, with their
        // manager's id already known (a second pass over every row doubled PostgreSQL's writes).
        let insert = format!(
            "INSERT INTO people (name, email, team_id, manager_id, attributes)
             SELECT s.name, s.email, t.id, m.id, s.attributes FROM import_staging s
             LEFT JOIN teams t ON t.name = s.team LEFT JOIN people m ON m.email = s.manager_email
             WHERE s.depth = $1 {}
             {stored}",
            DB::IMPORT_ORDER
        );
        for depth in 0..levels {
            sqlx::query(&insert)
                .bind(depth as i64)
                .execute(&mut *tx)
                .await?;
        }
        for statement in restored {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        step("people");
        progress(written * 3 / 4);
        // A file may close a loop through people already stored; refuse it then. Such a loop
        // holds someone of the file and (the file having none of its own) someone who is not in
        // it, so the walk up the reporting lines starts from whichever group is smaller, and is
        // not needed when everyone stored is in the file (a first import).
        let starts = if others < file.rows.len() as i64 {
            "NOT EXISTS (SELECT 1 FROM import_staging s WHERE s.email = p.email)"
        } else {
            "EXISTS (SELECT 1 FROM import_staging s WHERE s.email = p.email)"
        };
        let looped: Option<String> = if others == 0 {
            None
        } else {
            sqlx::query_scalar(&format!(
                "WITH RECURSIVE chain (start, current, depth) AS (
                     SELECT p.id, p.manager_id, 1 FROM people p
                     WHERE p.manager_id IS NOT NULL AND {starts}
                     UNION ALL
                     SELECT c.start, p.manager_id, c.depth + 1 FROM chain c JOIN people p ON p.id = c.current
                     WHERE p.manager_id IS NOT NULL AND c.current <> c.start AND c.depth < 10000)
                 SELECT p.email FROM chain c JOIN people p ON p.id = c.start WHERE c.current = c.start LIMIT 1"
            ))
            .fetch_optional(&mut *tx)
            .await?
        };
        step("loop check");
        if let Some(email) = looped {
            return Err(StoreError::Conflict(format!(
                "{email} would be in a reporting loop with people already in Trustloop; nothing was imported"
            )));
        }
        sqlx::query("DROP TABLE import_staging")
            .execute(&mut *tx)
            .await?;
        step("dropped");
        tx.commit().await?;
        step("committed");
        progress(written);
        let updated = updated as u64;
        Ok(ImportSummary {
            added: file.rows.len() as u64 - updated,
            updated,
            teams_created,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn known_emails(&self) -> StoreResult<HashSet<Email>> {
        let emails: Vec<String> = sqlx::query_scalar("SELECT email FROM people")
            .fetch_all(&self.pool)
            .await?;
        emails
            .iter()
            .map(|e| Email::parse(e).map_err(StoreError::Corrupt))
            .collect()
    }

    #[tracing::instrument(skip_all, fields(offset = query.offset, limit = query.limit))]
    async fn people(&self, query: &PeopleQuery) -> StoreResult<(Vec<Person>, u64)> {
        let pattern = query.search.as_deref().map(|s| {
            format!(
                "%{}%",
                s.to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
        let filter =
            "($1 IS NULL OR lower(p.name) LIKE $1 ESCAPE '\\' OR p.email LIKE $1 ESCAPE '\\')";
        let total: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM people p WHERE {filter}"))
                .bind(&pattern)
                .fetch_one(&self.pool)
                .await?;
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM people p LEFT JOIN teams t ON t.id = p.team_id
             WHERE {filter} ORDER BY p.name, p.id LIMIT $2 OFFSET $3"
        );
        let rows = sqlx::query(&sql)
            .bind(&pattern)
            .bind(query.limit.min(i64::MAX as u64) as i64)
            .bind(query.offset.min(i64::MAX as u64) as i64)
            .fetch_all(&self.pool)
            .await?;
        Ok((Self::people_from_rows(rows)?, total as u64))
    }

    #[tracing::instrument(skip_all, fields(person = %id))]
    async fn person(&self, id: PersonId) -> StoreResult<Person> {
        self.people_where("p.id = $1", id.0)
            .await?
            .pop()
            .ok_or(StoreError::NotFound("person"))
    }

    #[tracing::instrument(skip_all)]
    async fn person_by_email(&self, email: &Email) -> StoreResult<Option<Person>> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await?;
        match id {
            Some(id) => Ok(Some(self.person(PersonId(id)).await?)),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn managers_come_before_their_reports_and_a_loop_in_the_file_is_named() {
        use trustloop_domain::people::{Email, PeopleFile, PersonRow};
        let row = |email: &str, manager: Option<&str>| PersonRow {
            line: 0,
            name: email.into(),
            email: Email::parse(&format!("{email}@example.org")).expect("email"),
            manager_email: manager
                .map(|m| Email::parse(&format!("{m}@example.org")).expect("email")),
            team: None,
            attributes: Vec::new(),
        };
        let file = PeopleFile {
            rows: vec![
                row("d", Some("c")),
                row("b", Some("a")),
                row("a", None),
                row("c", Some("b")),
                row("x", Some("outside")),
                row("y", Some("x")),
            ],
            attribute_names: Vec::new(),
        };
        assert_eq!(
            super::manager_depths(&file).expect("no loop"),
            [3, 1, 0, 2, 0, 1]
        );
        // l1 and l2 manage each other; y reports into the loop without being in it.
        for (rows, loop_member) in [
            (vec![row("l1", Some("l2")), row("l2", Some("l1"))], 0),
            (
                vec![
                    row("y", Some("l2")),
                    row("l1", Some("l2")),
                    row("l2", Some("l1")),
                ],
                2,
            ),
            (vec![row("self", Some("self"))], 0),
        ] {
            let looped = PeopleFile {
                rows,
                attribute_names: Vec::new(),
            };
            assert_eq!(super::manager_depths(&looped), Err(loop_member));
        }
    }
}
