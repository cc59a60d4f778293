//! Secret tokens (survey links, sessions, password links, API tokens): made with 256 bits of
//! randomness and kept in the database only as their SHA-256.

use sha2::{Digest, Sha256};

/// A fresh secret token with 256 bits of randomness, hex-encoded.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    hex::encode(bytes)
}

/// The SHA-256 of a token, hex-encoded: what the database keeps instead of the token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A fresh link token and the hash the database keeps of it.
pub fn new_link() -> (String, String) {
    let token = random_token();
    let hash = hash_token(&token);
    (token, hash)
}

/// The hash of a link's token (64 hexadecimal digits), or `None` when `token` cannot be one,
/// so that nothing else reaches the database.
pub fn link_hash(token: &str) -> Option<String> {
    (token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())).then(|| hash_token(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_only_as_hashes() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token());
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a);
    }

    #[test]
    fn only_what_looks_like_a_link_token_is_hashed() {
        let a = random_token();
        assert_eq!(link_hash(&a), Some(hash_token(&a)));
        assert_eq!(link_hash("short"), None);
        assert_eq!(link_hash(&"g".repeat(64)), None);
    }
}
