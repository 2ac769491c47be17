//! Adapters: the ports ([`crate::ports`]) on the AWS services behind the portal, and the JWT
//! verifier.
pub mod cognito;
pub mod dynamo;
pub mod jwt;
pub mod ses;
