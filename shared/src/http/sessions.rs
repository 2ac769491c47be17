//! Handlers of sessions: login, a new access token from the session's refresh token
//! ("a working day without logging in again"), and logout. What login and refresh answer
//! includes who is signed in, as the console shows it in its header.
//!
//! The refresh-token cookie: the console logs in with `"session": "cookie"`, and the refresh
//! token then travels only in an `HttpOnly`, `SameSite=Strict` cookie scoped to the `auth`
//! paths (`Secure` when the portal is served over https), so no script can read it. The
//! cookie is honoured only on requests with a JSON content type, which a cross-site form
//! cannot send (CSRF). API clients keep the refresh token in the JSON body.

use lambda_http::Request;
use lambda_http::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use lambda_http::http::{HeaderValue, StatusCode};
use secrecy::ExposeSecret as _;
use serde::{Deserialize, Serialize};

use super::edge::{
    Answer, Outcome, Reply, bearer, caller, client_ip, error_response, json_response, read_body, respond,
};
use crate::app::login::{Challenge, LoginForm, LoginStep, Session, TotpSetup, login as log_in};
use crate::app::mfa::{self, EnableForm, MfaForm};
use crate::app::session::{self, SessionUser};
use crate::app::{App, AppError};
use crate::domain::account::Role;
use crate::domain::fields::FieldErrors;
use crate::domain::ids::BusinessId;
use crate::domain::mfa::ChallengeKind;
use crate::domain::session::{RefreshToken, SESSION_LIFETIME};
use crate::ports::Tokens;

/// The refresh-token cookie's name.
pub const REFRESH_COOKIE: &str = "portal_refresh";

/// The header a proxy sets when it serves the API under a path prefix (CloudFront's `/api`
/// behaviour, the local server's `/api/...`), so the cookie's path is the one the browser
/// sees.
pub const PREFIX_HEADER: &str = "x-forwarded-prefix";

pub async fn login(app: &App, req: Request) -> Answer {
    respond("login", &req, async {
        let form: LoginForm = read_body(&req)?;
        let mode = session_mode(&req)?;
        match log_in(app, form, &client_ip(&req)).await? {
            LoginStep::Session(session) => login_answer(app, &req, *session, mode),
            LoginStep::Challenge(challenge) => Ok(json_response(StatusCode::OK, &ChallengeBody::from(&challenge))),
        }
    })
    .await
}

/// The second step of a login: the challenge and the code. Answers as a login does.
pub async fn login_mfa(app: &App, req: Request) -> Answer {
    respond("login-mfa", &req, async {
        let form: MfaForm = read_body(&req)?;
        let mode = session_mode(&req)?;
        let session = mfa::complete_login(app, form, &client_ip(&req)).await?;
        login_answer(app, &req, session, mode)
    })
    .await
}

/// A login's answer when it needs a second step: no tokens.
#[derive(Serialize)]
struct ChallengeBody<'a> {
    challenge: ChallengeKind,
    challenge_session: &'a str,
    expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    totp: Option<TotpSetupBody<'a>>,
}

impl<'a> From<&'a Challenge> for ChallengeBody<'a> {
    fn from(c: &'a Challenge) -> Self {
        Self {
            challenge: c.kind,
            challenge_session: c.token.expose(),
            expires_in: c.expires_in,
            totp: c.setup.as_ref().map(TotpSetupBody::from),
        }
    }
}

/// A TOTP secret to enrol: the key and its `otpauth://` address.
#[derive(Serialize)]
struct TotpSetupBody<'a> {
    secret_code: &'a str,
    otpauth_uri: &'a str,
}

impl<'a> From<&'a TotpSetup> for TotpSetupBody<'a> {
    fn from(s: &'a TotpSetup) -> Self {
        Self { secret_code: s.secret.expose_secret(), otpauth_uri: &s.uri }
    }
}

/// Whether two-step sign-in is on.
#[derive(Serialize)]
struct TotpStatusBody {
    totp_enabled: bool,
}

/// The signed-in account's two-step sign-in: its state (GET), a new secret to enrol
/// (POST `/account/mfa/setup`), and the enrolment's code that turns it on (PUT).
pub async fn account_mfa(app: &App, req: Request) -> Answer {
    respond("account-mfa", &req, async {
        let caller = caller(app, &req).await?;
        let token = bearer(&req).unwrap_or_default();
        match (req.method().as_str(), req.uri().path().ends_with("/setup")) {
            ("POST", true) => {
                let setup = mfa::start_enrolment(app, &caller, token).await?;
                Ok(json_response(StatusCode::OK, &TotpSetupBody::from(&setup)))
            }
            ("PUT", false) => {
                let form: EnableForm = read_body(&req)?;
                mfa::enable(app, &caller, token, form).await?;
                Ok(json_response(StatusCode::OK, &TotpStatusBody { totp_enabled: true }))
            }
            _ => {
                let totp_enabled = mfa::totp_status(app, &caller).await?;
                Ok(json_response(StatusCode::OK, &TotpStatusBody { totp_enabled }))
            }
        }
    })
    .await
}

// ---- session ---------------------------------------------------------------------------------

/// How a login hands out its refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionMode {
    /// In the JSON body (API clients).
    Token,
    /// In the `HttpOnly` cookie (the web console).
    Cookie,
}

/// Reads the login body's `session` field: `"cookie"`, `"token"` or absent (token).
///
/// # Errors
/// `Validation` for any other value.
fn session_mode(req: &Request) -> Result<SessionMode, AppError> {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Form {
        session: Option<serde_json::Value>,
    }
    let form: Form = read_body(req)?;
    match form.session.as_ref().map(|v| v.as_str()) {
        None | Some(Some("token")) => Ok(SessionMode::Token),
        Some(Some("cookie")) => Ok(SessionMode::Cookie),
        Some(_) => Err(FieldErrors::single("session", "Choose cookie or token.").into()),
    }
}

#[derive(Serialize)]
struct ActiveBusinessBody<'a> {
    business_id: &'a BusinessId,
    business_name: &'a str,
}

#[derive(Serialize)]
struct SessionUserBody<'a> {
    user_id: &'a str,
    email: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    role: Role,
    business_id: Option<&'a BusinessId>,
    business_name: Option<&'a str>,
    active_business: Option<ActiveBusinessBody<'a>>,
}

impl<'a> From<&'a SessionUser> for SessionUserBody<'a> {
    fn from(s: &'a SessionUser) -> Self {
        let own_business = s.shown.role != Role::Admin;
        Self {
            user_id: s.user_id.as_ref(),
            email: &s.email,
            first_name: &s.shown.first_name,
            last_name: &s.shown.last_name,
            role: s.shown.role,
            business_id: own_business.then_some(&s.business_id),
            business_name: s.shown.business_name.as_deref(),
            active_business: s
                .shown
                .active
                .as_ref()
                .map(|(id, name)| ActiveBusinessBody { business_id: id, business_name: name }),
        }
    }
}

/// The answer of login and refresh.
#[derive(Serialize)]
struct SessionBody<'a> {
    access_token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<&'a str>,
    /// Only for `session: token`: a cookie session never shows it to script.
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    expires_in: i32,
    landing: &'static str,
    session: &'static str,
    user: SessionUserBody<'a>,
}

/// The path the cookie is sent on: the `auth` routes, under the prefix the browser used.
fn cookie_path(req: &Request) -> String {
    let prefix = req
        .headers()
        .get(PREFIX_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|p| p.trim_end_matches('/'))
        .filter(|p| {
            p.starts_with('/')
                && p.len() <= 64
                && p[1..].split('/').all(|seg| {
                    !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                })
        })
        .unwrap_or("");
    format!("{prefix}/auth")
}

/// The `Set-Cookie` value that stores `token`, or that removes the cookie (`None`).
fn refresh_cookie(app: &App, req: &Request, token: Option<&str>) -> HeaderValue {
    let cookie = cookie_text(token, &cookie_path(req), app.config.portal_url.starts_with("https://"));
    // Refresh tokens are parsed to printable ASCII without separators before they get here.
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("portal_refresh=; Max-Age=0"))
}

/// The cookie's text: `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's
/// page sends it), `Secure` when the portal is served over https, and as long-lived as the
/// session.
fn cookie_text(token: Option<&str>, path: &str, secure: bool) -> String {
    let (value, max_age) = match token {
        Some(token) => (token, SESSION_LIFETIME.whole_seconds()),
        None => ("", 0),
    };
    let secure = if secure { "; Secure" } else { "" };
    format!("{REFRESH_COOKIE}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
}

/// The refresh token of the request's cookie, if any.
fn cookie_token(req: &Request) -> Option<String> {
    req.headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == REFRESH_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn is_json(req: &Request) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"))
}

/// Where a refresh or logout found its refresh token.
struct Presented {
    token: Option<RefreshToken>,
    from_cookie: bool,
}

/// The refresh token of a refresh or logout: the body's `refresh_token` (API clients) or
/// the cookie (the console), which counts only on a JSON request (CSRF).
fn presented_token(req: &Request) -> Result<Presented, AppError> {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Form {
        refresh_token: Option<String>,
    }
    let form: Form = read_body(req)?;
    if let Some(raw) = form.refresh_token {
        return Ok(Presented { token: RefreshToken::parse(raw.trim()), from_cookie: false });
    }
    match cookie_token(req) {
        None => Ok(Presented { token: None, from_cookie: false }),
        Some(_) if !is_json(req) => Err(AppError::BadRequest(
            "Send this request with Content-Type: application/json; the session cookie is ignored otherwise.".into(),
        )),
        Some(raw) => Ok(Presented { token: RefreshToken::parse(&raw), from_cookie: true }),
    }
}

/// Login's answer (the login is recorded by then): the tokens, who logged in, and the
/// refresh token in the body or, for the console, in the cookie.
fn login_answer(app: &App, req: &Request, session: Session, mode: SessionMode) -> Reply {
    let Session { tokens, user: described } = session;
    let Tokens { access_token, id_token, refresh_token, expires_in, .. } = tokens;
    let refresh_token = RefreshToken::issued(refresh_token);
    let body = SessionBody {
        access_token: access_token.expose_secret(),
        id_token: Some(id_token.expose_secret()),
        refresh_token: (mode == SessionMode::Token).then(|| refresh_token.expose()),
        expires_in,
        landing: described.shown.role.landing(),
        session: if mode == SessionMode::Cookie { "cookie" } else { "token" },
        user: SessionUserBody::from(&described),
    };
    let mut response = json_response(StatusCode::OK, &body);
    if mode == SessionMode::Cookie {
        response.headers_mut().insert(SET_COOKIE, refresh_cookie(app, req, Some(refresh_token.expose())));
    }
    Ok(response)
}

pub async fn refresh_session(app: &App, req: Request) -> Answer {
    respond("refresh-session", &req, async {
        let presented = presented_token(&req)?;
        match session::refresh(app, presented.token.as_ref(), &client_ip(&req)).await {
            Ok(renewed) => {
                let described = session::describe(app, &renewed.user).await?;
                let body = SessionBody {
                    access_token: renewed.access_token.expose_secret(),
                    id_token: None,
                    refresh_token: None,
                    expires_in: renewed.expires_in,
                    landing: renewed.user.role.landing(),
                    session: if presented.from_cookie { "cookie" } else { "token" },
                    user: SessionUserBody::from(&described),
                };
                Ok(json_response(StatusCode::OK, &body))
            }
            // A cookie that no longer opens a session is removed, so the browser stops
            // sending it.
            Err(e @ AppError::SessionEnded) if presented.from_cookie => {
                let mut response = error_response(&e);
                response.headers_mut().insert(SET_COOKIE, refresh_cookie(app, &req, None));
                Ok(response)
            }
            Err(e) => Err(e),
        }
    })
    .await
}

pub async fn logout(app: &App, req: Request) -> Answer {
    respond("logout", &req, async {
        let presented = presented_token(&req)?;
        session::logout(app, bearer(&req), presented.token.as_ref()).await?;
        let mut response = json_response(StatusCode::OK, &Outcome::status("logged_out"));
        response.headers_mut().insert(SET_COOKIE, refresh_cookie(app, &req, None));
        Ok(response)
    })
    .await
}

#[cfg(test)]
mod tests {
    use lambda_http::{Body, http};

    use super::*;

    fn request(headers: &[(&str, &str)], body: &str) -> Request {
        let mut builder = http::Request::builder().method("POST").uri("/auth/refresh");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::Text(body.to_owned())).unwrap()
    }

    #[test]
    fn the_cookie_path_follows_a_safe_forwarded_prefix_only() {
        assert_eq!(cookie_path(&request(&[], "")), "/auth");
        assert_eq!(cookie_path(&request(&[(PREFIX_HEADER, "/api")], "")), "/api/auth");
        assert_eq!(cookie_path(&request(&[(PREFIX_HEADER, "/api/")], "")), "/api/auth");
        assert_eq!(cookie_path(&request(&[(PREFIX_HEADER, "/v1/api")], "")), "/v1/api/auth");
        for unsafe_prefix in ["api", "/a;b", "/a b", "//x", "/a/../b"] {
            assert_eq!(cookie_path(&request(&[(PREFIX_HEADER, unsafe_prefix)], "")), "/auth", "{unsafe_prefix}");
        }
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_over_https() {
        assert_eq!(
            cookie_text(Some("tok"), "/api/auth", true),
            "portal_refresh=tok; Path=/api/auth; Max-Age=2592000; HttpOnly; SameSite=Strict; Secure"
        );
        assert_eq!(
            cookie_text(None, "/auth", false),
            "portal_refresh=; Path=/auth; Max-Age=0; HttpOnly; SameSite=Strict"
        );
    }

    #[test]
    fn the_refresh_cookie_is_read_among_others() {
        let req = request(&[("cookie", "theme=dark; portal_refresh=abc.def; other=1")], "");
        assert_eq!(cookie_token(&req).as_deref(), Some("abc.def"));
        assert_eq!(cookie_token(&request(&[("cookie", "portal_refresh=")], "")), None);
        assert_eq!(cookie_token(&request(&[], "")), None);
    }

    #[test]
    fn the_cookie_counts_only_on_a_json_request() {
        let cookie = ("cookie", "portal_refresh=abc");
        let form = request(&[cookie, ("content-type", "application/x-www-form-urlencoded")], "a=b");
        assert!(matches!(presented_token(&form), Err(AppError::BadRequest(_))));
        let plain = request(&[cookie, ("content-type", "text/plain")], "{}");
        assert!(matches!(presented_token(&plain), Err(AppError::BadRequest(_))));
        let json = request(&[cookie, ("content-type", "application/json; charset=utf-8")], "{}");
        let presented = presented_token(&json).unwrap();
        assert!(presented.from_cookie && presented.token.is_some());
        // A token in the body wins and needs no cookie.
        let body = request(&[("content-type", "application/json")], r#"{"refresh_token":"xyz"}"#);
        let presented = presented_token(&body).unwrap();
        assert!(!presented.from_cookie && presented.token.is_some());
    }

    #[test]
    fn login_accepts_cookie_or_token_sessions_only() {
        let mode = |body: &str| session_mode(&request(&[("content-type", "application/json")], body));
        assert_eq!(mode("{}").unwrap(), SessionMode::Token);
        assert_eq!(mode(r#"{"session":"token"}"#).unwrap(), SessionMode::Token);
        assert_eq!(mode(r#"{"session":"cookie"}"#).unwrap(), SessionMode::Cookie);
        assert!(matches!(mode(r#"{"session":"jar"}"#), Err(AppError::Validation(_))));
        assert!(matches!(mode(r#"{"session":1}"#), Err(AppError::Validation(_))));
    }
}
