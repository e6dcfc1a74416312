//! `POST /v1/leaks`: secret scanners (or anyone) report tokens found in public; every
//! one that is a working key is revoked at once. No key is asked for, so the route has
//! its own per-address limit, and the answer never says whether a token was real.

use app::ssr::{
    client_ip::ClientIp,
    services::keys::{self, MAX_TOKEN_CHARS},
    state::AppState,
};
use axum::{Extension, Json, extract::State, http::StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};

use super::{
    error::{ApiError, ErrorBody},
    extract::ApiJson,
};
use crate::metrics::{LEAK_REPORTS, LEAKED_KEYS_REVOKED, V1_RATE_LIMITED};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeakReport {
    /// Strings found in public that may be keys, each as found (1 to 100, each at most
    /// 200 characters). Anything that is not a well-formed key is ignored.
    #[schema(min_items = 1, max_items = 100, value_type = Vec<ReportedToken>)]
    pub tokens: Vec<String>,
}

/// The schema of one reported string (the report itself holds plain strings).
pub struct ReportedToken;

impl utoipa::PartialSchema for ReportedToken {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(MAX_TOKEN_CHARS))
            .description(Some("One string as found"))
            .into()
    }
}

impl utoipa::ToSchema for ReportedToken {}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LeakReceipt {
    /// How many tokens the report held: the same answer whether or not any was a key.
    pub received: usize,
}

const DESCRIPTION: &str = "No key needed. Every token that is a working Keyward key (live or test) is \
revoked at once with reason `leaked`, and the organization's audit log records `api_key.leaked` with the \
reporter's address. The answer is always `202 {\"received\": N}`: it never says whether a token was a key. \
At most 10 reports per minute per address (IPv6 by /64; `KEYWARD_LEAK_REPORTS_PER_IP_PER_MINUTE`).\n\n\
A scanner can match keys with `(?<![A-Za-z0-9_])kw_(live|test)_[0-9A-Za-z]{49}(?![A-Za-z0-9])` \
(`kw` is the deployment's `KEYWARD_KEY_PREFIX`) and check a candidate offline before reporting it: \
the last 6 characters are a checksum of everything before them. Take the CRC-32 of those ASCII bytes \
(CRC-32/ISO-HDLC, as zlib's `crc32`: polynomial 0x04C11DB7 reflected, initial value and final XOR \
0xFFFFFFFF; `crc32(\"123456789\") = 0xCBF43926`) as an unsigned 32-bit number, write it in base 62 with \
the digits `0-9A-Za-z` (values 0 to 61 in that order), most significant digit first, and left-pad it \
with `0` to 6 characters.";

#[utoipa::path(post, path = "/v1/leaks", operation_id = "reportLeakedTokens", tag = "leaks",
    summary = "Report tokens found in public; working keys among them are revoked",
    description = DESCRIPTION,
    request_body = LeakReport,
    responses(
        (status = 202, description = "Received (whether or not any token was a key)", body = LeakReceipt),
        (status = 400, description = "The body is not valid JSON", body = ErrorBody),
        (status = 413, description = "The body is over 64 KiB", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "Not 1 to 100 tokens, a token over 200 characters, or another field", body = ErrorBody),
        (status = 429, description = "Too many reports from this address: `retryAfter` and `Retry-After` give the seconds to wait", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Whole seconds to wait"))),
        (status = 503, description = "The database is unavailable: nothing was revoked", body = ErrorBody),
    ))]
pub async fn report(
    State(state): State<AppState>,
    client: Option<Extension<ClientIp>>,
    body: Result<ApiJson<LeakReport>, ApiError>,
) -> Result<(StatusCode, Json<LeakReceipt>), ApiError> {
    let reporter = client.and_then(|Extension(ClientIp(ip))| ip);
    // The budget is spent before the body is checked or acted on: junk counts too.
    if let Err(retry_after_seconds) = state.rate_limits.admit_leak_report(reporter) {
        metrics::counter!(V1_RATE_LIMITED, "reason" => "leak_reports").increment(1);
        return Err(ApiError::TooManyRequests {
            retry_after_seconds,
        });
    }
    let ApiJson(LeakReport { tokens }) = body?;
    keys::validate_report(&tokens).map_err(|err| ApiError::Invalid(err.to_string()))?;
    metrics::counter!(LEAK_REPORTS).increment(1);
    let revoked = keys::revoke_leaked(
        &state.db,
        &state.audit,
        &state.invalidator,
        &state.keys.hasher,
        &state.keys.brand,
        &tokens,
        reporter,
    )
    .await
    .map_err(|err| ApiError::database(&err))?;
    metrics::counter!(LEAKED_KEYS_REVOKED).increment(revoked as u64);
    Ok((
        StatusCode::ACCEPTED,
        Json(LeakReceipt {
            received: tokens.len(),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use app::ssr::services::keys::MAX_REPORTED_TOKENS;

    use super::*;
    use crate::v1::openapi;

    #[test]
    fn the_documented_limits_are_the_enforced_ones() {
        assert!(DESCRIPTION.contains("10 reports per minute"));
        assert_eq!(
            app::ssr::rate_limit::RateLimitSettings::default()
                .leak_reports_per_minute
                .get(),
            10
        );
        assert_eq!((MAX_REPORTED_TOKENS, MAX_TOKEN_CHARS), (100, 200));
    }

    #[test]
    fn the_document_states_the_report_limits_and_asks_for_no_key() {
        let json = openapi::document_json(&openapi::document());
        let operation = &json["paths"]["/v1/leaks"]["post"];
        assert!(operation.get("security").is_none(), "{operation}");
        let report = &json["components"]["schemas"]["LeakReport"];
        assert_eq!(report["required"], serde_json::json!(["tokens"]));
        assert_eq!(report["additionalProperties"], false);
        let tokens = &report["properties"]["tokens"];
        assert_eq!(
            (tokens["minItems"].as_u64(), tokens["maxItems"].as_u64()),
            (Some(1), Some(100))
        );
        let item = match tokens["items"].get("$ref").and_then(|r| r.as_str()) {
            Some(reference) => {
                &json["components"]["schemas"][reference.rsplit('/').next().unwrap()]
            }
            None => &tokens["items"],
        };
        assert_eq!(item["maxLength"], 200, "{tokens}");
        assert!(operation["responses"]["202"].is_object());
    }
}
