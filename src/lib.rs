//! Nexus: multi-tenant WooCommerce provisioning on Kubernetes, as a kubectl
//! plugin (`kubectl nexus ...`) and the operator that reconciles its stores.

pub mod api;
pub mod cli;
pub mod commands;
pub mod error;
pub mod output;
pub mod run;
