//! A customer's partners: inviting one ("My Partner" on the Business Profile page) and
//! listing them. A new address gets an invitation with a "Sign Up Now" link; a partner that
//! already has an account is linked at once and told by email.

use serde::Deserialize;
use serde_json::json;

use super::outbox;
use super::{App, AppError, Caller, Limit, audit, enforce_limits, now};

const RESENDS_PER_BUSINESS: Limit = Limit { name: "resend-business", max: 20, window_secs: 3600 };
use crate::domain::account::{PartnerType, Role};
use crate::domain::email::BusinessEmail;
use crate::domain::fields::{FieldErrors, Text};
use crate::domain::ids::InvitationId;
use crate::domain::records::{EmailKind, Invitation, InvitationStatus, PartnerLink};
use crate::domain::token::TokenPurpose;
use crate::ports::{Conflict, MAX_PAGE, Page, WriteError};

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

/// What inviting did: an invitation email was sent, or an existing partner was linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteOutcome {
    Sent,
    Linked,
}

#[tracing::instrument(name = "Invite a partner", skip_all)]
pub async fn invite(app: &App, caller: &Caller, form: &InviteForm) -> Result<(InvitationId, InviteOutcome), AppError> {
    caller.require(Role::Customer)?;
    let valid = ValidInvite::try_from(form)?;
    let customer = app.store.get_business(&caller.user.business_id).await?.ok_or(AppError::NotFound("business"))?;
    let mut invitation = Invitation {
        invitation_id: InvitationId::new(),
        customer_id: customer.business_id.clone(),
        customer_name: customer.name.clone(),
        invited_by: caller.user.user_id.clone(),
        email: valid.email.as_ref().to_owned(),
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
    if let Some(partner) = app.store.user_by_email(valid.email.as_ref()).await? {
        if partner.role != Role::Partner {
            return Err(AppError::conflict(
                "not_a_partner",
                "This address belongs to an account that is not a partner; invite another address.",
            ));
        }
        let partner_business =
            app.store.get_business(&partner.business_id).await?.ok_or(AppError::NotFound("business"))?;
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
        return match app.store.link_existing_partner(&link, &invitation, &email, &audits).await {
            Ok(()) => {
                tracing::info!(partner_id = %link.partner_id, "Existing partner linked");
                Ok((invitation.invitation_id, InviteOutcome::Linked))
            }
            Err(WriteError::Conflict(Conflict::AlreadyLinked)) => {
                Err(AppError::conflict("already_linked", "This partner is already linked to your business."))
            }
            Err(e) => Err(e.into()),
        };
    }
    let subject = invitation_subject(&invitation);
    let email = outbox::message(
        app,
        &invitation.email,
        EmailKind::PartnerInvitation,
        params,
        Some(outbox::link(app, TokenPurpose::Invitation, subject)?),
    )?;
    app.store.create_invitation(&invitation, &email).await?;
    tracing::info!(invitation_id = %invitation.invitation_id, "Partner invited");
    Ok((invitation.invitation_id, InviteOutcome::Sent))
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

/// Sends a pending (or expired) invitation again with a new link; the old link stops working.
#[tracing::instrument(name = "Resend an invitation", skip_all, fields(invitation_id = %id))]
pub async fn resend(app: &App, caller: &Caller, id: &str) -> Result<Invitation, AppError> {
    let mut invitation = own_invitation(app, caller, id).await?;
    if invitation.status != InvitationStatus::Pending {
        return Err(not_pending(&invitation));
    }
    enforce_limits(app, &[(RESENDS_PER_BUSINESS, caller.user.business_id.as_ref())]).await?;
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
    match app.store.resend_invitation(&invitation, &email).await {
        Ok(()) => {}
        Err(WriteError::Conflict(Conflict::InvitationChanged)) => {
            let current = own_invitation(app, caller, id).await?;
            return Err(if current.status == InvitationStatus::Pending {
                AppError::conflict("resent_meanwhile", "This invitation was just resent; try again.")
            } else {
                not_pending(&current)
            });
        }
        Err(e) => return Err(e.into()),
    }
    let event = audit::event(
        &caller.user.business_id,
        audit::actor_of(caller),
        None,
        "invitation_resent",
        json!({
        "invitation_id": invitation.invitation_id, "email": invitation.email}),
    );
    app.store.put_audit(&event).await?;
    Ok(invitation)
}

/// Withdraws a pending invitation; its link then shows a page saying so.
#[tracing::instrument(name = "Revoke an invitation", skip_all, fields(invitation_id = %id))]
pub async fn revoke(app: &App, caller: &Caller, id: &str) -> Result<Invitation, AppError> {
    let mut invitation = own_invitation(app, caller, id).await?;
    if invitation.status == InvitationStatus::Revoked {
        return Ok(invitation);
    }
    match app.store.revoke_invitation(&caller.user.business_id, &invitation.invitation_id).await {
        Ok(()) => {}
        Err(WriteError::Conflict(Conflict::InvitationNotPending)) => {
            let current = own_invitation(app, caller, id).await?;
            return if current.status == InvitationStatus::Revoked { Ok(current) } else { Err(not_pending(&current)) };
        }
        Err(e) => return Err(e.into()),
    }
    invitation.status = InvitationStatus::Revoked;
    let event = audit::event(
        &caller.user.business_id,
        audit::actor_of(caller),
        None,
        "invitation_revoked",
        json!({
        "invitation_id": invitation.invitation_id, "email": invitation.email}),
    );
    app.store.put_audit(&event).await?;
    Ok(invitation)
}
