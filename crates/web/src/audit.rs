//! The audit log: security events and admin access, written as they happen and readable by admins.

use crate::AppState;
use crate::error::AppResult;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::SocketAddr;
use tokio::sync::{mpsc, oneshot};
use trustloop_storage::{AuditEvent, DynStore};

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
/// audited happens unrecorded. Returns once the event is committed.
pub async fn record(
    state: &AppState,
    actor: &str,
    action: &str,
    target: &str,
    address: &ClientAddress,
    detail: &str,
) -> AppResult<()> {
    state
        .audit
        .record(AuditEvent {
            at: crate::auth::now(),
            actor: actor.into(),
            action: action.into(),
            target: target.into(),
            address: address.0.clone(),
            detail: detail.into(),
        })
        .await
}

/// Events recorded in one commit at most.
const GROUP: usize = 512;

type Waiting = (AuditEvent, oneshot::Sender<Result<(), String>>);

/// Writes the audit log with group commit: the events of requests that arrive while a commit
/// is under way are written together in the next one, and each request is answered only after
/// the commit that holds its event. One durable commit per request would cap every audited
/// route at the disk's fsyncs per second (a few hundred on SQLite).
pub struct AuditWriter {
    queue: mpsc::UnboundedSender<Waiting>,
}

impl AuditWriter {
    /// Starts the writer on the current Tokio runtime; it stops when the writer is dropped.
    pub fn start(store: DynStore) -> AuditWriter {
        let (queue, mut incoming) = mpsc::unbounded_channel::<Waiting>();
        tokio::spawn(async move {
            let mut batch: Vec<Waiting> = Vec::new();
            while incoming.recv_many(&mut batch, GROUP).await > 0 {
                let events: Vec<AuditEvent> = batch.iter().map(|(e, _)| e.clone()).collect();
                let outcome = store.record_audits(&events).await.map_err(|e| {
                    tracing::error!(error = %e, events = events.len(), "audit events not recorded");
                    e.to_string()
                });
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(outcome.clone());
                }
            }
        });
        AuditWriter { queue }
    }

    /// Records `event`, returning once it is committed.
    pub async fn record(&self, event: AuditEvent) -> AppResult<()> {
        let (reply, committed) = oneshot::channel();
        self.queue
            .send((event, reply))
            .map_err(|_| anyhow::anyhow!("the audit writer has stopped"))?;
        committed
            .await
            .map_err(|_| anyhow::anyhow!("the audit writer has stopped"))?
            .map_err(|e| anyhow::anyhow!("audit event not recorded: {e}"))?;
        Ok(())
    }
}
