//! Audit records: what a request or the operator's report becomes (`event`),
//! the hash chain that makes a deleted or replaced record visible (`chain`),
//! the anchor outside the tenant's namespace that makes its newest records
//! and its checkpoint checkable (`anchor`), and which records a query or
//! retention selects (`select`). Pure: the operator writes records and the
//! CLI reads them.

pub mod anchor;
pub mod chain;
pub mod event;
pub mod select;

pub use chain::{Break, hash, verify};
