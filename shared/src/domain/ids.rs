//! Identifier newtypes, so that a partner's business id can't be passed where a user id is
//! expected. All are opaque strings; new ones are random UUIDs (v4).

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh random id.
            pub fn new() -> Self {
                Self(uuid::Uuid::new_v4().to_string())
            }

            /// Wraps an id read from a path, a store or a token. Ids are opaque; an unknown
            /// one simply finds nothing. Refuses what could not be an id of ours.
            pub fn parse(raw: &str) -> Option<Self> {
                let ok = !raw.is_empty()
                    && raw.len() <= 64
                    && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                ok.then(|| Self(raw.to_owned()))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A business: a customer or a partner company.
    BusinessId
);
id_type!(
    /// A user; the Cognito `sub` of that user.
    UserId
);
id_type!(
    /// A sign-up request waiting for an admin.
    RequestId
);
id_type!(
    /// A partner invitation sent by a customer.
    InvitationId
);
id_type!(
    /// An email waiting in the outbox.
    OutboxId
);

impl InvitationId {
    /// A fresh id that sorts after every id made before it (a UUID v7: its leading bits are
    /// the time in milliseconds), so a customer's invitations are listed newest first by key.
    pub fn time_ordered() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_ordered_invitation_ids_sort_in_the_order_they_were_made() {
        let ids: Vec<InvitationId> = (0..50).map(|_| InvitationId::time_ordered()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(ids.iter().all(|id| InvitationId::parse(id.as_ref()).is_some()));
    }

    #[test]
    fn ids_from_paths_must_look_like_ids() {
        assert!(RequestId::parse("0b6e1f3e-6a0c-4a53-9a57-1d2e1f0f7c11").is_some());
        assert!(RequestId::parse("").is_none());
        assert!(RequestId::parse("a#b").is_none());
        assert!(RequestId::parse(&"a".repeat(65)).is_none());
    }
}
