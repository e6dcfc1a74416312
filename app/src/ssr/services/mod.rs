//! Services: the one place each decision is made. Server functions, the admin CLI
//! and the `/v1` handlers all call these.

pub mod accounts;
pub mod alerts;
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
pub mod signals;
pub mod text;
pub mod usage;
pub mod usage_report;
pub mod verification;
pub mod workspaces;

/// Maps and sets keyed by our own key ids (and, under one, hours and client networks):
/// foldhash is fast, and outsiders cannot grow them with colliding entries, since
/// nothing is kept for a key we did not issue (networks are also capped per key).
type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
