//! Services: the one place each decision is made. Server functions, the admin CLI
//! and (later) the `/v1` handlers all call these.

pub mod accounts;
pub mod audit;
pub mod authentication;
pub mod keys;
pub mod onboarding;
pub mod verification;
