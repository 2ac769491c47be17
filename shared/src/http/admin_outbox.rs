//! `GET /admin/outbox?status=dead`: the admins' view of emails that could not be sent (the
//! `list-outbox` function). Errors become responses in [`super::edge`].

use lambda_http::http::StatusCode;
use lambda_http::{Body, Error, Request, Response};
use serde::Serialize;

use super::edge::{caller, json_response, limit, query};
use super::handlers::respond;
use crate::app::{App, AppError, dead_letters};
use crate::domain::records::{EmailKind, OutboxMessage};

/// One dead-lettered email as an admin sees it: to whom, which email, how often it was
/// tried and why the last try failed. Never its template values or link.
#[derive(Debug, Serialize)]
struct DeadLetter<'a> {
    outbox_id: &'a str,
    to: &'a str,
    kind: EmailKind,
    status: &'static str,
    attempts: u32,
    last_error: Option<&'a str>,
    created_at: String,
}

#[derive(Debug, Serialize)]
struct DeadLetterPage<'a> {
    items: Vec<DeadLetter<'a>>,
    next_cursor: Option<&'a str>,
}

fn dead_letter(m: &OutboxMessage) -> DeadLetter<'_> {
    DeadLetter {
        outbox_id: m.outbox_id.as_ref(),
        to: &m.to,
        kind: m.kind,
        status: "dead",
        attempts: m.attempts,
        last_error: m.last_error.as_deref(),
        created_at: m.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
    }
}

pub async fn list_outbox(app: &App, req: Request) -> Result<Response<Body>, Error> {
    respond("list-outbox", &req, async {
        let caller = caller(app, &req).await?;
        match query(&req, "status").as_deref() {
            None | Some("dead") => {}
            Some(_) => return Err(AppError::BadRequest("status must be dead.".into())),
        }
        let page = dead_letters::list(app, &caller, query(&req, "cursor").as_deref(), limit(&req)?).await?;
        let body = DeadLetterPage {
            items: page.items.iter().map(dead_letter).collect(),
            next_cursor: page.next_cursor.as_deref(),
        };
        Ok(json_response(StatusCode::OK, &body))
    })
    .await
}
