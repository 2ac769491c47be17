//! Users, the email markers that make one account per address, and the admins' index.
//!
//! A user's marker also records the user's business (`business_id`) and, for a partner user,
//! its active customer (`active_business`, written with each choice), so that a login can
//! read the user, its business and the link to its active customer in the same round trip
//! as it asks the identity provider, instead of after it.

use async_trait::async_trait;

use super::attrs::{Item, n, name_of, record, s};
use super::expr::Expr;
use super::read::Query;
use super::write::Write;
use super::{DynamoStore, audit, keys, profiles};
use crate::domain::account::UserStatus;
use crate::domain::ids::UserId;
use crate::domain::records::{AuditEvent, Business, EmailOwner, User};
use crate::ports::{Accounts, Admins, Conflict, WriteError};

/// The marker of an address: its owner and, for a user, the user's business.
pub(super) fn marker_item(email: &str, owner: &EmailOwner) -> anyhow::Result<Item> {
    record(&keys::email(email), owner)
}

/// Claims an address for `owner`, only if nobody holds it yet.
pub(super) fn claim_email(email: &str, owner: &EmailOwner) -> anyhow::Result<Write> {
    Ok(Write::put_new(marker_item(email, owner)?, Conflict::EmailTaken))
}

/// A new user item.
pub(super) fn new_user(user: &User) -> anyhow::Result<Write> {
    Ok(Write::put_new(record(&keys::user(&user.user_id), user)?, Conflict::UserExists))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct AdminEntry {
    user_id: UserId,
    email: String,
}

#[async_trait]
impl Accounts for DynamoStore {
    async fn email_owner(&self, email: &str) -> anyhow::Result<Option<EmailOwner>> {
        self.get(&keys::email(email), "Failed to look up an email").await
    }

    async fn get_user(&self, id: &UserId) -> anyhow::Result<Option<User>> {
        self.get(&keys::user(id), "Failed to read a user").await
    }

    async fn create_user(&self, user: &User, business: Option<&Business>) -> Result<(), WriteError> {
        let owner = EmailOwner::user(user, business.map(|b| b.name.as_str()));
        let mut writes = vec![claim_email(&user.email, &owner)?, new_user(user)?];
        if let Some(business) = business {
            writes.push(profiles::put_business(business)?);
        }
        self.transact(writes, "Failed to store a user").await
    }

    /// One transaction: the user's status (and session cut-off) and the audit event.
    async fn set_user_status(
        &self,
        id: &UserId,
        from: UserStatus,
        status: UserStatus,
        end_sessions_at_ms: Option<i64>,
        audit: &AuditEvent,
    ) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("status", s(name_of(&status)?));
        if let Some(at) = end_sessions_at_ms {
            expr.set("sessions_valid_after_ms", n(at));
        }
        let writes = vec![
            Write::update(&keys::user(id), expr)
                .when("#status = :from", Conflict::StatusChanged)
                .bind(":from", s(name_of(&from)?)),
            audit::record_event(audit)?,
        ];
        self.transact(writes, "Failed to change a user's status").await
    }
}

#[async_trait]
impl Admins for DynamoStore {
    async fn register_admin(&self, user: &User) -> anyhow::Result<()> {
        let entry = AdminEntry { user_id: user.user_id.clone(), email: user.email.clone() };
        self.write(Write::put(record(&keys::admin(&user.user_id), &entry)?), "Failed to index an admin").await?;
        Ok(())
    }

    /// One Query: each entry of the admins' index holds the admin's address.
    async fn admin_addresses(&self, limit: i32) -> anyhow::Result<Vec<String>> {
        let query = Query::table(keys::ADMINS).prefix(keys::ADMIN_PREFIX);
        let entries: Vec<AdminEntry> = self.first(&query, limit, "Failed to list admins").await?;
        Ok(entries.into_iter().map(|e| e.email).collect())
    }
}
