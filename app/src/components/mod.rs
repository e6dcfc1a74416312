//! Reusable UI pieces.

pub mod copy_button;
pub mod dialog;
pub mod format;
pub mod notices;
pub mod pager;
pub mod password_input;
pub mod segmented;
pub mod shown_once;
