//! Personal data at rest (PIPL, ASVS 6.1.1): ID numbers and phone numbers are stored encrypted
//! with XChaCha20-Poly1305 (random 192-bit nonce, the column's name as associated data, so a
//! value cannot be moved to another column), and found again by a keyed hash (HMAC-SHA-256 with
//! a key of its own), which also enforces "one person, one registration".
//!
//! The keys live in a file (`HONGMAJIA_SECRET_KEY_FILE`): JSON with a key id and two hex keys.
//! With SQLite a missing file is generated beside the database (mode 0600), so a fresh clone just
//! works; with PostgreSQL the server refuses to start without one.

use anyhow::{Context, bail};
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use hmac::{Hmac, KeyInit as MacKeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::path::Path;

/// Which column a value belongs to: the associated data of its ciphertext, the context of its
/// lookup hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Phone,
    IdNumber,
    SmsBody,
}

impl Field {
    const fn label(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::IdNumber => "id_number",
            Self::SmsBody => "sms_body",
        }
    }
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    key_id: u32,
    encryption_key: String,
    lookup_key: String,
}

pub struct Vault {
    key_id: u32,
    cipher: XChaCha20Poly1305,
    lookup_key: [u8; 32],
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vault(key {}, ***)", self.key_id)
    }
}

fn random_key() -> anyhow::Result<[u8; 32]> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("the OS random source failed: {e}"))?;
    Ok(key)
}

fn decode_key(hex_key: &str, what: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = hex::decode(hex_key.trim()).with_context(|| format!("the {what} is not hex"))?;
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("the {what} must be 32 bytes (64 hex characters)"))
}

impl Vault {
    fn from_keys(key_id: u32, encryption: [u8; 32], lookup_key: [u8; 32]) -> anyhow::Result<Self> {
        let cipher =
            XChaCha20Poly1305::new_from_slice(&encryption).map_err(|_| anyhow::anyhow!("bad encryption key length"))?;
        Ok(Self {
            key_id,
            cipher,
            lookup_key,
        })
    }

    /// Fresh random keys that live only in memory (tests).
    pub fn ephemeral() -> anyhow::Result<Self> {
        Self::from_keys(1, random_key()?, random_key()?)
    }

    /// Reads the key file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading the key file {}", path.display()))?;
        let file: KeyFile =
            serde_json::from_str(&text).with_context(|| format!("parsing the key file {}", path.display()))?;
        Self::from_keys(
            file.key_id,
            decode_key(&file.encryption_key, "encryption key")?,
            decode_key(&file.lookup_key, "lookup key")?,
        )
    }

    /// Writes a new key file with fresh keys, readable by its owner only. Never overwrites.
    pub fn generate_file(path: &Path) -> anyhow::Result<Self> {
        let (encryption, lookup) = (random_key()?, random_key()?);
        let file = KeyFile {
            key_id: 1,
            encryption_key: hex::encode(encryption),
            lookup_key: hex::encode(lookup),
        };
        let text = serde_json::to_string_pretty(&file)?;
        write_private(path, text.as_bytes())?;
        Self::from_keys(1, encryption, lookup)
    }

    /// The vault for a database: the named key file; or, for SQLite without one, the file beside
    /// the database, generated on first use. PostgreSQL without a key file is refused.
    pub fn for_database(key_file: Option<&Path>, database_url: &str) -> anyhow::Result<Self> {
        if let Some(path) = key_file {
            return Self::load(path);
        }
        let Some(db_path) = database_url.strip_prefix("sqlite://") else {
            bail!("HONGMAJIA_SECRET_KEY_FILE must name the key file when the database is not SQLite");
        };
        let db_path = db_path.split('?').next().unwrap_or(db_path);
        let path = std::path::PathBuf::from(format!("{db_path}.keys"));
        if path.exists() {
            Self::load(&path)
        } else {
            tracing::warn!(path = %path.display(), "no key file: generating one beside the SQLite database; back it up with the database");
            Self::generate_file(&path)
        }
    }

    /// `k<key id>:<hex nonce><hex ciphertext>`.
    pub fn encrypt(&self, field: Field, plain: &str) -> anyhow::Result<String> {
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("the OS random source failed: {e}"))?;
        let payload = Payload {
            msg: plain.as_bytes(),
            aad: field.label().as_bytes(),
        };
        let sealed = self
            .cipher
            .encrypt(&nonce.into(), payload)
            .map_err(|_| anyhow::anyhow!("encrypting {}", field.label()))?;
        Ok(format!(
            "k{}:{}{}",
            self.key_id,
            hex::encode(nonce),
            hex::encode(sealed)
        ))
    }

    pub fn decrypt(&self, field: Field, stored: &str) -> anyhow::Result<String> {
        let (key_id, body) = stored
            .strip_prefix('k')
            .and_then(|rest| rest.split_once(':'))
            .ok_or_else(|| anyhow::anyhow!("a stored {} is not in the vault's format", field.label()))?;
        if key_id != self.key_id.to_string() {
            bail!(
                "a stored {} was sealed with key {key_id}, the vault holds key {}",
                field.label(),
                self.key_id
            );
        }
        let bytes = hex::decode(body).with_context(|| format!("a stored {} is not hex", field.label()))?;
        if bytes.len() < 24 {
            bail!("a stored {} is too short", field.label());
        }
        let (nonce, sealed) = bytes.split_at(24);
        let nonce: [u8; 24] = nonce.try_into()?;
        let payload = Payload {
            msg: sealed,
            aad: field.label().as_bytes(),
        };
        let plain = self
            .cipher
            .decrypt(&nonce.into(), payload)
            .map_err(|_| anyhow::anyhow!("a stored {} does not authenticate under the current key", field.label()))?;
        String::from_utf8(plain).with_context(|| format!("a stored {} is not text", field.label()))
    }

    /// The keyed hash that finds a value again without decrypting anything.
    pub fn lookup(&self, field: Field, value: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as MacKeyInit>::new_from_slice(&self.lookup_key).expect("HMAC takes any key length");
        mac.update(field.label().as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating the key file {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("writing the key file {}", path.display()))
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing the key file {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_ciphertexts_differ_each_time() {
        let vault = Vault::ephemeral().unwrap();
        let a = vault.encrypt(Field::Phone, "13812341234").unwrap();
        let b = vault.encrypt(Field::Phone, "13812341234").unwrap();
        assert_ne!(a, b);
        assert!(!a.contains("13812341234"));
        assert_eq!(vault.decrypt(Field::Phone, &a).unwrap(), "13812341234");
    }

    #[test]
    fn a_value_cannot_be_moved_to_another_column_or_read_with_another_key() {
        let vault = Vault::ephemeral().unwrap();
        let sealed = vault.encrypt(Field::Phone, "13812341234").unwrap();
        assert!(vault.decrypt(Field::IdNumber, &sealed).is_err());
        assert!(Vault::ephemeral().unwrap().decrypt(Field::Phone, &sealed).is_err());
    }

    #[test]
    fn lookups_are_stable_per_key_and_separate_per_field() {
        let vault = Vault::ephemeral().unwrap();
        assert_eq!(vault.lookup(Field::Phone, "1"), vault.lookup(Field::Phone, "1"));
        assert_ne!(vault.lookup(Field::Phone, "1"), vault.lookup(Field::IdNumber, "1"));
        assert_ne!(
            vault.lookup(Field::Phone, "1"),
            Vault::ephemeral().unwrap().lookup(Field::Phone, "1")
        );
    }

    #[test]
    fn a_generated_key_file_is_private_and_loads_back() {
        let dir = tempfile_dir();
        let path = dir.join("keys.json");
        let made = Vault::generate_file(&path).unwrap();
        let sealed = made.encrypt(Field::IdNumber, "11010519491231002X").unwrap();
        let loaded = Vault::load(&path).unwrap();
        assert_eq!(loaded.decrypt(Field::IdNumber, &sealed).unwrap(), "11010519491231002X");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(
            Vault::generate_file(&path).is_err(),
            "an existing key file is never overwritten"
        );
    }

    #[test]
    fn postgres_without_a_key_file_is_refused() {
        assert!(Vault::for_database(None, "postgres://x@127.0.0.1/db").is_err());
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "hmj-vault-{}-{}",
            std::process::id(),
            crate::auth::random_token().unwrap()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
