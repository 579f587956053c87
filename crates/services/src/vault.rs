//! Personal data at rest (PIPL, ASVS 6.1.1): ID numbers and phone numbers are stored encrypted
//! with XChaCha20-Poly1305 (random 192-bit nonce, the column's name as associated data, so a
//! value cannot be moved to another column), and found again by a keyed hash (HMAC-SHA-256 with
//! a key of its own), which also enforces "one person, one registration".
//!
//! The keys live in a file (`HONGMAJIA_SECRET_KEY_FILE`), JSON: one or more key sets, each an id,
//! an encryption key and a lookup key. Every ciphertext names the id of the key that sealed it.
//! Which key set is current is recorded in the database (`vault_state`), in the same transaction
//! as a rotation re-encrypts everything, so a rotation interrupted at any point still opens.
//! With SQLite a missing file is generated beside the database (mode 0600), so a fresh clone just
//! works; with PostgreSQL the server refuses to start without one.

use anyhow::{Context, bail};
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use hmac::{Hmac, KeyInit as MacKeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::path::{Path, PathBuf};

/// Which column a value belongs to: the associated data of its ciphertext, the context of its
/// lookup hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Phone,
    IdNumber,
    SmsBody,
    /// Not stored: the MAC of a check-in QR token and the 6-digit check-in codes.
    CheckinToken,
}

impl Field {
    const fn label(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::IdNumber => "id_number",
            Self::SmsBody => "sms_body",
            Self::CheckinToken => "checkin_token",
        }
    }
}

#[derive(Serialize, Deserialize, Clone)]
struct KeyEntry {
    key_id: u32,
    encryption_key: String,
    lookup_key: String,
}

/// The key file: its key sets and the one in use for new values.
#[derive(Serialize, Deserialize)]
struct KeyFile {
    current: u32,
    keys: Vec<KeyEntry>,
}

struct KeySet {
    id: u32,
    cipher: XChaCha20Poly1305,
    lookup_key: [u8; 32],
    entry: KeyEntry,
}

pub struct Vault {
    keys: Vec<KeySet>,
    current: u32,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Vault(current key {}, {} key sets, ***)",
            self.current,
            self.keys.len()
        )
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

impl KeySet {
    fn from_entry(entry: KeyEntry) -> anyhow::Result<Self> {
        let encryption = decode_key(&entry.encryption_key, "encryption key")?;
        let cipher =
            XChaCha20Poly1305::new_from_slice(&encryption).map_err(|_| anyhow::anyhow!("bad encryption key length"))?;
        Ok(Self {
            id: entry.key_id,
            cipher,
            lookup_key: decode_key(&entry.lookup_key, "lookup key")?,
            entry,
        })
    }

    fn random(id: u32) -> anyhow::Result<Self> {
        Self::from_entry(KeyEntry {
            key_id: id,
            encryption_key: hex::encode(random_key()?),
            lookup_key: hex::encode(random_key()?),
        })
    }
}

impl Vault {
    fn from_file(file: KeyFile) -> anyhow::Result<Self> {
        let keys = file
            .keys
            .into_iter()
            .map(KeySet::from_entry)
            .collect::<anyhow::Result<Vec<_>>>()?;
        let vault = Self {
            keys,
            current: file.current,
        };
        vault.set(file.current)?;
        Ok(vault)
    }

    fn set(&self, key_id: u32) -> anyhow::Result<&KeySet> {
        self.keys
            .iter()
            .find(|k| k.id == key_id)
            .ok_or_else(|| anyhow::anyhow!("the key file has no key set {key_id}"))
    }

    fn current_set(&self) -> &KeySet {
        self.set(self.current)
            .expect("the current key set is checked when it is chosen")
    }

    fn file(&self) -> KeyFile {
        KeyFile {
            current: self.current,
            keys: self.keys.iter().map(|k| k.entry.clone()).collect(),
        }
    }

    /// Fresh random keys that live only in memory (tests).
    pub fn ephemeral() -> anyhow::Result<Self> {
        Ok(Self {
            keys: vec![KeySet::random(1)?],
            current: 1,
        })
    }

    /// Reads the key file (also the first format: one key set, no list).
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading the key file {}", path.display()))?;
        let file = match serde_json::from_str::<KeyFile>(&text) {
            Ok(file) => file,
            Err(_) => {
                let single: KeyEntry =
                    serde_json::from_str(&text).with_context(|| format!("parsing the key file {}", path.display()))?;
                KeyFile {
                    current: single.key_id,
                    keys: vec![single],
                }
            }
        };
        Self::from_file(file)
    }

    /// Writes a new key file with fresh keys, readable by its owner only. Never overwrites.
    pub fn generate_file(path: &Path) -> anyhow::Result<Self> {
        let vault = Self::ephemeral()?;
        write_private(path, serde_json::to_string_pretty(&vault.file())?.as_bytes(), false)?;
        Ok(vault)
    }

    /// The key file of a database: the named one; or, for SQLite, `<database>.keys` beside it.
    pub fn path_for(key_file: Option<&Path>, database_url: &str) -> anyhow::Result<PathBuf> {
        if let Some(path) = key_file {
            return Ok(path.to_owned());
        }
        let Some(db_path) = database_url.strip_prefix("sqlite://") else {
            bail!("HONGMAJIA_SECRET_KEY_FILE must name the key file when the database is not SQLite");
        };
        let db_path = db_path.split('?').next().unwrap_or(db_path);
        Ok(PathBuf::from(format!("{db_path}.keys")))
    }

    /// The vault for a database: its key file, generated on first use for SQLite only.
    pub fn for_database(key_file: Option<&Path>, database_url: &str) -> anyhow::Result<Self> {
        let path = Self::path_for(key_file, database_url)?;
        if key_file.is_some() || path.exists() {
            return Self::load(&path);
        }
        tracing::warn!(path = %path.display(), "no key file: generating one beside the SQLite database; back it up with the database");
        Self::generate_file(&path)
    }

    pub fn current_key_id(&self) -> u32 {
        self.current
    }

    /// Uses key set `key_id` for new values and lookups (the database says which).
    pub fn use_key(&mut self, key_id: u32) -> anyhow::Result<()> {
        self.set(key_id)?;
        self.current = key_id;
        Ok(())
    }

    /// A copy of this vault with one more, fresh key set, which becomes current.
    pub fn with_new_key(&self) -> anyhow::Result<Self> {
        let next = self.keys.iter().map(|k| k.id).max().unwrap_or(0) + 1;
        let mut keys: Vec<KeySet> = self
            .keys
            .iter()
            .map(|k| KeySet::from_entry(k.entry.clone()))
            .collect::<anyhow::Result<_>>()?;
        keys.push(KeySet::random(next)?);
        Ok(Self { keys, current: next })
    }

    /// The same keys, with only the current set kept (after everything was re-encrypted).
    pub fn only_current(&self) -> anyhow::Result<Self> {
        Ok(Self {
            keys: vec![KeySet::from_entry(self.current_set().entry.clone())?],
            current: self.current,
        })
    }

    /// Replaces the key file atomically (a temporary file renamed over it), mode 0600.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        write_private(path, serde_json::to_string_pretty(&self.file())?.as_bytes(), true)
    }

    /// `k<key id>:<hex nonce><hex ciphertext>`, under the current key set.
    pub fn encrypt(&self, field: Field, plain: &str) -> anyhow::Result<String> {
        let set = self.current_set();
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("the OS random source failed: {e}"))?;
        let payload = Payload {
            msg: plain.as_bytes(),
            aad: field.label().as_bytes(),
        };
        let sealed = set
            .cipher
            .encrypt(&nonce.into(), payload)
            .map_err(|_| anyhow::anyhow!("encrypting {}", field.label()))?;
        Ok(format!("k{}:{}{}", set.id, hex::encode(nonce), hex::encode(sealed)))
    }

    /// Opens a value sealed under any key set of the file.
    pub fn decrypt(&self, field: Field, stored: &str) -> anyhow::Result<String> {
        let (key_id, body) = stored
            .strip_prefix('k')
            .and_then(|rest| rest.split_once(':'))
            .ok_or_else(|| anyhow::anyhow!("a stored {} is not in the vault's format", field.label()))?;
        let key_id: u32 = key_id
            .parse()
            .with_context(|| format!("a stored {} names no key", field.label()))?;
        let set = self.set(key_id)?;
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
        let plain = set
            .cipher
            .decrypt(&nonce.into(), payload)
            .map_err(|_| anyhow::anyhow!("a stored {} does not authenticate under key {key_id}", field.label()))?;
        String::from_utf8(plain).with_context(|| format!("a stored {} is not text", field.label()))
    }

    /// The keyed hash that finds a value again without decrypting anything (current key set).
    pub fn lookup(&self, field: Field, value: &str) -> String {
        let set = self.current_set();
        let mut mac = <Hmac<Sha256> as MacKeyInit>::new_from_slice(&set.lookup_key).expect("HMAC takes any key length");
        mac.update(field.label().as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Writes a file only its owner can read: new (`replace` false, never overwriting) or over an
/// existing one through a temporary file and a rename, so a crash leaves the old or the new.
fn write_private(path: &Path, bytes: &[u8], replace: bool) -> anyhow::Result<()> {
    use std::io::Write;
    let target = if replace {
        path.with_extension("keys-new")
    } else {
        path.to_owned()
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if replace {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&target)
        .with_context(|| format!("creating the key file {}", target.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("writing the key file {}", target.display()))?;
    file.sync_all()
        .with_context(|| format!("syncing the key file {}", target.display()))?;
    if replace {
        std::fs::rename(&target, path).with_context(|| format!("replacing the key file {}", path.display()))?;
    }
    Ok(())
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
    fn a_new_key_set_reads_the_old_values_and_seals_new_ones_under_itself() {
        let old = Vault::ephemeral().unwrap();
        let sealed = old.encrypt(Field::Phone, "13812341234").unwrap();
        let both = old.with_new_key().unwrap();
        assert_eq!(both.current_key_id(), 2);
        assert_eq!(both.decrypt(Field::Phone, &sealed).unwrap(), "13812341234");
        let resealed = both.encrypt(Field::Phone, "13812341234").unwrap();
        assert!(resealed.starts_with("k2:"));
        assert_ne!(both.lookup(Field::Phone, "1"), old.lookup(Field::Phone, "1"));
        let only = both.only_current().unwrap();
        assert!(only.decrypt(Field::Phone, &sealed).is_err(), "the old key set is gone");
        assert_eq!(only.decrypt(Field::Phone, &resealed).unwrap(), "13812341234");
    }

    #[test]
    fn a_saved_key_file_replaces_the_old_one_and_loads_back() {
        let dir = tempfile_dir();
        let path = dir.join("keys.json");
        let first = Vault::generate_file(&path).unwrap();
        let rotated = first.with_new_key().unwrap();
        rotated.save(&path).unwrap();
        let loaded = Vault::load(&path).unwrap();
        assert_eq!(loaded.current_key_id(), 2);
        let sealed = first.encrypt(Field::IdNumber, "x").unwrap();
        assert_eq!(loaded.decrypt(Field::IdNumber, &sealed).unwrap(), "x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
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
