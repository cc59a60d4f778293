//! Instrument versions ([`InstrumentStore`]).

use crate::helpers::*;
use trustloop_domain::instrument::Instrument;
use trustloop_storage::*;

pub(crate) async fn built_in_instruments_are_registered_and_a_changed_version_is_refused(
    store: DynStore,
) {
    let current = Instrument::current();
    assert_eq!(
        store.instrument(current.version).await.expect("stored"),
        current
    );
    // Registering the same definition again is harmless.
    store
        .register_instrument(&current)
        .await
        .expect("same definition accepted");
    let mut changed = current.clone();
    changed.name = format!("{} (edited)", changed.name);
    assert!(is_conflict(&store.register_instrument(&changed).await));
    assert!(is_not_found(&store.instrument(9999).await));
}
