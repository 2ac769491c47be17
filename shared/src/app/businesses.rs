//! The admins' business directory: search every customer and partner business by the start
//! of its name, and one business's details (profile, its people, its health checks), where
//! admins write the "CM360 Health Check" and "Zscaler Health Check".

use super::{App, AppError, Caller};
use crate::domain::account::Role;
use crate::domain::catalog::HealthCheck;
use crate::domain::ids::BusinessId;
use crate::domain::profile::BusinessProfile;
use crate::domain::records::{Business, User};
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::ports::{MAX_PAGE, Page};

/// The longest name prefix accepted (a business name has at most 120 characters).
const MAX_NAME: usize = 120;

/// Only an admin acting as itself.
fn admin(caller: &Caller) -> Result<(), AppError> {
    caller.require(Role::Admin)?;
    if caller.actor.is_some() {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// Businesses whose name starts with `name` (any case; all of them without it), by name.
///
/// # Errors
/// `Forbidden` for anyone but an admin; `BadRequest` for a prefix over 120 characters or a
/// cursor of another search.
#[tracing::instrument(name = "Search businesses", skip_all)]
pub async fn search(
    app: &App,
    caller: &Caller,
    name: Option<&str>,
    cursor: Option<&str>,
    limit: i32,
) -> Result<Page<Business>, AppError> {
    admin(caller)?;
    let name = name.unwrap_or_default();
    if name.chars().count() > MAX_NAME {
        return Err(AppError::BadRequest(format!("name must be at most {MAX_NAME} characters.")));
    }
    Ok(app.store.search_businesses(name, cursor, limit.clamp(1, MAX_PAGE)).await??)
}

/// One business as an admin sees it.
#[derive(Debug)]
pub struct BusinessDetails {
    pub business: Business,
    pub profile: BusinessProfile,
    /// The partner that created and manages it, if one did.
    pub managed_by: Option<Business>,
    /// The people who sign in for it.
    pub users: Vec<User>,
    /// Its health checks (a customer has at most one of each kind; a partner none).
    pub health_checks: Vec<HealthCheck>,
}

/// A business's details.
///
/// # Errors
/// `Forbidden` for anyone but an admin; `NotFound` for an unknown business.
#[tracing::instrument(name = "Read a business's details", skip_all, fields(business_id = %business_id))]
pub async fn details(app: &App, caller: &Caller, business_id: &str) -> Result<BusinessDetails, AppError> {
    admin(caller)?;
    let id = BusinessId::parse(business_id).ok_or(AppError::NotFound("business"))?;
    let (business, profile) = app.store.get_business_record(&id).await?.ok_or(AppError::NotFound("business"))?;
    let (user, manager, checks) = tokio::join!(
        async {
            match &business.primary_user {
                Some(user) => app.store.get_user(user).await,
                None => Ok(None),
            }
        },
        async {
            match &business.managed_by {
                Some(partner) => app.store.get_business(partner).await,
                None => Ok(None),
            }
        },
        app.store.list_health_checks(&id, None, MAX_PAGE),
    );
    let health_checks = checks??.items;
    Ok(BusinessDetails { business, profile, managed_by: manager?, users: user?.into_iter().collect(), health_checks })
}
