//! What every handler can reach: the use cases and the server's settings.

use std::sync::Arc;
use trustloop_app::App;
use trustloop_domain::learning::Library;

/// How the web server runs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The address to listen on (`127.0.0.1` by default).
    pub host: String,
    /// The port; 0 picks a free one.
    pub port: u16,
    /// Whether cookies are marked `Secure` and HSTS is sent (set when served over TLS).
    pub secure_cookies: bool,
    /// The address people use to reach Trustloop, used in survey links (for example
    /// `https://trust.example.org`); defaults to the local address.
    pub public_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` header is believed for the client's address (for
    /// throttling and the audit log), and whose `X-Request-Id` names the request in logs and
    /// error pages; requests from anyone else are taken at their own address and given a new id.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The lessons offered: the built-in ones and the organisation's own, read and checked at
    /// start-up (see `trustloop_app::learning::load_library`).
    pub lessons: Arc<Library>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            host: "127.0.0.1".into(),
            port: 8080,
            secure_cookies: false,
            public_url: None,
            trusted_proxies: Vec::new(),
            lessons: Arc::new(Library::built_in()),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The use cases, with the database, the read cache and the audit log.
    pub app: App,
    /// The server's settings.
    pub config: Arc<WebConfig>,
    /// The base of survey links, without a trailing slash.
    pub base_url: Arc<str>,
}
