//! Services: the one place each decision is made. Server functions, the admin CLI
//! and the `/v1` handlers all call these.

pub mod accounts;
pub mod audit;
pub mod authentication;
pub mod billing;
pub mod footprint;
pub mod invitations;
pub mod keys;
pub mod members;
pub mod onboarding;
pub mod pagination;
pub mod request_log;
pub mod resources;
pub mod text;
pub mod usage;
pub mod usage_report;
pub mod verification;
pub mod workspaces;
