//! The audit trail: who did what to whom, and when. Approvals, rejections, customers created
//! and changed, links, invitations withdrawn or resent, impersonations and every request
//! made under one. Admins read every business's trail; a business reads its own.

use serde_json::Value;

use super::{App, AppError, Caller, now};
use crate::domain::account::Role;
use crate::domain::ids::BusinessId;
use crate::domain::records::{AuditEvent, User};
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::ports::{MAX_PAGE, Page};

/// An event on `business`, done by `actor`, about `subject` (if any).
pub fn event(business: &BusinessId, actor: &User, subject: Option<&User>, action: &str, detail: Value) -> AuditEvent {
    AuditEvent {
        event_id: uuid::Uuid::new_v4().to_string(),
        business_id: business.clone(),
        actor: actor.user_id.clone(),
        actor_email: actor.email.clone(),
        subject: subject.map(|s| s.user_id.clone()),
        subject_email: subject.map(|s| s.email.clone()),
        action: action.to_owned(),
        detail,
        at: now(),
    }
}

/// Who the actor of a call is: the impersonating partner if there is one, else the user.
pub fn actor_of(caller: &Caller) -> &User {
    caller.actor.as_ref().unwrap_or(&caller.user)
}

/// The caller's own business's trail, newest first.
pub async fn list_own(
    app: &App,
    caller: &Caller,
    cursor: Option<&str>,
    limit: i32,
) -> Result<Page<AuditEvent>, AppError> {
    if caller.user.role == Role::Admin {
        return Err(AppError::Forbidden);
    }
    Ok(app.store.list_audit(&caller.user.business_id, cursor, limit.clamp(1, MAX_PAGE)).await??)
}

/// Every business's trail, newest first (admins only).
pub async fn list_all(
    app: &App,
    caller: &Caller,
    cursor: Option<&str>,
    limit: i32,
) -> Result<Page<AuditEvent>, AppError> {
    caller.require(Role::Admin)?;
    if caller.actor.is_some() {
        return Err(AppError::Forbidden);
    }
    Ok(app.store.list_all_audit(cursor, limit.clamp(1, MAX_PAGE)).await??)
}
