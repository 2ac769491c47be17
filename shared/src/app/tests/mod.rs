//! Unit tests of the use cases' rules, on the in-memory fakes of the ports
//! (`adapters::memory`): races, the order of writes across services, link tokens, paging
//! and rate limits. What DynamoDB, Cognito and SES themselves do is proven by the
//! end-to-end suite against the emulator, not here.

mod approvals;
mod customers;
mod dashboard;
mod invitations;
mod links;
mod listings;
mod mfa;
mod profiles;
mod rate_limits;

use std::sync::Arc;

use serde_json::json;
use time::OffsetDateTime;

use super::signup::{self, SignUpForm};
use super::{App, Caller};
use crate::adapters::memory::{FakeUserPool, Journal, MemoryStore, RecordingMailer};
use crate::config::Config;
use crate::domain::account::{AccountKind, Role, UserStatus};
use crate::domain::ids::{BusinessId, UserId};
use crate::domain::records::{Business, EmailOwner, SignUpRequest, StoredToken, User};
use crate::domain::token::{LinkToken, TokenPurpose};

/// An app on fakes, and the fakes, to arrange and to look at.
struct Harness {
    app: App,
    store: Arc<MemoryStore>,
    pool: Arc<FakeUserPool>,
    mailer: Arc<RecordingMailer>,
    journal: Journal,
}

pub(crate) fn config() -> Config {
    let portal = "https://portal.example";
    Config {
        table_name: "portal-test".into(),
        user_pool_id: "us-east-1_test".into(),
        user_pool_client_id: "test-client".into(),
        email_from: "no-reply@portal.example".into(),
        portal_url: portal.into(),
        signup_url: Some(format!("{portal}/signup")),
        set_password_url: Some(format!("{portal}/auth/set-password")),
        reset_password_url: Some(format!("{portal}/auth/reset-password")),
        activate_url: Some(format!("{portal}/auth/activate")),
        region: "us-east-1".into(),
        endpoint_url: None,
        link_key: Some(crate::domain::token::LinkKey::generate()),
    }
}

/// A password the policy accepts.
const PASSWORD: &str = "velvet trombone harbour sunrise";

fn now_secs() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

impl Harness {
    fn new() -> Self {
        let journal = Journal::default();
        let store = Arc::new(MemoryStore::new(journal.clone()));
        let pool = Arc::new(FakeUserPool::new(journal.clone()));
        let mailer = Arc::new(RecordingMailer::default());
        let app = App {
            config: config(),
            store: store.clone(),
            identity: pool.clone(),
            mailer: mailer.clone(),
            verifier: pool.clone(),
            catalog: Arc::default(),
        };
        Self { app, store, pool, mailer, journal }
    }

    /// An active account with a password, and its business (none for an admin).
    async fn account(&self, email: &str, role: Role) -> Caller {
        self.new_account(email, role, true).await
    }

    /// An approved account whose person has not chosen a password yet (`pending_password`).
    async fn account_without_password(&self, email: &str, role: Role) -> Caller {
        self.new_account(email, role, false).await
    }

    async fn new_account(&self, email: &str, role: Role, with_password: bool) -> Caller {
        use crate::ports::IdentityProvider as _;
        let user_id = self.pool.create_user(email).await.unwrap();
        if with_password {
            self.pool.set_password(email, PASSWORD).await.unwrap();
        }
        let kind = if role == Role::Partner { AccountKind::Partner } else { AccountKind::Customer };
        let business = (role != Role::Admin).then(|| Business {
            business_id: BusinessId::new(),
            kind,
            name: format!("{} Inc", email.split('@').next().unwrap_or("a")),
            website: "https://example.org".into(),
            phone: None,
            created_at: OffsetDateTime::now_utc(),
            primary_user: Some(user_id.clone()),
            managed_by: None,
        });
        let user = User {
            user_id,
            email: email.to_owned(),
            business_id: business
                .as_ref()
                .map_or_else(|| BusinessId::parse("operators").unwrap(), |b| b.business_id.clone()),
            role,
            status: if with_password { UserStatus::Active } else { UserStatus::PendingPassword },
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            sessions_valid_after_ms: 0,
            credentials_changed_at_ms: if with_password { super::now_ms() - 60_000 } else { 0 },
            created_at: OffsetDateTime::now_utc(),
            active_business: None,
        };
        self.app.store.create_user(&user, business.as_ref()).await.unwrap();
        if role == Role::Admin {
            self.app.store.register_admin(&user).await.unwrap();
        }
        Caller { user, actor: None }
    }

    /// A Create Account Request, submitted through the sign-up form.
    async fn pending_request(&self, email: &str) -> SignUpRequest {
        signup::sign_up(&self.app, &sign_up_form(email), "192.0.2.10").await.unwrap();
        let Some(EmailOwner::Request { request_id, .. }) = self.app.store.email_owner(email).await.unwrap() else {
            panic!("{email} holds no request");
        };
        self.app.store.get_request(&request_id).await.unwrap().unwrap()
    }

    /// A link token stored for `subject`, expiring `lifetime_secs` from now.
    async fn link(&self, purpose: TokenPurpose, subject: &UserId, lifetime_secs: i64) -> LinkToken {
        let token = LinkToken::generate();
        let stored = StoredToken {
            purpose,
            subject: subject.to_string(),
            expires_at: now_secs() + lifetime_secs,
            used: false,
            minted_at_ms: super::now_ms(),
            account: None,
            lease_until_ms: 0,
            claim: None,
        };
        self.app.store.put_token(&token.hash(), &stored).await.unwrap();
        token
    }

    /// Logs `email` in with [`PASSWORD`] from `client_ip`, as the login step does, and returns
    /// the access token.
    async fn sign_in(&self, email: &str, client_ip: &str) -> String {
        use secrecy::ExposeSecret as _;
        let form = super::login::LoginForm {
            email: Some(email.to_owned()),
            password: Some(secrecy::SecretString::from(PASSWORD)),
        };
        let step = super::login::login(&self.app, form, client_ip).await.expect("the login succeeds");
        let session = match step {
            super::login::LoginStep::Session(session) => *session,
            super::login::LoginStep::Challenge(challenge) => self.answer(&challenge, email, client_ip).await.unwrap(),
        };
        session.tokens.access_token.expose_secret().to_owned()
    }

    /// Completes a login's second step with the code `email`'s authenticator app shows now.
    async fn answer(
        &self,
        challenge: &super::login::Challenge,
        email: &str,
        client_ip: &str,
    ) -> Result<super::login::Session, super::AppError> {
        let form = super::mfa::MfaForm {
            challenge_session: Some(challenge.token.expose().to_owned()),
            code: Some(self.pool.current_code(email).expect("an authenticator app")),
        };
        super::mfa::complete_login(&self.app, form, client_ip).await
    }

    /// The subjects of the emails sent to `to`.
    /// The subjects of the emails sent to `to`, once the relay has sent what is queued (use
    /// cases only queue emails; the relay sends them).
    async fn subjects_to(&self, to: &str) -> Vec<String> {
        self.relay().await;
        self.mailer.sent_to(to).into_iter().map(|e| e.subject).collect()
    }

    /// Sends every queued email, as the relay does after each commit.
    async fn relay(&self) {
        crate::app::outbox::relay_due(&self.app).await.expect("the relay lists due emails");
    }

    /// The journal's entries from `from` on that start with one of `prefixes`.
    fn journal_since(&self, from: usize, prefixes: &[&str]) -> Vec<String> {
        self.journal.entries()[from..].iter().filter(|e| prefixes.iter().any(|p| e.starts_with(p))).cloned().collect()
    }
}

fn sign_up_form(email: &str) -> SignUpForm {
    serde_json::from_value(json!({
        "business_name": "Acme Widgets", "business_website": "https://acme-widgets.example",
        "first_name": "Ada", "last_name": "Lovelace", "email": email,
        "privacy_policy": true, "terms": true,
    }))
    .unwrap()
}

/// The raw token in the link (`…?<param>=<token>`) of the last email sent to `to`.
async fn token_in_last_email(h: &Harness, to: &str, param: &str) -> String {
    h.relay().await;
    let email = h.mailer.sent_to(to).pop().unwrap_or_else(|| panic!("no email to {to}"));
    let at = email.text.find(&format!("{param}=")).unwrap_or_else(|| panic!("no {param} link in {email:?}"));
    email.text[at + param.len() + 1..].chars().take(43).collect()
}
