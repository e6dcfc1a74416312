//! The part of `app::model` the key format needs (`Mode` and its parsing), from the same
//! source files the application compiles.

#[path = "../../../app/src/model/vocabulary.rs"]
mod vocabulary;

// `mode.rs` derives database traits under the application's `ssr` feature, which this
// crate does not have.
#[allow(unexpected_cfgs)]
#[path = "../../../app/src/model/mode.rs"]
mod mode;

pub use mode::Mode;

/// As in `app::model`: a closed vocabulary read back from text it does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`")]
pub struct UnknownVariant {
    pub kind: &'static str,
    pub value: String,
}
