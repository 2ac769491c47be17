//! The partner dashboard's frame: which customer a request acts on ([`acting_business`]), a
//! partner's customer list and its choice of active customer ("Make Business Active"), the
//! Business Profile page (the landing page after login), and health checks.

use serde::Deserialize;

use super::{App, AppError, Caller, now};
use crate::domain::account::{AccountKind, Role};
use crate::domain::catalog::{Actor, CheckDate, HealthCheck, HealthCheckKind, HealthStatus, Note, Score};
use crate::domain::fields::FieldErrors;
use crate::domain::ids::BusinessId;
use crate::domain::profile::{ActiveBusiness, BusinessProfile, ProfileEdit, ProfileForm};
use crate::domain::records::{Invitation, InvitationStatus, PartnerLink};
use crate::ports::{Conflict, MAX_PAGE, Page, WriteError};

/// A rename updates the profile and each partner's side of its link in one transaction,
/// which holds at most 100 writes.
const MAX_RENAMED_LINKS: i32 = 99;

fn no_active_business() -> AppError {
    AppError::conflict(
        "no_active_business",
        "Choose an active business first: pick one of your customers with PUT /partner/active-business.",
    )
}

/// Who the caller is, as shown next to what it did: during an impersonation, the partner
/// that acted, not the customer it acted as.
pub(crate) fn actor(caller: &Caller) -> Actor {
    let u = super::audit::actor_of(caller);
    Actor {
        user_id: u.user_id.clone(),
        name: format!("{} {}", u.first_name, u.last_name).trim().to_owned(),
        role: u.role,
        business_id: u.business_id.clone(),
    }
}

/// The customer business a request acts on, and for a partner the link that allows it.
pub(crate) struct Acting {
    pub business_id: BusinessId,
    pub link: Option<PartnerLink>,
}

pub(crate) async fn acting(app: &App, caller: &Caller) -> Result<Acting, AppError> {
    let user = &caller.user;
    match user.role {
        Role::Customer => Ok(Acting { business_id: user.business_id.clone(), link: None }),
        Role::Partner => {
            let active = app
                .store
                .get_active_business(&user.business_id, &user.user_id)
                .await?
                .ok_or_else(no_active_business)?;
            // The link may have ended since the partner chose this customer.
            let link = app
                .store
                .get_customer_link(&user.business_id, &active.business_id)
                .await?
                .ok_or(AppError::NotFound("business"))?;
            Ok(Acting { business_id: active.business_id, link: Some(link) })
        }
        Role::Admin => Err(AppError::Forbidden),
    }
}

/// The customer business that business-scoped routes act on: a customer's own; a partner's
/// active customer, which must still be linked to it.
///
/// # Errors
/// `Conflict(no_active_business)` for a partner that has not chosen one; `NotFound` when the
/// partner is no longer linked to it; `Forbidden` for admins.
pub async fn acting_business(app: &App, caller: &Caller) -> Result<BusinessId, AppError> {
    Ok(acting(app, caller).await?.business_id)
}

// ---- customers and the active business ------------------------------------------------------

/// One page of a partner's customers, and which one is active for the caller.
pub struct Customers {
    pub page: Page<PartnerLink>,
    pub active: Option<BusinessId>,
}

#[tracing::instrument(name = "List a partner's customers", skip_all)]
pub async fn list_customers(
    app: &App,
    caller: &Caller,
    cursor: Option<&str>,
    limit: i32,
) -> Result<Customers, AppError> {
    caller.require(Role::Partner)?;
    let partner = &caller.user.business_id;
    let page = app.store.list_customers(partner, cursor, limit.clamp(1, MAX_PAGE)).await??;
    let active = app.store.get_active_business(partner, &caller.user.user_id).await?.map(|a| a.business_id);
    Ok(Customers { page, active })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActiveBusinessForm {
    pub business_id: Option<String>,
}

/// "Make Business Active": from now on the partner user's business-scoped requests act on
/// this customer, until it picks another (kept across logins).
///
/// # Errors
/// `NotFound` when the partner is not linked to that business (or it does not exist).
#[tracing::instrument(name = "Make a business active", skip_all)]
pub async fn set_active_business(
    app: &App,
    caller: &Caller,
    form: &ActiveBusinessForm,
) -> Result<PartnerLink, AppError> {
    caller.require(Role::Partner)?;
    let raw = form.business_id.as_deref().map(str::trim).unwrap_or_default();
    if raw.is_empty() {
        return Err(FieldErrors::single("business_id", "Choose one of your customers.").into());
    }
    let customer = BusinessId::parse(raw).ok_or(AppError::NotFound("business"))?;
    let partner = &caller.user.business_id;
    let link = app.store.get_customer_link(partner, &customer).await?.ok_or(AppError::NotFound("business"))?;
    let active = ActiveBusiness { user_id: caller.user.user_id.clone(), business_id: customer, chosen_at: now() };
    match app.store.set_active_business(partner, &active).await {
        Ok(()) => {
            tracing::info!(business_id = %active.business_id, "Active business chosen");
            Ok(link)
        }
        Err(WriteError::Conflict(Conflict::NotLinked)) => Err(AppError::NotFound("business")),
        Err(e) => Err(e.into()),
    }
}

// ---- business profile -----------------------------------------------------------------------

/// The Business Profile page: the profile and its "My Partner" section.
pub struct ProfileView {
    pub profile: BusinessProfile,
    pub partners: Vec<PartnerLink>,
    pub invitations: Vec<Invitation>,
}

async fn profile_view(app: &App, business: &BusinessId) -> Result<ProfileView, AppError> {
    let profile = app.store.get_profile(business).await?.ok_or(AppError::NotFound("business"))?;
    let partners = app.store.list_partners(business, None, MAX_PAGE).await??.items;
    let invitations = app
        .store
        .list_invitations(business, None, MAX_PAGE)
        .await??
        .items
        .into_iter()
        .filter(|i| i.status == InvitationStatus::Pending)
        .collect();
    Ok(ProfileView { profile, partners, invitations })
}

#[tracing::instrument(name = "Read a business profile", skip_all)]
pub async fn get_profile(app: &App, caller: &Caller) -> Result<ProfileView, AppError> {
    let business = acting_business(app, caller).await?;
    profile_view(app, &business).await
}

/// Saves every section of the profile if nobody saved since the client read `version`.
///
/// # Errors
/// `Validation` naming each wrong field; `Conflict(version_conflict)` when someone else
/// saved first (the client reloads and edits again).
#[tracing::instrument(name = "Edit a business profile", skip_all)]
pub async fn update_profile(app: &App, caller: &Caller, form: &ProfileForm) -> Result<ProfileView, AppError> {
    let business = acting_business(app, caller).await?;
    let (expected, edit) = <(u64, ProfileEdit)>::try_from(form)?;
    let current = app.store.get_profile(&business).await?.ok_or(AppError::NotFound("business"))?;
    if current.version != expected {
        return Err(version_conflict(current.version));
    }
    // A new name is shown in the partners' customer lists too.
    let partners: Vec<BusinessId> = if current.name == edit.name || current.kind != AccountKind::Customer {
        Vec::new()
    } else {
        let page = app.store.list_partners(&business, None, MAX_RENAMED_LINKS).await??;
        page.items.into_iter().map(|l| l.partner_id).collect()
    };
    match app.store.update_profile(&business, expected, &edit, &caller.user.user_id, &partners).await {
        Ok(()) => {
            tracing::info!(business_id = %business, version = expected + 1, "Business profile saved");
            profile_view(app, &business).await
        }
        Err(WriteError::Conflict(Conflict::VersionConflict)) => {
            let now = app.store.get_profile(&business).await?.map_or(expected + 1, |p| p.version);
            Err(version_conflict(now))
        }
        Err(WriteError::Conflict(Conflict::PartnersChanged)) => Err(AppError::conflict(
            "partners_changed",
            "The business's partners changed while saving; reload the profile and save again.",
        )),
        Err(e) => Err(e.into()),
    }
}

fn version_conflict(current: u64) -> AppError {
    AppError::conflict(
        "version_conflict",
        format!(
            "Someone else saved this profile since you loaded it (it is now at version {current}); \
             reload it and make your changes again."
        ),
    )
}

// ---- health checks --------------------------------------------------------------------------

/// The health checks of the caller's business: a customer's own, a partner's active
/// customer's, or for an admin the business it names.
#[tracing::instrument(name = "List health checks", skip_all)]
pub async fn list_health_checks(
    app: &App,
    caller: &Caller,
    business_id: Option<&str>,
    cursor: Option<&str>,
    limit: i32,
) -> Result<Page<HealthCheck>, AppError> {
    let business = if caller.user.role == Role::Admin {
        let raw = business_id.ok_or_else(|| {
            AppError::BadRequest("Admins choose the customer with ?business_id=<business id>.".into())
        })?;
        let id = BusinessId::parse(raw).ok_or(AppError::NotFound("business"))?;
        app.store.get_business(&id).await?.ok_or(AppError::NotFound("business"))?;
        id
    } else {
        // `business_id` is an admin's choice only; a customer or partner always reads the
        // business it acts on, whatever the query says.
        acting_business(app, caller).await?
    };
    Ok(app.store.list_health_checks(&business, cursor, limit.clamp(1, MAX_PAGE)).await??)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HealthCheckForm {
    pub score: Option<serde_json::Value>,
    pub status: Option<String>,
    pub findings: Option<String>,
    pub checked_on: Option<String>,
}

struct ValidHealthCheck {
    score: Score,
    status: HealthStatus,
    findings: Option<Note>,
    checked_on: CheckDate,
}

impl TryFrom<&HealthCheckForm> for ValidHealthCheck {
    type Error = FieldErrors;

    fn try_from(form: &HealthCheckForm) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let score = errors.check("score", Score::parse(form.score.as_ref().unwrap_or(&serde_json::Value::Null)));
        let status = form.status.as_deref().and_then(HealthStatus::parse);
        if status.is_none() {
            errors.add("status", "Choose healthy, needs_attention or critical.");
        }
        let findings = errors.check("findings", Note::parse_optional(form.findings.as_deref(), 10_000)).flatten();
        let checked_on = errors.check("checked_on", CheckDate::parse(form.checked_on.as_deref().unwrap_or_default()));
        match (score, status, checked_on) {
            (Some(score), Some(status), Some(checked_on)) if errors.is_empty() => {
                Ok(Self { score, status, findings, checked_on })
            }
            _ => Err(errors),
        }
    }
}

/// Creates or replaces a customer's health check of `kind`. Admins only.
///
/// # Errors
/// `NotFound` for an unknown kind or a business that is not a customer.
#[tracing::instrument(name = "Write a health check", skip_all, fields(kind))]
pub async fn upsert_health_check(
    app: &App,
    caller: &Caller,
    business_id: &str,
    kind: &str,
    form: &HealthCheckForm,
) -> Result<HealthCheck, AppError> {
    caller.require(Role::Admin)?;
    let business_id = BusinessId::parse(business_id).ok_or(AppError::NotFound("business"))?;
    let kind = HealthCheckKind::parse(kind).ok_or(AppError::NotFound("health check kind (cm360 or zscaler)"))?;
    let valid = ValidHealthCheck::try_from(form)?;
    let check = HealthCheck {
        business_id,
        kind,
        score: valid.score,
        status: valid.status,
        findings: valid.findings,
        checked_on: valid.checked_on,
        updated_by: caller.user.user_id.clone(),
        updated_at: now(),
    };
    match app.store.put_health_check(&check).await {
        Ok(()) => {
            tracing::info!(business_id = %check.business_id, "Health check saved");
            Ok(check)
        }
        Err(WriteError::Conflict(Conflict::NotACustomer)) => Err(AppError::NotFound("business")),
        Err(e) => Err(e.into()),
    }
}
