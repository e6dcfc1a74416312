//! The key dialogs (create, edit, roll, revoke), loaded on first use: each is a `#[lazy]`
//! view compiled into a WASM chunk of its own (`cargo leptos build --split`) and fetched
//! the first time an Owner or Admin opens it, so a visit to API Keys downloads the list,
//! not the forms. Once opened, a dialog stays mounted (and closed) as before, so it opens
//! at once the next time. Nothing is rendered for them on the server: they start closed.

use leptos::prelude::*;

use super::{create::CreateKeyDialog, edit::EditDialog, revoke::RevokeDialog, roll::RollDialog};
use crate::model::{ApiKeySummary, WorkspaceOption};

#[lazy]
fn create_key_view(
    open: RwSignal<Option<()>>,
    workspaces: Vec<WorkspaceOption>,
    on_created: Callback<String>,
) -> AnyView {
    view! { <CreateKeyDialog open workspaces on_created/> }.into_any()
}

#[lazy]
fn edit_key_view(target: RwSignal<Option<ApiKeySummary>>, on_saved: Callback<String>) -> AnyView {
    view! { <EditDialog target on_saved/> }.into_any()
}

#[lazy]
fn roll_key_view(target: RwSignal<Option<ApiKeySummary>>, on_rolled: Callback<String>) -> AnyView {
    view! { <RollDialog target on_rolled/> }.into_any()
}

#[lazy]
fn revoke_key_view(
    target: RwSignal<Option<ApiKeySummary>>,
    on_revoked: Callback<String>,
) -> AnyView {
    view! { <RevokeDialog target on_revoked/> }.into_any()
}

/// Whether `target` has held something since the page was built (and so the dialog
/// it opens has been loaded).
fn ever_opened<T: Send + Sync + 'static>(target: RwSignal<Option<T>>) -> Memo<bool> {
    Memo::new(move |before: Option<&bool>| {
        before.copied().unwrap_or(false) || target.with(Option::is_some)
    })
}

/// The New key dialog, loaded when `open` first holds `Some(())`.
#[component]
pub fn LazyCreateKeyDialog(
    open: RwSignal<Option<()>>,
    workspaces: Vec<WorkspaceOption>,
    on_created: Callback<String>,
) -> impl IntoView {
    let opened = ever_opened(open);
    move || {
        opened.get().then(|| {
            let workspaces = workspaces.clone();
            Suspend::new(async move { create_key_view(open, workspaces, on_created).await })
        })
    }
}

/// The Edit, Roll and Revoke dialogs of a key list or a key page, each loaded when its
/// target is first set.
#[component]
pub fn LazyKeyDialogs(
    editing: RwSignal<Option<ApiKeySummary>>,
    rolling: RwSignal<Option<ApiKeySummary>>,
    revoking: RwSignal<Option<ApiKeySummary>>,
    on_changed: Callback<String>,
) -> impl IntoView {
    let (edit_opened, roll_opened, revoke_opened) = (
        ever_opened(editing),
        ever_opened(rolling),
        ever_opened(revoking),
    );
    view! {
        {move || edit_opened.get().then(|| Suspend::new(async move {
            edit_key_view(editing, on_changed).await
        }))}
        {move || roll_opened.get().then(|| Suspend::new(async move {
            roll_key_view(rolling, on_changed).await
        }))}
        {move || revoke_opened.get().then(|| Suspend::new(async move {
            revoke_key_view(revoking, on_changed).await
        }))}
    }
}
