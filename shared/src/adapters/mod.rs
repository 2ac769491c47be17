//! Adapters: the ports ([`crate::ports`]) on the AWS services behind the portal, and the JWT
//! verifier.
pub mod cognito;
pub mod dynamo;
pub mod held;
pub mod jwt;
#[cfg(test)]
pub mod memory;
pub mod ses;
