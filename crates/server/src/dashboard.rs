//! The web dashboard: static assets compiled into the binary (no CDN, works offline).

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const CHARTS_JS: &str = include_str!("../assets/charts.js");
const STYLE_CSS: &str = include_str!("../assets/style.css");
const VERIFY_JS: &str = include_str!("../assets/verify.js");
/// noble-ed25519 2.3.0 (MIT; audited), vendored with its licence for the log page's
/// checkpoint signature check.
const NOBLE_ED25519_JS: &str = include_str!("../assets/vendor/noble-ed25519.js");
const NOBLE_ED25519_LICENSE: &str = include_str!("../assets/vendor/noble-ed25519.LICENSE");

/// Every asset the dashboard needs, by path.
pub const ASSETS: &[(&str, &str, &str)] = &[
    ("/assets/app.js", "text/javascript; charset=utf-8", APP_JS),
    (
        "/assets/charts.js",
        "text/javascript; charset=utf-8",
        CHARTS_JS,
    ),
    ("/assets/style.css", "text/css; charset=utf-8", STYLE_CSS),
    (
        "/assets/verify.js",
        "text/javascript; charset=utf-8",
        VERIFY_JS,
    ),
    (
        "/assets/vendor/noble-ed25519.js",
        "text/javascript; charset=utf-8",
        NOBLE_ED25519_JS,
    ),
    (
        "/assets/vendor/noble-ed25519.LICENSE",
        "text/plain; charset=utf-8",
        NOBLE_ED25519_LICENSE,
    ),
];

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // The dashboard loads nothing from elsewhere; say so to the browser.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

pub fn router() -> Router<AppState> {
    let mut r = Router::new().route(
        "/",
        get(|| async { asset("text/html; charset=utf-8", INDEX_HTML) }),
    );
    for &(path, ct, body) in ASSETS {
        r = r.route(path, get(move || async move { asset(ct, body) }));
    }
    r
}
