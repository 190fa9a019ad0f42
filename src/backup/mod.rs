//! What a backup is, without I/O: where backups go (`target`), and how a
//! Job is allowed to write or read exactly its own objects (`presign`).

pub mod presign;
pub mod target;
