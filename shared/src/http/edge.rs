//! The edge between HTTP and the use cases, shared by every handler module: reading bodies
//! (JSON or HTML forms), the caller's address and token, the answer helpers ([`respond`],
//! [`ok`], [`created`], [`page`]), and the one place where [`AppError`] becomes a response.
//! It imports no handler module, so the handler modules never import each other.

use std::collections::BTreeMap;

use lambda_http::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use lambda_http::http::{HeaderValue, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Error, Request, RequestExt, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use tracing::Instrument as _;

use super::pages::MessagePage;
use crate::app::customers::{self, IMPERSONATION_HEADER};
use crate::app::{App, AppError, Caller, LinkProblem, authenticate};
use crate::domain::fields::FieldErrors;

/// Whether the request came from an HTML form, so the answer is a page, not JSON.
pub fn is_form(req: &Request) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn body_bytes(req: &Request) -> &[u8] {
    match req.body() {
        Body::Empty => b"",
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => b"",
    }
}

/// Reads a JSON or form body into a DTO. An empty body reads as `{}`.
///
/// # Errors
/// [`AppError::BadRequest`] naming what is wrong with the body.
pub fn read_body<T: DeserializeOwned>(req: &Request) -> Result<T, AppError> {
    let bytes = body_bytes(req);
    let value = if is_form(req) {
        let map: serde_json::Map<String, serde_json::Value> = url::form_urlencoded::parse(bytes)
            .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
            .collect();
        serde_json::Value::Object(map)
    } else if bytes.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(bytes)
            .map_err(|e| AppError::BadRequest(format!("The request body is not valid JSON: {e}.")))?
    };
    if !value.is_object() {
        return Err(AppError::BadRequest("The request body must be a JSON object.".into()));
    }
    serde_json::from_value(value)
        .map_err(|e| AppError::BadRequest(format!("The request body has a field of the wrong type: {e}.")))
}

/// The client's address as API Gateway (or the function URL) saw it; never a header the
/// client could set.
pub fn client_ip(req: &Request) -> String {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone(),
        _ => None,
    }
    .unwrap_or_else(|| "unknown".to_owned())
}

/// The bearer token of the `Authorization` header.
pub fn bearer(req: &Request) -> Option<&str> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim()).filter(|t| !t.is_empty())
}

/// The caller of a signed-in route: the verified token's user, or, when the request carries
/// an impersonation token, the customer its partner is acting as (audited before the
/// request runs).
pub async fn caller(app: &App, req: &Request) -> Result<Caller, AppError> {
    let signed_in = authenticate(app, bearer(req)).await?;
    match impersonation_token(req) {
        None => Ok(signed_in),
        Some(raw) => customers::impersonate(app, signed_in.user, raw, req.method().as_str(), req.uri().path()).await,
    }
}

/// The impersonation token a request carries, if any.
pub fn impersonation_token(req: &Request) -> Option<&str> {
    req.headers().get(IMPERSONATION_HEADER).and_then(|v| v.to_str().ok()).map(str::trim).filter(|t| !t.is_empty())
}

/// One query parameter.
pub fn query(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref().and_then(|q| q.first(name)).map(str::to_owned)
}

/// One path parameter; empty when absent (the use case then answers "not found").
pub fn path_param(req: &Request, name: &str) -> String {
    req.path_parameters_ref().and_then(|p| p.first(name)).map(str::to_owned).unwrap_or_default()
}

/// The page size of a listing: `limit` if it is a number from 1 to 100, else 25.
pub fn limit(req: &Request) -> Result<i32, AppError> {
    match query(req, "limit") {
        None => Ok(25),
        Some(raw) => raw
            .parse::<i32>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| AppError::BadRequest("limit must be a whole number from 1 to 100.".into())),
    }
}

pub fn json_response(status: StatusCode, body: &impl Serialize) -> Response<Body> {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
    let mut response = Response::new(Body::Text(text));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An HTML page. Pages reached from email links carry tokens in their address, so they are
/// never cached, never leak a referrer, and run no script.
pub fn page_response(status: StatusCode, html: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(html));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    response
}

/// A page with a title and a sentence.
pub fn message_page(status: StatusCode, title: &str, message: &str, tone: &str) -> Response<Body> {
    match page(&MessagePage { title, message, tone, link: None }, status) {
        Ok(response) => response,
        Err(e) => error_response(&e),
    }
}

impl AppError {
    /// The HTTP status of each case: the one place where errors become HTTP.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) | Self::Link(LinkProblem::Unknown) => StatusCode::BAD_REQUEST,
            Self::Unauthenticated
            | Self::InvalidCredentials
            | Self::WrongMfaCode
            | Self::ChallengeEnded
            | Self::ImpersonationInvalid
            | Self::SessionEnded => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Link(_) => StatusCode::GONE,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation_failed",
            Self::BadRequest(_) => "bad_request",
            Self::Unauthenticated => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::WrongMfaCode => "mfa_code_incorrect",
            Self::ChallengeEnded => "challenge_ended",
            Self::SessionEnded => "session_ended",
            Self::ImpersonationInvalid => "impersonation_invalid",
            Self::Forbidden => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Conflict { code, .. } => code,
            Self::Link(_) => "invalid_token",
            Self::RateLimited => "rate_limited",
            Self::Unavailable(_) => "service_unavailable",
        }
    }

    fn message(&self) -> String {
        match self {
            Self::Validation(_) => "Please correct the highlighted fields.".into(),
            Self::Unavailable(_) => "The service is temporarily unavailable. Please try again.".into(),
            other => {
                let text = other.to_string();
                let mut chars = text.chars();
                chars
                    .next()
                    .map(|c| {
                        c.to_uppercase().chain(chars).collect::<String>() + if text.ends_with('.') { "" } else { "." }
                    })
                    .unwrap_or_default()
            }
        }
    }
}

/// What a handler gives the Lambda runtime: always a response (errors are answers too).
pub type Answer = Result<Response<Body>, Error>;

/// What a handler body produces before its error becomes an answer.
pub type Reply = Result<Response<Body>, AppError>;

/// Runs a handler body inside a span carrying the request id, and turns its error into a
/// response.
pub async fn respond(function: &'static str, req: &Request, body: impl Future<Output = Reply>) -> Answer {
    let request_id = req.lambda_context_ref().map(|c| c.request_id.clone()).unwrap_or_else(|| {
        req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("local").to_owned()
    });
    let span =
        tracing::info_span!("Handle a request", function, request_id, method = %req.method(), path = req.uri().path());
    let impersonated = impersonation_token(req).is_some();
    async {
        let mut response = body.await.unwrap_or_else(|e| error_response(&e));
        if impersonated && response.status().is_success() {
            // Every answer given under an impersonation says so.
            response.headers_mut().insert("x-impersonation", HeaderValue::from_static("active"));
        }
        tracing::info!(status = response.status().as_u16(), "Answered");
        Ok(response)
    }
    .instrument(span)
    .await
}

/// A 200 with a JSON body.
pub fn ok(body: &impl Serialize) -> Reply {
    Ok(json_response(StatusCode::OK, body))
}

/// A 201 with a JSON body.
pub fn created(body: &impl Serialize) -> Reply {
    Ok(json_response(StatusCode::CREATED, body))
}

/// A rendered HTML page (see [`page_response`] for its headers).
pub fn page(page: &impl askama::Template, status: StatusCode) -> Reply {
    let html = page.render().map_err(|e| AppError::Unavailable(anyhow::anyhow!("Failed to render a page: {e}")))?;
    Ok(page_response(status, html))
}

/// The answer for a method a route's function does not serve.
pub fn method_not_allowed() -> Reply {
    Err(AppError::BadRequest("This method is not supported on this path.".into()))
}

/// One page of a listing and the cursor of the next, as every listing answers.
#[derive(Debug, Serialize)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Listing<T> {
    /// Maps each stored item to its response shape.
    pub fn of<'a, S>(items: &'a [S], next_cursor: Option<String>, view: impl FnMut(&'a S) -> T) -> Self {
        Self { items: items.iter().map(view).collect(), next_cursor }
    }
}

/// A simple outcome: `{"status": ..., "message": ...}`.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'static str>,
}

impl Outcome {
    pub fn status(status: &'static str) -> Self {
        Self { status, message: None }
    }
}

/// Every 4xx and 5xx JSON body: a stable code, a sentence the client can show, and for
/// invalid input, what is wrong with each field.
#[derive(Debug, Serialize)]
struct ErrorBody<'a> {
    error: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<BTreeMap<&'a str, String>>,
}

/// The longest message an error body carries (`infra/openapi.yaml`, `Error`): messages may
/// quote what the client sent (a body's parse error does), and an answer stays bounded.
pub const MAX_ERROR_MESSAGE_CHARS: usize = 1000;

fn bounded(text: &str) -> String {
    match text.char_indices().nth(MAX_ERROR_MESSAGE_CHARS - 1) {
        Some((at, _)) if text.len() > at + 1 => format!("{}…", &text[..at]),
        _ => text.to_owned(),
    }
}

fn bounded_fields(fields: &FieldErrors) -> BTreeMap<&str, String> {
    fields.iter().map(|(field, message)| (field, bounded(message))).collect()
}

/// The JSON response of an error. 5xx bodies are generic; their cause chain is logged.
pub fn error_response(error: &AppError) -> Response<Body> {
    if let AppError::Unavailable(cause) = error {
        tracing::error!(error = ?cause, "A dependency failed");
    }
    let fields = match error {
        AppError::Validation(fields) => Some(bounded_fields(fields)),
        _ => None,
    };
    let body = ErrorBody { error: error.code(), message: bounded(&error.message()), fields };
    let mut response = json_response(error.status(), &body);
    match error {
        AppError::Unauthenticated => {
            response.headers_mut().insert("www-authenticate", HeaderValue::from_static("Bearer"));
        }
        AppError::RateLimited => {
            response.headers_mut().insert("retry-after", HeaderValue::from_static("900"));
        }
        _ => {}
    }
    response
}

/// The page for a link that cannot be used.
pub fn link_problem_page(problem: LinkProblem) -> Response<Body> {
    let error = AppError::Link(problem);
    message_page(error.status(), "This link cannot be used", &problem.to_string(), "problem")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_message_is_cut_to_its_bound_at_a_character_boundary() {
        let long = "é".repeat(5000);
        let response = error_response(&AppError::BadRequest(long));
        let Body::Text(text) = response.body() else { panic!("a text body") };
        let body: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(body["message"].as_str().unwrap().chars().count(), MAX_ERROR_MESSAGE_CHARS);
        let short = error_response(&AppError::BadRequest("Short.".into()));
        let Body::Text(text) = short.body() else { panic!("a text body") };
        assert!(text.contains("\"Short.\""));
    }
}
