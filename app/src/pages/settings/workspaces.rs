//! Settings ▸ Workspaces: list with key counts; Owners and Admins add and rename.
//! A workspace's slug never changes (the CLI and integrations use it).

use leptos::prelude::*;

use super::PageHeader;
use crate::{
    components::dialog::Modal,
    error::AppError,
    model::{WorkspaceRow, WorkspacesView},
};

#[cfg(feature = "ssr")]
fn workspace_error(err: crate::ssr::services::workspaces::WorkspaceError) -> AppError {
    use crate::ssr::{boundary, services::workspaces::WorkspaceError};
    match err {
        WorkspaceError::Invalid(message) => boundary::fail(AppError::Invalid(message)),
        WorkspaceError::NotFound => boundary::fail(AppError::NotFound),
        WorkspaceError::Database(err) => boundary::database_error(err),
    }
}

#[server(endpoint = "workspaces_view")]
pub async fn load_workspaces() -> Result<WorkspacesView, AppError> {
    use crate::ssr::{
        boundary,
        services::{keys, workspaces},
    };

    let (state, _, current) = boundary::require_user().await?;
    let list = workspaces::list_workspaces(&state.db, current.org.id)
        .await
        .map_err(boundary::database_error)?;
    let counts = keys::key_counts_by_workspace(&state.db, current.org.id)
        .await
        .map_err(boundary::database_error)?;
    let rows = list
        .into_iter()
        .map(|workspace| {
            let (usable_keys, total_keys) = counts.get(&workspace.id).copied().unwrap_or_default();
            WorkspaceRow {
                id: workspace.id,
                name: workspace.name,
                slug: workspace.slug,
                is_default: workspace.is_default,
                created_at: workspace.created_at,
                usable_keys,
                total_keys,
            }
        })
        .collect();
    Ok(WorkspacesView {
        rows,
        can_manage: current.membership.role.can_manage_keys(),
    })
}

#[server(endpoint = "create_workspace")]
pub async fn create_workspace(name: String) -> Result<String, AppError> {
    use crate::ssr::{boundary, services::workspaces};

    let (state, current) = boundary::require_key_manager().await?;
    let workspace = workspaces::create_workspace(
        &state.db,
        current.org.id,
        &name,
        current.actor(),
        boundary::client_ip().await,
    )
    .await
    .map_err(workspace_error)?;
    Ok(workspace.slug)
}

#[server(endpoint = "rename_workspace")]
pub async fn rename_workspace(id: uuid::Uuid, name: String) -> Result<(), AppError> {
    use crate::ssr::{boundary, services::workspaces};

    let (state, current) = boundary::require_key_manager().await?;
    workspaces::rename_workspace(
        &state.db,
        &state.invalidator,
        current.org.id,
        id,
        &name,
        current.actor(),
        boundary::client_ip().await,
    )
    .await
    .map_err(workspace_error)?;
    Ok(())
}

#[component]
pub fn WorkspacesPage() -> impl IntoView {
    let changes = RwSignal::new(0u32);
    let toast = RwSignal::new(None::<String>);
    let view_data = Resource::new(move || changes.get(), |_| load_workspaces());
    let creating = RwSignal::new(false);
    let renaming = RwSignal::new(None::<WorkspaceRow>);
    let changed = Callback::new(move |message: String| {
        toast.set(Some(message));
        changes.update(|n| *n += 1);
    });
    view! {
        <PageHeader
            title="Workspaces"
            description="Workspaces separate keys and data within the organization, for example per product or team."
        />
        {move || toast.get().map(|message| view! {
            <div class="toast" role="status" data-testid="toast">
                <span>{message}</span>
                <button type="button" class="btn btn-ghost btn-small" on:click=move |_| toast.set(None)>
                    "Dismiss"
                </button>
            </div>
        })}
        <Transition fallback=|| view! { <p class="loading">"Loading workspaces…"</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(data) => view! {
                        {data.can_manage.then(|| view! {
                            <p>
                                <button type="button" class="btn btn-primary" on:click=move |_| creating.set(true)>
                                    "New workspace"
                                </button>
                            </p>
                        })}
                        <WorkspaceTable data renaming/>
                    }
                    .into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <NameDialog creating renaming on_done=changed/>
    }
    .into_any()
}

#[component]
fn WorkspaceTable(data: WorkspacesView, renaming: RwSignal<Option<WorkspaceRow>>) -> impl IntoView {
    let can_manage = data.can_manage;
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="workspaces-table">
                <caption class="visually-hidden">"Workspaces of this organization"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Slug"</th>
                        <th scope="col">"Keys"</th>
                        <th scope="col">"Created"</th>
                        {can_manage.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                    </tr>
                </thead>
                <tbody>
                    {data
                        .rows
                        .into_iter()
                        .map(|row| {
                            let target = row.clone();
                            let label = format!("Rename {}", row.name);
                            view! {
                                <tr data-testid="workspace-row">
                                    <th scope="row">
                                        {row.name.clone()}
                                        {row.is_default.then(|| view! { " " <span class="pill pill-info">"Default"</span> })}
                                    </th>
                                    <td><code>{row.slug.clone()}</code></td>
                                    <td>
                                        <a href=format!("/settings/api-keys?workspace={}", row.id) data-testid="workspace-keys">
                                            {format!("{} active · {} in all", row.usable_keys, row.total_keys)}
                                        </a>
                                    </td>
                                    <td>
                                        <time datetime=row.created_at.to_rfc3339()>{row.created_at.format("%b %-d, %Y").to_string()}</time>
                                    </td>
                                    {can_manage.then(|| view! {
                                        <td class="row-actions">
                                            <button
                                                type="button"
                                                class="btn btn-secondary btn-small"
                                                aria-label=label
                                                on:click=move |_| renaming.set(Some(target.clone()))
                                            >
                                                "Rename"
                                            </button>
                                        </td>
                                    })}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// One dialog for "New workspace" and "Rename": both ask for a name.
#[component]
fn NameDialog(
    creating: RwSignal<bool>,
    renaming: RwSignal<Option<WorkspaceRow>>,
    on_done: Callback<String>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let create = ServerAction::<CreateWorkspace>::new();
    let rename = ServerAction::<RenameWorkspace>::new();
    let problem = RwSignal::new(None::<String>);
    // Open when asked; every write happens only on a real change, so these effects
    // never wake each other in a loop.
    Effect::new(move |_| {
        let wanted = creating.get() || renaming.with(Option::is_some);
        if open.get_untracked() != wanted {
            if wanted {
                name.set(
                    renaming
                        .with_untracked(|r| r.as_ref().map(|w| w.name.clone()).unwrap_or_default()),
                );
                problem.set(None);
            }
            open.set(wanted);
        }
    });
    Effect::new(move |_| {
        if !open.get() {
            if creating.get_untracked() {
                creating.set(false);
            }
            if renaming.with_untracked(Option::is_some) {
                renaming.set(None);
            }
        }
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(_)) => {
            open.set(false);
            on_done.run(format!(
                "Workspace “{}” created.",
                name.get_untracked().trim()
            ));
        }
        Some(Err(err)) => problem.set(Some(err.to_string())),
        None => {}
    });
    Effect::new(move |_| match rename.value().get() {
        Some(Ok(())) => {
            open.set(false);
            on_done.run(format!(
                "Workspace renamed to “{}”.",
                name.get_untracked().trim()
            ));
        }
        Some(Err(err)) => problem.set(Some(err.to_string())),
        None => {}
    });
    let title = move || {
        if renaming.with(Option::is_some) {
            "Rename workspace"
        } else {
            "New workspace"
        }
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let value = name.get_untracked();
        match renaming.get_untracked() {
            Some(workspace) => {
                rename.dispatch(RenameWorkspace {
                    id: workspace.id,
                    name: value,
                });
            }
            None => {
                create.dispatch(CreateWorkspace { name: value });
            }
        }
    };
    let pending = move || create.pending().get() || rename.pending().get();
    view! {
        <Modal open labelled_by="workspace-dialog-title" test_id="workspace-dialog">
            <form class="form dialog-form" on:submit=submit>
                <h2 id="workspace-dialog-title">{title}</h2>
                <label for="workspace-name">"Name"</label>
                <input
                    id="workspace-name"
                    required
                    maxlength="100"
                    prop:value=move || name.get()
                    on:input=move |event| name.set(event_target_value(&event))
                />
                {move || renaming.with(Option::is_some).then(|| view! {
                    <p class="hint-inline">"The slug stays the same, so the CLI and integrations keep working."</p>
                })}
                {move || problem.get().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class="btn btn-primary" disabled=pending>
                        {move || if renaming.with(Option::is_some) { "Rename" } else { "Create workspace" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
    .into_any()
}
