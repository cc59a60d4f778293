//! Accounts ([`AccountStore`]): users, sessions, throttling, API tokens and password links.

use crate::helpers::*;
use trustloop_storage::*;

pub(crate) async fn a_session_lasts_until_it_expires_or_is_deleted(store: DynStore) {
    let user = store
        .create_user(&NewUser {
            email: email("admin@example.org"),
            display_name: "Admin".into(),
            role: Role::Admin,
            person_id: None,
            password_hash: None,
        })
        .await
        .expect("user");
    store
        .create_session(&NewSession {
            token_hash: "session-hash".into(),
            user_id: user,
            csrf_token: "csrf".into(),
            expires_at: 1_000,
        })
        .await
        .expect("session");
    let live = found(
        store.session("session-hash", 999).await,
        "live before it expires",
    );
    assert_eq!(live.user_id, user);
    assert_eq!(live.csrf_token, "csrf");
    assert_eq!(live.expires_at, 1_000);
    assert!(nothing(store.session("session-hash", 1_000).await));
    assert!(nothing(store.session("other-hash", 0).await));
    store.delete_session("session-hash").await.expect("deleted");
    assert!(nothing(store.session("session-hash", 0).await));
}

pub(crate) async fn accounts_are_unique_by_email_and_found_by_email_or_id(store: DynStore) {
    let org = import_org(&store).await;
    let new_user = |address: &str, role| NewUser {
        email: email(address),
        display_name: "Lee L.".into(),
        role,
        person_id: Some(org.lee),
        password_hash: Some("$argon2id$fake".into()),
    };
    let id = store
        .create_user(&new_user("lee@example.org", Role::Leader))
        .await
        .expect("created");
    let by_email = found(
        store.user_by_email(&email("lee@example.org")).await,
        "found",
    );
    assert_eq!(by_email.id, id);
    assert_eq!(by_email.role, Role::Leader);
    assert_eq!(by_email.person_id, Some(org.lee));
    assert_eq!(by_email.display_name, "Lee L.");
    assert_eq!(by_email.password_hash.as_deref(), Some("$argon2id$fake"));
    assert_eq!(
        store.user(id).await.expect("by id").email,
        "lee@example.org"
    );
    let message = conflict(
        store
            .create_user(&new_user("lee@example.org", Role::Admin))
            .await,
    );
    assert_eq!(message, "an account for lee@example.org already exists");
    assert!(nothing(
        store.user_by_email(&email("nobody@example.org")).await
    ));
    assert!(is_not_found(&store.user(UserId(77_777)).await));
}

pub(crate) async fn sign_in_failures_are_counted_per_key_since_a_time_and_cleared(store: DynStore) {
    let keys = [
        "account:a@example.org".to_string(),
        "address:10.0.0.1".to_string(),
    ];
    store
        .record_sign_in_failure(&keys, 100)
        .await
        .expect("recorded");
    store
        .record_sign_in_failure(&keys[..1], 200)
        .await
        .expect("recorded");
    assert_eq!(store.sign_in_failures(&keys[0], 0).await.expect("count"), 2);
    assert_eq!(
        store.sign_in_failures(&keys[0], 150).await.expect("count"),
        1
    );
    assert_eq!(store.sign_in_failures(&keys[1], 0).await.expect("count"), 1);
    assert_eq!(store.sign_in_failures("other", 0).await.expect("count"), 0);
    // Clearing the account forgets its failures and, everywhere, those before 150.
    store
        .clear_sign_in_failures(&keys[0], 150)
        .await
        .expect("cleared");
    assert_eq!(store.sign_in_failures(&keys[0], 0).await.expect("count"), 0);
    assert_eq!(store.sign_in_failures(&keys[1], 0).await.expect("count"), 0);
}

pub(crate) async fn api_tokens_are_listed_newest_first_used_and_revoked_only_by_their_owner(
    store: DynStore,
) {
    let owner = user_named(&store, "owner@example.org").await;
    let other = user_named(&store, "other@example.org").await;
    let token = |name: &str, hash: &str, at| NewApiToken {
        user_id: owner,
        name: name.into(),
        token_hash: hash.into(),
        scopes: vec!["reports:read".into(), "people:read".into()],
        created_at: at,
    };
    let first = store
        .create_api_token(&token("laptop", "hash-1", 100))
        .await
        .expect("first");
    let second = store
        .create_api_token(&token("ci", "hash-2", 200))
        .await
        .expect("second");
    let listed = store.api_tokens(owner).await.expect("listed");
    assert_eq!(
        listed.iter().map(|t| t.id).collect::<Vec<_>>(),
        [second, first]
    );
    assert_eq!(listed[1].name, "laptop");
    assert_eq!(listed[1].scopes, ["reports:read", "people:read"]);
    assert_eq!((listed[1].created_at, listed[1].last_used_at), (100, None));
    assert!(!listed[1].revoked);
    assert!(store.api_tokens(other).await.expect("none").is_empty());

    let (used, user) = found(store.use_api_token("hash-1", 300).await, "live token");
    assert_eq!(
        (used.id, used.user_id, used.last_used_at),
        (first, owner, Some(300))
    );
    assert_eq!(user, store.user(owner).await.expect("the owner"));
    assert!(nothing(store.use_api_token("unknown", 300).await));

    assert!(is_not_found(
        &store.revoke_api_token(other, first, 400).await
    ));
    store
        .revoke_api_token(owner, first, 400)
        .await
        .expect("revoked");
    // Revoking again is harmless.
    store
        .revoke_api_token(owner, first, 500)
        .await
        .expect("revoked again");
    assert!(nothing(store.use_api_token("hash-1", 600).await));
    let listed = store.api_tokens(owner).await.expect("listed");
    assert!(listed[1].revoked && !listed[0].revoked);
}

pub(crate) async fn a_password_link_works_once_before_it_expires_and_ends_the_users_sessions(
    store: DynStore,
) {
    let user = user_named(&store, "member@example.org").await;
    store
        .create_session(&NewSession {
            token_hash: "live-session".into(),
            user_id: user,
            csrf_token: "csrf".into(),
            expires_at: 10_000,
        })
        .await
        .expect("session");
    store
        .create_password_link(user, "old-link", 1_000)
        .await
        .expect("first link");
    // A newer link replaces the unused older one.
    store
        .create_password_link(user, "new-link", 1_000)
        .await
        .expect("second link");
    assert!(nothing(store.password_link_user("old-link", 0).await));
    let owner = found(store.password_link_user("new-link", 999).await, "live link");
    assert_eq!(owner.id, user);
    assert!(nothing(store.password_link_user("new-link", 1_000).await));
    assert!(is_conflict(
        &store.use_password_link("new-link", 1_000, "new hash").await
    ));

    let changed = store
        .use_password_link("new-link", 500, "new hash")
        .await
        .expect("password set");
    assert_eq!(changed, user);
    let password_hash = || {
        let store = store.clone();
        async move { store.user(user).await.expect("user").password_hash }
    };
    assert_eq!(password_hash().await.as_deref(), Some("new hash"));
    assert!(nothing(store.session("live-session", 0).await));
    let message = conflict(store.use_password_link("new-link", 600, "third hash").await);
    assert_eq!(message, "this link has been used or has expired");
    assert!(nothing(store.password_link_user("new-link", 600).await));
    assert_eq!(password_hash().await.as_deref(), Some("new hash"));
}
