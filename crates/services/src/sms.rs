//! SMS one-time codes for volunteers' and citizens' logins (ASVS 2.7: six random digits, ten
//! minutes, single use, five wrong tries, throttled sending), and the outbox every message goes
//! through. The gateway is the one true outside boundary: a trait, with a development gateway that
//! only records (the outbox row is the record; a dev page shows it) and a generic HTTP webhook.

use crate::auth::{NewSession, SessionKind};
use crate::error::DbContext;
use crate::vault::Field;
use crate::{ServiceError, ServiceResult, Services};
use hongmajia_domain::queue::SmsState;
use hongmajia_domain::{ErrorCode, Phone, Role};
use hongmajia_store::{accounts, new_id, sms};
use std::future::Future;
use std::pin::Pin;
use time::Duration;

pub const CODE_LIFETIME: Duration = Duration::minutes(10);
pub const MAX_WRONG_TRIES: i64 = 5;
/// At most one code a minute and five an hour per phone.
const MIN_GAP: Duration = Duration::seconds(60);
const PER_HOUR: usize = 5;
/// Delivery attempts before a message is given up as failed.
const MAX_ATTEMPTS: i64 = 5;

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Sends one text message; `Err` carries the reason for the outbox.
pub trait SmsGateway: Send + Sync {
    fn name(&self) -> &'static str;
    fn send<'a>(&'a self, phone: &'a str, message: &'a str) -> SendFuture<'a>;
    /// Whether messages stay on this machine (the development gateway): then the outbox may be
    /// shown on the development page.
    fn is_development(&self) -> bool {
        false
    }
}

/// Sends nothing anywhere: the outbox row is the record, read on `/dev/sms` and by tests.
pub struct DevelopmentGateway;

impl SmsGateway for DevelopmentGateway {
    fn name(&self) -> &'static str {
        "development"
    }

    fn send<'a>(&'a self, _phone: &'a str, _message: &'a str) -> SendFuture<'a> {
        Box::pin(async { Ok(()) })
    }

    fn is_development(&self) -> bool {
        true
    }
}

/// POSTs `{"phone": …, "message": …}` as JSON to a deployment's bridge to its SMS provider; any
/// 2xx is "sent".
pub struct WebhookGateway {
    url: String,
    client: reqwest::Client,
}

impl WebhookGateway {
    pub fn new(url: &str) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| anyhow::anyhow!("building the SMS webhook client: {e}"))?;
        Ok(Self {
            url: url.to_owned(),
            client,
        })
    }
}

impl SmsGateway for WebhookGateway {
    fn name(&self) -> &'static str {
        "webhook"
    }

    fn send<'a>(&'a self, phone: &'a str, message: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            let body = serde_json::json!({"phone": phone, "message": message});
            let response = self.client.post(&self.url).json(&body).send().await.map_err(|e| {
                // The error text can hold the URL, never the phone.
                format!("webhook unreachable: {}", e.without_url())
            })?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(format!("webhook answered {}", response.status()))
            }
        })
    }
}

/// A message of the development outbox, decrypted for the development page and tests.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub phone: String,
    pub message: String,
    pub state: SmsState,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// Six digits, uniformly, from the thread's CSPRNG (seeded from the operating system).
fn six_digits() -> anyhow::Result<String> {
    use rand::Rng;
    Ok(format!("{:06}", rand::rng().random_range(0..1_000_000u32)))
}

fn backoff(attempts: i64) -> Duration {
    Duration::seconds(30 * (1 << attempts.clamp(0, 6)))
}

impl Services {
    fn code_hash(&self, phone_lookup: &str, code: &str) -> String {
        self.vault.lookup(Field::SmsBody, &format!("{phone_lookup}:{code}"))
    }

    /// The configured gateway; without one no code can be sent (development mode adds one).
    fn gateway(&self) -> ServiceResult<&dyn SmsGateway> {
        self.sms
            .as_deref()
            .ok_or_else(|| ServiceError::rule(ErrorCode::SmsNotConfigured))
    }

    /// Sends a login code to a phone (any phone: the first login makes a citizen's account).
    pub async fn request_login_code(&self, phone_raw: &str, lang_zh: bool) -> ServiceResult<()> {
        self.gateway()?;
        let phone = Phone::parse(phone_raw)?;
        let lookup = self.vault.lookup(Field::Phone, phone.as_str());
        let now = self.now();
        let mut tx = self.db.begin().await.doing("starting the code request")?;
        let recent = sms::recent_codes(&mut tx, &lookup, "login", PER_HOUR as i64)
            .await
            .doing("reading recent codes")?;
        let last_hour = recent
            .iter()
            .filter(|c| now - c.created_at < Duration::hours(1))
            .count();
        let too_soon = recent.first().is_some_and(|c| now - c.created_at < MIN_GAP);
        if too_soon || last_hour >= PER_HOUR {
            tracing::warn!(event = "sms_code_throttled", phone = %phone.masked());
            return Err(ServiceError::rule(ErrorCode::TooManyCodes));
        }
        let code = six_digits()?;
        let new_code = sms::NewCode {
            id: new_id(),
            phone_lookup: &lookup,
            purpose: "login",
            code_hash: &self.code_hash(&lookup, &code),
            at: now,
            expires_at: now + CODE_LIFETIME,
        };
        sms::insert_code(&mut tx, &new_code).await.doing("storing the code")?;
        let message = if lang_zh {
            format!("【红马甲】您的登录验证码是 {code}，10 分钟内有效。请勿告诉他人。")
        } else {
            format!("[Hongmajia] Your login code is {code}. It expires in 10 minutes. Do not share it.")
        };
        let outbox_id = new_id();
        let queued = sms::NewMessage {
            id: outbox_id,
            phone_enc: &self.vault.encrypt(Field::Phone, phone.as_str())?,
            phone_masked: &phone.masked(),
            purpose: "login",
            body_enc: &self.vault.encrypt(Field::SmsBody, &message)?,
            at: now,
        };
        sms::enqueue(&mut tx, &queued).await.doing("queueing the message")?;
        tx.commit().await.doing("committing the code request")?;
        self.deliver(outbox_id).await
    }

    /// One delivery attempt of a queued message; the outcome is written to its outbox row.
    pub async fn deliver(&self, outbox_id: i64) -> ServiceResult<()> {
        let row = {
            let mut tx = self.db.read().await.doing("starting a read")?;
            sms::find(&mut tx, outbox_id).await.doing("reading the message")?
        };
        let Some(row) = row.filter(|r| r.state == SmsState::Queued) else {
            return Ok(());
        };
        let Some(gateway) = self.sms.as_deref() else {
            return Ok(());
        };
        let phone = self.vault.decrypt(Field::Phone, &row.phone_enc)?;
        let message = self.vault.decrypt(Field::SmsBody, &row.body_enc)?;
        let outcome = gateway.send(&phone, &message).await;
        let now = self.now();
        let (state, error) = match &outcome {
            Ok(()) => (SmsState::Sent, None),
            Err(_) if row.attempts + 1 >= MAX_ATTEMPTS => (SmsState::Failed, outcome.as_ref().err()),
            Err(_) => (SmsState::Queued, outcome.as_ref().err()),
        };
        if let Some(reason) = error {
            tracing::warn!(event = "sms_not_sent", outbox = row.id, phone = %row.phone_masked, reason = %reason);
        }
        let mut tx = self.db.begin().await.doing("starting the delivery record")?;
        sms::record_attempt(
            &mut tx,
            row.id,
            state,
            gateway.name(),
            error.map(String::as_str),
            now + backoff(row.attempts),
            now,
        )
        .await
        .doing("recording the delivery")?;
        tx.commit().await.doing("committing the delivery record")?;
        Ok(())
    }

    /// Retries every queued message whose time has come (the server runs this every few seconds).
    pub async fn deliver_due(&self) -> ServiceResult<usize> {
        let now = self.now();
        let due: Vec<i64> = {
            let mut tx = self.db.read().await.doing("starting a read")?;
            sms::queued(&mut tx, 100)
                .await
                .doing("reading the outbox")?
                .into_iter()
                .filter(|row| row.next_attempt_at <= now)
                .map(|row| row.id)
                .collect()
        };
        for id in &due {
            self.deliver(*id).await?;
        }
        Ok(due.len())
    }

    /// Logs in with a code: the newest code of the phone, unexpired, unused, with fewer than five
    /// wrong tries. A phone without an account gets a citizen's account. Staff accounts log in
    /// with their password only: a phone in someone else's hand must not open an admin session.
    pub async fn login_with_code(&self, phone_raw: &str, code: &str, kind: SessionKind) -> ServiceResult<NewSession> {
        let phone = Phone::parse(phone_raw)?;
        let lookup = self.vault.lookup(Field::Phone, phone.as_str());
        let now = self.now();
        let mut tx = self.db.begin().await.doing("starting the code login")?;
        let newest = sms::recent_codes(&mut tx, &lookup, "login", 1)
            .await
            .doing("reading the code")?
            .into_iter()
            .next()
            .filter(|c| c.used_at.is_none() && c.failed_attempts < MAX_WRONG_TRIES)
            .ok_or_else(|| ServiceError::rule(ErrorCode::InvalidCode))?;
        if now > newest.expires_at {
            return Err(ServiceError::rule(ErrorCode::CodeExpired));
        }
        let given = self.code_hash(&lookup, code.trim());
        if !crate::auth::constant_time_eq(&given, &newest.code_hash) {
            sms::count_failure(&mut tx, newest.id)
                .await
                .doing("counting a wrong code")?;
            tx.commit().await.doing("committing the wrong code")?;
            tracing::warn!(event = "sms_login_failed", phone = %phone.masked());
            return Err(ServiceError::rule(ErrorCode::InvalidCode));
        }
        if !sms::use_code(&mut tx, newest.id, now).await.doing("using the code")? {
            return Err(ServiceError::rule(ErrorCode::InvalidCode));
        }
        let account = self.citizen_account(&mut tx, &phone, &lookup).await?;
        if account.disabled_at.is_some() {
            return Err(ServiceError::rule(ErrorCode::AccountDisabled));
        }
        // A staff account with a password logs in with it: a phone in someone else's hand must
        // not open an admin session. Without one (a reset), the code lets its holder in to set a
        // new password; its staff roles count again only then.
        let roles = accounts::roles(&mut tx, account.id).await.doing("reading the roles")?;
        if account.password_hash.is_some() && roles.iter().any(|r| Role::parse(&r.role).is_some_and(Role::is_staff)) {
            return Err(ServiceError::on(ErrorCode::PasswordRequired, "password"));
        }
        let account = account.id;
        if !accounts::hold_for_session(&mut tx, account, None)
            .await
            .doing("holding the account")?
        {
            return Err(ServiceError::rule(ErrorCode::AccountDisabled));
        }
        let session = self.open_session(&mut tx, account, kind).await?;
        tx.commit().await.doing("committing the code login")?;
        tracing::info!(event = "login_succeeded", %account, method = "sms");
        Ok(session)
    }

    /// The account of a phone; a new one with the citizen role when there is none.
    async fn citizen_account(
        &self,
        tx: &mut hongmajia_store::Tx,
        phone: &Phone,
        lookup: &str,
    ) -> ServiceResult<accounts::AccountRow> {
        if let Some(account) = accounts::find_by_phone(tx, lookup).await.doing("finding the account")? {
            return Ok(account);
        }
        let id = new_id();
        let sealed = self.vault.encrypt(Field::Phone, phone.as_str())?;
        let stored = accounts::StoredPhone {
            lookup,
            sealed: &sealed,
            masked: &phone.masked(),
        };
        accounts::insert(tx, id, &stored, "", None, self.now())
            .await
            .unique_or(ErrorCode::InvalidCode, "code", "creating the account")?;
        accounts::insert_role(tx, id, Role::Citizen.as_str(), None, self.now())
            .await
            .doing("giving the citizen role")?;
        accounts::find(tx, id)
            .await
            .doing("reading the new account")?
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("the new account vanished")))
    }

    /// The newest outbox messages, decrypted: only while the development gateway is in use.
    pub async fn development_outbox(&self, limit: i64) -> ServiceResult<Vec<OutboxMessage>> {
        if !self.sms.as_deref().is_some_and(SmsGateway::is_development) {
            return Err(ServiceError::rule(ErrorCode::NotFound));
        }
        let mut tx = self.db.read().await.doing("starting a read")?;
        let rows = sms::recent(&mut tx, limit).await.doing("reading the outbox")?;
        rows.into_iter()
            .map(|row| {
                Ok(OutboxMessage {
                    id: row.id,
                    phone: self.vault.decrypt(Field::Phone, &row.phone_enc)?,
                    message: self.vault.decrypt(Field::SmsBody, &row.body_enc)?,
                    state: row.state,
                    attempts: row.attempts,
                    last_error: row.last_error,
                })
            })
            .collect()
    }

    /// Every outbox row's state and gateway, for tests of delivery and the outbox's truth.
    pub async fn outbox_states(&self) -> ServiceResult<Vec<(i64, SmsState, i64, Option<String>)>> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        let rows = sms::recent(&mut tx, 1000).await.doing("reading the outbox")?;
        Ok(rows
            .into_iter()
            .map(|r| (r.id, r.state, r.attempts, r.last_error))
            .collect())
    }

    /// The gateway's name, `none` when SMS are not configured.
    pub fn sms_gateway_name(&self) -> &'static str {
        self.sms.as_deref().map_or("none", SmsGateway::name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_cover_the_range() {
        let codes: Vec<String> = (0..5_000).map(|_| six_digits().unwrap()).collect();
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        );
        // Every first digit turns up (a fixed or truncated source would not give all ten).
        let firsts: std::collections::HashSet<u8> = codes.iter().map(|c| c.as_bytes()[0]).collect();
        assert_eq!(firsts.len(), 10);
        let distinct: std::collections::HashSet<&String> = codes.iter().collect();
        assert!(distinct.len() > 4_900, "codes repeat too often: {}", distinct.len());
    }
}
