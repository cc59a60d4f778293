//! The edge of the web layer: request sizes, and reading form fields, cookies and URLs.

/// The largest form body accepted (survey answers with long comments fit easily).
pub const MAX_FORM_BYTES: usize = 256 * 1024;
/// The largest people file accepted through the upload page.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// A size in bytes as people read it: "256 KB", "64 MB".
pub fn size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// Why a form body or query string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// A name or value is not UTF-8 once its `%XX` escapes are decoded.
    NotUtf8,
}

/// A multipart form as sent: its text fields and its file (the name it was sent with and its
/// bytes), when one was chosen.
pub struct Upload {
    /// The text fields, in order.
    pub fields: Vec<(String, String)>,
    /// The file part named `file`.
    pub file: Option<(String, Vec<u8>)>,
}

/// Why a multipart form could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadProblem {
    /// It is larger than the route takes.
    TooLarge,
    /// It is cut short or malformed.
    Unreadable,
    /// A text field is not UTF-8.
    NotUtf8,
}

/// Reads a multipart form whose file part is named `file`.
pub async fn read_upload(
    multipart: &mut axum::extract::Multipart,
) -> Result<Upload, UploadProblem> {
    let failed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            UploadProblem::TooLarge
        } else {
            UploadProblem::Unreadable
        }
    };
    let mut upload = Upload {
        fields: Vec::new(),
        file: None,
    };
    while let Some(part) = multipart.next_field().await.map_err(failed)? {
        let name = part.name().unwrap_or_default().to_string();
        let file_name = part.file_name().unwrap_or_default().to_string();
        let bytes = part.bytes().await.map_err(failed)?;
        if name == "file" {
            upload.file = Some((file_name, bytes.to_vec()));
        } else {
            let value = String::from_utf8(bytes.to_vec()).map_err(|_| UploadProblem::NotUtf8)?;
            upload.fields.push((name, value));
        }
    }
    Ok(upload)
}

/// `pairs` as a query string, the inverse of [`parse_urlencoded`]: letters, digits and `-_.~`
/// as they are, a space as `+`, every other byte as `%XX`.
pub fn encode_urlencoded(pairs: &[(String, String)]) -> String {
    let encode = |text: &str| -> String {
        let mut out = String::with_capacity(text.len());
        for byte in text.bytes() {
            match byte {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(char::from(byte));
                }
                b' ' => out.push('+'),
                other => out.push_str(&format!("%{other:02X}")),
            }
        }
        out
    };
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The name-value pairs of an `application/x-www-form-urlencoded` body or a query string, in
/// order: `+` is a space and `%XX` a byte, and the bytes of each name and value must be UTF-8.
/// Unlike the framework's reader, which puts U+FFFD in place of bytes that are not, text that
/// is not UTF-8 is refused: a name or comment is stored as it was sent, or not at all.
pub fn parse_urlencoded(input: &[u8]) -> Result<Vec<(String, String)>, Unreadable> {
    let decode = |part: &[u8]| -> Result<String, Unreadable> {
        let mut bytes = Vec::with_capacity(part.len());
        let mut i = 0;
        while i < part.len() {
            match part[i] {
                b'+' => bytes.push(b' '),
                b'%' if i + 2 < part.len() => {
                    match (hex_digit(part[i + 1]), hex_digit(part[i + 2])) {
                        (Some(high), Some(low)) => {
                            bytes.push(high * 16 + low);
                            i += 2;
                        }
                        _ => bytes.push(b'%'),
                    }
                }
                other => bytes.push(other),
            }
            i += 1;
        }
        String::from_utf8(bytes).map_err(|_| Unreadable::NotUtf8)
    };
    input
        .split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &[][..]),
            };
            Ok((decode(name)?, decode(value)?))
        })
        .collect()
}

/// The value of a hexadecimal digit.
fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

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

/// Who a form names: a team (`to` = `team`, with its id in `team`), or else the people checked
/// (each `person` an id), as (team, people).
pub fn team_or_people(fields: &[(String, String)]) -> (Option<i64>, Vec<i64>) {
    match field(fields, "to") {
        "team" => (id_field(fields, "team"), Vec::new()),
        _ => (
            None,
            fields
                .iter()
                .filter(|(k, _)| k == "person")
                .filter_map(|(_, v)| v.parse().ok())
                .collect(),
        ),
    }
}

/// What was wrong with a form as posted, shown beside the field it belongs to (or above the
/// form when it belongs to none), so the form can be shown again with what was typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormError {
    /// The field the message is about; empty when it is about the whole form.
    field: &'static str,
    /// The message; `None` when nothing is wrong.
    message: Option<String>,
}

impl FormError {
    /// Nothing wrong.
    pub fn none() -> FormError {
        FormError::default()
    }

    /// `message` about the field named `field`.
    pub fn at(field: &'static str, message: impl Into<String>) -> FormError {
        FormError {
            field,
            message: Some(message.into()),
        }
    }

    /// `message` about the whole form.
    pub fn whole(message: impl Into<String>) -> FormError {
        FormError::at("", message)
    }

    /// The message, whichever field it is about.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Whether something is wrong.
    pub fn is_some(&self) -> bool {
        self.message.is_some()
    }

    /// The message when it is about the field named `field`.
    pub fn on(&self, field: &str) -> Option<&str> {
        self.message.as_deref().filter(|_| self.field == field)
    }

    /// Whether the message is about the field named `field`.
    pub fn is_on(&self, field: &str) -> bool {
        self.on(field).is_some()
    }

    /// The message when it is about no single field.
    pub fn general(&self) -> Option<&str> {
        self.on("")
    }
}

impl From<trustloop_app::FieldRefusal> for FormError {
    fn from(refusal: trustloop_app::FieldRefusal) -> FormError {
        FormError::at(refusal.field, refusal.message)
    }
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
    fn form_bodies_decode_escapes_and_refuse_text_that_is_not_utf8() {
        let pairs = |s: &str| parse_urlencoded(s.as_bytes());
        assert_eq!(
            pairs("a=1+2&b=%C3%A9t%C3%A9&c&=x&&d=%zz%4"),
            Ok(vec![
                ("a".into(), "1 2".into()),
                ("b".into(), "été".into()),
                ("c".into(), String::new()),
                (String::new(), "x".into()),
                ("d".into(), "%zz%4".into()),
            ])
        );
        assert_eq!(pairs("name=%FF%FE"), Err(Unreadable::NotUtf8));
        assert_eq!(pairs("%C3=x"), Err(Unreadable::NotUtf8));
        assert_eq!(parse_urlencoded(b"name=\xff"), Err(Unreadable::NotUtf8));
        let pairs = vec![
            ("f".to_string(), "Location: São Paulo & Co=1+2%".to_string()),
            ("by".to_string(), "function".to_string()),
        ];
        assert_eq!(
            parse_urlencoded(encode_urlencoded(&pairs).as_bytes()),
            Ok(pairs)
        );
        assert_eq!(size(256 * 1024), "256 KB");
        assert_eq!(size(64 * 1024 * 1024), "64 MB");
    }

    #[test]
    fn url_encoding_escapes_reserved_characters() {
        assert_eq!(url_encode("/a b?c=d&e"), "/a%20b%3Fc%3Dd%26e");
    }
}
