//! A customer's partners: inviting one ("My Partner" on the Business Profile page) and
//! listing them. A new address gets an invitation with a "Sign Up Now" link; a partner that
//! already has an account is linked at once and told by email.
//!
//! Invitations mail someone else, so they are limited per customer, per recipient and per
//! client address per day, counted in the transaction that queues the email. A customer has
//! one pending invitation per address: inviting it again (a double click, or later) answers
//! with the pending one and sends nothing.

use serde::Deserialize;
use serde_json::json;
use time::Duration;

use super::outbox;
use super::{App, AppError, Caller, audit, bounded_hits, now};
use crate::domain::account::{PartnerType, Role};
use crate::domain::email::BusinessEmail;
use crate::domain::fields::{FieldErrors, Text};
use crate::domain::ids::InvitationId;
use crate::domain::limits::{Hit, Rule};
use crate::domain::records::{EmailKind, Invitation, InvitationStatus, PartnerLink};
use crate::domain::token::TokenPurpose;
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::ports::{Conflict, MAX_PAGE, Page, WriteError};

/// Invitation emails (new, resent, or "you are linked") one customer may send in a day.
pub const INVITES_PER_BUSINESS: Rule = Rule { name: "invite-business", max: 20, window_secs: 86_400 };
/// Invitation emails one address may receive in a day, from every customer together.
pub const INVITES_PER_RECIPIENT: Rule = Rule { name: "invite-recipient", max: 3, window_secs: 86_400 };
/// Invitation emails sent from one client address in a day.
pub const INVITES_PER_ADDRESS: Rule = Rule { name: "invite-address", max: 50, window_secs: 86_400 };

/// An identical "Invite" of an existing partner within this long after the invitation that
/// linked it is the same click again: it answers as the first did.
const SAME_CLICK: Duration = Duration::minutes(1);

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InviteForm {
    pub business_name: Option<String>,
    pub email: Option<String>,
    pub partner_type: Option<String>,
}

struct ValidInvite {
    business_name: Text,
    email: BusinessEmail,
    partner_type: PartnerType,
}

impl TryFrom<&InviteForm> for ValidInvite {
    type Error = FieldErrors;

    fn try_from(form: &InviteForm) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let business_name = errors.check("business_name", Text::parse(form.business_name.as_deref(), 120));
        let email = errors.check("email", BusinessEmail::parse(form.email.as_deref().unwrap_or_default()));
        let partner_type = form.partner_type.as_deref().and_then(PartnerType::parse);
        if partner_type.is_none() {
            errors.add("partner_type", "Choose reseller, professional or managed.");
        }
        match (business_name, email, partner_type) {
            (Some(business_name), Some(email), Some(partner_type)) => Ok(Self { business_name, email, partner_type }),
            _ => Err(errors),
        }
    }
}

/// What inviting did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteOutcome {
    /// A "Sign Up Now" email was queued.
    Sent,
    /// An existing partner was linked and told by email.
    Linked,
    /// A pending invitation of the customer already holds the address: nothing was sent
    /// (a second click, or the same invitation again; resend it to send a new link).
    AlreadyPending,
    /// This partner was linked by the same invitation a moment ago (a second click).
    AlreadyLinked,
}

/// The mail quotas of an invitation email to `to`, sent by the caller's business from
/// `client`.
fn mail_quotas(caller: &Caller, to: &str, client: &str) -> Vec<Hit> {
    bounded_hits(&[
        (INVITES_PER_BUSINESS, caller.user.business_id.as_ref()),
        (INVITES_PER_RECIPIENT, to),
        (INVITES_PER_ADDRESS, client),
    ])
}

fn rate_limited() -> AppError {
    tracing::warn!("Daily invitation limit reached");
    AppError::RateLimited
}

/// The invitation that linked the partner, when `invitation` repeats it (same business name
/// and partner type, moments later): a second click of the same "Invite".
async fn same_click(app: &App, invitation: &Invitation, link: &PartnerLink) -> Result<Option<InvitationId>, AppError> {
    let Some(existing) = app.store.get_customer_link(&link.partner_id, &link.customer_id).await? else {
        return Ok(None);
    };
    let Some(id) = existing.invitation_id.filter(|_| {
        existing.partner_type == invitation.partner_type && invitation.created_at - existing.linked_at < SAME_CLICK
    }) else {
        return Ok(None);
    };
    let first = app.store.get_invitation(&link.customer_id, &id).await?;
    Ok(first.filter(|first| first.business_name == invitation.business_name).map(|_| id))
}

/// Invites a partner: two reads (the customer's business with the address's owner; then,
/// for an existing partner, its account and business) and one write.
#[tracing::instrument(name = "Invite a partner", skip_all)]
pub async fn invite(
    app: &App,
    caller: &Caller,
    form: &InviteForm,
    client: &str,
) -> Result<(InvitationId, InviteOutcome), AppError> {
    caller.require(Role::Customer)?;
    let valid = ValidInvite::try_from(form)?;
    let email = valid.email.as_ref();
    let invitee = app.store.invitee(&caller.user.business_id, email).await?;
    let customer = invitee.customer.ok_or(AppError::NotFound("business"))?;
    let mut invitation = Invitation {
        invitation_id: InvitationId::time_ordered(),
        customer_id: customer.business_id.clone(),
        customer_name: customer.name.clone(),
        invited_by: caller.user.user_id.clone(),
        email: email.to_owned(),
        business_name: valid.business_name.to_string(),
        partner_type: valid.partner_type,
        status: InvitationStatus::Pending,
        created_at: now(),
        generation: 0,
        sent_at: Some(now()),
    };
    let params = json!({
        "customer_name": customer.name,
        "business_name": invitation.business_name,
        "partner_type": valid.partner_type.label(),
    });
    let quotas = mail_quotas(caller, email, client);
    if let Some((partner, partner_business)) = invitee.account {
        if partner.role != Role::Partner {
            return Err(AppError::conflict(
                "not_a_partner",
                "This address belongs to an account that is not a partner; invite another address.",
            ));
        }
        let partner_business = partner_business.ok_or(AppError::NotFound("business"))?;
        invitation.status = InvitationStatus::Linked;
        let link = PartnerLink {
            customer_id: customer.business_id.clone(),
            customer_name: customer.name.clone(),
            partner_id: partner_business.business_id.clone(),
            partner_name: partner_business.name.clone(),
            partner_type: valid.partner_type,
            invitation_id: Some(invitation.invitation_id.clone()),
            linked_at: invitation.created_at,
            managed: false,
        };
        let mut params = params;
        params["first_name"] = json!(partner.first_name);
        params["business_name"] = json!(partner_business.name);
        let email = outbox::message(app, &partner.email, EmailKind::PartnerLinked, params, None)?;
        let detail = json!({"partner_business": link.partner_id, "partner_name": link.partner_name,
            "partner_type": link.partner_type, "invitation_id": invitation.invitation_id});
        let audits = [&link.customer_id, &link.partner_id].map(|business| {
            audit::event(business, audit::actor_of(caller), Some(&partner), "partner_linked", detail.clone())
        });
        return match app.store.link_existing_partner(&link, &invitation, &email, &audits, &quotas).await {
            Ok(()) => {
                tracing::info!(partner_id = %link.partner_id, "Existing partner linked");
                Ok((invitation.invitation_id, InviteOutcome::Linked))
            }
            Err(WriteError::Conflict(Conflict::AlreadyLinked)) => match same_click(app, &invitation, &link).await? {
                Some(id) => Ok((id, InviteOutcome::AlreadyLinked)),
                None => Err(AppError::conflict("already_linked", "This partner is already linked to your business.")),
            },
            Err(WriteError::Conflict(Conflict::RateLimited)) => Err(rate_limited()),
            Err(e) => Err(e.into()),
        };
    }
    let link = outbox::link(app, TokenPurpose::Invitation, invitation_subject(&invitation))?;
    let email = outbox::message(app, &invitation.email, EmailKind::PartnerInvitation, params, Some(link))?;
    let audit = audit::event(
        &customer.business_id,
        audit::actor_of(caller),
        None,
        "partner_invited",
        json!({"invitation_id": invitation.invitation_id, "email": invitation.email,
               "partner_type": invitation.partner_type}),
    );
    match app.store.create_invitation(&invitation, &email, &audit, &quotas).await {
        Ok(()) => {
            tracing::info!(invitation_id = %invitation.invitation_id, "Partner invited");
            Ok((invitation.invitation_id, InviteOutcome::Sent))
        }
        Err(WriteError::Conflict(Conflict::InvitationPending)) => {
            let pending = app.store.pending_invitation(&customer.business_id, &invitation.email).await?;
            match pending {
                Some(id) => {
                    tracing::info!(invitation_id = %id, "An invitation to this address is pending; nothing sent");
                    Ok((id, InviteOutcome::AlreadyPending))
                }
                // Freed meanwhile (accepted or revoked): the client may invite again.
                None => Err(AppError::conflict(
                    "invitation_changed",
                    "The pending invitation to this address changed meanwhile; reload and try again.",
                )),
            }
        }
        Err(WriteError::Conflict(Conflict::RateLimited)) => Err(rate_limited()),
        Err(e) => Err(e.into()),
    }
}

pub async fn list(app: &App, caller: &Caller, cursor: Option<&str>, limit: i32) -> Result<Page<PartnerLink>, AppError> {
    caller.require(Role::Customer)?;
    Ok(app.store.list_partners(&caller.user.business_id, cursor, limit.clamp(1, MAX_PAGE)).await??)
}

/// What an invitation link's token stands for: the invitation and the generation of its
/// link (raised by every resend, so older links stop working).
fn invitation_subject(invitation: &Invitation) -> String {
    format!("{}/{}/{}", invitation.customer_id, invitation.invitation_id, invitation.generation)
}

/// An invitation's status as the customer sees it: a pending one whose link is over 7
/// days old is `expired`.
pub fn shown_status(invitation: &Invitation) -> &'static str {
    match invitation.status {
        InvitationStatus::Pending => {
            let sent = invitation.sent_at.unwrap_or(invitation.created_at);
            if sent + TokenPurpose::Invitation.lifetime() <= now() { "expired" } else { "pending" }
        }
        InvitationStatus::Accepted => "accepted",
        InvitationStatus::Linked => "linked",
        InvitationStatus::Revoked => "revoked",
    }
}

/// The customer's invitations, a page at a time.
pub async fn list_invitations(
    app: &App,
    caller: &Caller,
    cursor: Option<&str>,
    limit: i32,
) -> Result<Page<Invitation>, AppError> {
    caller.require(Role::Customer)?;
    Ok(app.store.list_invitations(&caller.user.business_id, cursor, limit.clamp(1, MAX_PAGE)).await??)
}

async fn own_invitation(app: &App, caller: &Caller, id: &str) -> Result<Invitation, AppError> {
    caller.require(Role::Customer)?;
    let id = InvitationId::parse(id).ok_or(AppError::NotFound("invitation"))?;
    app.store.get_invitation(&caller.user.business_id, &id).await?.ok_or(AppError::NotFound("invitation"))
}

fn not_pending(invitation: &Invitation) -> AppError {
    AppError::conflict(
        "invitation_not_pending",
        format!(
            "This invitation is {}; only a pending or expired invitation can be resent or revoked.",
            shown_status(invitation)
        ),
    )
}

/// How long after a resend another one is taken for its repeat: a retry whose first answer
/// was lost, or a double click. It answers the invitation as resent and sends nothing more.
const RESEND_REPEAT_WINDOW: Duration = Duration::seconds(60);

/// Sends a pending (or expired) invitation again with a new link; the old link stops working.
/// Counted against the daily invitation limits, with its audit event in the same
/// transaction. A resend within `RESEND_REPEAT_WINDOW` (a minute) of the last resend is its repeat.
#[tracing::instrument(name = "Resend an invitation", skip_all, fields(invitation_id = %id))]
pub async fn resend(app: &App, caller: &Caller, id: &str, client: &str) -> Result<Invitation, AppError> {
    let mut invitation = own_invitation(app, caller, id).await?;
    if invitation.status != InvitationStatus::Pending {
        return Err(not_pending(&invitation));
    }
    let just_resent = invitation.sent_at.is_some_and(|at| now() - at < RESEND_REPEAT_WINDOW);
    if invitation.generation > 0 && just_resent {
        return Ok(invitation);
    }
    invitation.generation += 1;
    invitation.sent_at = Some(now());
    let email = outbox::message(
        app,
        &invitation.email,
        EmailKind::PartnerInvitation,
        json!({"customer_name": invitation.customer_name, "business_name": invitation.business_name,
               "partner_type": invitation.partner_type.label()}),
        Some(outbox::link(app, TokenPurpose::Invitation, invitation_subject(&invitation))?),
    )?;
    let event = audit::event(
        &caller.user.business_id,
        audit::actor_of(caller),
        None,
        "invitation_resent",
        json!({"invitation_id": invitation.invitation_id, "email": invitation.email}),
    );
    let quotas = mail_quotas(caller, &invitation.email, client);
    match app.store.resend_invitation(&invitation, &email, &event, &quotas).await {
        Ok(()) => Ok(invitation),
        Err(WriteError::Conflict(Conflict::InvitationChanged)) => {
            let current = own_invitation(app, caller, id).await?;
            Err(if current.status == InvitationStatus::Pending {
                AppError::conflict("resent_meanwhile", "This invitation was just resent; try again.")
            } else {
                not_pending(&current)
            })
        }
        Err(WriteError::Conflict(Conflict::InvitationPending)) => Err(AppError::conflict(
            "newer_invitation_pending",
            "A newer invitation to this address is pending; resend that one instead.",
        )),
        Err(WriteError::Conflict(Conflict::RateLimited)) => Err(rate_limited()),
        Err(e) => Err(e.into()),
    }
}

/// Withdraws a pending invitation; its link then shows a page saying so, and the address may
/// be invited again. The audit event is written in the same transaction.
#[tracing::instrument(name = "Revoke an invitation", skip_all, fields(invitation_id = %id))]
pub async fn revoke(app: &App, caller: &Caller, id: &str) -> Result<Invitation, AppError> {
    let mut invitation = own_invitation(app, caller, id).await?;
    if invitation.status == InvitationStatus::Revoked {
        return Ok(invitation);
    }
    let event = audit::event(
        &caller.user.business_id,
        audit::actor_of(caller),
        None,
        "invitation_revoked",
        json!({"invitation_id": invitation.invitation_id, "email": invitation.email}),
    );
    match app.store.revoke_invitation(&invitation, &event).await {
        Ok(()) => {}
        Err(WriteError::Conflict(Conflict::InvitationNotPending)) => {
            let current = own_invitation(app, caller, id).await?;
            return if current.status == InvitationStatus::Revoked { Ok(current) } else { Err(not_pending(&current)) };
        }
        Err(e) => return Err(e.into()),
    }
    invitation.status = InvitationStatus::Revoked;
    Ok(invitation)
}
