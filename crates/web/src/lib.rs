//! Trustloop's web server: server-rendered pages (escaped templates; one small script only
//! enhances them, nothing needs it), the JSON API under `/api/v1` with its OpenAPI document, and
//! sign-in.
//!
//! [`Application::build`] binds the listener (port 0 picks a free one) and reports its port, so
//! tests and tools can start a real server and talk to it over HTTP.

pub mod access;
pub mod api;
pub mod auth;
pub mod client;
pub mod error;
pub mod exports;
pub mod extract;
pub mod figures;
pub mod forms;
pub mod layout;
pub mod pages;
pub mod request_id;
pub mod state;
pub mod views;

pub use forms::{MAX_FORM_BYTES, MAX_UPLOAD_BYTES};
pub use state::{AppState, WebConfig};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use trustloop_app::App;
use trustloop_storage::DynStore;

/// A bound, ready-to-run server.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    address: SocketAddr,
    store: DynStore,
}

/// How long a stopping server waits for the requests in flight before it closes the database
/// anyway: under the 30 s most service managers (and container runtimes) give a process between
/// their stop signal and killing it.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(20);

impl Application {
    /// Binds the listener and builds the routes.
    pub async fn build(config: WebConfig, store: DynStore) -> anyhow::Result<Application> {
        let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await?;
        let address = listener.local_addr()?;
        let base_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{address}"))
            .trim_end_matches('/')
            .to_string();
        let state = AppState {
            app: App::new(store.clone()).with_lessons(config.lessons.clone()),
            config: Arc::new(config),
            base_url: base_url.into(),
        };
        Ok(Application {
            listener,
            router: router(state),
            address,
            store,
        })
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Serves until `shutdown` completes, then stops cleanly: it accepts no new connection,
    /// lets the requests in flight finish (for at most [`SHUTDOWN_GRACE`]), and closes the
    /// database, which first stores and answers every answer handed to it (see
    /// `MaintenanceStore::close`).
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stopping, mut stopped) = tokio::sync::watch::channel(false);
        let signal = async move {
            shutdown.await;
            tracing::info!("stopping: no new connections; finishing the requests in flight");
            let _ = stopping.send(true);
        };
        let serving = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal)
        .into_future();
        let grace = async move {
            let _ = stopped.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        };
        tokio::select! {
            served = serving => served?,
            () = grace => tracing::warn!(
                seconds = SHUTDOWN_GRACE.as_secs(),
                "requests still in flight after the grace period are cut off"
            ),
        }
        self.store.close().await?;
        Ok(())
    }
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Every route of the server with its access rule: the one table the router is built from.
pub fn route_table() -> Vec<access::RouteSpec> {
    use access::{Access, RouteSpec};
    let mut table = vec![
        RouteSpec::new("/healthz", Access::Public).get(health),
        RouteSpec::new("/static/app.css", Access::Public).get(stylesheet),
        RouteSpec::new("/static/app.js", Access::Public).get(script),
    ];
    table.extend(pages::routes());
    table.extend(api::routes());
    table
}

/// All routes with their middleware.
pub fn router(state: AppState) -> Router {
    let secure = state.config.secure_cookies;
    let config = state.config.clone();
    let mut app = access::build(&state, route_table())
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .fallback(pages::not_found)
        .with_state(state)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        // Reports, people, the audit log, survey forms, API answers: nothing personal is kept
        // by a browser or a proxy on the way. Only the style sheet and the script say otherwise.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        // Survey links carry their token in the path: never leak it to another site.
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(axum::middleware::from_fn(error::shape))
        .layer(TraceLayer::new_for_http().make_span_with(request_id::span))
        .layer(axum::middleware::from_fn_with_state(
            config,
            request_id::tag,
        ));
    if secure {
        app = app.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ));
    }
    app
}

/// The health check: 200 when the database answers and can be written to; 503 saying which
/// is not so otherwise (a read-only database answers reads but loses every answer sent to it).
async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let unavailable = |message: &'static str| {
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            axum::Extension(error::PlainText),
            message,
        )
            .into_response()
    };
    if let Err(e) = state.app.store.health().await {
        tracing::error!(error = %e, "health check failed");
        return unavailable("database unavailable");
    }
    match state.app.store.writable().await {
        Ok(()) => (axum::http::StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: the database cannot be written to");
            match e {
                trustloop_storage::StoreError::Unwritable(
                    trustloop_storage::Unwritable::Full,
                    _,
                ) => unavailable("database cannot be written to: no space left"),
                _ => unavailable("database cannot be written to: read-only"),
            }
        }
    }
}

async fn stylesheet() -> impl axum::response::IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
}

async fn script() -> impl axum::response::IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.js"),
    )
}
