-- One-use check-in nonces (Trust 1, item 6). The QR token on the organizer's screen lives 90 s;
-- opening the confirm page exchanges it for a nonce that lives 10 minutes (long enough for a
-- login) and checks in or out once. Only the nonce's keyed hash is kept.
CREATE TABLE checkin_nonces (
    nonce_hash TEXT NOT NULL PRIMARY KEY,
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    issued_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    used_by BIGINT REFERENCES accounts (id)
);
CREATE INDEX checkin_nonces_expiry ON checkin_nonces (expires_at);
