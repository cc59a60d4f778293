//! The audit log: security events and admin access, written as they happen and readable by admins.

use crate::AppState;
use crate::error::AppResult;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::SocketAddr;
use trustloop_storage::AuditEvent;

/// The network address a request came from ("" when unknown).
#[derive(Debug, Clone, Default)]
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip());
        let Some(peer) = peer else {
            return Ok(ClientAddress::default());
        };
        // Behind a trusted reverse proxy the client is the last address the proxy appended.
        let forwarded = state
            .config
            .trusted_proxies
            .contains(&peer)
            .then(|| {
                parts
                    .headers
                    .get("x-forwarded-for")?
                    .to_str()
                    .ok()?
                    .rsplit(',')
                    .next()?
                    .trim()
                    .parse::<std::net::IpAddr>()
                    .ok()
            })
            .flatten();
        Ok(ClientAddress(forwarded.unwrap_or(peer).to_string()))
    }
}

/// Appends an event to the audit log; the request fails if it cannot be recorded, so nothing
/// audited happens unrecorded.
pub async fn record(
    state: &AppState,
    actor: &str,
    action: &str,
    target: &str,
    address: &ClientAddress,
    detail: &str,
) -> AppResult<()> {
    state
        .store
        .record_audit(&AuditEvent {
            at: crate::auth::now(),
            actor: actor.into(),
            action: action.into(),
            target: target.into(),
            address: address.0.clone(),
            detail: detail.into(),
        })
        .await?;
    Ok(())
}
