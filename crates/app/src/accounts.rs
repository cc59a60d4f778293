//! Sign-in accounts: creating them, passwords and their one-time links, signing in and out
//! (with throttling), and API tokens.

use crate::tokens::{hash_token, link_hash, random_token};
use crate::{Actor, App, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use trustloop_domain::people::Email;
use trustloop_storage::{NewApiToken, NewSession, NewUser, Role, StoreError, User, UserId};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted (argon2 takes any length; this bounds the work).
pub const MAX_PASSWORD_CHARS: usize = 200;

/// Checks a new password against the rules; the message says how to fix it.
pub fn check_password(password: &str, confirm: &str) -> std::result::Result<(), String> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err(format!(
            "Use at least {MIN_PASSWORD_CHARS} characters; a few unrelated words make a good password."
        ));
    }
    if length > MAX_PASSWORD_CHARS {
        return Err(format!("Use at most {MAX_PASSWORD_CHARS} characters."));
    }
    if password != confirm {
        return Err("The two passwords differ; type the same password twice.".into());
    }
    Ok(())
}

/// Hashes a password with argon2id, off the async threads.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let salt = SaltString::encode_b64(&bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    })
    .await?
}

/// Checks a password against a stored argon2 hash, off the async threads.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A new sign-in account.
pub struct NewAccount {
    /// The sign-in email.
    pub email: Email,
    /// The name shown in the page header.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// Their password, when it is set now rather than from a one-time link.
    pub password: Option<String>,
}

/// Creates an account, linked to the person with the same email when there is one, and records
/// it in the audit log. Returns the account and whether it was linked to a person.
#[tracing::instrument(skip_all, fields(role = account.role.slug()))]
pub async fn create_user(app: &App, actor: &Actor, account: NewAccount) -> Result<(UserId, bool)> {
    let name = trustloop_domain::text::clean_name(&account.name)
        .map_err(|e| crate::Error::Invalid(format!("The name {e}.")))?
        .trim()
        .to_string();
    if name.is_empty() {
        return Err(crate::Error::Invalid("Give the account a name.".into()));
    }
    let password_hash = match account.password {
        Some(password) => {
            check_password(&password, &password).map_err(crate::Error::Invalid)?;
            Some(hash_password(password).await?)
        }
        None => None,
    };
    let person = app.store.person_by_email(&account.email).await?;
    let user = app
        .store
        .create_user(&NewUser {
            email: account.email.clone(),
            display_name: name,
            role: account.role,
            person_id: person.as_ref().map(|p| p.id),
            password_hash,
        })
        .await?;
    app.audit(
        actor,
        "user_created",
        &format!("{} as {}", account.email, account.role.slug()),
        "",
    )
    .await?;
    Ok((user, person.is_some()))
}

/// How long a one-time password link works, in seconds (72 hours).
pub const PASSWORD_LINK_SECONDS: i64 = 72 * 60 * 60;

/// Stores a fresh one-time link for `user` to set their password (their unused older links stop
/// working), records it in the audit log, and returns the link's token.
#[tracing::instrument(skip_all, fields(user = %user))]
pub async fn issue_password_link(app: &App, actor: &Actor, user: UserId) -> Result<String> {
    let token = random_token();
    app.store
        .create_password_link(
            user,
            &hash_token(&token),
            crate::now() + PASSWORD_LINK_SECONDS,
        )
        .await?;
    app.audit(actor, "password_link_issued", &format!("user {user}"), "")
        .await?;
    Ok(token)
}

/// The account a password link's token is for, while the link works.
pub async fn password_link_user(app: &App, token: &str) -> Result<Option<User>> {
    let Some(hash) = link_hash(token) else {
        return Ok(None);
    };
    Ok(app.store.password_link_user(&hash, crate::now()).await?)
}

/// What became of setting a password from a link.
pub enum PasswordChange {
    /// The link is unknown, used or expired.
    DeadLink,
    /// The password breaks a rule; the account's email and what to fix.
    Refused {
        /// The account's email.
        email: String,
        /// What to fix.
        problem: String,
    },
    /// The password is set, the link used and the account's sessions ended.
    Done,
}

/// Sets a password from a one-time link (from `address`), and records it in the audit log.
#[tracing::instrument(skip_all)]
pub async fn set_password(
    app: &App,
    address: &str,
    token: &str,
    password: &str,
    confirm: &str,
) -> Result<PasswordChange> {
    let (Some(hash), Some(user)) = (link_hash(token), password_link_user(app, token).await?) else {
        return Ok(PasswordChange::DeadLink);
    };
    if let Err(problem) = check_password(password, confirm) {
        return Ok(PasswordChange::Refused {
            email: user.email,
            problem,
        });
    }
    let password_hash = hash_password(password.to_string()).await?;
    match app
        .store
        .use_password_link(&hash, crate::now(), &password_hash)
        .await
    {
        Ok(_) => {
            app.audit(
                &Actor::new(user.email, address),
                "password_set",
                "",
                "one-time link",
            )
            .await?;
            Ok(PasswordChange::Done)
        }
        Err(StoreError::Conflict(_)) => Ok(PasswordChange::DeadLink),
        Err(e) => Err(e.into()),
    }
}

/// How long a session lasts, in seconds (12 hours).
pub const SESSION_SECONDS: i64 = 12 * 60 * 60;

/// Starts a session for `user` and returns its token (kept by the browser; the database keeps
/// its hash).
pub async fn start_session(app: &App, user: UserId) -> Result<String> {
    let token = random_token();
    app.store
        .create_session(&NewSession {
            token_hash: hash_token(&token),
            user_id: user,
            csrf_token: random_token(),
            expires_at: crate::now() + SESSION_SECONDS,
        })
        .await?;
    Ok(token)
}

/// Failed sign-ins allowed for one account (an email, whether or not it has an account) from
/// one network within [`THROTTLE_WINDOW`]; after them that account is not checked from that
/// network for the rest of the window. Its owner still signs in from anywhere else, and every
/// other account from the same network.
pub const MAX_PAIR_FAILURES: u32 = 5;
/// Failed sign-ins with emails that have no account allowed from one network within
/// [`THROTTLE_WINDOW`]; after them such sign-ins are refused without checking a password (they
/// could never succeed; this saves the work of checking). Accounts that exist are never held
/// back by what others did from the same network: one office behind one address is many people.
pub const MAX_UNKNOWN_FAILURES: u32 = 100;
/// The throttling window in seconds.
pub const THROTTLE_WINDOW: i64 = 15 * 60;

/// A hash to verify against when the account does not exist, so that a wrong email takes as long
/// as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Wn6U3p3ZbnJd1gZ9z8sKq5XJQ8bA9L5b2G8Gx1qfHo";

/// How long the last password check took, in microseconds: a sign-in refused without a check
/// waits as long, so that its answer does not come sooner than a check's would.
static LAST_CHECK_MICROS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Someone signing in.
pub struct SignInAttempt<'a> {
    /// The email as typed.
    pub email: &'a str,
    /// The password as typed.
    pub password: String,
    /// The network address it comes from.
    pub address: &'a str,
    /// The hash of a session token the browser already had: it is ended, never reused.
    pub replaced_session: Option<String>,
}

/// What became of a sign-in.
pub enum SignIn {
    /// Too many failures for this account from this network lately; nothing was checked.
    Throttled,
    /// The email and password do not match an account.
    Refused,
    /// Signed in: the account and its new session's token.
    Accepted {
        /// The account.
        user: Box<User>,
        /// The new session's token.
        session: String,
    },
}

/// The network a throttle counts an address under: the address itself for IPv4, its /64 for
/// IPv6 (one household or office is given a /64 and may use any address in it).
pub fn network_of(address: &str) -> String {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            let network = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{network}/64")
        }
        Ok(std::net::IpAddr::V6(v6)) => v6.to_canonical().to_string(),
        _ => address.to_string(),
    }
}

/// Checks a sign-in against the account's password and starts a session when it matches. The
/// throttle counts failures per account and network ([`MAX_PAIR_FAILURES`]), and, for emails
/// without an account, per network ([`MAX_UNKNOWN_FAILURES`]); a correct password of an
/// account that exists is never refused because of what others did from its network. Every
/// outcome is recorded in the audit log.
#[tracing::instrument(skip_all)]
pub async fn sign_in(app: &App, attempt: SignInAttempt<'_>) -> Result<SignIn> {
    let typed = Actor::new(attempt.email, attempt.address);
    let now = crate::now();
    let since = now - THROTTLE_WINDOW;
    let network = network_of(attempt.address);
    let pair_key = format!("pair:{}|{network}", attempt.email.trim().to_lowercase());
    let unknown_key = format!("unknown:{network}");
    if app.store.sign_in_failures(&pair_key, since).await? >= MAX_PAIR_FAILURES {
        app.audit(&typed, "sign_in_throttled", "", "").await?;
        return Ok(SignIn::Throttled);
    }
    let user = match Email::parse(attempt.email) {
        Ok(email) => app.store.user_by_email(&email).await?,
        Err(_) => None,
    };
    if user.is_none()
        && app.store.sign_in_failures(&unknown_key, since).await? >= MAX_UNKNOWN_FAILURES
    {
        // Answered as a wrong password is, after as long: the answer says nothing about
        // whether the account exists.
        let waited = LAST_CHECK_MICROS.load(std::sync::atomic::Ordering::Relaxed);
        tokio::time::sleep(std::time::Duration::from_micros(waited)).await;
        app.audit(&typed, "sign_in_throttled", "", "unknown account")
            .await?;
        return Ok(SignIn::Refused);
    }
    let hash = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_string());
    let started = std::time::Instant::now();
    let valid = verify_password(attempt.password, hash).await;
    LAST_CHECK_MICROS.store(
        u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        std::sync::atomic::Ordering::Relaxed,
    );
    match user {
        Some(user) if valid && user.password_hash.is_some() => {
            if let Some(old) = &attempt.replaced_session {
                app.store.delete_session(old).await?;
            }
            app.store.clear_sign_in_failures(&pair_key, since).await?;
            let session = start_session(app, user.id).await?;
            app.audit(
                &Actor::new(user.email.clone(), attempt.address),
                "sign_in",
                "",
                "",
            )
            .await?;
            Ok(SignIn::Accepted {
                user: Box::new(user),
                session,
            })
        }
        user => {
            let mut keys = vec![pair_key];
            if user.is_none() {
                keys.push(unknown_key);
            }
            app.store.record_sign_in_failure(&keys, now).await?;
            app.audit(&typed, "sign_in_failed", "", "").await?;
            Ok(SignIn::Refused)
        }
    }
}

/// Ends the session whose token hashes to `session` and records it in the audit log.
pub async fn sign_out(app: &App, actor: &Actor, session: &str) -> Result<()> {
    app.store.delete_session(session).await?;
    app.audit(actor, "sign_out", "", "").await
}

/// Creates an API token for `user` with `scopes` (already checked against what the user may
/// give), records it in the audit log, and returns the token (shown once: only its hash is
/// kept).
#[tracing::instrument(skip_all, fields(user = %user))]
pub async fn create_api_token(
    app: &App,
    actor: &Actor,
    user: UserId,
    name: &str,
    scopes: Vec<String>,
) -> Result<String> {
    let token = format!("tl_{}", random_token());
    let detail = scopes.join(" ");
    let id = app
        .store
        .create_api_token(&NewApiToken {
            user_id: user,
            name: name.to_string(),
            token_hash: hash_token(&token),
            scopes,
            created_at: crate::now(),
        })
        .await?;
    app.audit(actor, "api_token_created", &format!("token {id}"), &detail)
        .await?;
    Ok(token)
}

/// Revokes one of `user`'s API tokens and records it in the audit log.
#[tracing::instrument(skip_all, fields(user = %user, token = id))]
pub async fn revoke_api_token(app: &App, actor: &Actor, user: UserId, id: i64) -> Result<()> {
    app.store.revoke_api_token(user, id, crate::now()).await?;
    app.audit(actor, "api_token_revoked", &format!("token {id}"), "")
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_length_and_a_matching_confirmation() {
        assert!(check_password("short", "short").is_err());
        assert!(check_password("a long enough password", "a long enough passw0rd").is_err());
        assert!(check_password("a long enough password", "a long enough password").is_ok());
        assert!(check_password(&"x".repeat(201), &"x".repeat(201)).is_err());
    }

    #[test]
    fn ipv6_addresses_are_throttled_by_their_64_and_ipv4_by_themselves() {
        assert_eq!(network_of("203.0.113.9"), "203.0.113.9");
        assert_eq!(network_of("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(network_of("2001:db8:1:2:bbbb::7"), "2001:db8:1:2::/64");
        assert_eq!(network_of("::ffff:203.0.113.9"), "203.0.113.9");
        assert_eq!(network_of(""), "");
    }

    #[tokio::test]
    async fn a_password_verifies_against_its_hash_and_nothing_else() {
        let hash = hash_password("correct horse".into()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), hash.clone()).await);
        assert!(!verify_password("wrong".into(), hash).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
    }
}
