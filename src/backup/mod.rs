//! What a backup is, without I/O: where backups go (`target`), how a Job
//! is allowed to write or read exactly its own objects (`presign`), who
//! can open its parts (`keys`), and what a backup holds and says of itself
//! (`manifest`).

pub mod inserts;
pub mod keys;
pub mod manifest;
pub mod presign;
pub mod target;
