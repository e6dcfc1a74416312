//! The OpenAPI 3.1 document of `/v1`, generated from the handlers' annotations, and
//! a plain HTML reference page rendered from it and from the access declarations.

use utoipa::{
    Modify, OpenApi,
    openapi::{
        ContentBuilder, Object, OpenApi as Document, PathItem, Ref, RefOr, ResponseBuilder, Type,
        header::Header,
        security::{Http, HttpAuthScheme, SecurityScheme},
    },
};

use super::{
    audit, clients, envelopes,
    routes::{Access, Declaration, Verb},
    verifications, webhooks, whoami,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Keyward API",
        description = "Send `Authorization: Bearer <key>`. Test keys see only test records, live keys only live ones. Errors are `{\"statusCode\", \"error\", \"message\"}`. Lists are `{\"data\", \"nextCursor\"}` with `?limit=` (1-200, default 50) and `?cursor=`."
    ),
    paths(
        whoami::whoami, whoami::workspaces,
        clients::list, clients::get, clients::create, clients::update, clients::delete,
        envelopes::list, envelopes::get, envelopes::create, envelopes::update,
        envelopes::send, envelopes::cancel,
        verifications::list, verifications::get, verifications::create, verifications::cancel,
        webhooks::list, webhooks::get, webhooks::create, webhooks::update, webhooks::delete,
        audit::list,
    ),
    modifiers(&BearerAuth, &RateLimited)
)]
struct ApiDoc;

/// Every keyed operation may answer 429 (the key's or organization's quota, or too many
/// failed keys from one address), with `Retry-After`.
struct RateLimited;

impl Modify for RateLimited {
    fn modify(&self, openapi: &mut Document) {
        let whole_seconds = || Header::new(Object::with_type(Type::Integer));
        let too_many = ResponseBuilder::new()
            .description(
                "Rate limit exceeded: `retryAfter` and `Retry-After` give the whole seconds to wait",
            )
            .header("Retry-After", whole_seconds())
            .header("RateLimit-Limit", whole_seconds())
            .header("RateLimit-Remaining", whole_seconds())
            .header("RateLimit-Reset", whole_seconds())
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                if operation.security.is_some() {
                    operation
                        .responses
                        .responses
                        .insert("429".to_owned(), RefOr::T(too_many.clone()));
                }
            }
        }
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

pub fn document() -> Document {
    ApiDoc::openapi()
}

fn operation(item: &PathItem, verb: Verb) -> Option<&utoipa::openapi::path::Operation> {
    match verb {
        Verb::Get => item.get.as_ref(),
        Verb::Post => item.post.as_ref(),
        Verb::Patch => item.patch.as_ref(),
        Verb::Delete => item.delete.as_ref(),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A readable list of every route: method, path, what it requires and what it does.
pub fn reference_page(document: &Document, declarations: &[Declaration]) -> String {
    let mut rows = String::new();
    for declaration in declarations {
        let summary = document
            .paths
            .paths
            .get(&declaration.path)
            .and_then(|item| operation(item, declaration.verb))
            .and_then(|op| op.summary.clone().or_else(|| op.description.clone()))
            .unwrap_or_default();
        let access = match declaration.access {
            Access::Public => "public".to_owned(),
            Access::AnyKey => "any valid key".to_owned(),
            Access::Scope(scope) => format!("<code>{}</code>", scope.as_str()),
        };
        rows.push_str(&format!(
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{access}</td><td>{}</td></tr>\n",
            declaration.verb.method(),
            escape(&declaration.path),
            escape(&summary),
        ));
    }
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keyward API reference</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a2e}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}}
code{{background:#f3f3f7;padding:0 .25rem;border-radius:3px}}pre{{background:#f3f3f7;padding:.75rem;overflow:auto}}</style></head>
<body><h1>Keyward API reference</h1>
<p>{description}</p>
<pre>curl -H "Authorization: Bearer kw_test_…" https://your-keyward/v1/whoami</pre>
<p>Errors: <code>401</code> <code>{{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}}</code>,
<code>403</code> <code>"No access to this resource"</code>; a record of another organization, workspace or mode answers <code>404</code>.
The machine-readable document is <a href="/v1/openapi.json">/v1/openapi.json</a> (OpenAPI 3.1).</p>
<table><thead><tr><th>Method</th><th>Path</th><th>Requires</th><th>What it does</th></tr></thead><tbody>
{rows}</tbody></table></body></html>"#,
        description = escape(document.info.description.as_deref().unwrap_or_default()),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_declared_route_is_documented_and_nothing_else() {
        let document = document();
        let documented: BTreeSet<(String, String)> = document
            .paths
            .paths
            .iter()
            .flat_map(|(path, item)| {
                [Verb::Get, Verb::Post, Verb::Patch, Verb::Delete]
                    .into_iter()
                    .filter(|verb| operation(item, *verb).is_some())
                    .map(|verb| (verb.method().to_string(), path.clone()))
            })
            .collect();
        let declared: BTreeSet<(String, String)> = super::super::declarations()
            .into_iter()
            .filter(|d| d.access != Access::Public)
            .map(|d| (d.verb.method().to_string(), d.path))
            .collect();
        assert_eq!(documented, declared);
    }

    #[test]
    fn the_document_is_openapi_3_1_with_bearer_auth() {
        let json = serde_json::to_value(document()).unwrap();
        assert!(json["openapi"].as_str().unwrap().starts_with("3.1"));
        assert_eq!(
            json["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
    }

    #[test]
    fn every_keyed_operation_documents_its_429_with_retry_after() {
        let json = serde_json::to_value(document()).unwrap();
        let mut keyed = 0;
        for item in json["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                keyed += 1;
                let too_many = &operation["responses"]["429"];
                assert!(
                    too_many["headers"]["Retry-After"].is_object(),
                    "{operation}"
                );
                assert_eq!(
                    too_many["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody"
                );
            }
        }
        assert!(keyed > 20);
    }
}
