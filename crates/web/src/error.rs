//! The web layer's error type: a 4xx says exactly what was wrong and how to fix it; a 500 is
//! logged with its cause and shown as a plain apology with a reference the admin can look up:
//! the request's id, which every log line of the request carries.
//!
//! Pages answer every error with the error page, and the JSON API with one JSON shape,
//! [`ErrorJson`]. What the framework answers by itself (a method a route does not take, a body
//! it cannot read) is given the same page or shape by [`shape`].

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use trustloop_storage::{StoreError, Unwritable};

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
    /// An API token that is not accepted; the message says why.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Signed in but not allowed.
    #[error("you do not have access to this page")]
    Forbidden,
    /// Nothing here, or nothing this user may know exists.
    #[error("{0} was not found")]
    NotFound(&'static str),
    /// The address does not answer the request's method (the framework adds the `Allow`
    /// header that lists those it answers).
    #[error("this address does not answer {0}: the Allow header lists the methods it answers")]
    MethodNotAllowed(String),
    /// The request clashes with the current state; the message says why.
    #[error("{0}")]
    Conflict(String),
    /// The request's body is larger than the route takes; the message says the limit.
    #[error("{0}")]
    TooLarge(String),
    /// The privacy rules refuse what was asked; the message says why, in words.
    #[error("{0}")]
    PrivacyRefused(String),
    /// The form was not sent from a Trustloop page (missing or wrong CSRF token).
    #[error("the form expired or did not come from Trustloop; reload the page and try again")]
    CsrfRejected,
    /// The database cannot be written to for now (a full disk, a read-only file system or a
    /// standby server): logged with its cause; the user is told nothing was stored and to try
    /// again later.
    #[error(
        "the server cannot store anything right now, so nothing you sent was stored; please try again in a few minutes"
    )]
    Unavailable(anyhow::Error),
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
            trustloop_app::Error::Internal(cause) => unexpected(cause),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Conflict(msg) => AppError::Conflict(msg),
            other => unexpected(anyhow::Error::new(other)),
        }
    }
}

/// An unexpected failure: [`AppError::Unavailable`] when the database cannot be written to,
/// [`AppError::Internal`] otherwise.
fn unexpected(cause: anyhow::Error) -> AppError {
    let unwritable = cause
        .chain()
        .filter_map(|e| e.downcast_ref::<StoreError>())
        .any(|e| Unwritable::of(e).is_some());
    if unwritable {
        AppError::Unavailable(cause)
    } else {
        AppError::Internal(cause)
    }
}

/// The body of every error the JSON API answers with.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorJson {
    /// What went wrong and how to put it right.
    pub error: String,
    /// With a failure on the server's side (5xx): the request's id, which the administrator
    /// finds in the server's logs. `null` otherwise.
    pub reference: Option<String>,
    /// Present, and `true`, when the privacy rules refused what was asked (422).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<bool>,
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
            AppError::SignInRequired { .. } | AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::PrivacyRefused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Logs an internal error and returns the reference shown to the user: the request's id.
    fn log_internal(&self) -> Option<String> {
        let reference = || {
            crate::request_id::current()
                .unwrap_or_else(crate::request_id::generate)
                .to_string()
        };
        match self {
            AppError::Internal(cause) => {
                let reference = reference();
                tracing::error!(reference, error = ?cause, "request failed");
                Some(reference)
            }
            AppError::Unavailable(cause) => {
                let reference = reference();
                tracing::error!(reference, error = %cause, "request failed: the database cannot be written to");
                Some(reference)
            }
            _ => None,
        }
    }

    /// Headers the error's status calls for: `Retry-After` with a 503.
    fn headers(&self, response: &mut Response) {
        if let AppError::Unavailable(_) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        }
    }

    /// The error as a JSON body ([`ErrorJson`]), for the API.
    pub fn into_json_response(self) -> Response {
        let status = self.status();
        let reference = self.log_internal();
        let message = match &self {
            AppError::Internal(_) => "Something went wrong on our side.".to_string(),
            AppError::SignInRequired { .. } => {
                "Authentication required: sign in first, or send an API token.".to_string()
            }
            other => capitalised(&other.to_string()),
        };
        let body = ErrorJson {
            error: message,
            reference,
            refused: matches!(self, AppError::PrivacyRefused(_)).then_some(true),
        };
        let mut response = (status, axum::Json(body)).into_response();
        self.headers(&mut response);
        response
    }
}

/// `text` with its first letter a capital.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
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
            AppError::Unavailable(_) => ("Please try again later", capitalised(&self.to_string())),
            AppError::NotFound(what) => (
                "Not found",
                format!("The {what} you asked for does not exist, or you do not have access to it."),
            ),
            AppError::Forbidden => ("No access", self.to_string()),
            AppError::BadRequest(_) | AppError::TooLarge(_) | AppError::Unauthorized(_) => {
                ("That did not work", self.to_string())
            }
            AppError::MethodNotAllowed(_) => ("That did not work", capitalised(&self.to_string())),
            AppError::Conflict(_) | AppError::PrivacyRefused(_) => {
                ("That could not be done", self.to_string())
            }
            AppError::CsrfRejected => ("Please try again", self.to_string()),
            AppError::SignInRequired { .. } => ("Sign in", self.to_string()),
        };
        let page = ErrorPage {
            chrome: crate::layout::Chrome::default(),
            title,
            message,
            reference,
        };
        let mut response = match page.render() {
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
        };
        self.headers(&mut response);
        response
    }
}

/// Whether a request is for the JSON API (answered with JSON errors).
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Marks a response a handler means as plain text for machines (the health check's), which
/// [`shape`] passes as it is.
#[derive(Debug, Clone, Copy)]
pub struct PlainText;

/// Gives what the framework answers by itself the shape of the rest: for an API address a
/// JSON error ([`ErrorJson`]), for a page the error page. Such answers are a method the route
/// does not take (405), a body larger than its limit (413) or of another type (415), and the
/// like: their plain-text bodies name the framework's internals. Answers the handlers made
/// (JSON from the API, HTML from pages) pass as they are.
pub async fn shape(request: Request, next: Next) -> Response {
    let api = is_api(request.uri().path());
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let shaped = if response.extensions().get::<PlainText>().is_some() {
        true
    } else if api {
        content_type.starts_with("application/json")
    } else {
        content_type.starts_with("text/html")
    };
    if shaped {
        return response;
    }
    let error = match status {
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed(method.to_string()),
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge(format!(
            "The request is larger than this address takes (at most {} for a form).",
            crate::forms::size(crate::forms::MAX_FORM_BYTES)
        )),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::BadRequest(
            "Send the form as application/x-www-form-urlencoded, as a browser does.".into(),
        ),
        StatusCode::NOT_FOUND => AppError::NotFound(if api { "API endpoint" } else { "page" }),
        status if status.is_server_error() => {
            AppError::Internal(anyhow::anyhow!("the server answered {status} by itself"))
        }
        _ => AppError::BadRequest("The request could not be read.".into()),
    };
    let mut shaped = if api {
        error.into_json_response()
    } else {
        error.into_response()
    };
    *shaped.status_mut() = status;
    // Headers set on the way in (the refusal marker of the access rules) stay.
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            shaped.headers_mut().entry(name).or_insert(value.clone());
        }
    }
    shaped
}
