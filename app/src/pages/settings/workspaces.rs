//! Settings ▸ Workspaces: list with key counts; Owners and Admins add and rename.
//! A workspace's slug never changes (the CLI and integrations use it).

use leptos::prelude::*;

use super::PageHeader;
use crate::{
    components::{
        dialog::{CancelButton, Modal},
        format::date,
        notices::{FormError, Toast},
    },
    error::AppError,
    model::{WorkspaceRow, WorkspacesView},
};

#[server(endpoint = "workspaces_view")]
pub async fn load_workspaces() -> Result<WorkspacesView, AppError> {
    use crate::ssr::{
        boundary,
        services::{keys, workspaces},
    };

    let (state, _, current) = boundary::require_user().await?;
    let list = workspaces::list_workspaces(&state.db, current.org.id).await?;
    let counts = keys::key_counts_by_workspace(&state.db, current.org.id).await?;
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
        &state.audit,
        current.org.id,
        &name,
        current.actor(),
        boundary::client_ip().await,
    )
    .await?;
    Ok(workspace.slug)
}

#[server(endpoint = "rename_workspace")]
pub async fn rename_workspace(id: uuid::Uuid, name: String) -> Result<(), AppError> {
    use crate::ssr::{boundary, services::workspaces};

    let (state, current) = boundary::require_key_manager().await?;
    workspaces::rename_workspace(
        &state.db,
        &state.audit,
        &state.invalidator,
        current.org.id,
        id,
        &name,
        current.actor(),
        boundary::client_ip().await,
    )
    .await?;
    Ok(())
}

#[component]
pub fn WorkspacesPage() -> impl IntoView {
    let changes = RwSignal::new(0u32);
    let toast = RwSignal::new(None::<String>);
    let view_data = Resource::new(move || changes.get(), |_| load_workspaces());
    let naming = RwSignal::new(None::<Naming>);
    let changed = Callback::new(move |message: String| {
        toast.set(Some(message));
        changes.update(|n| *n += 1);
    });
    view! {
        <PageHeader
            title="Workspaces"
            description="Workspaces separate keys and data within the organization, for example per product or team."
        />
        <Toast message=toast/>
        <Transition fallback=|| view! { <p class="loading">"Loading workspaces…"</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(data) => view! {
                        {data.can_manage.then(|| view! {
                            <p>
                                <button type="button" class="btn btn-primary" on:click=move |_| naming.set(Some(Naming::New))>
                                    "New workspace"
                                </button>
                            </p>
                        })}
                        <WorkspaceTable data naming/>
                    }
                    .into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <NameDialog naming on_done=changed/>
    }
    .into_any()
}

#[component]
fn WorkspaceTable(data: WorkspacesView, naming: RwSignal<Option<Naming>>) -> impl IntoView {
    let can_manage = data.can_manage;
    view! {
        <div class="table-wrap">
            <table class="table table-cards" data-testid="workspaces-table">
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
                                    <td data-label="Slug"><code>{row.slug.clone()}</code></td>
                                    <td data-label="Keys">
                                        <a href=format!("/settings/api-keys?workspace={}", row.id) data-testid="workspace-keys">
                                            {format!("{} active · {} in all", row.usable_keys, row.total_keys)}
                                        </a>
                                    </td>
                                    <td data-label="Created">
                                        <time datetime=row.created_at.to_rfc3339()>{date(row.created_at)}</time>
                                    </td>
                                    {can_manage.then(|| view! {
                                        <td class="row-actions">
                                            <button
                                                type="button"
                                                class="btn btn-secondary btn-small"
                                                aria-label=label
                                                on:click=move |_| naming.set(Some(Naming::Rename(target.clone())))
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

/// What the name dialog is for.
#[derive(Debug, Clone)]
enum Naming {
    New,
    Rename(WorkspaceRow),
}

/// One dialog for "New workspace" and "Rename": both ask for a name.
#[component]
fn NameDialog(naming: RwSignal<Option<Naming>>, on_done: Callback<String>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let create = ServerAction::<CreateWorkspace>::new();
    let rename = ServerAction::<RenameWorkspace>::new();
    let problem = RwSignal::new(None::<String>);
    // Opening starts from the workspace's name, or from nothing.
    Effect::new(move |_| {
        naming.with(|naming| {
            if let Some(naming) = naming {
                name.set(match naming {
                    Naming::New => String::new(),
                    Naming::Rename(workspace) => workspace.name.clone(),
                });
                problem.set(None);
            }
        });
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(_)) => {
            naming.set(None);
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
            naming.set(None);
            on_done.run(format!(
                "Workspace renamed to “{}”.",
                name.get_untracked().trim()
            ));
        }
        Some(Err(err)) => problem.set(Some(err.to_string())),
        None => {}
    });
    let renaming = move || naming.with(|naming| matches!(naming, Some(Naming::Rename(_))));
    let title = move || {
        if renaming() {
            "Rename workspace"
        } else {
            "New workspace"
        }
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let value = name.get_untracked();
        match naming.get_untracked() {
            Some(Naming::Rename(workspace)) => {
                rename.dispatch(RenameWorkspace {
                    id: workspace.id,
                    name: value,
                });
            }
            Some(Naming::New) => {
                create.dispatch(CreateWorkspace { name: value });
            }
            None => {}
        }
    };
    let pending = move || create.pending().get() || rename.pending().get();
    view! {
        <Modal target=naming labelled_by="workspace-dialog-title" test_id="workspace-dialog">
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
                {move || renaming().then(|| view! {
                    <p class="hint-inline">"The slug stays the same, so the CLI and integrations keep working."</p>
                })}
                <FormError problem/>
                <div class="dialog-actions">
                    <CancelButton target=naming/>
                    <button type="submit" class="btn btn-primary" disabled=pending>
                        {move || if renaming() { "Rename" } else { "Create workspace" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
    .into_any()
}
