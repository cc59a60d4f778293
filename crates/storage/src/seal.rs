//! Sealing: authenticated encryption (XChaCha20-Poly1305) of what must not be readable from the
//! database alone. Answers wait sealed until they are released in a shuffled batch, and a
//! rater's attributes (location, function…) stay sealed beside their answer, readable only by
//! the server through the privacy engine.
//!
//! The key lives outside the database (a file, or a value the operator provides), so a copy
//! of the database (a backup, a stolen disk, a curious reader with SQL access) does not open
//! them. Each sealed value carries its own random 192-bit nonce and names what it is (the
//! associated data), so a sealed value cannot be moved to another purpose.

use crate::{StoreError, StoreResult};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::path::Path;

/// Bytes of the random nonce written before each ciphertext.
const NONCE_BYTES: usize = 24;

/// What a sealed value is for; bound into the seal, so a value sealed for one purpose does not
/// open as another.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Purpose {
    /// An answer waiting for its batch.
    PendingAnswer,
    /// A rater's attributes kept beside a released answer.
    RaterAttributes,
}

impl Purpose {
    fn associated_data(self) -> &'static [u8] {
        match self {
            Purpose::PendingAnswer => b"trustloop pending answer v1",
            Purpose::RaterAttributes => b"trustloop rater attributes v1",
        }
    }
}

/// The 256-bit key that seals answers. Never printed.
#[derive(Clone)]
pub struct SealKey {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey([hidden])")
    }
}

impl SealKey {
    /// A new random key (tests, throwaway databases).
    pub fn random() -> SealKey {
        SealKey::from_bytes(&random_bytes::<32>())
    }

    fn from_bytes(bytes: &[u8; 32]) -> SealKey {
        SealKey {
            cipher: XChaCha20Poly1305::new(bytes.into()),
        }
    }

    /// A key written as 64 hexadecimal digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> StoreResult<SealKey> {
        let bytes = hex::decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| {
                StoreError::Config("a seal key is 64 hexadecimal digits (256 bits)".into())
            })?;
        Ok(SealKey::from_bytes(&bytes))
    }

    /// Reads the key from `path`, or, when the file does not exist, makes a new random key and
    /// writes it there, readable by its owner only. Losing this file makes answers still
    /// waiting for their batch unreadable, and segment views of past campaigns impossible:
    /// back it up apart from the database.
    pub fn load_or_create(path: &Path) -> StoreResult<SealKey> {
        match std::fs::read_to_string(path) {
            Ok(text) => SealKey::from_hex(&text).map_err(|_| {
                StoreError::Config(format!(
                    "the seal key file {} does not hold a key (64 hexadecimal digits)",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let bytes = random_bytes::<32>();
                write_private(path, &format!("{}\n", hex::encode(bytes))).map_err(|e| {
                    StoreError::Config(format!(
                        "cannot create the seal key file {}: {e}",
                        path.display()
                    ))
                })?;
                tracing::info!(path = %path.display(), "created a new seal key file; back it up apart from the database");
                Ok(SealKey::from_bytes(&bytes))
            }
            Err(e) => Err(StoreError::Config(format!(
                "cannot read the seal key file {}: {e}",
                path.display()
            ))),
        }
    }

    /// Seals `plain` for `purpose`: nonce followed by ciphertext and tag.
    pub(crate) fn seal(&self, purpose: Purpose, plain: &[u8]) -> Vec<u8> {
        let nonce = random_bytes::<NONCE_BYTES>();
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: purpose.associated_data(),
                },
            )
            .expect("XChaCha20-Poly1305 seals any message that fits in memory");
        let mut out = Vec::with_capacity(NONCE_BYTES + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens a value sealed for `purpose` with this key.
    pub(crate) fn open(&self, purpose: Purpose, sealed: &[u8]) -> StoreResult<Vec<u8>> {
        if sealed.len() < NONCE_BYTES {
            return Err(StoreError::Corrupt("a sealed value is too short".into()));
        }
        let (nonce, body) = sealed.split_at(NONCE_BYTES);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: purpose.associated_data(),
                },
            )
            .map_err(|_| {
                StoreError::Corrupt(
                    "a sealed value does not open with this seal key (wrong key file?)".into(),
                )
            })
    }
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    bytes
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_with_its_key_and_purpose_only() {
        let key = SealKey::random();
        let sealed = key.seal(Purpose::PendingAnswer, b"strongly agree");
        assert_eq!(
            key.open(Purpose::PendingAnswer, &sealed).expect("opens"),
            b"strongly agree"
        );
        assert!(key.open(Purpose::RaterAttributes, &sealed).is_err());
        assert!(
            SealKey::random()
                .open(Purpose::PendingAnswer, &sealed)
                .is_err()
        );
        let mut tampered = sealed.clone();
        *tampered.last_mut().expect("not empty") ^= 1;
        assert!(key.open(Purpose::PendingAnswer, &tampered).is_err());
        assert!(key.open(Purpose::PendingAnswer, &sealed[..10]).is_err());
    }

    #[test]
    fn the_same_value_sealed_twice_looks_different() {
        let key = SealKey::random();
        let a = key.seal(Purpose::PendingAnswer, b"same");
        let b = key.seal(Purpose::PendingAnswer, b"same");
        assert_ne!(a, b);
        assert!(!a.windows(4).any(|w| w == b"same"));
    }

    #[test]
    fn a_key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("seal.key");
        let key = SealKey::load_or_create(&path).expect("key");
        let sealed = key.seal(Purpose::RaterAttributes, b"Lisbon");
        let again = SealKey::load_or_create(&path).expect("key");
        assert_eq!(
            again
                .open(Purpose::RaterAttributes, &sealed)
                .expect("opens"),
            b"Lisbon"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key").expect("written");
        let error = SealKey::load_or_create(&path)
            .expect_err("refused")
            .to_string();
        assert!(error.contains("does not hold a key"), "{error}");
    }
}
