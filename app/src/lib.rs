//! Keyward's shared crate: types and UI compiled for both the browser (WASM) and the
//! server, plus, behind the `ssr` feature, entities and services.

#![recursion_limit = "256"]

mod app;
pub mod components;
pub mod error;
mod lazy_pages;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use app::{App, shell};

/// The name cargo-leptos gives the JS, WASM and CSS bundles (`[[workspace.metadata.leptos]]`).
pub const SITE_OUTPUT_NAME: &str = "keyward";
