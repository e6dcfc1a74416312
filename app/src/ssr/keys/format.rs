//! The API key format: `<brand>_<live|test>_<secret><checksum>`.
//!
//! - secret: 32 bytes from the OS CSPRNG, base62, left-padded to 43 characters;
//! - checksum: CRC32 of everything before it, base62, left-padded to 6 characters.
//!
//! [`parse`] rejects a wrong brand, mode, length, alphabet or checksum before anything
//! looks the key up, so junk never reaches a cache or the database.

use rand::{TryRngCore, rngs::OsRng};

use crate::model::Mode;

const BASE62: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const SECRET_CHARS: usize = 43;
pub const CHECKSUM_CHARS: usize = 6;
/// How much of the secret the display form shows.
pub const DISPLAY_SECRET_CHARS: usize = 8;

/// A well-formed key. Holds the full key string; never log it.
pub struct ParsedKey<'a> {
    pub mode: Mode,
    pub full: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MalformedKey {
    #[error("wrong prefix")]
    Prefix,
    #[error("unknown mode")]
    Mode,
    #[error("wrong length")]
    Length,
    #[error("character outside the base62 alphabet")]
    Alphabet,
    #[error("checksum mismatch")]
    Checksum,
}

/// Whether `sum` is [`checksum`]`(body)`, compared as numbers: every `/v1` request
/// checks this, and decoding six characters costs less than formatting the expected text.
/// (The padded base62 text and its value determine each other: no other six-character
/// text has the same value.)
fn checksum_matches(body: &str, sum: &str) -> bool {
    base62::decode(sum).is_ok_and(|value| value == u128::from(crc32fast::hash(body.as_bytes())))
}

fn pad_left(digits: String, width: usize) -> String {
    format!("{digits:0>width$}")
}

fn checksum(body: &str) -> String {
    let crc = crc32fast::hash(body.as_bytes());
    pad_left(base_x::encode(BASE62, &crc.to_be_bytes()), CHECKSUM_CHARS)
}

fn prefix(brand: &str, mode: Mode) -> String {
    format!("{brand}_{}_", mode.as_str())
}

/// 32 bytes as fixed-width base62 (43 characters), the alphabet of every secret we mint.
pub fn base62_fixed(bytes: &[u8; 32]) -> String {
    pad_left(base_x::encode(BASE62, bytes), SECRET_CHARS)
}

/// `N` bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], rand::rand_core::OsError> {
    let mut bytes = [0u8; N];
    OsRng.try_fill_bytes(&mut bytes)?;
    Ok(bytes)
}

/// A new key for `brand` (validated by the configuration) and `mode`.
pub fn generate(brand: &str, mode: Mode) -> Result<String, rand::rand_core::OsError> {
    let secret = random_bytes::<32>()?;
    let body = format!("{}{}", prefix(brand, mode), base62_fixed(&secret));
    let sum = checksum(&body);
    Ok(body + &sum)
}

pub fn parse<'a>(brand: &str, key: &'a str) -> Result<ParsedKey<'a>, MalformedKey> {
    let rest = key
        .strip_prefix(brand)
        .and_then(|rest| rest.strip_prefix('_'))
        .ok_or(MalformedKey::Prefix)?;
    let (mode_text, tail) = rest.split_once('_').ok_or(MalformedKey::Mode)?;
    let mode = mode_text.parse::<Mode>().map_err(|_| MalformedKey::Mode)?;
    if tail.len() != SECRET_CHARS + CHECKSUM_CHARS {
        return Err(MalformedKey::Length);
    }
    if !tail.bytes().all(|byte| byte.is_ascii_alphanumeric()) {
        return Err(MalformedKey::Alphabet);
    }
    let (body, sum) = key.split_at(key.len() - CHECKSUM_CHARS);
    if !checksum_matches(body, sum) {
        return Err(MalformedKey::Checksum);
    }
    Ok(ParsedKey { mode, full: key })
}

/// What lists show: `kw_live_a1b2c3d4` (to be followed by `…` and [`last_four`]).
/// `None` when `key` is not a key of this brand and mode.
pub fn display_prefix(brand: &str, mode: Mode, key: &str) -> Option<String> {
    let prefix = prefix(brand, mode);
    let secret_start = key
        .strip_prefix(prefix.as_str())?
        .get(..DISPLAY_SECRET_CHARS)?;
    Some(format!("{prefix}{secret_start}"))
}

/// The last four characters of the whole key, as the user sees the end of their string.
pub fn last_four(key: &str) -> Option<&str> {
    key.get(key.len().checked_sub(4)?..)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BRAND: &str = "kw";

    #[test]
    fn a_generated_key_has_the_documented_shape() {
        let key = generate(BRAND, Mode::Live).unwrap();
        assert!(key.starts_with("kw_live_"));
        assert_eq!(key.len(), "kw_live_".len() + SECRET_CHARS + CHECKSUM_CHARS);
        let parsed = parse(BRAND, &key).unwrap();
        assert_eq!(parsed.mode, Mode::Live);
        assert_eq!(
            display_prefix(BRAND, Mode::Live, &key).unwrap().len(),
            "kw_live_".len() + 8
        );
        assert_eq!(last_four(&key), Some(&key[key.len() - 4..]));
        assert_eq!(display_prefix(BRAND, Mode::Test, &key), None);
        assert_eq!(last_four("abc"), None);
    }

    #[test]
    fn two_generated_keys_differ() {
        assert_ne!(
            generate(BRAND, Mode::Test).unwrap(),
            generate(BRAND, Mode::Test).unwrap()
        );
    }

    #[test]
    fn each_malformation_is_named() {
        let key = generate(BRAND, Mode::Test).unwrap();
        assert_eq!(parse("acme", &key).err(), Some(MalformedKey::Prefix));
        assert_eq!(parse(BRAND, "kw_prod_abc").err(), Some(MalformedKey::Mode));
        assert_eq!(
            parse(BRAND, &key[..key.len() - 1]).err(),
            Some(MalformedKey::Length)
        );
        let mut dashed = key.clone();
        dashed.replace_range(10..11, "-");
        assert_eq!(parse(BRAND, &dashed).err(), Some(MalformedKey::Alphabet));
        let mut tampered = key.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        assert_eq!(parse(BRAND, &tampered).err(), Some(MalformedKey::Checksum));
        assert!(parse(BRAND, "").is_err());
    }

    #[test]
    fn a_checksum_is_matched_as_a_number_exactly_when_its_text_matches() {
        // 20,000 bodies: about 80 of them have a CRC32 with a leading zero byte, which
        // base-x writes as an extra '0' before padding.
        let mut with_leading_zero = 0;
        for n in 0..20_000 {
            let body = format!("{BRAND}_live_{n:043}");
            let sum = checksum(&body);
            with_leading_zero += usize::from(crc32fast::hash(body.as_bytes()) < 1 << 24);
            assert!(checksum_matches(&body, &sum), "{body}");
            let other = checksum(&format!("{body}x"));
            assert_eq!(checksum_matches(&body, &other), other == sum, "{body}");
            assert!(!checksum_matches(&body, "zzzzz!"));
        }
        assert!(with_leading_zero > 10, "leading zero bytes were covered");
    }

    /// The recipe the README and `POST /v1/leaks` give scanners, written out without
    /// base-x: CRC-32/ISO-HDLC of the body as an unsigned number, base 62 with digits
    /// `0-9A-Za-z`, most significant first, left-padded with '0' to six characters.
    fn documented_checksum(body: &str) -> String {
        let mut value = crc32fast::hash(body.as_bytes());
        let mut digits = Vec::new();
        while value > 0 {
            digits.push(BASE62.as_bytes()[(value % 62) as usize]);
            value /= 62;
        }
        digits.resize(CHECKSUM_CHARS.max(digits.len()), b'0');
        digits.reverse();
        String::from_utf8(digits).unwrap()
    }

    #[test]
    fn the_checksum_is_what_the_documentation_tells_scanners() {
        // The CRC variant's published check value.
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
        for n in 0..20_000 {
            let body = format!("{BRAND}_test_{n:043}");
            assert_eq!(checksum(&body), documented_checksum(&body), "{body}");
        }
        for _ in 0..50 {
            let key = generate(BRAND, Mode::Live).unwrap();
            let (body, sum) = key.split_at(key.len() - CHECKSUM_CHARS);
            assert_eq!(sum, documented_checksum(body));
        }
    }

    #[test]
    fn the_documented_scanner_pattern_finds_keys_and_only_whole_ones() {
        // The README's pattern, for the `kw` prefix. `regex` has no look-around, so
        // the two anchors are checked by hand on each match's neighbours.
        let pattern = regex::Regex::new(r"kw_(live|test)_[0-9A-Za-z]{49}").unwrap();
        let anchored = |text: &str| -> Vec<String> {
            pattern
                .find_iter(text)
                .filter(|found| {
                    let before = text[..found.start()].chars().next_back();
                    let after = text[found.end()..].chars().next();
                    !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                        && !after.is_some_and(|c| c.is_ascii_alphanumeric())
                })
                .map(|found| found.as_str().to_owned())
                .collect()
        };
        let key = generate(BRAND, Mode::Test).unwrap();
        assert_eq!(anchored(&format!("API_KEY=\"{key}\"\n")), vec![key.clone()]);
        assert_eq!(anchored(&format!("x{key}")), Vec::<String>::new());
        assert_eq!(anchored(&format!("{key}0")), Vec::<String>::new());
        assert_eq!(anchored(&format!("{key}_")), vec![key]);
    }

    proptest! {
        #[test]
        fn generated_keys_round_trip(live in any::<bool>()) {
            let mode = if live { Mode::Live } else { Mode::Test };
            let key = generate(BRAND, mode).unwrap();
            let parsed = parse(BRAND, &key).unwrap();
            prop_assert_eq!(parsed.mode, mode);
            prop_assert_eq!(parsed.full, key.as_str());
        }

        #[test]
        fn any_single_character_change_is_rejected(position in any::<prop::sample::Index>(), replacement in any::<char>()) {
            let key = generate(BRAND, Mode::Live).unwrap();
            let index = position.index(key.len());
            let original = key.as_bytes()[index] as char;
            prop_assume!(replacement != original);
            let mut changed: String = key.chars().take(index).collect();
            changed.push(replacement);
            changed.extend(key.chars().skip(index + 1));
            prop_assert!(parse(BRAND, &changed).is_err(), "accepted {changed}");
        }

        #[test]
        fn arbitrary_strings_never_panic_the_parser(input in ".{0,80}") {
            let _ = parse(BRAND, &input);
        }
    }
}
