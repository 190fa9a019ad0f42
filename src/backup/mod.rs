//! What a backup is, without I/O: how its objects are named and how a Job
//! is allowed to write or read exactly those (presigned URLs).

pub mod presign;
