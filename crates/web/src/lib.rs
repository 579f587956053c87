//! HTTP: the JSON API under `/api/v1` (with its OpenAPI document), the server-rendered pages,
//! `/healthz` and `/metrics`. Handlers are short: extract, call one service, render.

mod api;
mod download;
mod error;
mod extract;
mod i18n;
pub mod import_report;
mod metrics;
mod pages;
mod session;

pub use api::ApiDoc;
pub use i18n::Lang;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hongmajia_services::Services;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa_swagger_ui::SwaggerUi;

/// Settings of the web layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// The base URL printed in links and QR codes (`HONGMAJIA_PUBLIC_URL`); `https://…` makes
    /// cookies Secure.
    pub public_url: Option<String>,
    /// Development mode: the key `/dev/sms?key=…` asks for (printed at start). Without it the
    /// page does not exist.
    pub dev_outbox_key: Option<String>,
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    services: Services,
    config: WebConfig,
    metrics: metrics::Metrics,
}

impl AppState {
    pub fn new(services: Services, config: WebConfig) -> Self {
        Self(Arc::new(Inner {
            services,
            config,
            metrics: metrics::Metrics::default(),
        }))
    }

    pub fn services(&self) -> &Services {
        &self.0.services
    }

    pub fn dev_outbox_key(&self) -> Option<&str> {
        self.0.config.dev_outbox_key.as_deref()
    }

    pub fn public_origin(&self) -> Option<&str> {
        self.0.config.public_url.as_deref()
    }

    /// Cookies are Secure whenever the public URL is https.
    pub fn secure_cookies(&self) -> bool {
        self.public_origin().is_some_and(|url| url.starts_with("https://"))
    }
}

/// The base of links and QR codes: the configured public URL, else the address the request came to.
pub fn base_url(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    if let Some(url) = state.public_origin() {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
        .unwrap_or("localhost");
    format!("http://{host}")
}

pub fn app(state: AppState) -> Router {
    let (api, document) = api::router().split_for_parts();
    Router::new()
        .merge(pages::routes())
        .merge(api)
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", document))
        .route("/healthz", get(healthz))
        .route("/livez", get(livez))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        // A bug that panics answers 500 (logged, localized), never a dropped connection.
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn_with_state(state.clone(), session::refuse_cross_site))
        .layer(from_fn(error::localize))
        .layer(from_fn(security_headers))
        .layer(from_fn_with_state(state.clone(), track))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service).with_graceful_shutdown(shutdown).await?;
    Ok(())
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    error::AppError::from(anyhow::anyhow!("handler panicked")).into_response()
}

async fn not_found() -> error::AppError {
    error::AppError::code(hongmajia_domain::ErrorCode::NotFound)
}

/// The process answers (a liveness probe): no database, no session, the least a route can do.
/// Benchmarks load it beside real routes as the server's own limit.
async fn livez() -> &'static str {
    "ok"
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.services().health().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(error) => {
            tracing::error!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let body = state.0.metrics.render(state.services().pool_stats());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// Counts and times every request by its route pattern (never by its raw path, which may hold
/// ids), and logs one line without the query string.
async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state
        .0
        .metrics
        .observe(method.as_str(), &route, status, elapsed.as_secs_f64());
    tracing::info!(%method, route, status, micros = elapsed.as_micros() as u64, "request");
    response
}

/// Headers every response gets; dynamic responses may hold personal data, so none is cached.
async fn security_headers(request: Request, next: Next) -> Response {
    let is_asset = request.uri().path().starts_with("/assets/") || request.uri().path().starts_with("/api/docs");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !is_asset {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
            ),
        );
    }
    response
}
