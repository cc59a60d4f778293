//! Sealing: authenticated encryption (XChaCha20-Poly1305) of what must not be readable from the
//! database alone. Answers wait sealed until they are released in a shuffled batch, and a
//! rater's attributes (location, function…) stay sealed beside their answer, readable only by
//! the server through the privacy engine.
//!
//! The key lives outside the database (a file, or a value the operator provides), so a copy
//! of the database (a backup, a stolen disk, a curious reader with SQL access) does not open
//! them. Each sealed value carries its own random 192-bit nonce and names what it is (the
//! associated data), so a sealed value cannot be moved to another purpose.
//!
//! Every value is padded before it is sealed to one of a few fixed sizes ([`PADDED_SIZES`]), so
//! that the length of a sealed value says nothing about what it holds: without padding, the
//! length of a waiting answer was a fixed size plus the rater's attributes plus their comment,
//! which matched it to the comment that appeared in the clear once it was released. Values
//! sealed before padding (associated data "v1") still open.

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
    /// A learner's answer to a reflection prompt, private to them.
    Reflection,
    /// A pulse answer waiting for its team's batch.
    PulseAnswer,
    /// An anonymous feedback item waiting for its receiver's batch.
    FeedbackItem,
    /// An anonymous recovery pulse answer waiting for its round's batch.
    RecoveryAnswer,
}

impl Purpose {
    /// The associated data of a padded value (what [`SealKey::seal`] writes).
    fn associated_data(self) -> &'static [u8] {
        match self {
            Purpose::PendingAnswer => b"trustloop pending answer v2 padded",
            Purpose::RaterAttributes => b"trustloop rater attributes v2 padded",
            Purpose::Reflection => b"trustloop reflection v1 padded",
            Purpose::PulseAnswer => b"trustloop pulse answer v1 padded",
            Purpose::FeedbackItem => b"trustloop feedback item v1 padded",
            Purpose::RecoveryAnswer => b"trustloop recovery answer v1 padded",
        }
    }

    /// The associated data of a value sealed before padding, which is still opened.
    fn unpadded_associated_data(self) -> &'static [u8] {
        match self {
            Purpose::PendingAnswer => b"trustloop pending answer v1",
            Purpose::RaterAttributes => b"trustloop rater attributes v1",
            // Sealed padded from the start: nothing was sealed without padding.
            Purpose::Reflection => b"trustloop reflection never sealed unpadded",
            // Never sealed unpadded: a purpose that cannot open anything else.
            Purpose::PulseAnswer => b"trustloop pulse answer (never unpadded)",
            Purpose::FeedbackItem => b"trustloop feedback item (never unpadded)",
            Purpose::RecoveryAnswer => b"trustloop recovery answer (never unpadded)",
        }
    }
}

/// The sizes a value is padded to before sealing (with its 4-byte length): the smallest that
/// holds it, or the next multiple of the largest. Waiting answers are 1–4 KiB unless they hold
/// long comments; attributes fit the smallest.
pub(crate) const PADDED_SIZES: [usize; 5] = [256, 1024, 4096, 16384, 65536];

/// `plain` with its length in front, padded with zeros to a size of [`PADDED_SIZES`].
fn pad(plain: &[u8]) -> Vec<u8> {
    let needed = plain.len() + 4;
    let largest = PADDED_SIZES[PADDED_SIZES.len() - 1];
    let size = PADDED_SIZES
        .iter()
        .copied()
        .find(|s| *s >= needed)
        .unwrap_or_else(|| needed.div_ceil(largest) * largest);
    let mut padded = Vec::with_capacity(size);
    let length = u32::try_from(plain.len()).expect("a sealed value is under 4 GiB");
    padded.extend_from_slice(&length.to_le_bytes());
    padded.extend_from_slice(plain);
    padded.resize(size, 0);
    padded
}

/// The value [`pad`] padded.
fn unpad(mut padded: Vec<u8>) -> StoreResult<Vec<u8>> {
    let corrupt = || StoreError::Corrupt("a sealed value's padding is damaged".into());
    let length: [u8; 4] = padded
        .get(..4)
        .ok_or_else(corrupt)?
        .try_into()
        .map_err(|_| corrupt())?;
    let length = u32::from_le_bytes(length) as usize;
    if padded.len() < 4 + length || padded[4 + length..].iter().any(|b| *b != 0) {
        return Err(corrupt());
    }
    padded.truncate(4 + length);
    padded.drain(..4);
    Ok(padded)
}

/// The 256-bit key that seals answers. Never printed.
#[derive(Clone)]
pub struct SealKey {
    cipher: XChaCha20Poly1305,
    /// The key of [`SealKey::ballot_mark`], derived from the seal key (never the same bytes).
    mark_key: [u8; 32],
    /// The key of [`SealKey::sign`], derived from the seal key.
    signing_key: [u8; 32],
    /// What the database records to know its key by (see [`SealKey::fingerprint`]).
    fingerprint: [u8; 32],
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
        use sha2::Digest as _;
        let derive = |label: &[u8]| -> [u8; 32] {
            sha2::Sha256::new()
                .chain_update(label)
                .chain_update(bytes)
                .finalize()
                .into()
        };
        SealKey {
            cipher: XChaCha20Poly1305::new(bytes.into()),
            mark_key: derive(b"trustloop ballot mark key v1"),
            signing_key: derive(b"trustloop signing key v1"),
            fingerprint: derive(b"trustloop seal key fingerprint v1"),
        }
    }

    /// The key's fingerprint, 64 hexadecimal digits: a hash derived from the key that names
    /// it without revealing it. The database records the fingerprint of the key it belongs to,
    /// so that a server started with another key (or none) refuses to start instead of
    /// sealing new answers under a key that cannot open the old ones.
    pub fn fingerprint(&self) -> String {
        hex::encode(self.fingerprint)
    }

    /// HMAC-SHA-256 of `message` under a key derived from the seal key, for `purpose` (bound
    /// into the message, so that a value signed for one purpose is not valid for another).
    /// Every server of one database holds the same seal key, so each checks what another
    /// signed, and nothing in the database lets a reader of it sign.
    pub fn sign(&self, purpose: &str, message: &[u8]) -> [u8; 32] {
        let mut bound = Vec::with_capacity(purpose.len() + 1 + message.len());
        bound.extend_from_slice(purpose.as_bytes());
        bound.push(0);
        bound.extend_from_slice(message);
        hmac_sha256(&self.signing_key, &bound)
    }

    /// The mark that says an invitation has been answered: HMAC-SHA-256 of the invitation's
    /// id under a key derived from the seal key. The mark is stored (in `used_ballots`) in the
    /// transaction that stores the answer, instead of a flag on the invitation: without the
    /// key, no reader of the database can tell which invitation a mark belongs to, so nothing
    /// written with an answer names who gave it. The server, holding the key, recomputes marks
    /// to refuse a second answer and to count who has answered.
    pub(crate) fn ballot_mark(&self, invitation: i64) -> [u8; 32] {
        hmac_sha256(&self.mark_key, &invitation.to_be_bytes())
    }

    /// The mark that says a pulse link has been answered, as [`SealKey::ballot_mark`] is for a
    /// 360 invitation (a pulse invitation's id under a different label, so the two never meet).
    pub(crate) fn pulse_mark(&self, invitation: i64) -> [u8; 32] {
        let mut message = b"pulse ".to_vec();
        message.extend_from_slice(&invitation.to_be_bytes());
        hmac_sha256(&self.mark_key, &message)
    }

    /// A keyed hash of what ties a feedback sender to something (`what` names it: a waiting
    /// anonymous item to a receiver, a request answered, a give form sent), as
    /// [`SealKey::ballot_mark`] is for an invitation: stored instead of the ids, so that no
    /// reader of the database can tell whose it is, while the server recomputes it to refuse a
    /// second one.
    pub(crate) fn feedback_mark(&self, what: &str, ids: &[i64], text: &str) -> [u8; 32] {
        let mut message = format!("feedback {what} ").into_bytes();
        for id in ids {
            message.extend_from_slice(&id.to_be_bytes());
        }
        message.extend_from_slice(text.as_bytes());
        hmac_sha256(&self.mark_key, &message)
    }

    /// The mark that says a recovery link has been answered, as [`SealKey::pulse_mark`] is for
    /// a pulse link (under its own label, so the two never meet).
    pub(crate) fn recovery_mark(&self, invitation: i64) -> [u8; 32] {
        let mut message = b"recovery ".to_vec();
        message.extend_from_slice(&invitation.to_be_bytes());
        hmac_sha256(&self.mark_key, &message)
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

    /// Reads the key from `path`; `None` when the file does not exist. A new key is made
    /// ([`SealKey::create`]) only for a new, empty database: see `crate::connect_with`.
    pub fn load(path: &Path) -> StoreResult<Option<SealKey>> {
        match std::fs::read_to_string(path) {
            Ok(text) => SealKey::from_hex(&text).map(Some).map_err(|_| {
                StoreError::Config(format!(
                    "the seal key file {} does not hold a key (64 hexadecimal digits)",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::Config(format!(
                "cannot read the seal key file {}: {e}",
                path.display()
            ))),
        }
    }

    /// Makes a new random key and writes it to `path` (which must not exist), readable by its
    /// owner only. Losing this file makes answers still waiting for their batch unreadable,
    /// and segment views of past campaigns impossible: back it up apart from the database.
    pub fn create(path: &Path) -> StoreResult<SealKey> {
        let bytes = random_bytes::<32>();
        write_private(path, &format!("{}\n", hex::encode(bytes))).map_err(|e| {
            StoreError::Config(format!(
                "cannot create the seal key file {}: {e}",
                path.display()
            ))
        })?;
        tracing::info!(path = %path.display(), "created a new seal key file for a new database; back it up apart from the database");
        Ok(SealKey::from_bytes(&bytes))
    }

    /// Seals `plain` for `purpose`, padded to a size of [`PADDED_SIZES`]: nonce followed by
    /// ciphertext and tag.
    pub(crate) fn seal(&self, purpose: Purpose, plain: &[u8]) -> Vec<u8> {
        let nonce = random_bytes::<NONCE_BYTES>();
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &pad(plain),
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
        let open = |aad: &[u8]| {
            self.cipher
                .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad })
                .ok()
        };
        if let Some(padded) = open(purpose.associated_data()) {
            return unpad(padded);
        }
        open(purpose.unpadded_associated_data())
            .ok_or(())
            .map_err(|_| {
                StoreError::Corrupt(
                    "a sealed value does not open with this seal key (wrong key file?)".into(),
                )
            })
    }
}

/// HMAC-SHA-256 (RFC 2104) of `message` under a 32-byte key.
fn hmac_sha256(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    let mut inner_pad = [0x36u8; 64];
    let mut outer_pad = [0x5cu8; 64];
    for (i, b) in key.iter().enumerate() {
        inner_pad[i] ^= b;
        outer_pad[i] ^= b;
    }
    let inner = sha2::Sha256::new()
        .chain_update(inner_pad)
        .chain_update(message)
        .finalize();
    sha2::Sha256::new()
        .chain_update(outer_pad)
        .chain_update(inner)
        .finalize()
        .into()
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
    fn sealed_values_come_in_a_few_sizes_whatever_they_hold() {
        let key = SealKey::random();
        let mut sizes = std::collections::BTreeSet::new();
        for len in [
            0, 1, 100, 251, 252, 253, 700, 1020, 1021, 3000, 9000, 20_000,
        ] {
            let plain = vec![b'x'; len];
            let sealed = key.seal(Purpose::PendingAnswer, &plain);
            assert_eq!(
                key.open(Purpose::PendingAnswer, &sealed).expect("opens"),
                plain
            );
            sizes.insert(sealed.len());
        }
        let overhead = NONCE_BYTES + 16;
        let expected: std::collections::BTreeSet<usize> =
            PADDED_SIZES.iter().map(|s| s + overhead).collect();
        assert_eq!(sizes, expected, "one size per bucket, nothing in between");
        // Long values grow in whole steps of the largest size.
        let long = key.seal(Purpose::PendingAnswer, &vec![b'y'; 70_000]);
        assert_eq!(long.len(), 2 * 65536 + overhead);
    }

    #[test]
    fn values_sealed_before_padding_still_open() {
        let key = SealKey::random();
        let nonce = random_bytes::<NONCE_BYTES>();
        let body = key
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: b"Lisbon".as_slice(),
                    aad: Purpose::RaterAttributes.unpadded_associated_data(),
                },
            )
            .expect("sealed");
        let old = [nonce.as_slice(), &body].concat();
        assert_eq!(
            key.open(Purpose::RaterAttributes, &old).expect("opens"),
            b"Lisbon"
        );
    }

    #[test]
    fn hmac_matches_an_independent_implementation() {
        // Python: hmac.new(bytes(range(32)), b"abc", "sha256").hexdigest()
        let key: [u8; 32] = std::array::from_fn(|i| i as u8);
        assert_eq!(
            hex::encode(hmac_sha256(&key, b"abc")),
            "f0133729c4163dede81e21cd47839256da58171238c8a0d874397c73b14e1e47"
        );
    }

    #[test]
    fn ballot_marks_differ_by_invitation_and_by_key() {
        let key = SealKey::random();
        assert_eq!(key.ballot_mark(7), key.ballot_mark(7));
        assert_ne!(key.ballot_mark(7), key.ballot_mark(8));
        assert_ne!(key.ballot_mark(7), SealKey::random().ballot_mark(7));
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
        assert!(SealKey::load(&path).expect("no file is no key").is_none());
        let key = SealKey::create(&path).expect("key");
        let sealed = key.seal(Purpose::RaterAttributes, b"Lisbon");
        let again = SealKey::load(&path).expect("read").expect("key");
        assert_eq!(
            again
                .open(Purpose::RaterAttributes, &sealed)
                .expect("opens"),
            b"Lisbon"
        );
        assert_eq!(again.fingerprint(), key.fingerprint());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(
            SealKey::create(&path).is_err(),
            "an existing key is never replaced"
        );
        std::fs::write(&path, "not a key").expect("written");
        let error = SealKey::load(&path).expect_err("refused").to_string();
        assert!(error.contains("does not hold a key"), "{error}");
    }

    #[test]
    fn fingerprints_and_signatures_name_the_key_without_revealing_it() {
        let bytes = [7u8; 32];
        let key = SealKey::from_bytes(&bytes);
        assert_eq!(key.fingerprint(), SealKey::from_bytes(&bytes).fingerprint());
        assert_ne!(key.fingerprint(), SealKey::random().fingerprint());
        assert!(!key.fingerprint().contains(&hex::encode(bytes)));
        assert_eq!(key.fingerprint().len(), 64);
        assert_eq!(
            key.sign("a", b"x"),
            SealKey::from_bytes(&bytes).sign("a", b"x")
        );
        assert_ne!(key.sign("a", b"x"), key.sign("b", b"x"));
        assert_ne!(key.sign("a", b"x"), SealKey::random().sign("a", b"x"));
        assert_ne!(key.sign("a", b"x"), key.ballot_mark(0));
    }
}
