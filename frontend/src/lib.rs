//! The WASM entry point: hydrates the server-rendered page, waiting for the chunk of a
//! page that is loaded on first visit (`app::lazy_pages`) before hydrating it.
// Leptos views are deeply nested types; the release WASM build needs more room.
#![recursion_limit = "256"]

use std::panic::PanicHookInfo;

/// Set in the tab's session storage before a reload for a page that could not load, so
/// that a chunk that keeps failing (the network is down) does not reload forever.
const RELOADED_FLAG: &str = "keyward-reloaded-for-chunk";

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    std::panic::set_hook(Box::new(reload_once_when_a_page_cannot_load));
    // wasm-bindgen's executor, not Leptos' `spawn_local`: Leptos sets its executor up
    // inside `hydrate_from_async`.
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document().body();
        let Some(body) = body else { return };
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        if let Some(storage) = session_storage() {
            let _ = storage.remove_item(RELOADED_FLAG);
        }
        // A marker end-to-end tests wait for before interacting with the page.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}

fn session_storage() -> Option<web_sys::Storage> {
    leptos::prelude::window().session_storage().ok().flatten()
}

/// Logs every panic to the console. A page whose chunk could not be fetched (most
/// likely a tab left open across a deploy: its old chunks are gone) panics in Leptos
/// 0.8, which stops the app; reloading once fetches the current version.
fn reload_once_when_a_page_cannot_load(info: &PanicHookInfo<'_>) {
    console_error_panic_hook::hook(info);
    if !info.to_string().contains("load callback should succeed") {
        return;
    }
    let Some(storage) = session_storage() else {
        return;
    };
    if storage.get_item(RELOADED_FLAG).ok().flatten().is_none()
        && storage.set_item(RELOADED_FLAG, "1").is_ok()
    {
        let _ = leptos::prelude::window().location().reload();
    }
}
