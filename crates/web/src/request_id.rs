//! The request id. Every request gets one: the `X-Request-Id` a trusted proxy sent (so that the
//! proxy's logs and ours name the request alike), or a new one. It is sent back in the
//! response's `X-Request-Id`, carried by the span that wraps the whole request (so every log line
//! of the request, down to the database calls, names it), and shown on error pages and in JSON
//! errors as the reference an admin can look up.

use crate::state::WebConfig;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use std::sync::Arc;

/// The header that carries the id, both ways.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest id taken from a proxy.
const MAX_LEN: usize = 128;

/// The id of one request.
#[derive(Debug, Clone)]
pub struct RequestId(pub Arc<str>);

tokio::task_local! {
    static CURRENT: RequestId;
}

/// The id of the request being answered, when called while answering one.
pub fn current() -> Option<Arc<str>> {
    CURRENT.try_with(|id| id.0.clone()).ok()
}

/// A new id.
pub fn generate() -> Arc<str> {
    uuid::Uuid::new_v4().to_string().into()
}

/// Whether an id sent by a proxy can be used as it is: short, and only letters, digits and
/// `-_.:`, so that it cannot break a log line or a page.
fn usable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// The id `request` is known by: its `X-Request-Id` when it comes from a trusted proxy and the
/// id is usable, otherwise a new one. A client's own id is never taken, so that nobody can
/// make their requests look like someone else's in the logs.
fn decide(config: &WebConfig, request: &Request) -> Arc<str> {
    let from_proxy = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(peer)| config.trusted_proxies.contains(&peer.ip()));
    from_proxy
        .then(|| {
            request
                .headers()
                .get(&HEADER)?
                .to_str()
                .ok()
                .filter(|id| usable(id))
        })
        .flatten()
        .map_or_else(generate, Arc::from)
}

/// Gives the request its id (in its extensions and headers, for the layers inside), answers
/// inside it, and puts it on the response.
pub async fn tag(
    State(config): State<Arc<WebConfig>>,
    mut request: Request,
    next: Next,
) -> Response {
    let id = decide(&config, &request);
    let value = HeaderValue::from_str(&id).ok();
    if let Some(value) = &value {
        request.headers_mut().insert(HEADER, value.clone());
    }
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = CURRENT.scope(RequestId(id), next.run(request)).await;
    if let Some(value) = value {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

/// The span that wraps a request: its id and method, and the route once the router has matched
/// it (the path itself is left out: survey and password links carry their secret in it).
pub fn span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request
        .extensions()
        .get::<RequestId>()
        .map_or_else(|| "-".into(), |id| id.0.clone());
    tracing::info_span!(
        "request",
        id = %id,
        method = %request.method(),
        route = tracing::field::Empty,
    )
}

#[cfg(test)]
mod tests {
    use super::usable;

    #[test]
    fn only_short_plain_ids_are_taken_from_a_proxy() {
        assert!(usable("3f2a9c1e-7b4d-4c1a-9e2f-0a1b2c3d4e5f"));
        assert!(usable("edge-01:1234.5"));
        assert!(!usable(""));
        assert!(!usable("line\nbreak"));
        assert!(!usable("<script>"));
        assert!(!usable(&"x".repeat(129)));
    }
}
