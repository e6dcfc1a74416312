use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    Lazy,
    components::{ParentRoute, Redirect, Route, Router, Routes},
    path,
};

use crate::{
    lazy_pages::{
        AlertsRoute, AuditLogRoute, BillingRoute, InviteRoute, KeyDetailsRoute, MembersRoute,
        SetupRoute, SignalsRoute, WorkspacesRoute,
    },
    pages::{
        login::LoginPage,
        not_found::NotFound,
        settings::{api_keys::ApiKeysPage, shell::SettingsShell},
    },
};

/// The HTML document around the app, rendered on the server. `stylesheet`: the
/// stylesheet's address, and `app_root` the directory the JS and WASM are served under
/// (`/pkg/<version>`; empty when unversioned); both change with the files' content (the
/// server's `http::bundle`).
pub fn shell(options: LeptosOptions, stylesheet: String, app_root: String) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.ico" sizes="any"/>
                <link rel="stylesheet" id="leptos" href=stylesheet/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options root=app_root/>
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
                <Route path=path!("/setup") view={Lazy::<SetupRoute>::new()}/>
                <Route path=path!("/invite/:token") view={Lazy::<InviteRoute>::new()}/>
                <ParentRoute path=path!("/settings") view=SettingsShell>
                    <Route path=path!("/api-keys") view=ApiKeysPage/>
                    <Route path=path!("/api-keys/:id") view={Lazy::<KeyDetailsRoute>::new()}/>
                    <Route path=path!("/signals") view={Lazy::<SignalsRoute>::new()}/>
                    <Route path=path!("/alerts") view={Lazy::<AlertsRoute>::new()}/>
                    <Route path=path!("/members") view={Lazy::<MembersRoute>::new()}/>
                    <Route path=path!("/audit-log") view={Lazy::<AuditLogRoute>::new()}/>
                    <Route path=path!("/workspaces") view={Lazy::<WorkspacesRoute>::new()}/>
                    <Route path=path!("/billing") view={Lazy::<BillingRoute>::new()}/>
                    <Route path=path!("") view=|| view! { <Redirect path="/settings/api-keys"/> }/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
