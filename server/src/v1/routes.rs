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
use foldhash::fast::RandomState as FastHash;

use crate::metrics::AnswerCounter;

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

/// One declared path template: its methods and the counter of its answers.
#[derive(Debug)]
pub struct DeclaredPath {
    methods: Vec<(Method, Access)>,
    /// The full template, shared with every request-log entry that names it.
    pub template: Arc<str>,
    pub answers: AnswerCounter,
}

/// What the table says about a request's method and matched path.
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'table> {
    Declared {
        access: Access,
        path: &'table DeclaredPath,
    },
    /// The path is declared for other methods only (405).
    OtherMethod { path: &'table DeclaredPath },
    /// Not a declared path (404).
    Unknown,
}

impl Lookup<'_> {
    pub fn access(&self) -> Option<Access> {
        match self {
            Lookup::Declared { access, .. } => Some(*access),
            _ => None,
        }
    }
}

/// The declarations, looked up per request by matched path, then method (without
/// allocating or hashing with SipHash: this runs on every `/v1` request, and the paths
/// are our own templates).
#[derive(Debug)]
pub struct AccessTable {
    by_path: HashMap<Arc<str>, DeclaredPath, FastHash>,
    declarations: Vec<Declaration>,
    /// Answers to requests that matched no declared path.
    pub unmatched: AnswerCounter,
}

impl Default for AccessTable {
    fn default() -> Self {
        AccessTable {
            by_path: HashMap::default(),
            declarations: Vec::new(),
            unmatched: AnswerCounter::new("unmatched".into()),
        }
    }
}

impl AccessTable {
    pub fn lookup(&self, method: &Method, path: &str) -> Lookup<'_> {
        let Some(declared) = self.by_path.get(path) else {
            return Lookup::Unknown;
        };
        match declared.methods.iter().find(|(known, _)| known == method) {
            Some(&(_, access)) => Lookup::Declared {
                access,
                path: declared,
            },
            None => Lookup::OtherMethod { path: declared },
        }
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
        let template: Arc<str> = Arc::from(full.as_str());
        self.table
            .by_path
            .entry(template.clone())
            .or_insert_with(|| DeclaredPath {
                methods: Vec::new(),
                template,
                answers: AnswerCounter::new(full.clone().into()),
            })
            .methods
            .push((verb.method(), access));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_looked_up_by_path_then_method() {
        let (_, table) = ApiRoutes::new("/v1")
            .route(Verb::Get, "/things", Access::AnyKey, || async {})
            .route(
                Verb::Post,
                "/things",
                Access::Scope(Scope::ClientsWrite),
                || async {},
            )
            .finish();
        let things = table.lookup(&Method::GET, "/v1/things");
        assert_eq!(things.access(), Some(Access::AnyKey));
        assert!(
            matches!(things, Lookup::Declared { path, .. } if path.answers.route() == "/v1/things")
        );
        assert_eq!(
            table.lookup(&Method::POST, "/v1/things").access(),
            Some(Access::Scope(Scope::ClientsWrite))
        );
        assert!(matches!(
            table.lookup(&Method::DELETE, "/v1/things"),
            Lookup::OtherMethod { path } if path.answers.route() == "/v1/things"
        ));
        assert!(matches!(
            table.lookup(&Method::GET, "/v1/other"),
            Lookup::Unknown
        ));
    }
}
