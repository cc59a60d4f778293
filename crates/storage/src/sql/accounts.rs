//! Accounts ([`AccountStore`]): users, sessions, sign-in failures, API tokens and password
//! links.

use super::*;
use crate::AccountStore;
use trustloop_domain::people::Email;

/// Seconds within which a second use of an API token is not written down again.
const TOKEN_USE_RESOLUTION: i64 = 60;

#[sql_impl]
#[async_trait]
impl<DB> AccountStore for SqlStore<DB> {
    #[tracing::instrument(skip_all, fields(role = user.role.slug()))]
    async fn create_user(&self, user: &NewUser) -> StoreResult<UserId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, role, person_id, password_hash) VALUES ($1, $2, $3, $4, $5)
             RETURNING id",
        )
        .bind(user.email.as_str())
        .bind(&user.display_name)
        .bind(user.role.slug())
        .bind(user.person_id.map(|p| p.0))
        .bind(&user.password_hash)
        .fetch_one(&self.pool)
        .await
        .map_err(conflict_on_unique(|| {
            format!("an account for {} already exists", user.email)
        }))?;
        Ok(UserId(id))
    }

    #[tracing::instrument(skip_all)]
    async fn user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(Self::user_from_row).transpose()
    }

    #[tracing::instrument(skip_all, fields(user = %id))]
    async fn user(&self, id: UserId) -> StoreResult<User> {
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        Self::user_from_row(&row.ok_or(StoreError::NotFound("user"))?)
    }

    #[tracing::instrument(skip_all, fields(user = %session.user_id))]
    async fn create_session(&self, session: &NewSession) -> StoreResult<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(&session.token_hash)
            .bind(session.user_id.0)
            .bind(&session.csrf_token)
            .bind(session.expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn session(&self, token_hash: &str, now: i64) -> StoreResult<Option<Session>> {
        let row = sqlx::query(
            "SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(Session {
                user_id: UserId(row.try_get("user_id")?),
                csrf_token: row.try_get("csrf_token")?,
                expires_at: row.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(keys = keys.len()))]
    async fn record_sign_in_failure(&self, keys: &[String], at: i64) -> StoreResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        // One statement, a transaction of its own: every key's failure or none.
        let sql = format!(
            "INSERT INTO sign_in_failures (key, at) VALUES {}",
            row_placeholders::<DB>(keys.len(), 2)
        );
        let insert = keys
            .iter()
            .fold(sqlx::query(&sql), |insert, key| insert.bind(key).bind(at));
        insert.execute(&self.pool).await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn sign_in_failures(&self, key: &str, since: i64) -> StoreResult<u32> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_failures WHERE key = $1 AND at >= $2")
                .bind(key)
                .bind(since)
                .fetch_one(&self.pool)
                .await?;
        Ok(n as u32)
    }

    #[tracing::instrument(skip_all)]
    async fn clear_sign_in_failures(&self, key: &str, before: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE key = $1 OR at < $2")
            .bind(key)
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(user = %token.user_id))]
    async fn create_api_token(&self, token: &NewApiToken) -> StoreResult<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, token_hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5)
             RETURNING id",
        )
        .bind(token.user_id.0)
        .bind(&token.name)
        .bind(&token.token_hash)
        .bind(token.scopes.join(" "))
        .bind(token.created_at)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    #[tracing::instrument(skip_all, fields(user = %user))]
    async fn api_tokens(&self, user: UserId) -> StoreResult<Vec<ApiToken>> {
        let rows = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id DESC"
        ))
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::token_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(token = tracing::field::Empty, user = tracing::field::Empty))]
    async fn use_api_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<(ApiToken, User)>> {
        // The user's columns under their own names, the token's id as `token_id`.
        let row = sqlx::query(
            "SELECT t.id AS token_id, t.user_id, t.name, t.scopes, t.created_at, t.last_used_at,
                    t.revoked_at, u.id, u.email, u.display_name, u.role, u.person_id,
                    u.password_hash
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (mut token, user) = (
            Self::token_from_row_with_id(&row, "token_id")?,
            Self::user_from_row(&row)?,
        );
        tracing::Span::current()
            .record("token", token.id)
            .record("user", user.id.0);
        // A write per use would serialise every API call on one row (and, on SQLite, on one
        // fsync): the time of use is kept to the minute, and shown to the day.
        if token
            .last_used_at
            .is_none_or(|t| now - t >= TOKEN_USE_RESOLUTION)
        {
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $1
                 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)",
            )
            .bind(now)
            .bind(token.id)
            .execute(&self.pool)
            .await?;
            token.last_used_at = Some(now);
        }
        Ok(Some((token, user)))
    }

    #[tracing::instrument(skip_all, fields(user = %user, token = id))]
    async fn revoke_api_token(&self, user: UserId, id: i64, now: i64) -> StoreResult<()> {
        let changed = DB::rows_affected(
            &sqlx::query(
                "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND user_id = $3",
            )
            .bind(now)
            .bind(id)
            .bind(user.0)
            .execute(&self.pool)
            .await?,
        );
        if changed == 0 {
            return Err(StoreError::NotFound("API token"));
        }
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(user = %user))]
    async fn create_password_link(
        &self,
        user: UserId,
        token_hash: &str,
        expires_at: i64,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        sqlx::query("DELETE FROM password_links WHERE user_id = $1 AND used_at IS NULL")
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO password_links (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(token_hash)
        .bind(user.0)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn password_link_user(&self, token_hash: &str, now: i64) -> StoreResult<Option<User>> {
        let row = sqlx::query(
            "SELECT u.* FROM password_links l JOIN users u ON u.id = l.user_id
             WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::user_from_row).transpose()
    }

    #[tracing::instrument(skip_all, fields(user = tracing::field::Empty))]
    async fn use_password_link(
        &self,
        token_hash: &str,
        now: i64,
        password_hash: &str,
    ) -> StoreResult<UserId> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let user: Option<i64> = sqlx::query_scalar(
            "UPDATE password_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
             RETURNING user_id",
        )
        .bind(now)
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user) = user else {
            return Err(StoreError::Conflict(
                "this link has been used or has expired".into(),
            ));
        };
        tracing::Span::current().record("user", user);
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(UserId(user))
    }
}
