//! API keys as strings: their format (generate, parse, display) and their keyed hash.

pub mod format;
pub mod hash;
