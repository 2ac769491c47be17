//! The portal's entities as they are stored and read back. Field values here were validated
//! on their way in (sign-up form, invitation form), so they are plain strings at rest.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::account::{AccountKind, PartnerType, Role, UserStatus};
use super::ids::{BusinessId, InvitationId, OutboxId, RequestId, UserId};
use super::token::{TokenHash, TokenPurpose};

/// Where a sign-up request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Approved,
    Rejected,
}

impl RequestStatus {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "pending" => Some(Self::Pending),
            "approved" => Some(Self::Approved),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }
}

/// The invitation a partner's sign-up came through, as it was then: approval links the
/// partner only while the invitation is still pending at this generation (not revoked, not
/// resent since).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRef {
    pub customer_id: BusinessId,
    pub invitation_id: InvitationId,
    pub partner_type: PartnerType,
    /// The inviting customer's name when the partner signed up (what Pending Approvals
    /// shows, and the link's name for the customer). Empty on requests stored before it was
    /// kept here.
    #[serde(default)]
    pub customer_name: String,
    /// The generation of the invitation's link the partner signed up with.
    #[serde(default)]
    pub generation: u32,
}

/// A "Create Account Request" waiting for (or decided by) an admin.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignUpRequest {
    pub request_id: RequestId,
    pub kind: AccountKind,
    pub business_name: String,
    pub business_website: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub status: RequestStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub invited_by: Option<InvitationRef>,
    pub decided_by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub decided_at: Option<OffsetDateTime>,
    pub reason: Option<String>,
    pub user_id: Option<UserId>,
}

/// A person who can log in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub user_id: UserId,
    pub email: String,
    pub business_id: BusinessId,
    pub role: Role,
    pub status: UserStatus,
    pub first_name: String,
    pub last_name: String,
    /// Every login that began before this (Unix milliseconds, the portal's clock) is over:
    /// its access tokens, still cryptographically valid, are refused. Set by a password
    /// change, a lock and a logout, in the write that makes that change; 0 until then.
    #[serde(default)]
    pub sessions_valid_after_ms: i64,
    /// When the password was last set (Unix milliseconds); 0 while the account has none. An
    /// email link minted before it no longer works.
    #[serde(default)]
    pub credentials_changed_at_ms: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// For a partner user, the customer it works on ("Make Business Active"), kept across
    /// logins. On the user's item, so that the read that authenticates every request also
    /// says which customer the request acts on; the link is still checked each time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_business: Option<BusinessId>,
}

/// A customer or partner company.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Business {
    pub business_id: BusinessId,
    pub kind: AccountKind,
    pub name: String,
    pub website: String,
    pub phone: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The account that signs in for this business.
    #[serde(default)]
    pub primary_user: Option<UserId>,
    /// The partner that created and manages this customer, if one did.
    #[serde(default)]
    pub managed_by: Option<BusinessId>,
}

/// A customer's link to one of its partners (and, mirrored, the partner's to the customer).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartnerLink {
    pub customer_id: BusinessId,
    pub customer_name: String,
    pub partner_id: BusinessId,
    pub partner_name: String,
    pub partner_type: PartnerType,
    pub invitation_id: Option<InvitationId>,
    #[serde(with = "time::serde::rfc3339")]
    pub linked_at: OffsetDateTime,
    /// The partner created this customer and manages its account (status, impersonation).
    #[serde(default)]
    pub managed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    /// Sent; the partner has not signed up yet.
    Pending,
    /// The partner signed up through it and was approved.
    Accepted,
    /// The partner already had an account and was linked at once.
    Linked,
    /// Withdrawn by the customer; its link shows a page saying so.
    Revoked,
}

/// A customer's invitation of a partner.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invitation {
    pub invitation_id: InvitationId,
    pub customer_id: BusinessId,
    pub customer_name: String,
    pub invited_by: UserId,
    pub email: String,
    pub business_name: String,
    pub partner_type: PartnerType,
    pub status: InvitationStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Raised by every resend; a link of an older generation no longer works.
    #[serde(default)]
    pub generation: u32,
    /// When the current link was sent (its 7 days count from here).
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub sent_at: Option<OffsetDateTime>,
}

/// Who holds an email address: a sign-up request still being decided, or a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "owner", rename_all = "snake_case")]
pub enum EmailOwner {
    Request {
        request_id: RequestId,
        /// What was submitted ([`SignUpRequest::submission`]) and when, so that the same
        /// form sent again soon after (a retry whose answer was lost, a double click) is
        /// told from someone else signing up with the address (absent on older markers).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        submission: Option<String>,
        #[serde(with = "time::serde::rfc3339::option", default, skip_serializing_if = "Option::is_none")]
        submitted_at: Option<OffsetDateTime>,
    },
    User {
        user_id: UserId,
        /// The user's business, so that a user and its business can be read together from
        /// an address (absent on markers written before it was recorded).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        business_id: Option<BusinessId>,
        /// What a login shows of the user, so that a login need not read it (absent on
        /// markers written before it was kept).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        card: Option<LoginCard>,
    },
}

/// What a login answers about the holder of an address, kept on the address's marker: a
/// copy of the user's names and role, its business's name and, for a partner, its active
/// customer's id and name. A login that answers from it checks every field against the
/// user, the business and the link in the same transaction as it records the login, and
/// reads them and writes the card again when one is out of step (a rename, a switch): the
/// copy saves the login a read, and is never shown stale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginCard {
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    /// The user's business's name (none for an admin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    /// A partner's active customer, and its name on the partner's link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<(BusinessId, String)>,
}

impl LoginCard {
    pub fn new(user: &User, business_name: Option<&str>, active: Option<(BusinessId, String)>) -> Self {
        Self {
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            role: user.role,
            business_name: business_name.map(str::to_owned),
            active,
        }
    }
}

/// How long after a sign-up the same form, sent again, is its repeat rather than another
/// sign-up for a taken address.
pub const SIGN_UP_REPEAT_WINDOW: time::Duration = time::Duration::minutes(10);

impl EmailOwner {
    /// The marker of an address held by `user`, a new user of the business named
    /// `business_name` (none for an admin).
    pub fn user(user: &User, business_name: Option<&str>) -> Self {
        Self::User {
            user_id: user.user_id.clone(),
            business_id: Some(user.business_id.clone()),
            card: Some(LoginCard::new(user, business_name, None)),
        }
    }

    /// The marker of an address held by the pending `request`.
    pub fn request(request: &SignUpRequest) -> Self {
        Self::Request {
            request_id: request.request_id.clone(),
            submission: Some(request.submission()),
            submitted_at: Some(request.created_at),
        }
    }

    /// Whether `request`, submitted now, repeats the pending request that holds the address:
    /// the same form within [`SIGN_UP_REPEAT_WINDOW`].
    pub fn is_repeated_by(&self, request: &SignUpRequest) -> bool {
        match self {
            Self::Request { submission: Some(submission), submitted_at: Some(at), .. } => {
                *submission == request.submission() && request.created_at - *at < SIGN_UP_REPEAT_WINDOW
            }
            _ => false,
        }
    }
}

impl SignUpRequest {
    /// A digest of what the person submitted (SHA-256, hex): equal for the same form.
    pub fn submission(&self) -> String {
        use sha2::{Digest as _, Sha256};
        let fields = serde_json::json!([
            self.kind,
            self.business_name,
            self.business_website,
            self.first_name,
            self.last_name,
            self.email,
            self.phone,
            self.invited_by.as_ref().map(|i| (&i.customer_id, &i.invitation_id)),
        ]);
        Sha256::digest(fields.to_string().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl User {
    /// Whether a password was ever set (the account can log in once it is active).
    pub fn has_password(&self) -> bool {
        self.credentials_changed_at_ms > 0
    }
}

/// A link token as stored: its hash is the key; this is what it grants.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredToken {
    pub purpose: TokenPurpose,
    /// The user (set/reset password) or `<customer id>/<invitation id>` (invitation).
    pub subject: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub used: bool,
    /// When the token was minted (Unix milliseconds): a password change after it ends it.
    #[serde(default)]
    pub minted_at_ms: i64,
    /// For a password link: its account as it was at the mint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<LinkAccount>,
    /// Until when (Unix milliseconds) a redemption in progress holds the token, and which
    /// one (a random id of that redemption): no other redemption starts meanwhile, and only
    /// the holder marks it used.
    #[serde(default)]
    pub lease_until_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
}

impl StoredToken {
    /// Whether a redemption holds the token at `now_ms`.
    pub fn is_claimed(&self, now_ms: i64) -> bool {
        self.lease_until_ms > now_ms
    }
}

/// The account a password link is for, as it was when the link was minted: everything
/// redeeming the link needs besides the token (the password check's context, the username
/// the identity provider knows, whose audit trail records the change), so that redeeming
/// reads nothing but the token. A password change after the mint kills the link, so an
/// account that had no password at the mint still has none when its link is redeemed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkAccount {
    pub email: String,
    pub business_id: BusinessId,
    pub first_name: String,
    pub last_name: String,
    /// The business's name (none for an admin).
    #[serde(default)]
    pub business_name: Option<String>,
    /// Whether the account had a password at the mint: setting one then replaces it, as a
    /// reset does (other sessions end, the person is told).
    pub had_password: bool,
}

impl LinkAccount {
    /// The account of `user` (of business `business_name`) as it is now.
    pub fn of(user: &User, business_name: Option<&str>) -> Self {
        Self {
            email: user.email.clone(),
            business_id: user.business_id.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            business_name: business_name.map(str::to_owned),
            had_password: user.has_password(),
        }
    }

    /// What a new password must not resemble: the address, the names.
    pub fn password_context(&self) -> Vec<&str> {
        [Some(self.email.as_str()), Some(self.first_name.as_str()), Some(self.last_name.as_str())]
            .into_iter()
            .chain([self.business_name.as_deref()])
            .flatten()
            .collect()
    }
}

/// Which email a message is; each has an HTML and a text template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    SignUpReceived,
    AccountExists,
    Approved,
    Rejected,
    PartnerInvitation,
    PartnerLinked,
    ResetPassword,
    PasswordChanged,
    QuoteRequested,
    /// A partner created the account: an activation or set-password link.
    CustomerCreated,
}

/// The link an email carries. Its token is minted with the message (see
/// [`crate::domain::token`]): the hash and what it grants are stored in the same transaction,
/// the raw token only ever in the email.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkSpec {
    pub purpose: TokenPurpose,
    pub subject: String,
    /// The page the token is appended to (`…?token=`), from configuration.
    pub page_url: String,
    /// The hash of the minted token (absent on messages queued before tokens were minted
    /// with the message: the relay then mints one when it sends).
    #[serde(default)]
    pub token_hash: Option<TokenHash>,
    /// When the token expires (Unix seconds) and when it was minted (Unix milliseconds).
    #[serde(default)]
    pub expires_at: i64,
    #[serde(default)]
    pub minted_at_ms: i64,
    /// For a password link: its account (see [`LinkAccount`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<LinkAccount>,
}

impl LinkSpec {
    /// The token as stored, for the transaction that queues the message.
    pub fn stored_token(&self) -> Option<(TokenHash, StoredToken)> {
        let hash = self.token_hash.clone()?;
        Some((
            hash,
            StoredToken {
                purpose: self.purpose,
                subject: self.subject.clone(),
                expires_at: self.expires_at,
                used: false,
                minted_at_ms: self.minted_at_ms,
                account: self.account.clone(),
                lease_until_ms: 0,
                claim: None,
            },
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    Pending,
    Sent,
    /// Gave up after the last attempt; listed for admins, logged at error level.
    Dead,
}

/// An email committed together with the state change that causes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub outbox_id: OutboxId,
    pub to: String,
    pub kind: EmailKind,
    /// Template values (never secrets).
    pub params: serde_json::Value,
    pub link: Option<LinkSpec>,
    /// What the link's token is derived from, with the outbox id; removed once sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_nonce: Option<String>,
    pub status: OutboxStatus,
    pub attempts: u32,
    /// Unix seconds.
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl OutboxMessage {
    pub fn new(to: &str, kind: EmailKind, params: serde_json::Value, link: Option<LinkSpec>) -> Self {
        let now = OffsetDateTime::now_utc();
        Self {
            outbox_id: OutboxId::new(),
            to: to.to_owned(),
            kind,
            params,
            link,
            link_nonce: None,
            status: OutboxStatus::Pending,
            attempts: 0,
            next_attempt_at: now.unix_timestamp(),
            last_error: None,
            created_at: now,
        }
    }
}

/// Something done to or on behalf of a business, kept for its audit trail.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditEvent {
    pub event_id: String,
    /// The business the event concerns (whose trail it is in).
    pub business_id: BusinessId,
    /// Who did it.
    pub actor: UserId,
    pub actor_email: String,
    /// On whose behalf, when the actor impersonated someone, or whom it was done to.
    pub subject: Option<UserId>,
    pub subject_email: Option<String>,
    /// What happened (`customer_created`, `impersonated_request`, ...).
    pub action: String,
    /// Details (path and method of an impersonated request, a new status, ...).
    pub detail: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A partner acting as one of its managed customers ("log in as customer").
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Impersonation {
    pub partner_user: UserId,
    pub partner_business: BusinessId,
    pub customer_user: UserId,
    pub customer_business: BusinessId,
    /// Unix seconds; at most 30 minutes after the start, never renewed.
    pub expires_at: i64,
    pub ended: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
}
