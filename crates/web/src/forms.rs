//! The edge of the web layer: request sizes, and reading form fields, cookies and URLs.

/// The largest form body accepted (survey answers with long comments fit easily).
pub const MAX_FORM_BYTES: usize = 256 * 1024;
/// The largest people file accepted through the upload page.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// Percent-encodes text for use in a URL query value.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The last value of form field `name`, trimmed; empty when absent.
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.trim())
}

/// A whole-number form field, when it holds one.
pub fn id_field(fields: &[(String, String)], name: &str) -> Option<i64> {
    field(fields, name).parse().ok()
}

/// Only local paths are followed after sign-in, never another site.
pub fn safe_next(next: &str) -> &str {
    let plain = !next
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if plain && next.starts_with('/') && !next.starts_with("//") {
        next
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let h = "a=1; trustloop_session=abc; trustloop_session_old=x";
        assert_eq!(cookie_value(h, "trustloop_session"), Some("abc"));
        assert_eq!(cookie_value(h, "missing"), None);
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/me"), "/me");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil"), "/");
        assert_eq!(safe_next("/\t/evil.example"), "/", "browsers drop the tab");
        assert_eq!(safe_next("/ /evil"), "/");
    }

    #[test]
    fn url_encoding_escapes_reserved_characters() {
        assert_eq!(url_encode("/a b?c=d&e"), "/a%20b%3Fc%3Dd%26e");
    }
}
