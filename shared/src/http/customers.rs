//! Handlers of the customers a partner creates and manages (Add New Customer, edit, status)
//! and of "Log in as customer" (impersonation: start and end).

use lambda_http::Request;
use serde::Serialize;
use time::OffsetDateTime;

use super::edge::{Answer, Outcome, bearer, caller, created, impersonation_token, ok, path_param, read_body, respond};
use crate::app::customers::{self, CreateCustomerForm, ManagedCustomer, ManagedStatus, UpdateCustomerForm};
use crate::app::{App, authenticate};
use crate::domain::ids::{BusinessId, UserId};

/// A managed customer as the partner's "Manage Customer" list shows it.
#[derive(Debug, Serialize)]
struct CustomerView {
    business_id: BusinessId,
    business_name: String,
    user_id: UserId,
    first_name: String,
    last_name: String,
    email: String,
    status: ManagedStatus,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

impl From<&ManagedCustomer> for CustomerView {
    fn from(c: &ManagedCustomer) -> Self {
        Self {
            business_id: c.business.business_id.clone(),
            business_name: c.business.name.clone(),
            user_id: c.user.user_id.clone(),
            first_name: c.user.first_name.clone(),
            last_name: c.user.last_name.clone(),
            email: c.user.email.clone(),
            status: ManagedStatus::of(c.user.status),
            created_at: c.business.created_at,
        }
    }
}

/// A started impersonation: the token to send in [`IMPERSONATION_HEADER`] and until when.
#[derive(Debug, Serialize)]
struct ImpersonationStarted<'a> {
    impersonation_token: &'a str,
    header: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
    customer: CustomerView,
}

pub async fn create_customer(app: &App, req: Request) -> Answer {
    respond("create-customer", &req, async {
        let caller = caller(app, &req).await?;
        customers::partner(&caller)?;
        let form: CreateCustomerForm = read_body(&req)?;
        let customer = customers::create(app, &caller, &form).await?;
        created(&CustomerView::from(&customer))
    })
    .await
}

/// One managed customer, for the partner's edit dialog.
pub async fn get_customer(app: &App, req: Request) -> Answer {
    respond("get-customer", &req, async {
        let caller = caller(app, &req).await?;
        let customer = customers::get(app, &caller, &path_param(&req, "business_id")).await?;
        ok(&CustomerView::from(&customer))
    })
    .await
}

pub async fn update_customer(app: &App, req: Request) -> Answer {
    respond("update-customer", &req, async {
        let caller = caller(app, &req).await?;
        customers::partner(&caller)?;
        let form: UpdateCustomerForm = read_body(&req)?;
        let customer = customers::update(app, &caller, &path_param(&req, "business_id"), &form).await?;
        ok(&CustomerView::from(&customer))
    })
    .await
}

pub async fn start_impersonation(app: &App, req: Request) -> Answer {
    respond("start-impersonation", &req, async {
        let caller = caller(app, &req).await?;
        let access_token = bearer(&req).unwrap_or_default();
        let started =
            customers::start_impersonation(app, &caller, &path_param(&req, "business_id"), access_token).await?;
        created(&ImpersonationStarted {
            impersonation_token: started.token.expose(),
            header: "X-Impersonation-Token",
            expires_at: started.expires_at,
            customer: CustomerView::from(&started.customer),
        })
    })
    .await
}

pub async fn end_impersonation(app: &App, req: Request) -> Answer {
    respond("end-impersonation", &req, async {
        // The partner itself, not the customer it acts as: ending needs no impersonation.
        let caller = authenticate(app, bearer(&req)).await?;
        customers::end_impersonation(app, &caller, impersonation_token(&req)).await?;
        ok(&Outcome::status("ended"))
    })
    .await
}

#[cfg(test)]
mod tests {
    use crate::app::customers::IMPERSONATION_HEADER;

    #[test]
    fn the_header_named_in_the_answer_is_the_one_the_edge_reads() {
        assert!(IMPERSONATION_HEADER.eq_ignore_ascii_case("X-Impersonation-Token"));
    }
}
