//! The partner dashboard's frame: which customer a request acts on (`target`, with the
//! partner's link checked alongside each request's own reads or in its write), a partner's
//! customer list and its choice of active customer ("Make Business Active"), the Business
//! Profile page (the landing page after login), and health checks.

use serde::Deserialize;

use super::{App, AppError, Caller, now};
use crate::domain::account::{AccountKind, Role};
use crate::domain::catalog::{Actor, CheckDate, HealthCheck, HealthCheckKind, HealthStatus, Note, Score};
use crate::domain::fields::FieldErrors;
use crate::domain::ids::BusinessId;
use crate::domain::profile::{ActiveBusiness, BusinessProfile, ProfileEdit, ProfileForm};
use crate::domain::records::{Invitation, PartnerLink};
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::ports::{Conflict, MAX_PAGE, Page, WriteError};

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

/// The customer business a request acts on, and the partner acting on it through their link
/// (which must still exist: the link may have ended since the partner chose the customer).
pub(crate) struct Target {
    pub customer: BusinessId,
    pub partner: Option<BusinessId>,
}

/// The customer business that business-scoped routes act on: a customer's own; a partner
/// user's active customer, as its user item (read to authenticate the request) says. No
/// read: writes check the partner's link in their own transaction, reads alongside their
/// own reads ([`linked`]).
///
/// # Errors
/// `Conflict(no_active_business)` for a partner that has not chosen one; `Forbidden` for
/// admins.
pub(crate) fn target(caller: &Caller) -> Result<Target, AppError> {
    let user = &caller.user;
    match user.role {
        Role::Customer => Ok(Target { customer: user.business_id.clone(), partner: None }),
        Role::Partner => {
            let customer = user.active_business.clone().ok_or_else(no_active_business)?;
            Ok(Target { customer, partner: Some(user.business_id.clone()) })
        }
        Role::Admin => Err(AppError::Forbidden),
    }
}

/// Refuses callers that no business-scoped route serves (admins), before a body is read.
///
/// # Errors
/// `Forbidden` for admins.
pub fn require_business_caller(caller: &Caller) -> Result<(), AppError> {
    if caller.user.role == Role::Admin { Err(AppError::Forbidden) } else { Ok(()) }
}

/// For a partner, its side of the link to the customer it acts on (`NotFound` when the link
/// is gone); nothing to check for a customer.
///
/// # Errors
/// `NotFound` when the partner is no longer linked; `Unavailable` when it cannot be read.
pub(crate) async fn linked(app: &App, target: &Target) -> Result<Option<PartnerLink>, AppError> {
    match &target.partner {
        None => Ok(None),
        Some(partner) => Ok(Some(
            app.store.get_customer_link(partner, &target.customer).await?.ok_or(AppError::NotFound("business"))?,
        )),
    }
}

/// A write that a partner's missing link or an unoffered product refused, as the caller
/// sees it.
pub(crate) fn refused(e: WriteError) -> AppError {
    match e {
        WriteError::Conflict(Conflict::NotLinked) => AppError::NotFound("business"),
        WriteError::Conflict(Conflict::ProductNotOffered) => AppError::NotFound("product"),
        e => e.into(),
    }
}

// ---- customers and the active business ------------------------------------------------------

/// One page of a partner's customers, and which one is active for the caller.
pub struct Customers {
    pub page: Page<PartnerLink>,
    pub active: Option<BusinessId>,
}

/// One read: the caller's active customer is on its user item, read to authenticate it.
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
    Ok(Customers { page, active: caller.user.active_business.clone() })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActiveBusinessForm {
    pub business_id: Option<String>,
}

/// "Make Business Active": from now on the partner user's business-scoped requests act on
/// this customer, until it picks another (kept across logins). One write, made only while
/// they are linked: the choice, as written.
///
/// # Errors
/// `NotFound` when the partner is not linked to that business (or it does not exist).
#[tracing::instrument(name = "Make a business active", skip_all)]
pub async fn set_active_business(
    app: &App,
    caller: &Caller,
    form: &ActiveBusinessForm,
) -> Result<ActiveBusiness, AppError> {
    caller.require(Role::Partner)?;
    let raw = form.business_id.as_deref().map(str::trim).unwrap_or_default();
    if raw.is_empty() {
        return Err(FieldErrors::single("business_id", "Choose one of your customers.").into());
    }
    let customer = BusinessId::parse(raw).ok_or(AppError::NotFound("business"))?;
    let active = ActiveBusiness { user_id: caller.user.user_id.clone(), business_id: customer, chosen_at: now() };
    // The write's condition on the link, not a read, decides whether the partner may choose
    // this customer; the client named it from the list it chose from.
    match app.store.set_active_business(&caller.user.business_id, &caller.user.email, &active).await {
        Ok(()) => {}
        Err(WriteError::Conflict(Conflict::NotLinked)) => return Err(AppError::NotFound("business")),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(business_id = %active.business_id, "Active business chosen");
    Ok(active)
}

// ---- business profile -----------------------------------------------------------------------

/// The Business Profile page: the profile and, for the customer itself, its "My Partner"
/// section (a partner does not see the customer's other partners or the addresses it
/// invited).
pub struct ProfileView {
    pub profile: BusinessProfile,
    pub my_partner: Option<MyPartner>,
}

/// The customer's partners, and its pending invitations among the newest, newest first.
pub struct MyPartner {
    pub partners: Vec<PartnerLink>,
    pub invitations: Vec<Invitation>,
}

/// The profile, and for a customer its "My Partner" section, read together (and, for a
/// partner, its link with them).
async fn profile_view(app: &App, target: &Target) -> Result<ProfileView, AppError> {
    let business = &target.customer;
    let (profile, my_partner) = if target.partner.is_some() {
        let (_, profile) = tokio::try_join!(linked(app, target), async { Ok(app.store.get_profile(business).await?) })?;
        (profile, None)
    } else {
        let (profile, partners, invitations) = tokio::try_join!(
            async { Ok::<_, AppError>(app.store.get_profile(business).await?) },
            async { Ok(app.store.list_partners(business, None, MAX_PAGE).await??.items) },
            async { Ok(app.store.pending_invitations(business, MAX_PAGE).await?) },
        )?;
        (profile, Some(MyPartner { partners, invitations }))
    };
    Ok(ProfileView { profile: profile.ok_or(AppError::NotFound("business"))?, my_partner })
}

/// The Business Profile page: one wave of reads after the caller's own.
#[tracing::instrument(name = "Read a business profile", skip_all)]
pub async fn get_profile(app: &App, caller: &Caller) -> Result<ProfileView, AppError> {
    profile_view(app, &target(caller)?).await
}

/// Every partner of the customer (for a rename), page by page.
async fn all_partners(app: &App, business: &BusinessId) -> Result<Vec<BusinessId>, AppError> {
    let mut partners = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = app.store.list_partners(business, cursor.as_deref(), MAX_PAGE).await??;
        partners.extend(page.items.into_iter().map(|l| l.partner_id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(partners),
        }
    }
}

/// Saves every section of the profile if nobody saved since the client read `version`. A
/// new name reaches every partner's customer list, however many partners there are.
///
/// # Errors
/// `Validation` naming each wrong field; `Conflict(version_conflict)` when someone else
/// saved first (the client reloads and edits again).
#[tracing::instrument(name = "Edit a business profile", skip_all)]
pub async fn update_profile(app: &App, caller: &Caller, form: &ProfileForm) -> Result<ProfileView, AppError> {
    let target = target(caller)?;
    let business = &target.customer;
    let (expected, edit) = <(u64, ProfileEdit)>::try_from(form)?;
    let (_, current) = tokio::try_join!(linked(app, &target), async { Ok(app.store.get_profile(business).await?) })?;
    let current = current.ok_or(AppError::NotFound("business"))?;
    if current.version != expected {
        return Err(version_conflict(current.version));
    }
    // A new name is shown in the partners' customer lists too (and given again when an
    // earlier rename did not reach every one of them).
    let renamed = current.name != edit.name || current.links_behind();
    let partners =
        if renamed && current.kind == AccountKind::Customer { all_partners(app, business).await? } else { Vec::new() };
    match app.store.update_profile(business, expected, &edit, &caller.user.user_id, &partners).await {
        Ok(()) => {
            tracing::info!(business_id = %business, version = expected + 1, "Business profile saved");
            profile_view(app, &target).await
        }
        Err(WriteError::Conflict(Conflict::VersionConflict)) => {
            let now = app.store.get_profile(business).await?.map_or(expected + 1, |p| p.version);
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
    let limit = limit.clamp(1, MAX_PAGE);
    if caller.user.role == Role::Admin {
        let raw = business_id.ok_or_else(|| {
            AppError::BadRequest("Admins choose the customer with ?business_id=<business id>.".into())
        })?;
        let id = BusinessId::parse(raw).ok_or(AppError::NotFound("business"))?;
        let (business, page) =
            tokio::try_join!(async { Ok::<_, AppError>(app.store.get_business(&id).await?) }, async {
                Ok(app.store.list_health_checks(&id, cursor, limit).await??)
            },)?;
        business.ok_or(AppError::NotFound("business"))?;
        return Ok(page);
    }
    // `business_id` is an admin's choice only; a customer or partner always reads the
    // business it acts on, whatever the query says.
    let target = target(caller)?;
    let (_, page) = tokio::try_join!(linked(app, &target), async {
        Ok(app.store.list_health_checks(&target.customer, cursor, limit).await??)
    })?;
    Ok(page)
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
