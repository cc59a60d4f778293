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
}

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
            app: App::new(store).with_lessons(config.lessons.clone()),
            config: Arc::new(config),
            base_url: base_url.into(),
        };
        Ok(Application {
            listener,
            router: router(state),
            address,
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

    /// Serves until `shutdown` completes.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
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

async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match state.app.store.health().await {
        Ok(()) => (axum::http::StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable",
            )
                .into_response()
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
