//! Every registered server function is classified (role matrix, open to all, or
//! read-only), and ARCHITECTURE.md lists exactly the registered ones.

use super::{Action, OPEN_TO_ALL};

#[tokio::test]
async fn every_state_changing_server_function_is_in_the_matrix_or_named_as_open_to_all() {
    let in_matrix: Vec<&str> = Action::ALL.iter().map(|action| action.endpoint()).collect();
    let open: Vec<&str> = OPEN_TO_ALL.iter().map(|(path, _)| *path).collect();
    let mut unclassified = Vec::new();
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        let reads_only = READ_ONLY.contains(&path);
        if !reads_only && !in_matrix.contains(&path) && !open.contains(&path) {
            unclassified.push(path);
        }
    }
    assert!(
        unclassified.is_empty(),
        "server functions neither in the role matrix, nor open to all, nor read-only: {unclassified:?}"
    );
    for named in in_matrix.iter().chain(&open).chain(&READ_ONLY) {
        assert!(
            leptos::server_fn::axum::server_fn_paths().any(|(path, _)| path == *named),
            "{named} is a registered server function"
        );
    }
}

/// Server functions that only read (every role reads; checked per page elsewhere).
const READ_ONLY: [&str; 19] = [
    "/api/current_user",
    "/api/preview_invitation",
    "/api/keys_overview",
    "/api/key_listing",
    "/api/key_details",
    "/api/key_usage",
    "/api/key_activity",
    "/api/key_requests",
    "/api/key_footprint",
    "/api/key_signals",
    "/api/org_signals",
    "/api/business_hours",
    "/api/alerts_overview",
    "/api/audit_filter_choices",
    "/api/audit_listing",
    "/api/audit_chain_status",
    "/api/billing_overview",
    "/api/members_overview",
    "/api/workspaces_view",
];

#[test]
fn architecture_lists_every_server_function_and_no_other() {
    let text = include_str!("../../../../ARCHITECTURE.md");
    let mut listed: Vec<&str> = text
        .match_indices("`/api/")
        .filter_map(|(at, _)| {
            let path = &text[at + 1..];
            path.find('`').map(|end| &path[..end])
        })
        .collect();
    listed.sort_unstable();
    listed.dedup();
    let mut registered: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    registered.sort_unstable();
    registered.dedup();
    assert_eq!(
        listed, registered,
        "ARCHITECTURE.md's server-function table and the registered server functions"
    );
}
