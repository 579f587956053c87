//! Login by phone and password, sessions (cookie for pages, bearer token for the API), logout.
//!
//! Built so that a second step for admin roles can be added: `login` checks the password and
//! throttling, then `open_session` makes the session; a second factor would sit between them.

use crate::cache;
use crate::error::DbContext;
use crate::vault::Field;
use crate::{ServiceError, ServiceResult, Services};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use hongmajia_domain::team::TeamRole;
use hongmajia_domain::throttle::{ACCOUNT_LIMIT, WINDOW_SECONDS, may_check};
use hongmajia_domain::{AccountId, Actor, ErrorCode, Grant, Phone, session};
use hongmajia_store::{Tx, accounts, new_id, sessions, throttle};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Cookie,
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Cookie => "cookie",
            Self::Api => "api",
        }
    }
}

/// What a successful login hands out. The token is shown once; only its hash is stored.
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub account_id: AccountId,
}

/// The signed-in actor of a request, and what its session needs for CSRF checks.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub actor: Actor,
    pub kind: SessionKind,
    pub csrf_token: String,
    /// The session's id, so that acts ending the account's other sessions keep this one.
    pub session_id: i64,
}

/// How often a session's use is written down; also how long a cached session goes unchecked
/// against its idle timeout at most (it is then read again).
const SESSION_TOUCH_EVERY: time::Duration = time::Duration::minutes(1);

/// A session as the cache keeps it: enough to check it is still live without reading it.
#[derive(Clone)]
pub(crate) struct KeptSession {
    authenticated: Authenticated,
    created_at: time::OffsetDateTime,
    last_seen_at: time::OffsetDateTime,
}

/// A fresh random token: 32 bytes (256 bits) from the operating system's CSPRNG, hex-encoded.
pub fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("the OS random source failed: {e}"))?;
    Ok(hex::encode(bytes))
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// argon2id with a random salt, off the async threads (it takes tens of milliseconds on purpose).
pub async fn hash_password(password: &hongmajia_domain::Password) -> ServiceResult<String> {
    let plain = password.expose().to_owned();
    let hash = tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(plain.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await
    .map_err(|e| anyhow::anyhow!("the hashing task failed: {e}"))??;
    Ok(hash)
}

/// Checks a password against a stored hash. Without one, a dummy hash is checked anyway, so that
/// the answer takes as long for an unknown phone as for a wrong password.
async fn verify_password(plain: &str, stored: Option<String>) -> ServiceResult<bool> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let plain = plain.to_owned();
    let ok = tokio::task::spawn_blocking(move || {
        let dummy = DUMMY.get_or_init(|| {
            Argon2::default()
                .hash_password(b"no account has this password")
                .map(|h| h.to_string())
                .unwrap_or_default()
        });
        let (hash, real) = match &stored {
            Some(hash) => (hash.as_str(), true),
            None => (dummy.as_str(), false),
        };
        let matches = PasswordHash::new(hash)
            .map(|parsed| Argon2::default().verify_password(plain.as_bytes(), &parsed).is_ok())
            .unwrap_or(false);
        real && matches
    })
    .await
    .map_err(|e| anyhow::anyhow!("the verifying task failed: {e}"))?;
    Ok(ok)
}

impl Services {
    /// Password login. At most `ACCOUNT_LIMIT` attempts per phone and `ip_attempt_limit` per
    /// client address are checked in a 15-minute window; after that every attempt, even with the
    /// right password, gets `too_many_attempts`. Successes give their slot back.
    pub async fn login(
        &self,
        phone_raw: &str,
        password: &str,
        client_ip: &str,
        kind: SessionKind,
    ) -> ServiceResult<NewSession> {
        let phone = Phone::parse(phone_raw)?;
        let phone_lookup = self.vault.lookup(Field::Phone, phone.as_str());
        // The throttle table holds the phone's keyed hash, never the number itself.
        let account_key = format!("account:{phone_lookup}");
        let ip_key = format!("ip:{client_ip}");
        if !self.reserve_attempts(&account_key, &ip_key).await? {
            tracing::warn!(event = "login_throttled", phone = %phone.masked(), ip = client_ip);
            return Err(ServiceError::rule(ErrorCode::TooManyAttempts));
        }
        let account = {
            let mut tx = self.db.read().await.doing("starting a read")?;
            accounts::find_by_phone(&mut tx, &phone_lookup)
                .await
                .doing("finding the account")?
        };
        let stored = account.as_ref().and_then(|a| a.password_hash.clone());
        if !verify_password(password, stored.clone()).await? {
            tracing::warn!(event = "login_failed", phone = %phone.masked(), ip = client_ip);
            return Err(ServiceError::rule(ErrorCode::InvalidCredentials));
        }
        let Some(account) = account else {
            return Err(ServiceError::rule(ErrorCode::InvalidCredentials));
        };
        if account.disabled_at.is_some() {
            tracing::warn!(
                event = "login_refused",
                reason = "disabled",
                account = %account.id,
                ip = client_ip
            );
            return Err(ServiceError::rule(ErrorCode::AccountDisabled));
        }
        let mut tx = self.db.begin().await.doing("starting the login")?;
        if !accounts::hold_for_session(&mut tx, account.id, stored.as_deref())
            .await
            .doing("holding the account")?
        {
            // Disabled or reset while the password was being checked.
            return Err(ServiceError::rule(ErrorCode::InvalidCredentials));
        }
        throttle::release(&mut tx, &account_key)
            .await
            .doing("releasing the account attempt")?;
        throttle::release(&mut tx, &ip_key)
            .await
            .doing("releasing the address attempt")?;
        let session = self.open_session(&mut tx, account.id, kind).await?;
        tx.commit().await.doing("committing the login")?;
        tracing::info!(event = "login_succeeded", account = %account.id, ip = client_ip);
        Ok(session)
    }

    /// Takes one attempt slot for the phone and one for the address; both must be within limits.
    async fn reserve_attempts(&self, account_key: &str, ip_key: &str) -> ServiceResult<bool> {
        let now = self.now().unix_timestamp();
        let mut tx = self.db.begin().await.doing("starting the throttle check")?;
        let by_account = throttle::reserve(&mut tx, account_key, now, WINDOW_SECONDS)
            .await
            .doing("counting the account attempt")?;
        let by_ip = throttle::reserve(&mut tx, ip_key, now, WINDOW_SECONDS)
            .await
            .doing("counting the address attempt")?;
        tx.commit().await.doing("committing the throttle check")?;
        Ok(may_check(by_account, ACCOUNT_LIMIT) && may_check(by_ip, self.settings.ip_attempt_limit))
    }

    pub(crate) async fn open_session(
        &self,
        tx: &mut Tx,
        account: AccountId,
        kind: SessionKind,
    ) -> ServiceResult<NewSession> {
        let token = random_token()?;
        let csrf_token = random_token()?;
        let row = sessions::NewSession {
            id: new_id(),
            token_hash: &token_hash(&token),
            account_id: account,
            kind: kind.as_str(),
            csrf_token: &csrf_token,
            at: self.now(),
        };
        sessions::insert(tx, &row).await.doing("storing the session")?;
        Ok(NewSession {
            token,
            csrf_token,
            account_id: account,
        })
    }

    /// The actor behind a session token, if the session is live. Use is recorded at most once a
    /// minute, so reading pages does not turn every request into a write. A session read in the
    /// last seconds is answered from the cache, unless its account's access changed since.
    pub async fn authenticate(&self, token: &str) -> ServiceResult<Authenticated> {
        let now = self.now();
        let hash = token_hash(token);
        if let Some(kept) = self.caches.sessions.get(&hash, now)
            && session::is_live(kept.created_at, kept.last_seen_at, now)
            && now - kept.last_seen_at <= SESSION_TOUCH_EVERY
        {
            return Ok(kept.authenticated);
        }
        let started = self.caches.sessions.start_read(now);
        // Every request not cached starts here: plain reads, without the round trips of a
        // transaction.
        let mut tx = self.db.autocommit().await.doing("starting a read")?;
        let (mut session, label) = sessions::find_with_label(&mut tx, &hash)
            .await
            .doing("finding the session")?
            .filter(|(s, _)| s.revoked_at.is_none() && session::is_live(s.created_at, s.last_seen_at, now))
            .ok_or_else(|| ServiceError::rule(ErrorCode::Unauthenticated))?;
        let actor = actor_with_roles(&mut tx, session.account_id, label).await?;
        drop(tx);
        if now - session.last_seen_at > SESSION_TOUCH_EVERY {
            let mut tx = self.db.begin().await.doing("starting the session touch")?;
            sessions::touch(&mut tx, session.id, now)
                .await
                .doing("recording session use")?;
            tx.commit().await.doing("committing the session touch")?;
            session.last_seen_at = now;
        }
        let kind = if session.kind == "api" {
            SessionKind::Api
        } else {
            SessionKind::Cookie
        };
        let authenticated = Authenticated {
            actor,
            kind,
            csrf_token: session.csrf_token,
            session_id: session.id,
        };
        let kept = KeptSession {
            authenticated: authenticated.clone(),
            created_at: session.created_at,
            last_seen_at: session.last_seen_at,
        };
        self.caches.sessions.keep(hash, started, kept);
        Ok(authenticated)
    }

    /// Ends a session on the server: the token is refused from now on.
    pub async fn logout(&self, token: &str) -> ServiceResult<()> {
        let mut tx = self.db.begin().await.doing("starting the logout")?;
        sessions::revoke(&mut tx, &token_hash(token), self.now())
            .await
            .doing("revoking the session")?;
        self.commit_changing(tx, &cache::ACCESS, "committing the logout").await
    }
}

/// An account with its roles, as the access policy sees it.
pub(crate) async fn load_actor(tx: &mut Tx, id: AccountId) -> ServiceResult<Actor> {
    let account = accounts::find(tx, id)
        .await
        .doing("finding the account")?
        .ok_or_else(|| ServiceError::rule(ErrorCode::Unauthenticated))?;
    actor_with_roles(tx, id, account.phone_masked).await
}

/// The account's grants (staff and volunteer roles in their regions) and team roles; a stored
/// role this build does not know is skipped, never widened.
async fn actor_with_roles(tx: &mut Tx, id: AccountId, label: String) -> ServiceResult<Actor> {
    let rows = accounts::grants(tx, id).await.doing("reading the roles")?;
    let (mut grants, mut teams) = (Vec::new(), Vec::new());
    for row in rows {
        match row.team_id {
            Some(team) => teams.extend(TeamRole::parse(&row.role).map(|role| (team, role))),
            None => grants.extend(Grant::from_stored(&row.role, row.region_code.as_deref())),
        }
    }
    Ok(Actor::Account {
        id,
        label,
        grants,
        teams,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_equal_only_when_every_byte_and_the_length_agree() {
        assert!(constant_time_eq("a1b2c3", "a1b2c3"));
        assert!(!constant_time_eq("a1b2c3", "a1b2c4"));
        assert!(!constant_time_eq("a1b2c3", "a1b2c"), "a prefix is not the secret");
        assert!(!constant_time_eq("", "x"));
        assert!(constant_time_eq("", ""));
    }
}
