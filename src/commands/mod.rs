//! One module per command group. Each command wires its arguments to a
//! function that talks to the API and returns a model; `output` renders it.

pub mod audit;
pub mod complete;
pub mod generate;
pub mod install;
pub mod quota;
pub mod session;
pub mod store;
pub mod version;

pub use session::Session;
