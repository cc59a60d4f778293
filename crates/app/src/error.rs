//! The use cases' error type: what the caller can tell its user, and the unexpected rest.

use trustloop_storage::StoreError;

/// Every way a use case can fail. The web layer turns each into its status code; the command
/// line prints it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value given is invalid; the message says how to fix it.
    #[error("{0}")]
    Invalid(String),
    /// Nothing here, or nothing the caller may know exists.
    #[error("{0} was not found")]
    NotFound(&'static str),
    /// The change clashes with the current state; the message says why.
    #[error("{0}")]
    Conflict(String),
    /// Anything unexpected (the database failed); logged with its cause, never shown to users.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Error::NotFound(what),
            StoreError::Conflict(msg) => Error::Conflict(msg),
            other => Error::Internal(anyhow::Error::new(other)),
        }
    }
}

/// The result type of use cases.
pub type Result<T> = std::result::Result<T, Error>;

/// A typed value refused, with the form field it was typed in, so that a page can show the
/// message beside that field and keep what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRefusal {
    /// The form field's name (`name`, `deadline`, `email`…).
    pub field: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl FieldRefusal {
    /// `message` about the field named `field`.
    pub fn new(field: &'static str, message: impl Into<String>) -> FieldRefusal {
        FieldRefusal {
            field,
            message: message.into(),
        }
    }
}

impl From<FieldRefusal> for Error {
    fn from(refusal: FieldRefusal) -> Error {
        Error::Invalid(refusal.message)
    }
}
