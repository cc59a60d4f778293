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

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(a)| a.ip().to_string())
                .unwrap_or_default(),
        ))
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
