//! The local router. Each request is turned into the API Gateway HTTP API (payload 2.0)
//! event that the function would receive when deployed, parsed by `lambda_http` exactly as
//! in Lambda, and given to the same handler. The API answers at its own paths and, as
//! behind the CloudFront distribution, under `/api/...` (the prefix is stripped and passed
//! on in `X-Forwarded-Prefix`). Every other GET is the web console ([`super::console`]).
//! Each request's handler gets its function's App, wired as its row of
//! `http::routes::FUNCTIONS` says (a service the row leaves out answers an error).
//! Also serves the developer outbox: every email the emulator's SES accepted, as JSON
//! (`GET /_dev/emails`) and as a page to click links (`GET /_dev/outbox`).

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use axum::body::{Body as AxumBody, to_bytes};
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use lambda_http::Body;
use serde::Serialize;
use serde_json::json;

use super::mail::SentLog;
use crate::app::App;
use crate::http::dispatch;
use crate::http::routes::{match_route, path_is_routed, services_of};

#[derive(Clone)]
struct Local {
    /// Every adapter: handed only to a function that takes no App (it ignores it).
    app: Arc<App>,
    /// Each function's App, wired from its row.
    apps: Arc<HashMap<&'static str, Arc<App>>>,
    /// The app the outbox relay runs on (its AWS calls are not the request's).
    relay: Arc<App>,
    sent: SentLog,
    /// The built console (`web/dist`), if it is served.
    console: Option<Arc<PathBuf>>,
}

/// The path prefix the API is also served under, as the distribution does.
const API_PREFIX: &str = "/api";

/// Serves until the listener fails. After each answer, the emails the request queued are
/// handed to the relay, as the table's stream does when deployed.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    apps: Arc<HashMap<&'static str, Arc<App>>>,
    relay: Arc<App>,
    sent: SentLog,
    console: Option<PathBuf>,
) {
    let state = Local { app, apps, relay, sent, console: console.map(Arc::new) };
    let router = Router::new()
        .route("/_dev/emails", get(emails_json))
        .route("/_dev/outbox", get(outbox_page))
        .fallback(route_request)
        .with_state(state);
    if let Err(e) = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await {
        tracing::error!(error = ?e, "The local server stopped");
    }
}

fn plain(status: u16, body: serde_json::Value) -> Response {
    let status = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}

/// The API under `/api/...` (prefix stripped), the API at its own paths, or the console.
async fn route_request(
    State(local): State<Local>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
) -> Response {
    let path = request.uri().path().to_owned();
    if let Some(rest) = path.strip_prefix(API_PREFIX).filter(|r| r.is_empty() || r.starts_with('/')) {
        let rest = if rest.is_empty() { "/" } else { rest };
        let uri = match request.uri().query() {
            Some(q) => format!("{rest}?{q}"),
            None => rest.to_owned(),
        };
        match uri.parse() {
            Ok(uri) => *request.uri_mut() = uri,
            Err(_) => return plain(400, json!({"error": "bad_request", "message": "The path is not valid."})),
        }
        request
            .headers_mut()
            .insert(crate::http::sessions::PREFIX_HEADER, axum::http::HeaderValue::from_static(API_PREFIX));
        return to_function(local, peer, request).await;
    }
    let method = request.method().clone();
    let is_read = method == axum::http::Method::GET || method == axum::http::Method::HEAD;
    if !is_read || path_is_routed(&path) || path.starts_with("/_dev/") {
        return to_function(local, peer, request).await;
    }
    super::console::serve(local.console.as_deref().map(PathBuf::as_path), &method, &path).await
}

async fn to_function(local: Local, peer: SocketAddr, request: Request) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let Some((route, params)) = match_route(&method, &path) else {
        let status = if path_is_routed(&path) { 405 } else { 404 };
        return plain(status, json!({"error": "not_found", "message": format!("No route for {method} {path}.")}));
    };
    let event = match api_gateway_event(request, route.method, route.path, &params, peer).await {
        Ok(event) => event,
        Err(e) => return plain(400, json!({"error": "bad_request", "message": format!("{e:#}")})),
    };
    let request = match lambda_http::request::from_str(&event.to_string()) {
        Ok(request) => request,
        Err(e) => return plain(500, json!({"error": "internal", "message": format!("event did not parse: {e}")})),
    };
    let app = match (local.apps.get(route.function), services_of(route.function)) {
        (Some(app), _) => app.clone(),
        (None, Some([])) => local.app.clone(),
        _ => {
            let message = format!("the function {} has no wiring row in routes.rs", route.function);
            return plain(500, json!({"error": "internal", "message": message}));
        }
    };
    // Boxed: the dispatcher's future holds every handler's state and is too large for a
    // test thread's stack in unoptimised builds.
    let answer = Box::pin(dispatch(route.function, &app, request)).await;
    let relay = local.relay.clone();
    tokio::spawn(async move {
        if let Err(e) = crate::app::outbox::relay_due(&relay).await {
            tracing::warn!(error = ?e, "The local outbox relay failed; the next request or tick retries");
        }
    });
    match answer {
        Ok(response) => {
            let (parts, body) = response.into_parts();
            let body = match body {
                Body::Empty => AxumBody::empty(),
                Body::Text(t) => AxumBody::from(t),
                Body::Binary(b) => AxumBody::from(b),
                _ => AxumBody::empty(),
            };
            Response::from_parts(parts, body)
        }
        Err(e) => plain(500, json!({"error": "internal", "message": e.to_string()})),
    }
}

/// The payload-2.0 event API Gateway sends for this request.
async fn api_gateway_event(
    request: Request,
    method: &str,
    template: &str,
    params: &[(String, String)],
    peer: SocketAddr,
) -> anyhow::Result<serde_json::Value> {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, 1024 * 1024).await.context("The body is larger than 1 MiB")?;
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    // API Gateway moves cookies out of the headers into `cookies` (lambda_http puts them back).
    let cookies: Vec<String> = parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .flat_map(|v| String::from_utf8_lossy(v.as_bytes()).split(';').map(|c| c.trim().to_owned()).collect::<Vec<_>>())
        .filter(|c| !c.is_empty())
        .collect();
    for (name, value) in parts.headers.iter().filter(|(name, _)| *name != axum::http::header::COOKIE) {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push(',');
                v.push_str(&value)
            })
            .or_insert(value);
    }
    let raw_query = parts.uri.query().unwrap_or_default().to_owned();
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in url::form_urlencoded::parse(raw_query.as_bytes()) {
        query
            .entry(k.into_owned())
            .and_modify(|e| {
                e.push(',');
                e.push_str(&v)
            })
            .or_insert_with(|| v.into_owned());
    }
    let (body, is_base64) = match std::str::from_utf8(&bytes) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(&bytes), true),
    };
    let route_key = format!("{method} {template}");
    let path_parameters: BTreeMap<_, _> = params.iter().cloned().collect();
    let now = time::OffsetDateTime::now_utc();
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": parts.uri.path(),
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": headers.get("host").cloned().unwrap_or_default(),
            "http": {
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": peer.ip().to_string(),
                "userAgent": headers.get("user-agent").cloned().unwrap_or_default(),
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": route_key,
            "stage": "$default",
            "timeEpoch": now.unix_timestamp() * 1000,
        },
        "isBase64Encoded": is_base64,
    });
    if !query.is_empty() {
        event["queryStringParameters"] = json!(query);
    }
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if !path_parameters.is_empty() {
        event["pathParameters"] = json!(path_parameters);
    }
    if !bytes.is_empty() {
        event["body"] = json!(body);
    }
    Ok(event)
}

/// An email as the emulator's SES accepted it.
#[derive(Debug, Clone, Serialize)]
pub struct SentEmail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The links of the text body.
    pub links: Vec<String>,
}

/// Every email sent so far, oldest first (optionally only those to `to`).
pub fn sent_emails(sent: &SentLog, to: Option<&str>) -> Vec<SentEmail> {
    sent.all()
        .into_iter()
        .filter(|email| to.is_none_or(|to| email.to.eq_ignore_ascii_case(to)))
        .map(|email| SentEmail {
            links: email
                .text
                .split_whitespace()
                .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
                .map(|w| w.trim_end_matches(['.', ',', ')']).to_owned())
                .collect(),
            to: vec![email.to],
            subject: email.subject,
            text: email.text,
            html: email.html,
        })
        .collect()
}

#[derive(serde::Deserialize)]
struct EmailQuery {
    to: Option<String>,
}

async fn emails_json(State(local): State<Local>, Query(q): Query<EmailQuery>) -> Response {
    axum::Json(sent_emails(&local.sent, q.to.as_deref())).into_response()
}

async fn outbox_page(State(local): State<Local>) -> Response {
    let emails = sent_emails(&local.sent, None);
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    let page = env.render_str(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Outbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#1f2933}
article{border:1px solid #cbd2d9;border-radius:6px;padding:1rem;margin:1rem 0}pre{white-space:pre-wrap}</style></head>
<body><h1>Outbox ({{ emails|length }} emails, newest first)</h1>
{% for e in emails|reverse %}<article><h2>{{ e.subject }}</h2><p>To: {{ e.to|join(", ") }}</p>
{% for l in e.links %}<p><a href="{{ l }}">{{ l }}</a></p>{% endfor %}
<details><summary>Text</summary><pre>{{ e.text }}</pre></details></article>{% else %}<p>No email sent yet.</p>{% endfor %}
</body></html>"#,
        json!({"emails": emails}),
    );
    match page {
        Ok(html) => Html(html).into_response(),
        Err(e) => plain(500, json!({"error": "internal", "message": e.to_string()})),
    }
}
