//! The neutral access model: which systems access is granted in, and (built out by the
//! one-access-model work) who holds which resource in each, what is pending and what could not be
//! read. Nothing here names a GitHub, AWS or any other service's concept; each system's adapter
//! under [`crate::sources`] translates to and from it.

mod adapter;
mod read;

pub use adapter::{Adapter, Event, Expected, NoReader, Source, SourceError};
pub use read::{Detail, Grant, Pending, Provenance, SystemRead, Unread, normalise};

pub use crate::system::{Identity, System, UnknownSystem};
