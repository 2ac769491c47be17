//! Handlers of a customer's partners ("My Partner"): inviting a partner, the partners it is
//! linked to, and the invitations it sent (list, resend, revoke).

use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde::Serialize;
use time::OffsetDateTime;

use super::edge::{
    Answer, Listing, caller, client_ip, json_response, limit, ok, path_param, query, read_body, respond,
};
use crate::app::App;
use crate::app::partners::{self, InviteForm, InviteOutcome};
use crate::domain::account::{PartnerType, Role};
use crate::domain::ids::{BusinessId, InvitationId};
use crate::domain::records::{Invitation, PartnerLink};
use crate::domain::token::TokenPurpose;

/// What became of an invitation: `sent` (a "Sign Up Now" email), `linked` (the partner had an
/// account and is linked at once), `revoked`. Inviting an address again while its invitation
/// is pending (a double click) answers 200 with that invitation, `sent`, and sends nothing.
#[derive(Debug, Serialize)]
struct InvitationOutcome {
    invitation_id: InvitationId,
    status: &'static str,
}

/// One of a customer's partners.
#[derive(Debug, Serialize)]
pub(super) struct PartnerView {
    business_id: BusinessId,
    business_name: String,
    partner_type: PartnerType,
    #[serde(with = "time::serde::rfc3339")]
    linked_at: OffsetDateTime,
}

impl From<&PartnerLink> for PartnerView {
    fn from(l: &PartnerLink) -> Self {
        Self {
            business_id: l.partner_id.clone(),
            business_name: l.partner_name.clone(),
            partner_type: l.partner_type,
            linked_at: l.linked_at,
        }
    }
}

/// An invitation as the customer's invitation list shows it.
#[derive(Debug, Serialize)]
struct InvitationView {
    invitation_id: InvitationId,
    business_name: String,
    email: String,
    partner_type: PartnerType,
    status: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    sent_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
}

impl From<&Invitation> for InvitationView {
    fn from(i: &Invitation) -> Self {
        let sent = i.sent_at.unwrap_or(i.created_at);
        Self {
            invitation_id: i.invitation_id.clone(),
            business_name: i.business_name.clone(),
            email: i.email.clone(),
            partner_type: i.partner_type,
            status: partners::shown_status(i),
            created_at: i.created_at,
            sent_at: sent,
            expires_at: sent + TokenPurpose::Invitation.lifetime(),
        }
    }
}

pub async fn invite_partner(app: &App, req: Request) -> Answer {
    respond("invite-partner", &req, async {
        let caller = caller(app, &req).await?;
        caller.require(Role::Customer)?;
        let form: InviteForm = read_body(&req)?;
        let (invitation_id, outcome) = partners::invite(app, &caller, &form, &client_ip(&req)).await?;
        let (code, status) = match outcome {
            InviteOutcome::Sent => (StatusCode::CREATED, "sent"),
            InviteOutcome::Linked => (StatusCode::CREATED, "linked"),
            InviteOutcome::AlreadyPending => (StatusCode::OK, "sent"),
            InviteOutcome::AlreadyLinked => (StatusCode::OK, "linked"),
        };
        Ok(json_response(code, &InvitationOutcome { invitation_id, status }))
    })
    .await
}

pub async fn list_partners(app: &App, req: Request) -> Answer {
    respond("list-partners", &req, async {
        let caller = caller(app, &req).await?;
        let page = partners::list(app, &caller, query(&req, "cursor").as_deref(), limit(&req)?).await?;
        ok(&Listing::of(&page.items, page.next_cursor, PartnerView::from))
    })
    .await
}

pub async fn list_invitations(app: &App, req: Request) -> Answer {
    respond("list-invitations", &req, async {
        let caller = caller(app, &req).await?;
        let page = partners::list_invitations(app, &caller, query(&req, "cursor").as_deref(), limit(&req)?).await?;
        ok(&Listing::of(&page.items, page.next_cursor, InvitationView::from))
    })
    .await
}

pub async fn resend_invitation(app: &App, req: Request) -> Answer {
    respond("resend-invitation", &req, async {
        let caller = caller(app, &req).await?;
        let invitation = partners::resend(app, &caller, &path_param(&req, "invitation_id"), &client_ip(&req)).await?;
        ok(&InvitationOutcome { invitation_id: invitation.invitation_id, status: "sent" })
    })
    .await
}

pub async fn revoke_invitation(app: &App, req: Request) -> Answer {
    respond("revoke-invitation", &req, async {
        let caller = caller(app, &req).await?;
        let invitation = partners::revoke(app, &caller, &path_param(&req, "invitation_id")).await?;
        ok(&InvitationOutcome { invitation_id: invitation.invitation_id, status: "revoked" })
    })
    .await
}
