//! A store's children (everything the operator makes in its namespace): how
//! they are written (`apply`, each write proven to stay in the store's own
//! namespace), what was last written to each (`written`), the watch caches
//! read instead of the API server (`caches`, fed by `watches`), and what a
//! pod's status says (`pods`). Nothing here knows the steps or the status.

pub mod apply;
pub mod caches;
pub mod pods;
pub mod watches;
pub mod written;

/// The name every write of the operator carries (server-side apply's field
/// manager): the operator owns exactly the fields it writes under it.
pub const FIELD_MANAGER: &str = "nexus-operator";
