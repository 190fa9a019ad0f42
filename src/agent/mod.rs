//! `kubectl-nexus backup-agent`: what runs inside a backup Job, beside the
//! store's own database image (whose `mariadb-dump` matches its server). It
//! holds no key to the object store, only presigned URLs for this backup's
//! objects, and only the platform's public encryption key.

pub mod backup;
pub mod restore;
