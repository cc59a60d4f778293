//! What handlers take from a request, checked at the edge: a record's id from the path, the
//! fields of a form and the pairs of a query string. Each refuses what it cannot take with a
//! message that says how to put it right, on the error page or, for the API, as its JSON error
//! ([`crate::error::ErrorJson`]), never with the framework's own words.

use crate::error::AppError;
use crate::forms::{MAX_FORM_BYTES, Unreadable, parse_urlencoded, size};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `error` answered as the request's kind of address wants it: JSON under the API, the error
/// page elsewhere.
fn refuse(path: &str, error: AppError) -> Response {
    if crate::error::is_api(path) {
        error.into_json_response()
    } else {
        error.into_response()
    }
}

/// What a request's text is refused for.
fn unreadable(what: &str, why: Unreadable) -> AppError {
    match why {
        Unreadable::NotUtf8 => AppError::BadRequest(format!(
            "The {what} holds text that is not UTF-8; send it as UTF-8 (as every browser does)."
        )),
    }
}

/// The id of a record named in the path (`/…/{id}`): a whole number from 1 to
/// 9,223,372,036,854,775,807. Anything else is refused with 400 saying so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path().to_string();
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_a_record(&path))?;
        Ok(Id(parse_id(&raw).map_err(|e| refuse(&path, e))?))
    }
}

/// Two ids named in the path (`/…/{id}/…/{other}`), each checked as [`Id`] checks one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdPair(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for IdPair {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path().to_string();
        let Path((first, second)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_a_record(&path))?;
        let first = parse_id(&first).map_err(|e| refuse(&path, e))?;
        let second = parse_id(&second).map_err(|e| refuse(&path, e))?;
        Ok(IdPair(first, second))
    }
}

fn not_a_record(path: &str) -> Response {
    refuse(
        path,
        AppError::BadRequest("The address does not name a record.".into()),
    )
}

/// A path segment as an id (1 to `i64::MAX`), or the 400 that says what an id is.
fn parse_id(raw: &str) -> Result<i64, AppError> {
    match raw.parse::<i64>() {
        Ok(id) if id >= 1 => Ok(id),
        _ => {
            let shown: String = raw.chars().take(40).collect();
            Err(AppError::BadRequest(format!(
                "{shown:?} is not an id: an id is a whole number from 1 to {}.",
                i64::MAX
            )))
        }
    }
}

/// The fields of a form sent as `application/x-www-form-urlencoded` (as browsers send forms),
/// in order, decoded strictly ([`parse_urlencoded`]): a body that is not UTF-8, of another
/// type, or larger than the route takes is refused with a message saying which.
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let path = request.uri().path().to_string();
        let form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim() == "application/x-www-form-urlencoded");
        if !form {
            let mut refused = refuse(
                &path,
                AppError::BadRequest(
                    "Send the form as application/x-www-form-urlencoded, as a browser does.".into(),
                ),
            );
            *refused.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
            return Err(refused);
        }
        let body = Bytes::from_request(request, state).await.map_err(|e| {
            let error = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::TooLarge(format!(
                    "The form is larger than the {} a form may be; shorten what you typed and send it again.",
                    size(MAX_FORM_BYTES)
                ))
            } else {
                AppError::BadRequest("The form could not be read; send it again.".into())
            };
            refuse(&path, error)
        })?;
        parse_urlencoded(&body)
            .map(Fields)
            .map_err(|why| refuse(&path, unreadable("form", why)))
    }
}

/// The name-value pairs of the query string, in order, decoded strictly
/// ([`parse_urlencoded`]).
#[derive(Debug, Clone, Default)]
pub struct QueryPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        parse_urlencoded(query.as_bytes())
            .map(QueryPairs)
            .map_err(|why| refuse(parts.uri.path(), unreadable("address", why)))
    }
}

impl QueryPairs {
    /// The last value of `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The page number given as `name` (1 when absent): a whole number from 1 up.
    pub fn page(&self, name: &str) -> Result<u64, AppError> {
        match self.get(name) {
            None | Some("") => Ok(1),
            Some(text) => text.parse::<u64>().ok().filter(|p| *p >= 1).ok_or_else(|| {
                let shown: String = text.chars().take(40).collect();
                AppError::BadRequest(format!(
                    "{shown:?} is not a page number: pages are numbered 1, 2, 3…"
                ))
            }),
        }
    }
}
