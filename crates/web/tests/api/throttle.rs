//! People are not locked out: failed sign-ins are counted per account and network, so that one
//! office behind one address is many people, not one suspect.

use crate::helpers::*;
use reqwest::StatusCode;
use trustloop_storage::Role;

#[tokio::test]
async fn forty_colleagues_behind_one_address_sign_in_after_thirty_typos() {
    let app = TestApp::spawn().await;
    let colleagues: Vec<String> = (0..40)
        .map(|n| format!("colleague{n}@example.org"))
        .collect();
    for email in &colleagues {
        app.create_user(email, email, Role::Leader, None).await;
    }
    // Thirty typos from the office's one address: one for each of the first twenty, and two
    // more for five of them.
    for n in (0..20).chain(0..5).chain(0..5) {
        let r = app.client().sign_in(&colleagues[n], "a typo of it").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "typo {n}");
    }

    for email in &colleagues {
        let r = app.client().sign_in(email, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{email} signs in");
    }
}

#[tokio::test]
async fn a_correct_password_works_from_a_busy_address_but_not_after_five_guesses_at_it() {
    let app = TestApp::spawn().await;
    app.create_user("lee@example.org", "Lee", Role::Leader, None)
        .await;
    // Someone on the same network guesses at one account, and at emails without accounts.
    for _ in 0..5 {
        let r = app.client().sign_in(ADMIN_EMAIL, "guess").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    for n in 0..110 {
        let r = app
            .client()
            .sign_in(&format!("nobody{n}@example.org"), "guess")
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "unknown {n}");
    }

    // Another account from the same address still signs in...
    let r = app.client().sign_in("lee@example.org", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // ...and the account guessed at does not, from here, for a while.
    let r = app.client().sign_in(ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let events = app.store.audit_events(200, None).await.expect("audit");
    let throttled = events
        .iter()
        .filter(|(_, e)| e.action == "sign_in_throttled")
        .count();
    assert!(
        throttled >= 11,
        "the sign-ins refused unchecked are audited: {throttled}"
    );
}
