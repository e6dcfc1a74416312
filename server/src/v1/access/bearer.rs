use http::{HeaderMap, header};

/// What the `Authorization` header holds: exactly one `Bearer <token>` or nothing usable.
pub(super) enum Bearer<'a> {
    Missing,
    Unusable,
    Token(&'a str),
}

pub(super) fn bearer(headers: &HeaderMap) -> Bearer<'_> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return if headers.contains_key(header::AUTHORIZATION) {
            Bearer::Unusable
        } else {
            Bearer::Missing
        };
    };
    let Ok(value) = value.to_str() else {
        return Bearer::Unusable;
    };
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            Bearer::Token(token.trim())
        }
        _ => Bearer::Unusable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderValue, header};

    fn headers(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::AUTHORIZATION, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn only_a_single_bearer_header_yields_a_token() {
        assert!(matches!(bearer(&headers(&[])), Bearer::Missing));
        assert!(matches!(
            bearer(&headers(&["Bearer kw_x"])),
            Bearer::Token("kw_x")
        ));
        assert!(matches!(
            bearer(&headers(&["bearer  kw_x "])),
            Bearer::Token("kw_x")
        ));
        assert!(matches!(
            bearer(&headers(&["Basic a2V5Og=="])),
            Bearer::Unusable
        ));
        assert!(matches!(bearer(&headers(&["Bearer"])), Bearer::Unusable));
        assert!(matches!(
            bearer(&headers(&["Bearer a", "Bearer b"])),
            Bearer::Unusable
        ));
    }
}
