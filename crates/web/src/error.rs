//! The web layer's error type: a 4xx says exactly what was wrong and how to fix it; a 500 is
//! logged with its cause and shown as a plain apology with a reference the admin can look up:
//! the request's id, which every log line of the request carries.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use trustloop_storage::StoreError;

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is malformed or a value is invalid; the message says how to fix it.
    #[error("{0}")]
    BadRequest(String),
    /// Not signed in: pages send the browser to the sign-in page.
    #[error("sign in first")]
    SignInRequired {
        /// Where to come back to after signing in.
        next: String,
    },
    /// Signed in but not allowed.
    #[error("you do not have access to this page")]
    Forbidden,
    /// Nothing here, or nothing this user may know exists.
    #[error("{0} was not found")]
    NotFound(&'static str),
    /// The request clashes with the current state; the message says why.
    #[error("{0}")]
    Conflict(String),
    /// The form was not sent from a Trustloop page (missing or wrong CSRF token).
    #[error("the form expired or did not come from Trustloop; reload the page and try again")]
    CsrfRejected,
    /// Anything unexpected; logged with its cause, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<trustloop_app::Error> for AppError {
    fn from(e: trustloop_app::Error) -> Self {
        match e {
            trustloop_app::Error::Invalid(msg) => AppError::BadRequest(msg),
            trustloop_app::Error::NotFound(what) => AppError::NotFound(what),
            trustloop_app::Error::Conflict(msg) => AppError::Conflict(msg),
            trustloop_app::Error::Internal(cause) => AppError::Internal(cause),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Conflict(msg) => AppError::Conflict(msg),
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

/// The result type of handlers.
pub type AppResult<T> = Result<T, AppError>;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: crate::layout::Chrome,
    title: &'a str,
    message: String,
    reference: Option<String>,
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::SignInRequired { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Logs an internal error and returns the reference shown to the user: the request's id.
    fn log_internal(&self) -> Option<String> {
        if let AppError::Internal(cause) = self {
            let reference = crate::request_id::current()
                .unwrap_or_else(crate::request_id::generate)
                .to_string();
            tracing::error!(reference, error = ?cause, "request failed");
            Some(reference)
        } else {
            None
        }
    }

    /// The error as a JSON body, for the API.
    pub fn into_json_response(self) -> Response {
        let status = self.status();
        let reference = self.log_internal();
        let message = match &self {
            AppError::Internal(_) => "Something went wrong on our side.".to_string(),
            AppError::SignInRequired { .. } => {
                "Authentication required: sign in first.".to_string()
            }
            other => other.to_string(),
        };
        let body = serde_json::json!({ "error": message, "reference": reference });
        (status, axum::Json(body)).into_response()
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::SignInRequired { next } = &self {
            let target = format!("/sign-in?next={}", crate::forms::url_encode(next));
            return Redirect::to(&target).into_response();
        }
        let status = self.status();
        let reference = self.log_internal();
        let (title, message) = match &self {
            AppError::Internal(_) => (
                "Sorry, something went wrong",
                "Something went wrong on our side and your request was not completed. Please try again; if it keeps happening, give your administrator the reference below.".to_string(),
            ),
            AppError::NotFound(what) => (
                "Not found",
                format!("The {what} you asked for does not exist, or you do not have access to it."),
            ),
            AppError::Forbidden => ("No access", self.to_string()),
            AppError::BadRequest(_) => ("That did not work", self.to_string()),
            AppError::Conflict(_) => ("That could not be done", self.to_string()),
            AppError::CsrfRejected => ("Please try again", self.to_string()),
            AppError::SignInRequired { .. } => ("Sign in", self.to_string()),
        };
        let page = ErrorPage {
            chrome: crate::layout::Chrome::default(),
            title,
            message,
            reference,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "error page failed to render");
                (
                    status,
                    [(header::CONTENT_TYPE, "text/plain")],
                    "Something went wrong.",
                )
                    .into_response()
            }
        }
    }
}
