//! Who may use which route, decided in one place.
//!
//! Every route is declared once in a [`RouteSpec`] with its [`Access`] rule; the router is built
//! from that table and wraps each route in [`enforce`], so a route cannot exist without a rule.
//! The test suite walks the same table with every role. Handlers still check *which* objects a
//! user may see (a leader's own campaigns), and keep their role checks as a second line.

use crate::auth::SignedIn;
use crate::client::ClientAddress;
use crate::error::{AppError, is_api};
use crate::state::AppState;
use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use trustloop_storage::{ApiToken, Role};

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
    /// The scope an API token needs to use this route; `None` means tokens are not accepted.
    pub scope: Option<&'static str>,
    router: MethodRouter<AppState>,
}

/// The scopes an API token can carry, with what they allow.
pub const SCOPES: [(&str, &str); 3] = [
    (
        "reports:read",
        "Read your own campaigns, trust reports and learning progress",
    ),
    (
        "campaigns:read",
        "Read all campaigns, their progress and learning by team (admins only)",
    ),
    (
        "pulse:read",
        "Read the team pulses you may see: series, rounds, trends and changes",
    ),
];

impl RouteSpec {
    /// A route with no methods yet.
    pub fn new(path: &'static str, access: Access) -> RouteSpec {
        RouteSpec {
            path,
            access,
            methods: Vec::new(),
            body_limit: None,
            scope: None,
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

    /// Accepts API tokens that carry `scope`.
    pub fn scope(mut self, scope: &'static str) -> RouteSpec {
        self.scope = Some(scope);
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
        let rule = Rule {
            route: spec.path,
            access: spec.access,
            scope: spec.scope,
            reads_only: spec.methods.iter().all(|m| m == Method::GET),
        };
        // Only around the methods the route answers: a method it does not answer is told so
        // (405) before anyone is asked to sign in or refused (401, 403).
        let mut method_router = spec
            .router
            .route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                move |State(state): State<AppState>, request: Request, next: Next| {
                    enforce(rule, state, request, next)
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

/// The API token a request carries as `Authorization: Bearer …`, if any.
fn bearer_token(parts: &axum::http::request::Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Why an API token was not accepted.
enum TokenRefusal {
    /// Unknown, revoked, or not accepted on this route: answered 401.
    Unauthorized(&'static str),
    /// The database failed.
    Failed(AppError),
}

/// Resolves an API token into the user it acts for, if it is live; the token is returned too,
/// for its scopes and its use to be audited.
async fn token_user(
    state: &AppState,
    token: &str,
    scope: Option<&'static str>,
) -> Result<(ApiToken, SignedIn), TokenRefusal> {
    if scope.is_none() {
        return Err(TokenRefusal::Unauthorized(
            "This endpoint does not accept API tokens; sign in instead.",
        ));
    }
    let (token, user) = state
        .app
        .store
        .use_api_token(&crate::auth::hash_token(token), crate::auth::now())
        .await
        .map_err(|e| TokenRefusal::Failed(e.into()))?
        .ok_or(TokenRefusal::Unauthorized(
            "The API token is not valid or has been revoked.",
        ))?;
    let signed_in = SignedIn {
        user,
        csrf: String::new(),
        token_hash: String::new(),
    };
    Ok((token, signed_in))
}

/// A route's access rule as [`enforce`] applies it.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Who may use the route.
    pub access: Access,
    /// The scope an API token needs; `None` when tokens are not accepted.
    pub scope: Option<&'static str>,
    /// Whether the route only answers GET, so that it changes nothing.
    pub reads_only: bool,
    /// The route's path pattern, recorded in the request's span.
    pub route: &'static str,
}

/// Lets the request through only when its user meets `access` (signed in, or for the API an
/// API token with the route's `scope`); the user is passed on to the handler so the session is
/// read once.
///
/// Every use of an API token is audited, and nothing is answered unless its event is committed.
/// On a route that only reads, the handler runs while the event is being committed and its
/// answer is thrown away if the commit fails (a request waits for one of the two, not both);
/// on any other route the event is committed first.
pub async fn enforce(rule: Rule, state: AppState, request: Request, next: Next) -> Response {
    let Rule {
        access,
        scope,
        reads_only,
        route,
    } = rule;
    tracing::Span::current().record("route", route);
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
    let (signed_in, token) = match bearer_token(&parts).filter(|_| api).map(String::from) {
        Some(token) => match token_user(&state, &token, scope).await {
            Ok((token, signed_in)) => (signed_in, Some(token)),
            Err(TokenRefusal::Unauthorized(message)) => {
                let mut response = AppError::Unauthorized(message).into_json_response();
                response.headers_mut().insert(
                    REFUSED_HEADER,
                    axum::http::HeaderValue::from_static("access-rule"),
                );
                return response;
            }
            Err(TokenRefusal::Failed(e)) => return e.into_json_response(),
        },
        None => match SignedIn::from_request_parts(&mut parts, &state).await {
            Ok(s) => (s, None),
            Err(e) => return refuse(e),
        },
    };
    let Some(token) = token else {
        if access == Access::Admin && signed_in.user.role != Role::Admin {
            return refuse(AppError::Forbidden);
        }
        parts.extensions.insert(signed_in);
        return next.run(Request::from_parts(parts, body)).await;
    };
    // Every use of a live token is audited, whether or not it may use this route.
    let address = ClientAddress::from_request_parts(&mut parts, &state)
        .await
        .unwrap_or_default();
    let (actor, target, path) = (
        address.actor(&signed_in.user.email),
        format!("token {}", token.id),
        parts.uri.path().to_string(),
    );
    let audited = state.app.audit(&actor, "api_token_used", &target, &path);
    let allowed = scope.is_some_and(|scope| token.scopes.iter().any(|s| s == scope))
        && (access != Access::Admin || signed_in.user.role == Role::Admin);
    if !allowed || !reads_only {
        if let Err(e) = audited.await {
            return AppError::from(e).into_json_response();
        }
        if !allowed {
            return refuse(AppError::Forbidden);
        }
        parts.extensions.insert(signed_in);
        return next.run(Request::from_parts(parts, body)).await;
    }
    parts.extensions.insert(signed_in);
    let (response, audited) = tokio::join!(next.run(Request::from_parts(parts, body)), audited);
    match audited {
        Ok(()) => response,
        Err(e) => AppError::from(e).into_json_response(),
    }
}
