//! The audit log: security events and admin access, written as they happen and readable by
//! admins.

use crate::Result;
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;
use trustloop_storage::{AuditEvent, DynStore};

/// Who does something, as the audit log names them.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// An account's email, what was typed to sign in, or "command line".
    pub name: String,
    /// The network address the request came from ("" when unknown or local).
    pub address: String,
}

impl Actor {
    /// Someone at `address` acting as `name`.
    pub fn new(name: impl Into<String>, address: impl Into<String>) -> Actor {
        Actor {
            name: name.into(),
            address: address.into(),
        }
    }

    /// Whoever runs the `trustloop` command on the server.
    pub fn command_line() -> Actor {
        Actor::new("command line", "")
    }
}

/// Events recorded in one commit at most.
const GROUP: usize = 512;

type Waiting = (AuditEvent, oneshot::Sender<std::result::Result<(), String>>);

/// Writes the audit log with group commit: the events of requests that arrive while a commit
/// is under way are written together in the next one, and each request is answered only after
/// the commit that holds its event. One durable commit per request would cap every audited
/// route at the disk's fsyncs per second (a few hundred on SQLite).
pub struct AuditLog {
    queue: mpsc::UnboundedSender<Waiting>,
}

impl AuditLog {
    /// Starts the writer on the current Tokio runtime; it stops when the log is dropped.
    pub fn start(store: DynStore) -> AuditLog {
        let (queue, mut incoming) = mpsc::unbounded_channel::<Waiting>();
        // Its own span: a commit holds the events of many requests.
        let span = tracing::info_span!(parent: None, "audit_log");
        tokio::spawn(
            async move {
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
            }
            .instrument(span),
        );
        AuditLog { queue }
    }

    /// Records `event`, returning once it is committed.
    pub async fn record(&self, event: AuditEvent) -> Result<()> {
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
