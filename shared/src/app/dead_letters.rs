//! Dead-lettered emails: the ones the outbox could not send after every attempt. Each raises
//! the `DeadLetteredEmailsAlarm` (template.yaml); admins list them here to act on them (a
//! mistyped address, a refused recipient), oldest problem last.

use super::{App, AppError, Caller};
use crate::domain::account::Role;
use crate::domain::records::{OutboxMessage, OutboxStatus};
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::ports::{MAX_PAGE, Page};

/// One page of dead-lettered emails, most recently given up first. Admins only, never
/// under an impersonation.
///
/// # Errors
/// `Forbidden` for anyone but an admin; `BadRequest` for a cursor that is not one of ours.
#[tracing::instrument(name = "List dead-lettered emails", skip_all)]
pub async fn list(
    app: &App,
    caller: &Caller,
    cursor: Option<&str>,
    limit: i32,
) -> Result<Page<OutboxMessage>, AppError> {
    caller.require(Role::Admin)?;
    if caller.actor.is_some() {
        return Err(AppError::Forbidden);
    }
    Ok(app.store.list_outbox(OutboxStatus::Dead, cursor, limit.clamp(1, MAX_PAGE)).await??)
}
