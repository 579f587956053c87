-- SMS one-time codes and the outbox every message goes through (queued → sent / failed).
-- The outbox row is the truth about a message: no "sent" without a gateway's yes.
CREATE TABLE sms_outbox (
    id BIGINT NOT NULL PRIMARY KEY,
    phone_enc TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    purpose TEXT NOT NULL,
    body_enc TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
    attempts BIGINT NOT NULL,
    last_error TEXT,
    gateway TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ
);
CREATE INDEX sms_outbox_state ON sms_outbox (state, id);

-- A code is stored as a keyed hash; it expires, is used once, and dies after a few wrong tries.
CREATE TABLE sms_codes (
    id BIGINT NOT NULL PRIMARY KEY,
    phone_lookup TEXT NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('login')),
    code_hash TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    failed_attempts BIGINT NOT NULL
);
CREATE INDEX sms_codes_phone ON sms_codes (phone_lookup, id);
