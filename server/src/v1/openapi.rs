//! The OpenAPI 3.1 document of `/v1`, generated from the handlers' annotations, and
//! a plain HTML reference page rendered from it and from the access declarations.

use utoipa::{
    Modify, OpenApi,
    openapi::{
        Content, ContentBuilder, Object, OpenApi as Document, PathItem, Ref, RefOr,
        ResponseBuilder, Type,
        header::Header,
        link::LinkBuilder,
        path::Operation,
        security::{Http, HttpAuthScheme, SecurityScheme},
    },
};

use super::{
    audit, clients, envelopes, leaks,
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
        leaks::report,
    ),
    modifiers(&BearerAuth, &RateLimited, &ErrorAnswers, &RecordLinks)
)]
struct ApiDoc;

/// OpenAPI links from each create (`POST /v1/x`, 201) to the operations on the record it
/// made (`/v1/x/{id}…`), so clients and tools such as schemathesis can follow a created
/// record through its life.
struct RecordLinks;

impl Modify for RecordLinks {
    fn modify(&self, openapi: &mut Document) {
        let mut by_collection: Vec<(String, String)> = Vec::new();
        for (path, item) in &openapi.paths.paths {
            let Some((collection, _)) = path.split_once("/{id}") else {
                continue;
            };
            for operation in [&item.get, &item.post, &item.patch, &item.delete]
                .into_iter()
                .flatten()
            {
                if let Some(id) = &operation.operation_id {
                    by_collection.push((collection.to_owned(), id.clone()));
                }
            }
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let Some(created) = item
                .post
                .as_mut()
                .and_then(|create| create.responses.responses.get_mut("201"))
            else {
                continue;
            };
            let RefOr::T(created) = created else {
                continue;
            };
            for (_, operation_id) in by_collection.iter().filter(|(c, _)| c == path) {
                created.links.insert(
                    operation_id.clone(),
                    RefOr::T(
                        LinkBuilder::new()
                            .operation_id(operation_id.clone())
                            .parameter("id", "$response.body#/id")
                            .build(),
                    ),
                );
            }
        }
    }
}

/// The refusals every keyed operation can answer whatever its handler does (the guard,
/// the body and query extractors, the database), in the one error shape. Documented
/// once here so that no operation forgets one.
struct ErrorAnswers;

impl ErrorAnswers {
    const ANY_KEYED: [(&'static str, &'static str); 3] = [
        (
            "401",
            "No key, or a malformed, unknown, revoked or expired key",
        ),
        (
            "403",
            "The key lacks the scope, or its plan has no API access",
        ),
        (
            "503",
            "The database is unavailable: nothing was read or written",
        ),
    ];
    const WITH_BODY: [(&'static str, &'static str); 4] = [
        ("400", "The body is not valid JSON"),
        ("413", "The body is over 64 KiB"),
        ("415", "The body is not `application/json`"),
        (
            "422",
            "A field is missing, unknown or invalid: the message says which",
        ),
    ];
    const LIST: [(&'static str, &'static str); 1] = [(
        "422",
        "`limit` is not 1 to 200, or `cursor` is not a cursor of this API",
    )];
    const ONE_RECORD: [(&'static str, &'static str); 1] =
        [("404", "No such record for this key's workspace and mode")];
}

impl Modify for ErrorAnswers {
    fn modify(&self, openapi: &mut Document) {
        let answer = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content("application/json", error_body())
                    .build(),
            )
        };
        for (path, operation) in keyed_operations(openapi) {
            let lists = operation
                .parameters
                .iter()
                .flatten()
                .any(|p| p.name == "limit");
            let mut add: Vec<(&str, &str)> = ErrorAnswers::ANY_KEYED.to_vec();
            if operation.request_body.is_some() {
                add.extend(ErrorAnswers::WITH_BODY);
            }
            if lists {
                add.extend(ErrorAnswers::LIST);
            }
            if path.contains("{id}") {
                add.extend(ErrorAnswers::ONE_RECORD);
            }
            for (status, description) in add {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| answer(description));
            }
        }
    }
}

/// Every operation that takes a key (all but the public document and reference), with
/// its path.
fn keyed_operations(openapi: &mut Document) -> impl Iterator<Item = (&str, &mut Operation)> {
    openapi.paths.paths.iter_mut().flat_map(|(path, item)| {
        [
            &mut item.get,
            &mut item.post,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        .filter(|operation| operation.security.is_some())
        .map(move |operation| (path.as_str(), operation))
    })
}

/// The content of every error answer: the one error shape.
fn error_body() -> Content {
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build()
}

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
            .content("application/json", error_body())
            .build();
        for (_, operation) in keyed_operations(openapi) {
            operation
                .responses
                .responses
                .insert("429".to_owned(), RefOr::T(too_many.clone()));
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

/// The document as served. utoipa 5.5 writes a link's fields in snake case
/// (`operation_id`), which OpenAPI does not know: they are renamed here; and the field
/// rules utoipa cannot state are added (`field_rules`).
pub fn document_json(document: &Document) -> serde_json::Value {
    let mut json = serde_json::to_value(document).unwrap_or_default();
    let responses = json["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
        .filter_map(|operation| operation["responses"].as_object_mut())
        .flat_map(|responses| responses.values_mut());
    for response in responses {
        let Some(links) = response.get_mut("links").and_then(|l| l.as_object_mut()) else {
            continue;
        };
        for link in links.values_mut().filter_map(|link| link.as_object_mut()) {
            for (snake, camel) in [
                ("operation_id", "operationId"),
                ("operation_ref", "operationRef"),
                ("request_body", "requestBody"),
            ] {
                if let Some(value) = link.remove(snake) {
                    link.insert(camel.to_owned(), value);
                }
            }
        }
    }
    // A rule that names no property is caught by `field_rules`' own test.
    if let Err(problem) = super::field_rules::apply(&mut json) {
        tracing::error!(%problem, "OpenAPI field rules not applied");
    }
    json
}

fn operation(item: &PathItem, verb: Verb) -> Option<&Operation> {
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
        // The document and its HTML rendering are the two routes it does not describe.
        let declared: BTreeSet<(String, String)> = super::super::declarations()
            .into_iter()
            .filter(|d| !["/v1/openapi.json", "/v1/reference"].contains(&d.path.as_str()))
            .map(|d| (d.verb.method().to_string(), d.path))
            .collect();
        assert_eq!(documented, declared);
    }

    #[test]
    fn the_document_is_openapi_3_1_with_bearer_auth() {
        let json = document_json(&document());
        assert!(json["openapi"].as_str().unwrap().starts_with("3.1"));
        assert_eq!(
            json["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
    }

    #[test]
    fn every_keyed_operation_documents_its_429_with_retry_after() {
        let json = document_json(&document());
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

    #[test]
    fn every_keyed_operation_documents_the_refusals_the_guard_and_extractors_can_give() {
        let json = document_json(&document());
        let mut public = Vec::new();
        for (path, item) in json["paths"].as_object().unwrap() {
            for (verb, operation) in item.as_object().unwrap() {
                let responses = operation["responses"].as_object().unwrap();
                let refusals: &[&str] = if operation.get("security").is_some() {
                    &["401", "403", "429", "503"]
                } else {
                    public.push(format!("{verb} {path}"));
                    &["429", "503"]
                };
                for status in refusals {
                    assert!(responses.contains_key(*status), "{verb} {path}: {status}");
                }
                if operation.get("requestBody").is_some() {
                    for status in ["400", "413", "415", "422"] {
                        assert!(responses.contains_key(status), "{verb} {path}: {status}");
                    }
                }
                if path.contains("{id}") {
                    assert!(responses.contains_key("404"), "{verb} {path}: 404");
                }
            }
        }
        assert_eq!(public, ["post /v1/leaks"], "operations without a key");
    }

    #[test]
    fn each_create_links_to_the_operations_on_the_record_it_made() {
        let json = document_json(&document());
        let links = &json["paths"]["/v1/clients"]["post"]["responses"]["201"]["links"];
        for operation in ["getClient", "updateClient", "deleteClient"] {
            assert_eq!(links[operation]["operationId"], operation, "{links}");
            assert_eq!(links[operation]["parameters"]["id"], "$response.body#/id");
        }
        let envelope = &json["paths"]["/v1/envelopes"]["post"]["responses"]["201"]["links"];
        assert!(envelope["sendEnvelope"].is_object(), "{envelope}");
    }

    #[test]
    fn every_operation_has_an_operation_id_of_its_own() {
        let json = document_json(&document());
        let mut seen = std::collections::HashSet::new();
        for item in json["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                let id = operation["operationId"].as_str().unwrap().to_owned();
                assert!(seen.insert(id.clone()), "operationId {id} twice");
            }
        }
        assert!(seen.len() > 20);
    }
}
