//! Inviting people to sign in from the web: an admin gives a leader or a team member an
//! account (when they have none) and a single-use link to set their password, shown once.
//! Email arrives later (issue 29): until then the admin sends the link themselves.

use crate::accounts::{self, NewAccount};
use crate::{Actor, App, Error, Result};
use trustloop_domain::people::Email;
use trustloop_storage::{PersonId, Role};

/// A sign-in invitation just made.
pub struct SignInInvitation {
    /// The person's name.
    pub name: String,
    /// Their sign-in email.
    pub email: String,
    /// Whether their account was made now (otherwise it existed, and only the link is new).
    pub new_account: bool,
    /// The link's token (shown once: only its hash is kept).
    pub token: String,
}

/// The roles an admin may invite someone to from the people or campaign pages: never admin
/// (an admin is made on the server's command line).
pub fn invitable_role(slug: &str) -> Result<Role> {
    match slug {
        "leader" => Ok(Role::Leader),
        "member" => Ok(Role::Member),
        _ => Err(Error::Invalid(
            "Choose whether they sign in as a leader or as a team member.".into(),
        )),
    }
}

/// Invites `person` to sign in as `role`: makes their account when they have none, and issues
/// a fresh single-use password link (their older links stop working). Both are audited.
#[tracing::instrument(skip_all, fields(person = %person))]
pub async fn invite(
    app: &App,
    actor: &Actor,
    person: PersonId,
    role: Role,
) -> Result<SignInInvitation> {
    let person = app.store.person(person).await?;
    let email = Email::parse(&person.email)
        .map_err(|e| Error::Invalid(format!("Their email cannot sign in: {e}.")))?;
    let (user, new_account) = match app.store.user_by_email(&email).await? {
        Some(user) => (user.id, false),
        None => {
            let account = NewAccount {
                email,
                name: person.name.clone(),
                role,
                password: None,
            };
            (accounts::create_user(app, actor, account).await?.0, true)
        }
    };
    let token = accounts::issue_password_link(app, actor, user).await?;
    Ok(SignInInvitation {
        name: person.name,
        email: person.email,
        new_account,
        token,
    })
}
