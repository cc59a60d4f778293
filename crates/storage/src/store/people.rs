//! The people of the organisation: imported from a file, listed and looked up.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;
use trustloop_domain::people::{Email, PeopleFile};

/// The organisation's people, their teams, reporting lines and attributes.
#[async_trait]
pub trait PeopleStore: Send + Sync {
    /// Imports a clean people file in one transaction: people are matched by email (new ones are
    /// added, known ones updated), teams created as needed, reporting lines and attributes set.
    /// `progress` receives the number of rows written so far.
    async fn import_people(
        &self,
        file: &PeopleFile,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> StoreResult<ImportSummary>;
    /// Every email already in the organisation (to validate managers named in a file).
    async fn known_emails(&self) -> StoreResult<std::collections::HashSet<Email>>;
    /// One page of people, ordered by name, with the total count.
    async fn people(&self, query: &PeopleQuery) -> StoreResult<(Vec<Person>, u64)>;
    /// One person.
    async fn person(&self, id: PersonId) -> StoreResult<Person>;
    /// A person by email.
    async fn person_by_email(&self, email: &Email) -> StoreResult<Option<Person>>;
}
