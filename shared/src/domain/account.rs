//! Roles, account states and partner types.

use serde::{Deserialize, Serialize};

/// What a user is, which decides what it may do. Always read from the store, never from a
/// request body or token claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Customer,
    Partner,
}

impl Role {
    /// Where the user interface sends a user after login.
    pub fn landing(self) -> &'static str {
        match self {
            Role::Admin => "/admin/approvals",
            Role::Customer | Role::Partner => "/business/profile",
        }
    }
}

/// The life of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Approved; waiting for the person to set a password from the emailed link.
    PendingPassword,
    Active,
    Locked,
}

/// The kind of partner a customer invites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerType {
    Reseller,
    Professional,
    Managed,
}

impl PartnerType {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "reseller" => Some(Self::Reseller),
            "professional" => Some(Self::Professional),
            "managed" => Some(Self::Managed),
            _ => None,
        }
    }

    /// The words the product uses ("Reseller partner").
    pub fn label(self) -> &'static str {
        match self {
            Self::Reseller => "Reseller",
            Self::Professional => "Professional",
            Self::Managed => "Managed",
        }
    }
}

/// Whether a sign-up request is for a customer business or an invited partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Customer,
    Partner,
}

impl AccountKind {
    pub fn role(self) -> Role {
        match self {
            Self::Customer => Role::Customer,
            Self::Partner => Role::Partner,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partner_types_parse_case_insensitively_and_nothing_else() {
        assert_eq!(PartnerType::parse(" Reseller "), Some(PartnerType::Reseller));
        assert_eq!(PartnerType::parse("MANAGED"), Some(PartnerType::Managed));
        assert_eq!(PartnerType::parse("distributor"), None);
    }

    #[test]
    fn admins_land_on_pending_approvals_and_businesses_on_their_profile() {
        assert_eq!(Role::Admin.landing(), "/admin/approvals");
        assert_eq!(Role::Partner.landing(), "/business/profile");
    }
}
