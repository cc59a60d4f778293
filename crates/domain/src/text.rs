//! Names people type (of people, teams, campaigns, tokens and accounts), kept to what shows as
//! it reads: characters that change the direction of the text around them are refused, and
//! characters that show nothing are removed.
//!
//! A right-to-left override (U+202E) makes "Ann\u{202E}txt.exe" display as "Annexe.txt", and
//! can make one name look like another in a list or an audit log; zero-width characters make
//! two names that look the same compare as different (so a duplicate goes unnoticed).

/// Characters that change the direction of the text after them (embeddings, overrides,
/// isolates and marks): refused in names.
const DIRECTION_CONTROLS: [char; 12] = [
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
];

/// Characters that take no space and show nothing (zero-width space, non-joiner and joiner, word
/// joiner, byte-order mark, Mongolian vowel separator): removed from names.
const INVISIBLE: [char; 6] = [
    '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{180E}',
];

/// `text` without invisible characters, or why it is refused: the first character in it that
/// changes the direction of text, as `U+XXXX`.
pub fn clean_name(text: &str) -> Result<String, String> {
    if let Some(c) = text.chars().find(|c| DIRECTION_CONTROLS.contains(c)) {
        return Err(format!(
            "contains a character that changes the direction of the text (U+{:04X}); type it again without it",
            u32::from(c)
        ));
    }
    Ok(text.chars().filter(|c| !INVISIBLE.contains(c)).collect())
}

/// Orders names as people read them: runs of digits by their value, so "Leader 2" comes
/// before "Leader 10"; letters without regard to case, then exactly, so the order is total.
pub fn natural_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(text: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in text.chars() {
            let digit = c.is_ascii_digit();
            match out.last_mut() {
                Some((d, chunk)) if *d == digit => chunk.push(c),
                _ => out.push((digit, c.to_string())),
            }
        }
        out
    }
    let (left, right) = (chunks(a), chunks(b));
    for ((ld, l), (rd, r)) in left.iter().zip(&right) {
        let order = if *ld && *rd {
            let (l, r) = (l.trim_start_matches('0'), r.trim_start_matches('0'));
            l.len().cmp(&r.len()).then_with(|| l.cmp(r))
        } else {
            l.to_lowercase().cmp(&r.to_lowercase())
        };
        if order.is_ne() {
            return order;
        }
    }
    left.len().cmp(&right.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_controls_are_refused_and_invisible_characters_removed() {
        let refused = clean_name("Ann\u{202E}txt.exe").expect_err("an override");
        assert!(refused.contains("U+202E"), "{refused}");
        assert!(clean_name("a\u{2067}b").is_err());
        assert_eq!(
            clean_name("Ann\u{200B}a Lee\u{FEFF}").as_deref(),
            Ok("Anna Lee")
        );
        assert_eq!(clean_name("Zoë Ōta").as_deref(), Ok("Zoë Ōta"));
        assert_eq!(
            clean_name("مريم").as_deref(),
            Ok("مريم"),
            "right-to-left letters stay"
        );
    }

    #[test]
    fn numbers_in_names_are_ordered_by_their_value() {
        let mut names = vec![
            "Leader 10",
            "leader 1",
            "Leader 2",
            "Leader 02b",
            "Ann",
            "Leader",
        ];
        names.sort_by(|a, b| natural_order(a, b));
        assert_eq!(
            names,
            [
                "Ann",
                "Leader",
                "leader 1",
                "Leader 2",
                "Leader 02b",
                "Leader 10"
            ]
        );
        assert!(natural_order("Lee", "lee").is_ne(), "a total order");
    }
}
