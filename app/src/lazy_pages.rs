//! The pages loaded on first visit (route-level code splitting): each is a `LazyRoute`
//! whose view is compiled into a WASM chunk of its own by `cargo leptos build --split`,
//! with the server functions, resources and view code only that page uses. The API Keys
//! list, the settings shell and sign-in stay in the main bundle: they are the first
//! visit. `data()` is empty on purpose: a page's resources live in its component, so
//! their decoding code moves into its chunk too.
//!
//! Every route here must be mounted in `App` (cargo-leptos fails the split on an unused
//! one), and nothing else may name these pages, or their code stays in the main bundle.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use crate::pages::{
    invite::InvitePage,
    settings::{
        alerts::AlertsPage, api_keys::KeyDetailsPage, audit_log::AuditLogPage,
        billing::BillingPage, members::MembersPage, signals::SignalsPage,
        workspaces::WorkspacesPage,
    },
    setup::SetupPage,
};

pub struct KeyDetailsRoute;

#[lazy_route]
impl LazyRoute for KeyDetailsRoute {
    fn data() -> Self {
        KeyDetailsRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <KeyDetailsPage/> }.into_any()
    }
}

pub struct SignalsRoute;

#[lazy_route]
impl LazyRoute for SignalsRoute {
    fn data() -> Self {
        SignalsRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <SignalsPage/> }.into_any()
    }
}

pub struct AlertsRoute;

#[lazy_route]
impl LazyRoute for AlertsRoute {
    fn data() -> Self {
        AlertsRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <AlertsPage/> }.into_any()
    }
}

pub struct MembersRoute;

#[lazy_route]
impl LazyRoute for MembersRoute {
    fn data() -> Self {
        MembersRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <MembersPage/> }.into_any()
    }
}

pub struct AuditLogRoute;

#[lazy_route]
impl LazyRoute for AuditLogRoute {
    fn data() -> Self {
        AuditLogRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <AuditLogPage/> }.into_any()
    }
}

pub struct WorkspacesRoute;

#[lazy_route]
impl LazyRoute for WorkspacesRoute {
    fn data() -> Self {
        WorkspacesRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <WorkspacesPage/> }.into_any()
    }
}

pub struct BillingRoute;

#[lazy_route]
impl LazyRoute for BillingRoute {
    fn data() -> Self {
        BillingRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <BillingPage/> }.into_any()
    }
}

pub struct SetupRoute;

#[lazy_route]
impl LazyRoute for SetupRoute {
    fn data() -> Self {
        SetupRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <SetupPage/> }.into_any()
    }
}

pub struct InviteRoute;

#[lazy_route]
impl LazyRoute for InviteRoute {
    fn data() -> Self {
        InviteRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <InvitePage/> }.into_any()
    }
}
