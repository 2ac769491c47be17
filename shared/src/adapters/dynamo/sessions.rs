//! Logins: one item by the login's Cognito session id (`origin_jti`), read with the user on
//! every signed-in request, and one by the SHA-256 of its refresh token, so a refresh or a
//! logout can tell a live session from an unknown, expired or ended one without asking
//! Cognito. Both are written in one transaction, conditioned on the user (and, for a login
//! that completes a TOTP challenge, with the challenge's deletion; for one that answers from
//! its address's login card, with checks that the card is in step). A challenge item lives
//! five minutes; TTL removes it a day later, and every read checks `expires_at` itself.

use async_trait::async_trait;

use aws_sdk_dynamodb::types::AttributeValue;

use super::attrs::{n, name_of, record_with, s, value};
use super::expr::Expr;
use super::write::Write;
use super::{DynamoStore, keys};
use crate::domain::ids::UserId;
use crate::domain::mfa::{ChallengeKey, LoginChallenge};
use crate::domain::session::{LoginSession, SessionId, SessionKey, StoredSession};
use crate::ports::{CardUse, Conflict, Sessions, WriteError};

/// Kept a day past its expiry, then deleted by TTL.
const TTL_GRACE_SECS: i64 = 86_400;

#[async_trait]
impl Sessions for DynamoStore {
    /// One transaction: both records (new), a condition check on the user, the challenge's
    /// deletion (only if it is there), and the login card's checks (on the user, its
    /// business and its active customer's link) or its new value on the address's marker.
    async fn start_login(
        &self,
        id: &SessionId,
        login: &LoginSession,
        refresh: &SessionKey,
        session: &StoredSession,
        challenge: Option<&ChallengeKey>,
        card: CardUse<'_>,
    ) -> Result<(), WriteError> {
        let login_item = record_with(&keys::login(id), login, [("ttl", n(login.expires_at + TTL_GRACE_SECS))])?;
        let session_item =
            record_with(&keys::session(refresh), session, [("ttl", n(session.expires_at + TTL_GRACE_SECS))])?;
        let mut admitted = String::from(
            "#status = :active AND (attribute_not_exists(#sessions_valid_after_ms) \
             OR #sessions_valid_after_ms < :started)",
        );
        let mut values = vec![(":active", s("active")), (":started", n(login.auth_started_ms))];
        let mut writes =
            vec![Write::put_new(login_item, Conflict::Duplicate), Write::put_new(session_item, Conflict::Duplicate)];
        if let Some((shown, business)) = card.check {
            admitted.push_str(
                " AND #business_id = :business_id AND #first_name = :first_name AND #last_name = :last_name \
                 AND #role = :role",
            );
            values.extend([
                (":business_id", s(business.as_ref())),
                (":first_name", s(&shown.first_name)),
                (":last_name", s(&shown.last_name)),
                (":role", s(name_of(&shown.role)?)),
            ]);
            match &shown.active {
                Some((customer, name)) => {
                    admitted.push_str(" AND #active_business = :active_business");
                    values.push((":active_business", s(customer.as_ref())));
                    writes.push(
                        Write::check(&keys::customer_of(business, customer))
                            .when("#customer_name = :name", Conflict::StaleCard)
                            .bind(":name", s(name)),
                    );
                }
                None => admitted.push_str(" AND attribute_not_exists(#active_business)"),
            }
            if let Some(name) = &shown.business_name {
                writes.push(
                    Write::check(&keys::profile(business))
                        .when("#name = :name", Conflict::StaleCard)
                        .bind(":name", s(name)),
                );
            }
        }
        let user = values.into_iter().fold(
            Write::check(&keys::user(&login.user_id)).when(admitted, Conflict::SessionsEnded),
            |write, (placeholder, value)| write.bind(placeholder, value),
        );
        writes.push(user);
        if let Some((email, shown)) = card.write {
            let mut kept = Expr::default();
            kept.set("card", value(shown)?);
            writes.push(
                Write::update(&keys::email(email), kept)
                    .when("#user_id = :user_id", Conflict::Missing)
                    .bind(":user_id", s(login.user_id.as_ref())),
            );
        }
        if let Some(key) = challenge {
            writes.push(Write::delete(&keys::challenge(key)).when("attribute_exists(PK)", Conflict::ChallengeUsed));
        }
        self.transact(writes, "Failed to record a login").await
    }

    async fn start_challenge(&self, key: &ChallengeKey, challenge: &LoginChallenge) -> Result<(), WriteError> {
        let item = record_with(&keys::challenge(key), challenge, [("ttl", n(challenge.expires_at + TTL_GRACE_SECS))])?;
        self.write(Write::put_new(item, Conflict::Duplicate), "Failed to store a login challenge").await.map(drop)
    }

    async fn get_challenge(&self, key: &ChallengeKey) -> anyhow::Result<Option<LoginChallenge>> {
        self.get(&keys::challenge(key), "Failed to read a login challenge").await
    }

    async fn get_session(&self, key: &SessionKey) -> anyhow::Result<Option<StoredSession>> {
        self.get(&keys::session(key), "Failed to read a session").await
    }

    /// One write, or one transaction with the refresh-token session.
    async fn end_sessions(&self, user: &UserId, at_ms: i64, refresh: Option<&SessionKey>) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("sessions_valid_after_ms", n(at_ms));
        let mut writes = vec![Write::update(&keys::user(user), expr).when("attribute_exists(PK)", Conflict::Missing)];
        if let Some(refresh) = refresh {
            let mut ended = Expr::default();
            ended.set("ended", AttributeValue::Bool(true));
            writes.push(Write::update(&keys::session(refresh), ended).when("attribute_exists(PK)", Conflict::Missing));
        }
        match writes.len() {
            1 => self.write(writes.remove(0), "Failed to end the user's sessions").await.map(drop),
            _ => self.transact(writes, "Failed to end the user's sessions").await,
        }
    }
}
