//! Key rotation: new keys for personal data, every sealed value re-encrypted and every keyed
//! hash recomputed in one transaction that also records the new current key.

use crate::error::DbContext;
use crate::vault::{Field, Vault};
use crate::{ServiceResult, Services};
use hongmajia_store::{Db, grants, sealed};
use std::path::Path;

/// How many values a rotation re-sealed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rotated {
    pub key_id: u32,
    pub accounts: usize,
    pub volunteers: usize,
    pub messages: usize,
}

/// Makes the vault use the key set the database says is current (recording it the first time).
pub async fn align_vault(db: &Db, mut vault: Vault) -> anyhow::Result<Vault> {
    let mut tx = db.begin().await?;
    match sealed::key_id(&mut tx).await? {
        Some(key_id) => {
            let key_id = u32::try_from(key_id)?;
            vault
                .use_key(key_id)
                .map_err(|e| anyhow::anyhow!("{e}: the database's data is sealed with key set {key_id}"))?;
        }
        None => sealed::set_key_id(&mut tx, i64::from(vault.current_key_id())).await?,
    }
    tx.commit().await?;
    Ok(vault)
}

impl Services {
    /// Rotates the keys of the key file at `path`. The file first gains the new key set (so a
    /// stop at any point leaves keys for what the database holds), then everything is re-sealed
    /// in one transaction, then the file keeps only the new set.
    pub async fn rotate_keys(&self, path: &Path) -> ServiceResult<Rotated> {
        let next = self.vault.with_new_key()?;
        next.save(path)?;
        let mut tx = self.db.begin().await.doing("starting the key rotation")?;
        let mut rotated = Rotated {
            key_id: next.current_key_id(),
            ..Rotated::default()
        };
        for (id, phone_enc) in sealed::account_phones(&mut tx).await.doing("reading the accounts")? {
            let phone = self.vault.decrypt(Field::Phone, &phone_enc)?;
            let sealed_phone = next.encrypt(Field::Phone, &phone)?;
            sealed::reseal_account(&mut tx, id, &sealed_phone, &next.lookup(Field::Phone, &phone))
                .await
                .doing("re-sealing an account")?;
            rotated.accounts += 1;
        }
        for (id, id_type, id_enc, phone_enc) in sealed::volunteer_secrets(&mut tx)
            .await
            .doing("reading the volunteers")?
        {
            let number = self.vault.decrypt(Field::IdNumber, &id_enc)?;
            let phone = self.vault.decrypt(Field::Phone, &phone_enc)?;
            let resealed = sealed::Resealed {
                id_enc: &next.encrypt(Field::IdNumber, &number)?,
                id_lookup: &next.lookup(Field::IdNumber, &format!("{id_type}:{number}")),
                phone_enc: &next.encrypt(Field::Phone, &phone)?,
                phone_lookup: &next.lookup(Field::Phone, &phone),
            };
            sealed::reseal_volunteer(&mut tx, id, &resealed)
                .await
                .doing("re-sealing a volunteer")?;
            rotated.volunteers += 1;
        }
        for (id, id_type, person_enc) in sealed::account_persons(&mut tx).await.doing("reading the persons")? {
            let number = self.vault.decrypt(Field::IdNumber, &person_enc)?;
            let lookup = next.lookup(Field::IdNumber, &format!("{id_type}:{number}"));
            sealed::reseal_account_person(&mut tx, id, &next.encrypt(Field::IdNumber, &number)?, &lookup)
                .await
                .doing("re-sealing an account's person")?;
        }
        for (id, phone_enc) in grants::sealed_phones(&mut tx).await.doing("reading the grants")? {
            let phone = self.vault.decrypt(Field::Phone, &phone_enc)?;
            grants::reseal(
                &mut tx,
                id,
                &next.encrypt(Field::Phone, &phone)?,
                &next.lookup(Field::Phone, &phone),
            )
            .await
            .doing("re-sealing a grant")?;
        }
        for (id, phone_enc, body_enc) in sealed::outbox_secrets(&mut tx).await.doing("reading the outbox")? {
            let phone = next.encrypt(Field::Phone, &self.vault.decrypt(Field::Phone, &phone_enc)?)?;
            let body = next.encrypt(Field::SmsBody, &self.vault.decrypt(Field::SmsBody, &body_enc)?)?;
            sealed::reseal_message(&mut tx, id, &phone, &body)
                .await
                .doing("re-sealing a message")?;
            rotated.messages += 1;
        }
        sealed::forget_keyed_counters(&mut tx, self.now())
            .await
            .doing("ending pending codes")?;
        sealed::set_key_id(&mut tx, i64::from(next.current_key_id()))
            .await
            .doing("recording the new key")?;
        tx.commit().await.doing("committing the key rotation")?;
        next.only_current()?.save(path)?;
        tracing::info!(key = rotated.key_id, "keys rotated");
        Ok(rotated)
    }
}
