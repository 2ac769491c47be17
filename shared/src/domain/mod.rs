//! Types and rules of the portal. No I/O, nothing of the AWS SDK.
pub mod account;
pub mod catalog;
pub mod email;
pub mod fields;
pub mod ids;
pub mod limits;
pub mod mfa;
mod packed_list;
pub mod password;
pub mod profile;
pub mod records;
pub mod session;
mod suffixes;
pub mod token;
