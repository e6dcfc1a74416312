//! `format::parse` on arbitrary input: it never panics, and whatever it accepts has the
//! documented shape (brand, mode, 43 + 6 base62 characters, a matching checksum).
#![no_main]

#[path = "../src/model.rs"]
mod model;

#[allow(dead_code)] // key generation and display helpers are not fuzzed here
#[path = "../../../app/src/ssr/keys/format.rs"]
mod format;

use libfuzzer_sys::fuzz_target;

const BRAND: &str = "kw";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = format::parse(BRAND, text) else {
        return;
    };
    assert_eq!(parsed.full, text);
    let prefix = format!("{BRAND}_{}_", parsed.mode.as_str());
    let tail = text
        .strip_prefix(&prefix)
        .expect("an accepted key starts with its prefix");
    assert_eq!(tail.len(), format::SECRET_CHARS + format::CHECKSUM_CHARS);
    assert!(tail.bytes().all(|byte| byte.is_ascii_alphanumeric()));
    // Changing any one character of an accepted key makes it unacceptable (CRC32 catches
    // every single-character change).
    let mut changed = text.as_bytes().to_vec();
    let at = data.len() / 2;
    changed[at] = if changed[at] == b'a' { b'b' } else { b'a' };
    if let Ok(changed) = std::str::from_utf8(&changed) {
        assert!(
            format::parse(BRAND, changed).is_err(),
            "{changed} differs in one character"
        );
    }
});
