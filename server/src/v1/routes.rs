//! Route declarations: every `/v1` route is registered through [`ApiRoutes::route`],
//! which records what the route requires. The access guard looks requests up in that
//! table and refuses anything undeclared, so a route cannot be added without saying
//! who may call it.

use std::{collections::HashMap, sync::Arc};

use app::{model::Scope, ssr::state::AppState};
use axum::{
    Router,
    handler::Handler,
    http::Method,
    routing::{MethodFilter, on},
};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No key needed (the OpenAPI document).
    Public,
    /// Any valid key, whatever its scopes.
    AnyKey,
    /// A valid key whose effective rights include this scope.
    Scope(Scope),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
    Patch,
    Delete,
}

impl Verb {
    pub fn method(self) -> Method {
        match self {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
            Verb::Patch => Method::PATCH,
            Verb::Delete => Method::DELETE,
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Post => MethodFilter::POST,
            Verb::Patch => MethodFilter::PATCH,
            Verb::Delete => MethodFilter::DELETE,
        }
    }
}

/// One declared route, with its full path (as `MatchedPath` reports it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    pub verb: Verb,
    pub path: String,
    pub access: Access,
}

/// The declarations, looked up per request by method and matched path.
#[derive(Debug, Default)]
pub struct AccessTable {
    by_route: HashMap<(Method, String), Access>,
    declarations: Vec<Declaration>,
}

impl AccessTable {
    pub fn access(&self, method: &Method, path: &str) -> Option<Access> {
        self.by_route
            .get(&(method.clone(), path.to_owned()))
            .copied()
    }

    /// Whether some other method is declared on this path (then the answer is 405).
    pub fn knows_path(&self, path: &str) -> bool {
        self.declarations.iter().any(|d| d.path == path)
    }

    pub fn declarations(&self) -> &[Declaration] {
        &self.declarations
    }
}

pub struct ApiRoutes {
    prefix: &'static str,
    router: Router<AppState>,
    table: AccessTable,
}

impl ApiRoutes {
    pub fn new(prefix: &'static str) -> Self {
        Self {
            prefix,
            router: Router::new(),
            table: AccessTable::default(),
        }
    }

    pub fn route<H, T>(mut self, verb: Verb, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, on(verb.filter(), handler));
        let full = format!("{}{path}", self.prefix);
        self.table
            .by_route
            .insert((verb.method(), full.clone()), access);
        self.table.declarations.push(Declaration {
            verb,
            path: full,
            access,
        });
        self
    }

    pub fn declarations(&self) -> &[Declaration] {
        &self.table.declarations
    }

    pub fn finish(self) -> (Router<AppState>, Arc<AccessTable>) {
        (self.router, Arc::new(self.table))
    }
}
