//! Who may use which route, decided in one place.
//!
//! Every route is declared once in a [`RouteSpec`] with its [`Access`] rule; the router is built
//! from that table and wraps each route in [`enforce`], so a route cannot exist without a rule.
//! The test suite walks the same table with every role. Handlers still check *which* objects a
//! user may see (a leader's own campaigns), and keep their role checks as a second line.

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::AppError;
use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use trustloop_storage::Role;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (sign-in page, health check, style sheet).
    Public,
    /// Anyone holding a rater's link: the token in the path is the credential.
    Rater,
    /// Any signed-in user; the handler limits them to their own objects.
    SignedIn,
    /// Admins only.
    Admin,
}

impl Access {
    /// The word used in `docs/security.md` and test output.
    pub fn label(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Rater => "rater link",
            Access::SignedIn => "signed in (own data only)",
            Access::Admin => "admin",
        }
    }
}

/// One route: its path, rule, methods and handlers.
pub struct RouteSpec {
    /// The path pattern, as axum writes it (`/admin/campaigns/{id}`).
    pub path: &'static str,
    /// Who may use it.
    pub access: Access,
    /// The methods it answers.
    pub methods: Vec<Method>,
    /// A larger body limit than the default, for uploads.
    pub body_limit: Option<usize>,
    router: MethodRouter<AppState>,
}

impl RouteSpec {
    /// A route with no methods yet.
    pub fn new(path: &'static str, access: Access) -> RouteSpec {
        RouteSpec {
            path,
            access,
            methods: Vec::new(),
            body_limit: None,
            router: MethodRouter::new(),
        }
    }

    /// Answers GET with `handler`.
    pub fn get<H: Handler<T, AppState>, T: 'static>(mut self, handler: H) -> RouteSpec {
        self.router = self.router.get(handler);
        self.methods.push(Method::GET);
        self
    }

    /// Answers POST with `handler`.
    pub fn post<H: Handler<T, AppState>, T: 'static>(mut self, handler: H) -> RouteSpec {
        self.router = self.router.post(handler);
        self.methods.push(Method::POST);
        self
    }

    /// Accepts bodies up to `bytes`.
    pub fn body_limit(mut self, bytes: usize) -> RouteSpec {
        self.body_limit = Some(bytes);
        self
    }
}

/// Builds the router from the route table, each route guarded by its rule.
pub fn build(state: &AppState, table: Vec<RouteSpec>) -> Router<AppState> {
    let mut router = Router::new();
    for spec in table {
        let access = spec.access;
        let mut method_router = spec.router.layer(axum::middleware::from_fn_with_state(
            state.clone(),
            move |State(state): State<AppState>, request: Request, next: Next| {
                enforce(access, state, request, next)
            },
        ));
        if let Some(bytes) = spec.body_limit {
            method_router = method_router.layer(axum::extract::DefaultBodyLimit::max(bytes));
        }
        router = router.route(spec.path, method_router);
    }
    router
}

/// The response header set when the access rule refused a request.
pub const REFUSED_HEADER: &str = "x-trustloop-refused";

/// Whether a request is for the JSON API (answered with JSON errors).
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Lets the request through only when its user meets `access`; the signed-in user is passed on
/// to the handler so the session is read once.
pub async fn enforce(access: Access, state: AppState, request: Request, next: Next) -> Response {
    if matches!(access, Access::Public | Access::Rater) {
        return next.run(request).await;
    }
    let api = is_api(request.uri().path());
    let (mut parts, body) = request.into_parts();
    let refuse = |e: AppError| {
        let mut response = if api {
            e.into_json_response()
        } else {
            e.into_response()
        };
        // Says that the access rule, not the handler, turned the request away.
        response.headers_mut().insert(
            REFUSED_HEADER,
            axum::http::HeaderValue::from_static("access-rule"),
        );
        response
    };
    let signed_in = match SignedIn::from_request_parts(&mut parts, &state).await {
        Ok(s) => s,
        Err(e) => return refuse(e),
    };
    if access == Access::Admin && signed_in.user.role != Role::Admin {
        return refuse(AppError::Forbidden);
    }
    parts.extensions.insert(signed_in);
    next.run(Request::from_parts(parts, body)).await
}
