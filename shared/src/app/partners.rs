//! A customer's partners: inviting one ("My Partner" on the Business Profile page) and
//! listing them. A new address gets an invitation with a "Sign Up Now" link; a partner that
//! already has an account is linked at once and told by email.

use serde::Deserialize;
use serde_json::json;

use super::outbox::{self, deliver};
use super::{App, AppError, Caller, now};
use crate::adapters::dynamo::{Page, WriteError};
use crate::domain::account::{PartnerType, Role};
use crate::domain::email::BusinessEmail;
use crate::domain::fields::{FieldErrors, Text};
use crate::domain::ids::InvitationId;
use crate::domain::records::{EmailKind, Invitation, InvitationStatus, PartnerLink};
use crate::domain::token::TokenPurpose;

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
        };
        let mut params = params;
        params["first_name"] = json!(partner.first_name);
        params["business_name"] = json!(partner_business.name);
        let email = outbox::message(app, &partner.email, EmailKind::PartnerLinked, params, None);
        return match app.store.link_existing_partner(&link, &invitation, &email).await {
            Ok(()) => {
                tracing::info!(partner_id = %link.partner_id, "Existing partner linked");
                deliver(app, &email.outbox_id).await;
                Ok((invitation.invitation_id, InviteOutcome::Linked))
            }
            Err(WriteError::Conflict(_)) => {
                Err(AppError::conflict("already_linked", "This partner is already linked to your business."))
            }
            Err(e) => Err(e.into()),
        };
    }
    let subject = format!("{}/{}", invitation.customer_id, invitation.invitation_id);
    let email = outbox::message(
        app,
        &invitation.email,
        EmailKind::PartnerInvitation,
        params,
        Some(outbox::link(app, TokenPurpose::Invitation, subject)?),
    );
    app.store.create_invitation(&invitation, &email).await?;
    tracing::info!(invitation_id = %invitation.invitation_id, "Partner invited");
    deliver(app, &email.outbox_id).await;
    Ok((invitation.invitation_id, InviteOutcome::Sent))
}

pub async fn list(app: &App, caller: &Caller, cursor: Option<&str>, limit: i32) -> Result<Page<PartnerLink>, AppError> {
    caller.require(Role::Customer)?;
    app.store
        .list_partners(&caller.user.business_id, cursor, limit.clamp(1, 100))
        .await?
        .map_err(|_| AppError::BadRequest("The cursor is not valid; start again without it.".into()))
}
