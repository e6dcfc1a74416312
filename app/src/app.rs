use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    components::{ParentRoute, Redirect, Route, Router, Routes},
    path,
};

use crate::pages::{
    invite::InvitePage,
    login::LoginPage,
    not_found::NotFound,
    settings::{
        alerts::AlertsPage,
        api_keys::{ApiKeysPage, KeyDetailsPage},
        audit_log::AuditLogPage,
        billing::BillingPage,
        members::MembersPage,
        shell::SettingsShell,
        signals::SignalsPage,
        workspaces::WorkspacesPage,
    },
    setup::SetupPage,
};

/// The HTML document around the app, rendered on the server. `stylesheet`: the
/// stylesheet's address, which changes with its content (the server's `http::bundle`).
pub fn shell(options: LeptosOptions, stylesheet: String) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.ico" sizes="any"/>
                <link rel="stylesheet" id="leptos" href=stylesheet/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| if page.is_empty() { "Keyward".to_owned() } else { format!("{page} · Keyward") }/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=|| view! { <Redirect path="/settings/api-keys"/> }/>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/setup") view=SetupPage/>
                <Route path=path!("/invite/:token") view=InvitePage/>
                <ParentRoute path=path!("/settings") view=SettingsShell>
                    <Route path=path!("/api-keys") view=ApiKeysPage/>
                    <Route path=path!("/api-keys/:id") view=KeyDetailsPage/>
                    <Route path=path!("/signals") view=SignalsPage/>
                    <Route path=path!("/alerts") view=AlertsPage/>
                    <Route path=path!("/members") view=MembersPage/>
                    <Route path=path!("/audit-log") view=AuditLogPage/>
                    <Route path=path!("/workspaces") view=WorkspacesPage/>
                    <Route path=path!("/billing") view=BillingPage/>
                    <Route path=path!("") view=|| view! { <Redirect path="/settings/api-keys"/> }/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
