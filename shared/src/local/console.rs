//! The web console locally: the built single-page app (`web/dist`) at `/`, with the same
//! caching and security headers as the CloudFront distribution in `template.yaml` (minus
//! HSTS, which only makes sense over https), and the SPA fallback: a path that is no file
//! and no API route gets `index.html`, so the console's own routes (`/login`,
//! `/approvals`, ...) load on a reload. API routes, pages and `/_dev/...` are matched
//! before this is asked.

use std::path::{Component, Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The console's Content-Security-Policy, the same as the distribution's response-headers
/// policy (`ConsoleHeadersPolicy` in `template.yaml`; a test checks they agree). Scripts and
/// styles only from the console's own files: no inline script, no `eval`.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Hashed build output: a new build gets new names, so these never change.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `index.html` and `config.json` are read again on every load, so a deployment (or a
/// different stack's `config.json`) takes effect at once.
const NEVER_STORED: &str = "no-store";

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        "map" => "application/json",
        _ => "application/octet-stream",
    }
}

/// The file a URL path names inside `root`, if it is a plain relative path (no `..`, no
/// root or prefix components).
fn file_for(root: &Path, url_path: &str) -> Option<PathBuf> {
    let relative = Path::new(url_path.trim_start_matches('/'));
    relative.components().all(|c| matches!(c, Component::Normal(_))).then(|| root.join(relative))
}

fn with_headers(mut response: Response, cache: &'static str) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

async fn file_response(path: &Path, method: &Method, cache: &'static str) -> Option<Response> {
    let bytes = tokio::fs::read(path).await.ok()?;
    let length = bytes.len();
    let body = if method == Method::HEAD { Body::empty() } else { Body::from(bytes) };
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    Some(with_headers(response, cache))
}

fn not_found() -> Response {
    with_headers((StatusCode::NOT_FOUND, "Not found").into_response(), NEVER_STORED)
}

/// Without a built console, a console route (an email's "log in" link, say) still leads
/// somewhere: a page that says how to build the console, and how to log in through the API
/// meanwhile.
fn not_built(url_path: &str) -> Response {
    if Path::new(url_path).extension().is_some() {
        return not_found();
    }
    let page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Partner Portal</title></head>\
        <body><main><h1>The web console is not built</h1><p>Run <code>make dev</code>, which builds it \
        (<code>npm ci</code> and <code>npm run build</code> in <code>web/</code>) and serves it here.</p>\
        <p>Meanwhile, log in through the API: <code>POST /auth/login</code> with \
        <code>{\"email\": ..., \"password\": ...}</code> answers with an access token.</p>\
        <p><a href=\"/signup\">Sign Up</a> · <a href=\"/_dev/outbox\">Outbox</a></p></main></body></html>";
    with_headers(
        (StatusCode::OK, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response(),
        NEVER_STORED,
    )
}

/// Answers a GET or HEAD for the console from `root` (`web/dist`).
pub async fn serve(root: Option<&Path>, method: &Method, url_path: &str) -> Response {
    let Some(root) = root.filter(|r| r.join("index.html").is_file()) else {
        return not_built(url_path);
    };
    let Some(file) = file_for(root, url_path) else {
        return not_found();
    };
    if url_path.starts_with("/assets/") {
        return file_response(&file, method, IMMUTABLE).await.unwrap_or_else(not_found);
    }
    if file.is_file()
        && let Some(response) = file_response(&file, method, NEVER_STORED).await
    {
        return response;
    }
    // A missing file with an extension is a missing file, not a console route.
    if Path::new(url_path).extension().is_some() {
        return not_found();
    }
    file_response(&root.join("index.html"), method, NEVER_STORED).await.unwrap_or_else(not_found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_name_files() {
        let root = Path::new("/srv/dist");
        assert_eq!(file_for(root, "/assets/index-1a2b.js"), Some(root.join("assets/index-1a2b.js")));
        assert_eq!(file_for(root, "/"), Some(root.to_path_buf()));
        assert_eq!(file_for(root, "/../etc/passwd"), None);
        assert_eq!(file_for(root, "/assets/../../secret"), None);
        assert_eq!(file_for(root, "//etc/passwd"), Some(root.join("etc/passwd")));
    }

    #[test]
    fn the_policy_allows_no_inline_script_and_no_framing() {
        assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self';"));
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-eval"));
        assert!(CONTENT_SECURITY_POLICY.ends_with("frame-ancestors 'none'"));
    }
}
