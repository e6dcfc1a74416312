//! The WASM entry point: hydrates the server-rendered page.
// Leptos views are deeply nested types; the release WASM build needs more room.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // A marker end-to-end tests wait for before interacting with the page.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
