//! Customers that a partner creates and manages directly, as a reseller back office does:
//! create with a status, edit, lock and unlock, and "log in as customer" (impersonation).
//!
//! Statuses, as the partner sees them, and what each means for the account:
//! - `pending_activation`: the account exists but is not active; the customer gets an
//!   activation link (72 hours) that sets their password and activates the account.
//! - `activated`: the account is active at once, and the customer gets a set-password link
//!   (nobody but the customer ever chooses their password, so the partner sets none).
//! - `locked`: the Cognito user is disabled, every session ends, and every later request
//!   with an old token is refused (handlers check the stored status on every request).
//!
//! Every step that touches Cognito and the table finishes its job when it is retried after
//! failing halfway: creating a customer again finds the account the first attempt made (and
//! disables it, for a locked one); locking changes Cognito first and the table last, so a
//! table that says "locked" means Cognito was done, and a retry after a Cognito failure finds
//! the table unchanged and does it all again. Each change is audited in the write that makes
//! it.
//!
//! Impersonation: a partner starts a 30-minute session for a customer it manages and sends
//! its token in the `X-Impersonation-Token` header next to its own access token. Every
//! request under it is audited with the partner as actor and the customer as subject.

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use time::Duration;

use super::outbox;
use super::{App, AppError, Caller, audit, now, now_ms};
use crate::domain::account::{AccountKind, PartnerType, Role, UserStatus};
use crate::domain::email::{BusinessEmail, EmailError};
use crate::domain::fields::{FieldErrors, Text};
use crate::domain::ids::BusinessId;
use crate::domain::records::{Business, EmailKind, EmailOwner, Impersonation, PartnerLink, User};
use crate::domain::token::{LinkToken, TokenPurpose};
use crate::ports::CreateUserError;
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::ports::{Conflict, WriteError};

/// How long an impersonation lasts; it is never renewed.
pub const IMPERSONATION_MINUTES: i64 = 30;
/// The header that carries an impersonation token.
pub const IMPERSONATION_HEADER: &str = "x-impersonation-token";

/// A managed customer's status, in the partner's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManagedStatus {
    PendingActivation,
    Activated,
    Locked,
}

impl ManagedStatus {
    fn parse(raw: Option<&str>) -> Result<Self, String> {
        match raw.map(str::trim) {
            Some("pending_activation") => Ok(Self::PendingActivation),
            Some("activated") => Ok(Self::Activated),
            Some("locked") => Ok(Self::Locked),
            _ => Err("Choose pending_activation, activated or locked.".into()),
        }
    }

    pub fn of(status: UserStatus) -> Self {
        match status {
            UserStatus::PendingPassword => Self::PendingActivation,
            UserStatus::Active => Self::Activated,
            UserStatus::Locked => Self::Locked,
        }
    }

    fn user_status(self) -> UserStatus {
        match self {
            Self::PendingActivation => UserStatus::PendingPassword,
            Self::Activated => UserStatus::Active,
            Self::Locked => UserStatus::Locked,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreateCustomerForm {
    pub business_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub status: Option<String>,
}

struct ValidCustomer {
    business_name: Text,
    first_name: Text,
    last_name: Text,
    email: BusinessEmail,
    status: ManagedStatus,
}

impl TryFrom<&CreateCustomerForm> for ValidCustomer {
    type Error = FieldErrors;

    fn try_from(form: &CreateCustomerForm) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let business_name = errors.check("business_name", Text::name(form.business_name.as_deref(), 120));
        let first_name = errors.check("first_name", Text::name(form.first_name.as_deref(), 60));
        let last_name = errors.check("last_name", Text::name(form.last_name.as_deref(), 60));
        let email = errors.check("email", BusinessEmail::parse(form.email.as_deref().unwrap_or_default()));
        let status = errors.check("status", ManagedStatus::parse(form.status.as_deref()));
        match (business_name, first_name, last_name, email, status) {
            (Some(business_name), Some(first_name), Some(last_name), Some(email), Some(status)) => {
                Ok(Self { business_name, first_name, last_name, email, status })
            }
            _ => Err(errors),
        }
    }
}

/// A managed customer as the partner sees it.
#[derive(Debug, Clone)]
pub struct ManagedCustomer {
    pub business: Business,
    pub user: User,
}

/// The partner calling, itself (not impersonating anyone).
///
/// # Errors
/// `Forbidden` for anyone else (handlers check it before they read a body).
pub fn partner(caller: &Caller) -> Result<&User, AppError> {
    if caller.actor.is_some() || caller.user.role != Role::Partner {
        return Err(AppError::Forbidden);
    }
    Ok(&caller.user)
}

/// Creates a managed customer: the Cognito user (its business's partner read meanwhile),
/// then one transaction (the address claimed, the user, the business, both sides of the
/// link, the audit event and the email), then, for a locked one, the Cognito user disabled.
/// Four calls (five for a locked customer).
///
/// The same request again (a retry after a failure, a double click) finds the account the
/// first one made, finishes its job (disables a locked one) and answers with it, so one
/// customer results; an address held by anyone else is a 409.
#[tracing::instrument(name = "Create a managed customer", skip_all)]
pub async fn create(app: &App, caller: &Caller, form: &CreateCustomerForm) -> Result<ManagedCustomer, AppError> {
    let partner = partner(caller)?;
    let valid = ValidCustomer::try_from(form)?;
    // No read of the address first: the transaction's condition on it says the same.
    let (partner_business, created_user) =
        tokio::join!(app.store.get_business(&partner.business_id), app.identity.create_user(valid.email.as_ref()));
    let partner_business = partner_business?.ok_or(AppError::NotFound("business"))?;
    let user_id = match created_user {
        Ok(user_id) => user_id,
        Err(CreateUserError::Refused) => {
            return Err(FieldErrors::single("email", EmailError::Unsupported.to_string()).into());
        }
        Err(CreateUserError::Unexpected(e)) => return Err(e.into()),
    };
    let created = now();
    let business = Business {
        business_id: BusinessId::new(),
        kind: AccountKind::Customer,
        name: valid.business_name.to_string(),
        website: String::new(),
        phone: None,
        created_at: created,
        primary_user: Some(user_id.clone()),
        managed_by: Some(partner.business_id.clone()),
    };
    let user = User {
        user_id: user_id.clone(),
        email: valid.email.as_ref().to_owned(),
        business_id: business.business_id.clone(),
        role: Role::Customer,
        status: valid.status.user_status(),
        first_name: valid.first_name.to_string(),
        last_name: valid.last_name.to_string(),
        sessions_valid_after_ms: 0,
        credentials_changed_at_ms: 0,
        created_at: created,
        active_business: None,
    };
    let link = PartnerLink {
        customer_id: business.business_id.clone(),
        customer_name: business.name.clone(),
        partner_id: partner_business.business_id.clone(),
        partner_name: partner_business.name.clone(),
        partner_type: PartnerType::Managed,
        invitation_id: None,
        linked_at: created,
        managed: true,
    };
    let email = match valid.status {
        ManagedStatus::Locked => None,
        status => {
            let purpose =
                if status == ManagedStatus::Activated { TokenPurpose::SetPassword } else { TokenPurpose::Activation };
            Some(outbox::message(
                app,
                &user.email,
                EmailKind::CustomerCreated,
                json!({"first_name": user.first_name, "business_name": business.name,
                       "partner_name": partner_business.name, "activate": purpose == TokenPurpose::Activation}),
                Some(outbox::password_link(app, purpose, &user, Some(&business.name))?),
            )?)
        }
    };
    let event = audit::event(
        &business.business_id,
        partner,
        Some(&user),
        "customer_created",
        json!({"status": valid.status, "partner_business": partner.business_id}),
    );
    let customer = match app.store.create_managed_customer(&user, &business, &link, &event, email.as_ref()).await {
        Ok(()) => ManagedCustomer { business, user },
        Err(WriteError::Conflict(Conflict::EmailTaken)) => created_before(app, partner, &user, &business.name).await?,
        Err(e) => return Err(e.into()),
    };
    if customer.user.status == UserStatus::Locked {
        // After the table: never disable an account this partner does not manage.
        app.identity.set_enabled(&customer.user.email, false).await?;
    }
    tracing::info!(business_id = %customer.business.business_id, status = ?customer.user.status, "Managed customer created");
    Ok(customer)
}

/// The customer an earlier attempt of this same request made: the address is held by the
/// Cognito user this attempt found, its business is managed by this partner under the name
/// asked for, the person has the names and the status asked for, and has not used the
/// account yet (no password chosen). Anything else holding the address is a 409: an account
/// in use is never "created" twice.
async fn created_before(app: &App, partner: &User, attempted: &User, name: &str) -> Result<ManagedCustomer, AppError> {
    let taken = || AppError::conflict("email_taken", "This email address already has an account.");
    let holder = app.store.email_owner(&attempted.email).await?;
    if !matches!(&holder, Some(EmailOwner::User { user_id, .. }) if *user_id == attempted.user_id) {
        return Err(taken());
    }
    let user = app.store.get_user(&attempted.user_id).await?.ok_or_else(taken)?;
    let business = app.store.get_business(&user.business_id).await?.ok_or_else(taken)?;
    let same_request = business.managed_by.as_ref() == Some(&partner.business_id)
        && business.name == name
        && user.role == Role::Customer
        && (user.first_name.as_str(), user.last_name.as_str(), user.status)
            == (attempted.first_name.as_str(), attempted.last_name.as_str(), attempted.status)
        && !user.has_password();
    if !same_request {
        return Err(taken());
    }
    tracing::info!(business_id = %business.business_id, "The customer was created by an earlier attempt");
    Ok(ManagedCustomer { business, user })
}

/// A customer this partner manages; any other is "not found" (never "forbidden"), so a
/// partner learns nothing of customers that are not its own.
async fn managed(app: &App, partner: &User, business_id: &str) -> Result<(PartnerLink, ManagedCustomer), AppError> {
    let not_found = || AppError::NotFound("customer");
    let business_id = BusinessId::parse(business_id).ok_or_else(not_found)?;
    let link = app.store.get_customer_link(&partner.business_id, &business_id).await?.filter(|l| l.managed);
    let link = link.ok_or_else(not_found)?;
    let business = app.store.get_business(&business_id).await?.ok_or_else(not_found)?;
    let user_id = business.primary_user.clone().ok_or_else(not_found)?;
    let user = app.store.get_user(&user_id).await?.ok_or_else(not_found)?;
    if user.role != Role::Customer {
        return Err(not_found());
    }
    Ok((link, ManagedCustomer { business, user }))
}

/// One managed customer, for the partner's edit dialog.
///
/// # Errors
/// `Forbidden` for anyone but a partner acting as itself; `NotFound` for a customer it does
/// not manage.
#[tracing::instrument(name = "Read a managed customer", skip_all, fields(business_id = %business_id))]
pub async fn get(app: &App, caller: &Caller, business_id: &str) -> Result<ManagedCustomer, AppError> {
    let partner = partner(caller)?;
    Ok(managed(app, partner, business_id).await?.1)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UpdateCustomerForm {
    pub business_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub status: Option<String>,
}

#[tracing::instrument(name = "Update a managed customer", skip_all, fields(business_id = %business_id))]
pub async fn update(
    app: &App,
    caller: &Caller,
    business_id: &str,
    form: &UpdateCustomerForm,
) -> Result<ManagedCustomer, AppError> {
    let partner = partner(caller)?;
    let (link, mut customer) = managed(app, partner, business_id).await?;
    let mut errors = FieldErrors::new();
    let old_name = customer.business.name.clone();
    let mut details_changed = false;
    for (field, value, target, max) in [
        ("business_name", &form.business_name, &mut customer.business.name, 120),
        ("first_name", &form.first_name, &mut customer.user.first_name, 60),
        ("last_name", &form.last_name, &mut customer.user.last_name, 60),
    ] {
        if value.is_some()
            && let Some(text) = errors.check(field, Text::name(value.as_deref(), max))
        {
            details_changed |= *target != text.as_ref();
            *target = text.to_string();
        }
    }
    let status = match form.status.as_deref() {
        None => None,
        Some("pending_activation") => {
            errors.add("status", "An account goes back to pending activation only by being created again; use locked.");
            None
        }
        raw => errors.check("status", ManagedStatus::parse(raw)),
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    if details_changed {
        let renamed = customer.business.name != old_name;
        let event = audit::event(
            &customer.business.business_id,
            partner,
            Some(&customer.user),
            "customer_updated",
            json!({
            "business_name": customer.business.name, "first_name": customer.user.first_name,
            "last_name": customer.user.last_name}),
        );
        app.store.update_customer_details(&customer.user, &customer.business, &link, renamed, &event).await?;
    }
    if let Some(status) = status
        && ManagedStatus::of(customer.user.status) != status
    {
        set_status(app, partner, &mut customer, status).await?;
    }
    Ok(customer)
}

/// Changes a customer's status. Cognito first, the table last (with the audit event, in one
/// write): a table that says "locked" means the Cognito user was disabled and signed out,
/// and a retry after a failure anywhere finds the table unchanged and does the whole job
/// again (each Cognito call is idempotent).
///
/// The table write holds only if the status is still the one read, so of racing changes
/// (a double click on Lock) one is stored and audited. A change that finds another stored
/// meanwhile reads the status again: already the one it wants, it is done (its own Cognito
/// calls agree with it); otherwise it sets Cognito again and writes from the new status, so
/// the change stored last is the one Cognito was last told.
async fn set_status(
    app: &App,
    partner: &User,
    customer: &mut ManagedCustomer,
    status: ManagedStatus,
) -> Result<(), AppError> {
    const ATTEMPTS: usize = 3;
    for _ in 0..ATTEMPTS {
        let from = ManagedStatus::of(customer.user.status);
        let email = customer.user.email.as_str();
        let ends_sessions = match status {
            ManagedStatus::Locked => {
                tokio::try_join!(app.identity.set_enabled(email, false), app.identity.sign_out_everywhere(email))?;
                Some(now_ms())
            }
            _ => {
                app.identity.set_enabled(email, true).await?;
                None
            }
        };
        let event = audit::event(
            &customer.business.business_id,
            partner,
            Some(&customer.user),
            "customer_status_changed",
            json!({"from": from, "to": status}),
        );
        let stored = app
            .store
            .set_user_status(&customer.user.user_id, customer.user.status, status.user_status(), ends_sessions, &event)
            .await;
        match stored {
            Ok(()) => {
                customer.user.status = status.user_status();
                if let Some(at) = ends_sessions {
                    customer.user.sessions_valid_after_ms = at;
                }
                tracing::info!(business_id = %customer.business.business_id, ?from, to = ?status, "Managed customer status changed");
                return Ok(());
            }
            Err(WriteError::Conflict(Conflict::StatusChanged)) => {
                let user = app
                    .store
                    .get_user(&customer.user.user_id)
                    .await
                    .context("Failed to read a customer whose status changed meanwhile")?
                    .ok_or(AppError::NotFound("customer"))?;
                customer.user = user;
                if ManagedStatus::of(customer.user.status) == status {
                    tracing::info!(business_id = %customer.business.business_id, to = ?status, "Customer status changed meanwhile by the same change");
                    return Ok(());
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(anyhow::anyhow!("The customer's status kept changing during {ATTEMPTS} attempts").into())
}

/// A started impersonation: what the client sends, and until when.
#[derive(Debug)]
pub struct Started {
    pub token: LinkToken,
    pub expires_at: time::OffsetDateTime,
    pub customer: ManagedCustomer,
}

#[tracing::instrument(name = "Start impersonating a customer", skip_all, fields(business_id = %business_id))]
///
/// `access_token` is the partner's bearer token of this request: the same request sent
/// again (a retry whose answer was lost, a double click) derives the same session token
/// from it, finds the session it started and answers it again rather than starting a second
/// one whose token nobody received. Only its digest is used.
pub async fn start_impersonation(
    app: &App,
    caller: &Caller,
    business_id: &str,
    access_token: &str,
) -> Result<Started, AppError> {
    // Never a chain, never an admin or a customer: only a partner acting as itself.
    let partner = partner(caller)?;
    let (_, customer) = managed(app, partner, business_id).await?;
    if customer.user.status == UserStatus::Locked {
        return Err(AppError::conflict(
            "customer_locked",
            "This customer is locked; unlock it before logging in as it.",
        ));
    }
    let started = now();
    // The session token of this partner's impersonation of this customer, with this access
    // token, in this half hour. Deriving it needs the access token besides the key, so the
    // key alone (readable in the functions' configuration) cannot name a session.
    let period = started.unix_timestamp().div_euclid(IMPERSONATION_MINUTES * 60);
    let signed_in: String = Sha256::digest(access_token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let purpose = format!("impersonation|{}|{}", partner.user_id, customer.business.business_id);
    let token = LinkToken::derive(app.config.link_key()?, &purpose, &format!("{period}|{signed_in}"));
    let expires_at = started + Duration::minutes(IMPERSONATION_MINUTES);
    let session = Impersonation {
        partner_user: partner.user_id.clone(),
        partner_business: partner.business_id.clone(),
        customer_user: customer.user.user_id.clone(),
        customer_business: customer.business.business_id.clone(),
        expires_at: expires_at.unix_timestamp(),
        ended: false,
        started_at: started,
    };
    let audits = [&customer.business.business_id, &partner.business_id].map(|business| {
        audit::event(
            business,
            partner,
            Some(&customer.user),
            "impersonation_started",
            json!({"expires_at": expires_at.unix_timestamp()}),
        )
    });
    match app.store.start_impersonation(&token.hash(), &session, &audits).await {
        Ok(()) => Ok(Started { token, expires_at, customer }),
        Err(WriteError::Conflict(Conflict::Duplicate)) => {
            let stored = app.store.get_impersonation(&token.hash()).await?;
            match stored {
                Some(s) if s.partner_user == partner.user_id && !s.ended && s.expires_at > now().unix_timestamp() => {
                    let expires_at = time::OffsetDateTime::from_unix_timestamp(s.expires_at)
                        .context("A stored impersonation's end is not a time")?;
                    Ok(Started { token, expires_at, customer })
                }
                // Ended (or over) within the half hour: a new session of its own.
                _ => {
                    let token = LinkToken::generate();
                    app.store.start_impersonation(&token.hash(), &session, &audits).await?;
                    Ok(Started { token, expires_at, customer })
                }
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Resolves a request made under an impersonation: the session must be this partner's,
/// current and not ended, the customer still managed by it and not locked. The request is
/// audited before it runs.
pub async fn impersonate(app: &App, partner: User, raw: &str, method: &str, path: &str) -> Result<Caller, AppError> {
    let session = current_session(app, &partner, raw).await?;
    let customer = app.store.get_user(&session.customer_user).await?.ok_or(AppError::ImpersonationInvalid)?;
    let managed_still =
        app.store.get_customer_link(&partner.business_id, &session.customer_business).await?.is_some_and(|l| l.managed);
    if customer.status != UserStatus::Active && customer.status != UserStatus::PendingPassword
        || customer.role != Role::Customer
        || !managed_still
    {
        return Err(AppError::ImpersonationInvalid);
    }
    let event = audit::event(
        &customer.business_id,
        &partner,
        Some(&customer),
        "impersonated_request",
        json!({
        "method": method, "path": path}),
    );
    app.store.put_audit(&event).await?;
    Ok(Caller { user: customer, actor: Some(partner) })
}

async fn current_session(app: &App, partner: &User, raw: &str) -> Result<Impersonation, AppError> {
    if partner.role != Role::Partner {
        return Err(AppError::Forbidden);
    }
    let token = LinkToken::parse(raw).ok_or(AppError::ImpersonationInvalid)?;
    let session = app.store.get_impersonation(&token.hash()).await?.ok_or(AppError::ImpersonationInvalid)?;
    if session.partner_user != partner.user_id || session.ended || session.expires_at <= now().unix_timestamp() {
        return Err(AppError::ImpersonationInvalid);
    }
    Ok(session)
}

/// Ends the impersonation whose token the partner sends.
#[tracing::instrument(name = "End an impersonation", skip_all)]
pub async fn end_impersonation(app: &App, caller: &Caller, raw: Option<&str>) -> Result<(), AppError> {
    let partner = partner(caller)?;
    let raw =
        raw.ok_or_else(|| AppError::BadRequest(format!("Send the impersonation token in {IMPERSONATION_HEADER}.")))?;
    let session = current_session(app, partner, raw).await?;
    let hash = LinkToken::parse(raw).map(|t| t.hash()).ok_or(AppError::ImpersonationInvalid)?;
    match app.store.end_impersonation(&hash).await {
        Ok(()) => {}
        Err(WriteError::Conflict(Conflict::AlreadyEnded)) => return Err(AppError::ImpersonationInvalid),
        Err(e) => return Err(e.into()),
    }
    let customer = app.store.get_user(&session.customer_user).await?;
    for business in [&session.customer_business, &partner.business_id] {
        let event = audit::event(business, partner, customer.as_ref(), "impersonation_ended", json!({}));
        app.store.put_audit(&event).await?;
    }
    Ok(())
}
