//! The `/v1` Authorization header handling on arbitrary headers: it never panics, and it
//! yields a token only for exactly one `Bearer <token>` header, the token trimmed.
#![no_main]

#[path = "../../src/v1/access/bearer.rs"]
mod bearer;

use bearer::{Bearer, bearer};
use http::{HeaderMap, HeaderValue, header};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Up to three Authorization headers, split at 0xFF (a byte no header value holds).
    let mut headers = HeaderMap::new();
    for part in data.split(|byte| *byte == 0xFF).take(3) {
        if let Ok(value) = HeaderValue::from_bytes(part) {
            headers.append(header::AUTHORIZATION, value);
        }
    }
    let values = headers.get_all(header::AUTHORIZATION).iter().count();
    match bearer(&headers) {
        Bearer::Missing => assert_eq!(values, 0),
        Bearer::Unusable => assert!(values > 0),
        Bearer::Token(token) => {
            assert_eq!(values, 1);
            let value = headers[header::AUTHORIZATION]
                .to_str()
                .expect("visible ASCII");
            let (scheme, rest) = value.split_once(' ').expect("a scheme and a token");
            assert!(scheme.eq_ignore_ascii_case("bearer"));
            assert_eq!(token, rest.trim());
        }
    }
});
