//! Who a request comes from, as the audit log names them (the log itself is
//! `trustloop_app::audit`).

use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::SocketAddr;
use trustloop_app::Actor;

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

impl ClientAddress {
    /// Whoever is named `name` (an account's email), acting from this address.
    pub fn actor(&self, name: &str) -> Actor {
        Actor::new(name, self.0.clone())
    }
}
