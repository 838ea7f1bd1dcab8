//! AWS IAM: each person's roles in each account (`<email local part>-<suffix>`), their trust
//! policies, and temporary admin access (the contract's "AWS IAM" part).
//!
//! - [`mapping`]: `systems.aws` as data and the role naming rules;
//! - [`snapshot`]: the snapshot v2 `aws` section and trust-policy decoding;
//! - [`trust`] and [`findings`]: the pure checks;
//! - [`sigv4`], [`credentials`], [`client`] and [`live`]: the read-only live reader (SigV4 over
//!   the IAM and STS Query APIs, the standard credential chain and endpoint variables).

pub mod adapter;
pub mod client;
pub mod credentials;
pub mod findings;
pub mod live;
pub mod mapping;
pub mod sigv4;
pub mod snapshot;
pub mod trust;

pub use findings::aws_findings;
pub use live::{AwsReader, ReadOptions};
pub use mapping::{AwsAccount, AwsMapping};
pub use snapshot::{AccountRoles, AwsRead, AwsSection, RoleEntry};
