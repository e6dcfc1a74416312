//! What request fields accept beyond type and length, added to the served OpenAPI
//! document where utoipa cannot state it: the webhook event names and the verification
//! kinds, taken from the lists the validators use. Every rule here must describe
//! exactly what the API accepts: schemathesis sends values outside the schema and
//! expects them refused, and values inside it and expects them taken.

use app::ssr::services::resources::webhooks::EVENTS;
use serde_json::{Value, json};

/// (schema, property, what to merge into the property's schema).
fn rules() -> Vec<(&'static str, &'static str, Value)> {
    let events = json!({ "minItems": 1, "items": { "type": "string", "enum": EVENTS } });
    vec![
        (
            "NewVerification",
            "kind",
            json!({ "enum": ["identity", "document"] }),
        ),
        ("NewWebhook", "events", events.clone()),
        ("WebhookBody", "events", events),
    ]
}

/// Merges every rule into the served document. A rule naming a property the document
/// does not have is an error (a renamed field must not lose its rule silently).
pub fn apply(document: &mut Value) -> Result<(), String> {
    for (schema, property, rule) in rules() {
        let target = document
            .pointer_mut(&format!(
                "/components/schemas/{schema}/properties/{property}"
            ))
            .and_then(Value::as_object_mut)
            .ok_or_else(|| format!("{schema}.{property} is not in the document"))?;
        if let Value::Object(rule) = rule {
            target.extend(rule);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1::openapi;

    #[test]
    fn every_rule_names_a_property_of_the_document() {
        let mut document = serde_json::to_value(openapi::document()).unwrap();
        assert_eq!(apply(&mut document), Ok(()));
        let events = &document["components"]["schemas"]["NewWebhook"]["properties"]["events"];
        assert_eq!(events["items"]["enum"], json!(EVENTS));
        let mut renamed =
            json!({ "components": { "schemas": { "NewVerification": { "properties": {} } } } });
        assert!(apply(&mut renamed).is_err());
    }
}
