//! The one rule for names and short texts people type (key, workspace and organization
//! names, descriptions, `/v1` record fields): trimmed, bounded, and free of characters
//! that hide or reorder what another person is shown.

/// Bidirectional overrides, embeddings, isolates and marks can make a name read
/// differently from what it is ("Trojan Source"); zero-width spaces, word joiners,
/// invisible operators, the soft hyphen and the byte-order mark make two different
/// names look the same. Zero-width (non-)joiners stay allowed: scripts such as Persian
/// and emoji sequences need them.
pub fn is_deceptive(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{200B}'
            | '\u{200E}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// `value` trimmed, if it has 1 to `max` characters and no control or deceptive one.
pub fn plain_text(value: &str, max: usize) -> Option<String> {
    let value = value.trim();
    let acceptable = !value.is_empty()
        && value.chars().count() <= max
        && !value.chars().any(|c| c.is_control() || is_deceptive(c));
    acceptable.then(|| value.to_owned())
}

/// What a refusal says about the field, for every caller alike.
pub fn rule(field: &str, max: usize) -> String {
    format!("{field}: must be 1 to {max} characters, without control or invisible characters")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_read_as_something_else_are_refused() {
        for bad in [
            "invoice\u{202E}fdp.exe",
            "admin\u{200B}",
            "\u{2066}key\u{2069}",
            "pay\u{00AD}pal",
            "\u{FEFF}prod",
            "line\nbreak",
            "   ",
            "",
        ] {
            assert_eq!(plain_text(bad, 100), None, "{bad:?}");
        }
        assert_eq!(plain_text(&"k".repeat(101), 100), None);
        assert_eq!(
            plain_text(&"k".repeat(100), 100).map(|s| s.len()),
            Some(100)
        );
    }

    #[test]
    fn ordinary_text_in_any_script_passes_trimmed() {
        for good in [
            "CI deploy",
            "Déploiement",
            "نام‌کاربری",
            "東京 prod",
            "👩‍💻 bot",
            "ключ",
        ] {
            assert_eq!(
                plain_text(&format!("  {good} "), 100).as_deref(),
                Some(good)
            );
        }
    }
}
