//! Which seal key a database belongs to (table `seal_key`): settled once at start-up, before
//! anything is sealed or opened. The database records the fingerprint of its key; a server with
//! another key, or none, refuses to start and says what to do. A new key is made only for a new,
//! empty database. A database made before fingerprints records the first key it is opened with,
//! once that key is seen to open what is sealed in it.

use super::*;
use crate::KeySource;

/// Sealed values of each kind tried when a database without a fingerprint is first opened.
const VALUES_TRIED: i64 = 16;

/// Ballot marks tried against the invitations of their rater group on the same occasion.
const MARKS_TRIED: i64 = 4;

/// The first digits of a fingerprint, as messages show it.
fn short(fingerprint: &str) -> &str {
    fingerprint.get(..16).unwrap_or(fingerprint)
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// The seal key of the database behind `pool`, from `source`, checked against the
    /// fingerprint the database records (recorded now when it has none), and the start-up
    /// write that finds a database that cannot be written to before the first request does.
    pub(crate) async fn settle_key(pool: &Pool<DB>, source: KeySource) -> StoreResult<SealKey> {
        let recorded: Option<String> =
            sqlx::query_scalar("SELECT fingerprint FROM seal_key WHERE id = 1")
                .fetch_optional(pool)
                .await?;
        let (key, named) = match source {
            KeySource::Given(key) => (key, "the seal key given".to_string()),
            KeySource::File(path) => {
                let named = format!("the seal key file {}", path.display());
                match SealKey::load(&path)? {
                    Some(key) => (key, named),
                    None => match &recorded {
                        Some(fingerprint) => {
                            return Err(StoreError::SealKey(format!(
                                "{named} does not exist, and this database belongs to the key whose fingerprint begins {}. Put that key file back from your backup of it (or set seal_key_file, TRUSTLOOP_SEAL_KEY_FILE, to where it is) and start again. Trustloop makes a new key only for a new, empty database: under a new key, the answers waiting for their batch and the raters' attributes could no longer be opened.",
                                short(fingerprint)
                            )));
                        }
                        None if !Self::is_empty(pool).await? => {
                            return Err(StoreError::SealKey(format!(
                                "{named} does not exist, and this database already holds data. Put the key file it was used with back from your backup of it (or set seal_key_file, TRUSTLOOP_SEAL_KEY_FILE, to where it is) and start again. Trustloop makes a new key only for a new, empty database: under a new key, the answers waiting for their batch and the raters' attributes could no longer be opened."
                            )));
                        }
                        None => (SealKey::create(&path)?, named),
                    },
                }
            }
        };
        let fingerprint = key.fingerprint();
        if recorded.is_none() {
            Self::check_key_opens(pool, &key, &named).await?;
            sqlx::query(
                "INSERT INTO seal_key (id, fingerprint, recorded_at, checked_at)
                 VALUES (1, $1, $2, $2) ON CONFLICT (id) DO NOTHING",
            )
            .bind(fingerprint.as_str())
            .bind(unix_now())
            .execute(pool)
            .await?;
        }
        // The fingerprint as recorded, by this server or, on PostgreSQL, by another one that
        // started on the same new database at the same moment.
        let recorded: String = sqlx::query_scalar("SELECT fingerprint FROM seal_key WHERE id = 1")
            .fetch_one(pool)
            .await?;
        if recorded != fingerprint {
            return Err(StoreError::SealKey(format!(
                "{named} does not belong to this database: its fingerprint begins {}, and the database belongs to the key whose fingerprint begins {}. Start with the key file this database was used with (a database restored from a backup needs the key it was used with), from your backup of it.",
                short(&fingerprint),
                short(&recorded)
            )));
        }
        sqlx::query("UPDATE seal_key SET checked_at = $1 WHERE id = 1")
            .bind(unix_now())
            .execute(pool)
            .await?;
        Ok(key)
    }

    /// Whether the database holds nothing yet: no people, accounts or campaigns.
    async fn is_empty(pool: &Pool<DB>) -> StoreResult<bool> {
        for table in ["people", "users", "campaigns"] {
            let any: Option<i64> = sqlx::query_scalar(&format!("SELECT 1 FROM {table} LIMIT 1"))
                .fetch_optional(pool)
                .await?;
            if any.is_some() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Refuses `key` unless it opens the values sealed in the database (a few answers waiting
    /// for their batch and a few raters' attributes) and made its ballot marks (a mark is
    /// found among those of the invitations of its rater group). A database with nothing
    /// sealed accepts any key.
    async fn check_key_opens(pool: &Pool<DB>, key: &SealKey, named: &str) -> StoreResult<()> {
        let refuse = |what: &str| {
            StoreError::SealKey(format!(
                "{named} does not open the {what} sealed in this database: it is not the key this database was used with. Start with that key file, from your backup of it."
            ))
        };
        let waiting: Vec<Vec<u8>> = sqlx::query_scalar(&format!(
            "SELECT sealed FROM pending_answers LIMIT {VALUES_TRIED}"
        ))
        .fetch_all(pool)
        .await?;
        if waiting
            .iter()
            .any(|sealed| key.open(Purpose::PendingAnswer, sealed).is_err())
        {
            return Err(refuse("answers waiting for their batch"));
        }
        let attributes: Vec<Vec<u8>> = sqlx::query_scalar(&format!(
            "SELECT rater_attributes FROM responses WHERE rater_attributes IS NOT NULL LIMIT {VALUES_TRIED}"
        ))
        .fetch_all(pool)
        .await?;
        if attributes
            .iter()
            .any(|sealed| key.open(Purpose::RaterAttributes, sealed).is_err())
        {
            return Err(refuse("raters' attributes"));
        }
        let marks = sqlx::query(&format!(
            "SELECT mark, campaign_id, leader_id, rater_group FROM used_ballots LIMIT {MARKS_TRIED}"
        ))
        .fetch_all(pool)
        .await?;
        let mut unmatched = 0;
        for row in &marks {
            let mark: Vec<u8> = row.try_get("mark")?;
            let invitations: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM invitations
                 WHERE campaign_id = $1 AND leader_id = $2 AND rater_group = $3",
            )
            .bind(row.try_get::<i64, _>("campaign_id")?)
            .bind(row.try_get::<i64, _>("leader_id")?)
            .bind(row.try_get::<String, _>("rater_group")?)
            .fetch_all(pool)
            .await?;
            if !invitations.is_empty()
                && !invitations
                    .iter()
                    .any(|id| key.ballot_mark(*id).as_slice() == mark.as_slice())
            {
                unmatched += 1;
            }
        }
        if !marks.is_empty() && unmatched == marks.len() {
            return Err(refuse("marks of answered invitations"));
        }
        Ok(())
    }
}

/// Seconds since 1970, for the record of when a key was recorded and checked.
pub(super) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
