//! Users, the email markers that make one account per address, and the admins' index.

use async_trait::async_trait;

use super::attrs::{n, name_of, record, s};
use super::expr::Expr;
use super::read::Query;
use super::write::Write;
use super::{DynamoStore, keys, profiles};
use crate::domain::account::UserStatus;
use crate::domain::ids::UserId;
use crate::domain::records::{Business, EmailOwner, User};
use crate::ports::{Accounts, Admins, Conflict, WriteError};

/// Claims an address for `owner`, only if nobody holds it yet.
pub(super) fn claim_email(email: &str, owner: &EmailOwner) -> anyhow::Result<Write> {
    Ok(Write::put_new(record(&keys::email(email), owner)?, Conflict::EmailTaken))
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
        let owner = EmailOwner::user(user);
        let mut writes = vec![claim_email(&user.email, &owner)?, new_user(user)?];
        if let Some(business) = business {
            writes.push(profiles::put_business(business)?);
        }
        self.transact(writes, "Failed to store a user").await
    }

    async fn activate_user(&self, id: &UserId) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("status", s("active"));
        let write = Write::update(&keys::user(id), expr)
            .when("attribute_exists(PK) AND #status <> :locked", Conflict::UserLocked)
            .bind(":locked", s("locked"));
        self.write(write, "Failed to activate a user").await.map(drop)
    }

    async fn revoke_tokens_before(&self, id: &UserId, valid_after: i64) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("tokens_valid_after", n(valid_after));
        let write = Write::update(&keys::user(id), expr).when("attribute_exists(PK)", Conflict::Missing);
        self.write(write, "Failed to revoke a user's sessions").await.map(drop)
    }

    async fn set_user_status(
        &self,
        id: &UserId,
        status: UserStatus,
        revoke_before: Option<i64>,
    ) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("status", s(name_of(&status)?));
        if let Some(t) = revoke_before {
            expr.set("tokens_valid_after", n(t));
        }
        let write = Write::update(&keys::user(id), expr).when("attribute_exists(PK)", Conflict::Missing);
        self.write(write, "Failed to change a user's status").await.map(drop)
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
