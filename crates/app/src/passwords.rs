//! A signed-in user changing their own password: they type the current one, and the new one
//! twice. The change goes through the same single-use link as a password set from a link, so
//! that it too ends every session of the account (the user signs in again with the new one).

use crate::accounts::{check_password, hash_password, verify_password};
use crate::tokens::{hash_token, random_token};
use crate::{Actor, App, FieldRefusal, Result};
use trustloop_storage::User;

/// Changes `user`'s password from `current` to `new` (typed twice: `confirm`); a refused value
/// names its field (`current`, `password`). Ends the account's sessions; audited.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn change_password(
    app: &App,
    actor: &Actor,
    user: &User,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<std::result::Result<(), FieldRefusal>> {
    let matches = match &user.password_hash {
        Some(hash) => verify_password(current.to_string(), hash.clone()).await,
        None => false,
    };
    if !matches {
        return Ok(Err(FieldRefusal::new(
            "current",
            "That is not your current password. Forgotten it? Ask an admin for a new sign-in link.",
        )));
    }
    if let Err(problem) = check_password(new, confirm) {
        return Ok(Err(FieldRefusal::new("password", problem)));
    }
    let token = random_token();
    let link = hash_token(&token);
    // A link that lives for this request only: used at once below.
    app.store
        .create_password_link(user.id, &link, crate::now() + 60)
        .await?;
    let new_hash = hash_password(new.to_string()).await?;
    app.store
        .use_password_link(&link, crate::now(), &new_hash)
        .await?;
    app.audit(actor, "password_changed", &format!("user {}", user.id), "")
        .await?;
    Ok(Ok(()))
}
