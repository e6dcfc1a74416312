//! The signed-in frame: header (organization, plan, user, role), sidebar, and the
//! server functions that read and change the session.

use leptos::prelude::*;
use leptos_router::{
    components::{A, Outlet, Redirect},
    hooks::use_navigate,
};

use crate::{
    error::AppError,
    model::{OrgSummary, SignedInUser},
};

/// The signed-in user, or `None` when the session is anonymous or has ended.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<SignedInUser>, AppError> {
    use crate::ssr::{auth::session, boundary, services::accounts};

    let state = boundary::state()?;
    let session = boundary::session().await?;
    let Some(current) = session::current_user(&state, &session).await? else {
        return Ok(None);
    };
    let organizations = accounts::organizations_of(&state.db, current.user.id).await?;
    let other_orgs = organizations
        .into_iter()
        .filter(|(_, org)| org.id != current.org.id)
        .map(|(membership, org)| OrgSummary {
            id: org.id,
            name: org.name,
            slug: org.slug,
            plan: org.plan,
            role: membership.role,
        })
        .collect();
    Ok(Some(SignedInUser {
        user_id: current.user.id,
        email: current.user.email,
        org: OrgSummary {
            id: current.org.id,
            name: current.org.name,
            slug: current.org.slug,
            plan: current.org.plan,
            role: current.membership.role,
        },
        other_orgs,
    }))
}

/// Makes another of the user's organizations the current one.
#[server(endpoint = "switch_organization")]
pub async fn switch_organization(slug: String) -> Result<(), AppError> {
    use crate::ssr::{auth::session::ORG_ID, boundary, services::accounts};

    let (state, session, current) = boundary::require_user().await?;
    let target = accounts::organizations_of(&state.db, current.user.id)
        .await?
        .into_iter()
        .find(|(_, org)| org.slug == slug)
        .ok_or(AppError::NotFound)?;
    session.insert(ORG_ID, target.1.id).await?;
    Ok(())
}

/// Ends the session and deletes its record.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::ssr::{
        auth::session,
        boundary,
        services::audit::{NewAuditEvent, action},
    };

    let state = boundary::state()?;
    let session = boundary::session().await?;
    if let Some(current) = session::current_user(&state, &session).await? {
        state
            .audit
            .record(
                &state.db,
                NewAuditEvent {
                    org_id: Some(current.org.id),
                    scope: None,
                    actor: current.actor(),
                    action: action::SIGNED_OUT,
                    target: Some(("user", current.user.id.to_string())),
                    data: serde_json::json!({}),
                    ip: boundary::client_ip().await,
                },
            )
            .await?;
    }
    session.flush().await?;
    Ok(())
}

#[component]
pub fn SettingsShell() -> impl IntoView {
    let me = Resource::new(|| (), |_| current_user());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(user)) => view! { <SignedInLayout user/> }.into_any(),
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any(),
                    Err(err) => view! {
                        <main class="auth-page">
                            <div class="card auth-card" role="alert">
                                <h1>"Something went wrong"</h1>
                                <p>{err.to_string()}</p>
                            </div>
                        </main>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SignedInLayout(user: SignedInUser) -> impl IntoView {
    provide_context(user.clone());
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <div class="app-shell">
            <Header user/>
            <div class="app-body">
                <nav class="sidebar" aria-label="Settings">
                    <p class="sidebar-title">"Settings"</p>
                    <A href="/settings/api-keys">"API Keys"</A>
                    <A href="/settings/signals">"Signals"</A>
                    <A href="/settings/alerts">"Alerts"</A>
                    <A href="/settings/members">"Members"</A>
                    <A href="/settings/workspaces">"Workspaces"</A>
                    <A href="/settings/audit-log">"Audit Log"</A>
                    <A href="/settings/billing">"Billing"</A>
                </nav>
                <main class="content" id="main">
                    <Outlet/>
                </main>
            </div>
        </div>
    }
}

#[component]
fn Header(user: SignedInUser) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            navigate("/login", Default::default());
        }
    });
    let SignedInUser {
        email,
        org,
        other_orgs,
        ..
    } = user;
    view! {
        <header class="topbar">
            <span class="brand">"Keyward"</span>
            <OrgSwitcher current=org.clone() others=other_orgs/>
            <span class="pill pill-plan" data-testid="plan">{org.plan.label()}</span>
            <span class="spacer"></span>
            <span class="user" data-testid="signed-in-user">
                <span class="user-email">{email}</span>
                <span class="pill pill-role" data-testid="role">{org.role.label()}</span>
            </span>
            <ActionForm action=logout attr:class="inline-form">
                <button type="submit" class="btn btn-secondary">"Sign out"</button>
            </ActionForm>
        </header>
    }
}

/// The organization name; a menu when the user belongs to several. Each entry is a
/// small form, so switching works before (or without) the WASM bundle, and the header
/// holds no `<select>` (one in the streamed header failed to hydrate beside the keys page).
#[component]
fn OrgSwitcher(current: OrgSummary, others: Vec<OrgSummary>) -> impl IntoView {
    if others.is_empty() {
        return view! { <span class="org-name" data-testid="org-name">{current.name}</span> }
            .into_any();
    }
    let switch = ServerAction::<SwitchOrganization>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = switch.value().get() {
            // A full reload: every page's data belongs to the previous organization.
            let _ = window().location().reload();
        }
    });
    let summary_label = format!("Organization: {}. Switch organization", current.name);
    view! {
        <details class="org-switcher" data-testid="org-switcher">
            <summary aria-label=summary_label>
                <span class="org-name" data-testid="org-name">{current.name}</span>
            </summary>
            <ul class="org-menu">
                {others
                    .into_iter()
                    .map(|org| view! {
                        <li>
                            <ActionForm action=switch>
                                <input type="hidden" name="slug" value=org.slug/>
                                <button type="submit" class="org-choice">
                                    {org.name}
                                    " "
                                    <span class="pill pill-role">{org.role.label()}</span>
                                </button>
                            </ActionForm>
                        </li>
                    })
                    .collect_view()}
            </ul>
        </details>
    }
    .into_any()
}
