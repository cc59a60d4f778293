//! Sign-in accounts and what hangs on them: sessions, API tokens, one-time password links and
//! the throttling of failed sign-ins.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;
use trustloop_domain::people::Email;

/// Accounts, sessions, API tokens, password links and sign-in throttling.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates a sign-in account.
    async fn create_user(&self, user: &NewUser) -> StoreResult<UserId>;
    /// A user by email.
    async fn user_by_email(&self, email: &Email) -> StoreResult<Option<User>>;
    /// A user by id.
    async fn user(&self, id: UserId) -> StoreResult<User>;
    /// Stores a new session.
    async fn create_session(&self, session: &NewSession) -> StoreResult<()>;
    /// The live session with this token hash, if it has not expired at `now`.
    async fn session(&self, token_hash: &str, now: i64) -> StoreResult<Option<Session>>;
    /// Ends a session.
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    /// Records a failed sign-in under each of `keys` (such as the account and the address).
    async fn record_sign_in_failure(&self, keys: &[String], at: i64) -> StoreResult<()>;
    /// How many failures were recorded under `key` since `since`.
    async fn sign_in_failures(&self, key: &str, since: i64) -> StoreResult<u32>;
    /// Forgets the failures under `key` (after a successful sign-in) and any older than `before`.
    async fn clear_sign_in_failures(&self, key: &str, before: i64) -> StoreResult<()>;
    /// Stores a new API token.
    async fn create_api_token(&self, token: &NewApiToken) -> StoreResult<i64>;
    /// A user's tokens, newest first.
    async fn api_tokens(&self, user: UserId) -> StoreResult<Vec<ApiToken>>;
    /// The live (not revoked) token with this hash and the user it acts for, read together (an
    /// API request makes one query to find who it is), marking the token used at `now` (to the
    /// minute: a use within a minute of the recorded one is not written again).
    async fn use_api_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<(ApiToken, User)>>;
    /// Revokes one of a user's tokens; another user's token is "not found".
    async fn revoke_api_token(&self, user: UserId, id: i64, now: i64) -> StoreResult<()>;
    /// Stores a one-time link to set a user's password, replacing their unused older links.
    async fn create_password_link(
        &self,
        user: UserId,
        token_hash: &str,
        expires_at: i64,
    ) -> StoreResult<()>;
    /// The user an unused, unexpired password link belongs to.
    async fn password_link_user(&self, token_hash: &str, now: i64) -> StoreResult<Option<User>>;
    /// Uses a password link: sets the password, marks the link used and ends the user's
    /// sessions, in one transaction. An unknown, used or expired link is a conflict.
    async fn use_password_link(
        &self,
        token_hash: &str,
        now: i64,
        password_hash: &str,
    ) -> StoreResult<UserId>;
}
