//! Sign-up: a business asks for a customer account, or an invited partner for a partner
//! account, through the same form. The request waits for an admin ("Pending Approvals").
//! The answer is the same whether or not the email already has an account or a request; the
//! owner of the address is told by email instead (at most [`NOTICES_PER_ADDRESS`] a day).
//!
//! Two calls, whether or not the address is taken: one read of everything the step needs
//! (the address's marker, the per-address counters and, through an invitation, its link's
//! token), then one write: the request with its marker and email, or the notice, with the
//! counters. So the answer takes as long either way, and says nothing of the address. An
//! invitation adds one read (the invitation itself), and the write holds only while the
//! invitation is still pending at the generation of the link.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;

use super::outbox;
use super::{App, AppError, LinkProblem, now};
use crate::domain::account::AccountKind;
use crate::domain::email::BusinessEmail;
use crate::domain::fields::{FieldErrors, Phone, Text, Website};
use crate::domain::ids::{BusinessId, InvitationId, RequestId};
use crate::domain::limits::{Counter, Hit, Rule};
use crate::domain::records::{
    EmailKind, EmailOwner, InvitationRef, InvitationStatus, RequestStatus, SignUpRequest, StoredToken,
};
use crate::domain::token::{LinkToken, TokenPurpose};
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::ports::{Conflict, Wanted, WriteError};

/// Sign-ups per client address and hour: each stores a request or sends a notice.
const SIGN_UPS_PER_ADDRESS: Rule = Rule { name: "signup-ip", max: 30, window_secs: 3600 };
/// "Someone tried to sign up with your address" notices per address and day: the form can
/// be sent with anyone's address, and must not become a way to flood its owner.
pub const NOTICES_PER_ADDRESS: Rule = Rule { name: "exists-notice", max: 3, window_secs: 86_400 };

/// The sign-up form as submitted (JSON or an HTML form).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignUpForm {
    pub business_name: Option<String>,
    pub business_website: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(deserialize_with = "checkbox")]
    pub privacy_policy: bool,
    #[serde(deserialize_with = "checkbox")]
    pub terms: bool,
    /// The token of the invitation link the form was opened from.
    pub invitation: Option<String>,
}

/// A ticked box: JSON `true`, or the `true` / `on` / `1` an HTML form sends.
fn checkbox<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bool(bool),
        Text(String),
        Null(()),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::Bool(b) => b,
        Raw::Text(s) => matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "on" | "1" | "yes"),
        Raw::Null(()) => false,
    })
}

/// A sign-up whose every field is valid.
#[derive(Debug)]
pub struct ValidSignUp {
    business_name: Text,
    website: Website,
    first_name: Text,
    last_name: Text,
    email: BusinessEmail,
    phone: Option<Phone>,
}

impl TryFrom<&SignUpForm> for ValidSignUp {
    type Error = FieldErrors;

    fn try_from(form: &SignUpForm) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let business_name = errors.check("business_name", Text::name(form.business_name.as_deref(), 120));
        let website = errors.check("business_website", Website::parse(form.business_website.as_deref()));
        let first_name = errors.check("first_name", Text::name(form.first_name.as_deref(), 60));
        let last_name = errors.check("last_name", Text::name(form.last_name.as_deref(), 60));
        let email = errors.check("email", BusinessEmail::parse(form.email.as_deref().unwrap_or_default()));
        let phone = errors.check("phone", Phone::parse_optional(form.phone.as_deref()));
        if !form.privacy_policy {
            errors.add("privacy_policy", "Please agree to the Privacy Policy.");
        }
        if !form.terms {
            errors.add("terms", "Please agree to the Terms and Conditions.");
        }
        match (business_name, website, first_name, last_name, email, phone) {
            (Some(business_name), Some(website), Some(first_name), Some(last_name), Some(email), Some(phone))
                if errors.is_empty() =>
            {
                Ok(Self { business_name, website, first_name, last_name, email, phone })
            }
            _ => Err(errors),
        }
    }
}

/// What the sign-up page shows of the invitation it was opened from.
#[derive(Debug, Clone, Serialize)]
pub struct InvitationView {
    pub token: String,
    pub customer_name: String,
    pub business_name: String,
    pub email: String,
    pub partner_type: String,
    #[serde(skip)]
    pub invitation: InvitationRef,
}

/// Reads an invitation link without using it (GET and HEAD change nothing).
pub async fn open_invitation(app: &App, raw: &str) -> Result<InvitationView, AppError> {
    let token = LinkToken::parse(raw).ok_or(AppError::Link(LinkProblem::Unknown))?;
    let stored = app.store.get_token(&token.hash()).await?;
    invitation_of(app, &token, stored).await
}

/// The invitation a usable invitation token stands for, while it is pending at the
/// token's generation (reads the invitation).
async fn invitation_of(app: &App, token: &LinkToken, stored: Option<StoredToken>) -> Result<InvitationView, AppError> {
    let stored = super::passwords::usable(stored, TokenPurpose::Invitation)?;
    let mut parts = stored.subject.split('/');
    let (customer, invitation, generation) = (|| {
        let customer = BusinessId::parse(parts.next()?)?;
        let invitation = InvitationId::parse(parts.next()?)?;
        let generation: u32 = parts.next().map_or(Some(0), |g| g.parse().ok())?;
        Some((customer, invitation, generation))
    })()
    .ok_or(AppError::Link(LinkProblem::Unknown))?;
    let invitation =
        app.store.get_invitation(&customer, &invitation).await?.ok_or(AppError::Link(LinkProblem::Unknown))?;
    match invitation.status {
        InvitationStatus::Pending if invitation.generation != generation => {
            return Err(AppError::Link(LinkProblem::Replaced));
        }
        InvitationStatus::Pending => {}
        InvitationStatus::Revoked => return Err(AppError::Link(LinkProblem::Revoked)),
        InvitationStatus::Accepted | InvitationStatus::Linked => return Err(AppError::Link(LinkProblem::Used)),
    }
    Ok(InvitationView {
        token: token.expose().to_owned(),
        customer_name: invitation.customer_name.clone(),
        business_name: invitation.business_name.clone(),
        email: invitation.email.clone(),
        partner_type: invitation.partner_type.label().to_owned(),
        invitation: InvitationRef {
            customer_id: invitation.customer_id,
            invitation_id: invitation.invitation_id,
            partner_type: invitation.partner_type,
            customer_name: invitation.customer_name,
            generation,
        },
    })
}

/// Stores a Create Account Request, or tells the address's owner that one exists.
#[tracing::instrument(name = "Sign up", skip_all)]
pub async fn sign_up(app: &App, form: &SignUpForm, client_ip: &str) -> Result<(), AppError> {
    let mut valid = ValidSignUp::try_from(form);
    let token = match form.invitation.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(raw) => Some(LinkToken::parse(raw).ok_or(AppError::Link(LinkProblem::Unknown))?),
        None => None,
    };
    if token.is_none() {
        // A form with nothing to look up is answered without a call.
        valid = Ok(valid?);
    }
    let at = now().unix_timestamp();
    let email = valid.as_ref().ok().map(|v| v.email.as_ref().to_owned());
    let counters =
        [SIGN_UPS_PER_ADDRESS.counter(client_ip, at), NOTICES_PER_ADDRESS.counter(email.as_deref().unwrap_or("-"), at)];
    let hash = token.as_ref().map(LinkToken::hash);
    let found = app
        .store
        .look_up(&Wanted { email: email.as_deref(), token: hash.as_ref(), counters: &counters, ..Wanted::default() })
        .await?;
    if SIGN_UPS_PER_ADDRESS.reached(found.counters[0]) {
        tracing::warn!(limit = SIGN_UPS_PER_ADDRESS.name, "Rate limit reached");
        return Err(AppError::RateLimited);
    }
    let invitation = match &token {
        Some(token) => {
            let view = invitation_of(app, token, found.token.clone()).await?;
            if let Ok(v) = &valid
                && v.email.as_ref() != view.email
            {
                valid = Err(FieldErrors::single("email", "Sign up with the address the invitation was sent to."));
            }
            Some(view.invitation)
        }
        None => None,
    };
    let valid = valid?;
    let [per_address, notices] = counters;
    let hit = SIGN_UPS_PER_ADDRESS.hit(per_address);
    let request = SignUpRequest {
        request_id: RequestId::new(),
        kind: if invitation.is_some() { AccountKind::Partner } else { AccountKind::Customer },
        business_name: valid.business_name.to_string(),
        business_website: valid.website.as_ref().to_owned(),
        first_name: valid.first_name.to_string(),
        last_name: valid.last_name.to_string(),
        email: valid.email.as_ref().to_owned(),
        phone: valid.phone.map(|p| p.as_ref().to_owned()),
        status: RequestStatus::Pending,
        created_at: now(),
        invited_by: invitation,
        decided_by: None,
        decided_at: None,
        reason: None,
        user_id: None,
    };
    if let Some(owner) = &found.email_owner {
        return address_taken(app, &request, owner, found.counters[1], hit, notices).await;
    }
    let received = outbox::message(
        app,
        &request.email,
        EmailKind::SignUpReceived,
        json!({"first_name": request.first_name, "business_name": request.business_name}),
        None,
    )?;
    match app.store.create_signup_request(&request, hash.as_ref(), &received, std::slice::from_ref(&hit)).await {
        Ok(()) => {
            tracing::info!(request_id = %request.request_id, kind = ?request.kind, "Create Account Request stored");
            Ok(())
        }
        Err(WriteError::Conflict(Conflict::RateLimited)) => Err(AppError::RateLimited),
        Err(WriteError::Conflict(Conflict::LinkUsed)) => Err(AppError::Link(LinkProblem::Used)),
        Err(WriteError::Conflict(Conflict::InvitationChanged)) => {
            // Revoked or resent since it was read: say which.
            let raw = form.invitation.as_deref().unwrap_or_default();
            Err(open_invitation(app, raw).await.err().unwrap_or(AppError::Link(LinkProblem::Revoked)))
        }
        Err(WriteError::Conflict(Conflict::EmailTaken)) => {
            // Taken between the read and the write: by the same form sent at once (a double
            // click), or by another sign-up.
            let owner = app.store.email_owner(&request.email).await?.unwrap_or_else(|| EmailOwner::request(&request));
            address_taken(app, &request, &owner, found.counters[1], hit, notices).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The address of `request` is taken by `owner`. The same form again (its first answer was
/// lost, or a double click) is answered as before: the request is stored and its email
/// queued, and nobody is told anything twice. Otherwise the owner is told
/// ([`notify_existing_owner`]).
async fn address_taken(
    app: &App,
    request: &SignUpRequest,
    owner: &EmailOwner,
    notices_today: i64,
    per_address: Hit,
    notices: Counter,
) -> Result<(), AppError> {
    if owner.is_repeated_by(request) {
        app.store.count_and_queue(std::slice::from_ref(&per_address), &[]).await?;
        tracing::info!("Sign-up repeated; the pending request stands");
        return Ok(());
    }
    notify_existing_owner(app, &request.email, owner, notices_today, per_address, notices).await
}

/// The address has an account or a pending request: its owner gets a notice (unless it got
/// [`NOTICES_PER_ADDRESS`] today already), and the person who submitted the form sees the
/// same answer as for a new address. The notice links to Forgot Password, where the owner can
/// ask for a reset link of their own.
async fn notify_existing_owner(
    app: &App,
    email: &str,
    owner: &EmailOwner,
    notices_today: i64,
    per_address: Hit,
    notices: Counter,
) -> Result<(), AppError> {
    let mut hits = vec![per_address];
    let notice = if NOTICES_PER_ADDRESS.reached(notices_today) {
        tracing::warn!(
            limit = NOTICES_PER_ADDRESS.name,
            "Sign-up for a taken address; its owner was told enough today"
        );
        None
    } else {
        hits.push(Hit::count(notices));
        let forgot_password_url = format!("{}/forgot-password", app.config.portal_url.trim_end_matches('/'));
        let pending = matches!(owner, EmailOwner::Request { .. });
        Some(outbox::message(
            app,
            email,
            EmailKind::AccountExists,
            json!({"pending": pending, "forgot_password_url": forgot_password_url}),
            None,
        )?)
    };
    let emails: Vec<_> = notice.iter().collect();
    app.store.count_and_queue(&hits, &emails).await?;
    tracing::info!("Sign-up for an address that is taken; its owner is told by email");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> SignUpForm {
        SignUpForm {
            business_name: Some("Acme Widgets".into()),
            business_website: Some("https://acme-widgets.test".into()),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            email: Some("ada@acme-widgets.com".into()),
            phone: None,
            privacy_policy: true,
            terms: true,
            invitation: None,
        }
    }

    #[test]
    fn a_complete_form_is_valid() {
        assert!(ValidSignUp::try_from(&form()).is_ok());
    }

    #[test]
    fn unticked_boxes_and_free_mail_are_field_errors() {
        let mut f = form();
        f.privacy_policy = false;
        f.terms = false;
        f.email = Some("ada@gmail.com".into());
        let errors = ValidSignUp::try_from(&f).unwrap_err();
        assert!(errors.get("privacy_policy").is_some());
        assert!(errors.get("terms").is_some());
        assert!(errors.get("email").unwrap().contains("business email"));
    }

    #[test]
    fn html_form_checkboxes_read_as_ticked() {
        let f: SignUpForm = serde_json::from_value(json!({"privacy_policy": "on", "terms": "true"})).unwrap();
        assert!(f.privacy_policy && f.terms);
        let f: SignUpForm = serde_json::from_value(json!({"privacy_policy": false})).unwrap();
        assert!(!f.privacy_policy && !f.terms);
    }
}
