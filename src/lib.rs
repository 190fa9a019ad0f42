//! Nexus: multi-tenant WooCommerce provisioning on Kubernetes, as a kubectl
//! plugin (`kubectl nexus ...`) and the operator that reconciles its stores.

pub mod admission;
pub mod agent;
pub mod api;
pub mod audit;
pub mod backup;
pub mod cli;
pub mod commands;
pub mod dashboard;
pub mod duration;
pub mod engines;
pub mod error;
pub mod fingerprint;
pub mod guardrails;
pub mod heap;
pub mod operator;
pub mod output;
pub mod quantity;
pub mod run;
pub mod s3;
pub mod schedule;
pub mod settings;
pub mod shopper;
#[doc(hidden)] // test support, shared by the unit and the integration tests
pub mod testing;
pub mod validated;
